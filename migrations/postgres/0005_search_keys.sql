-- Search keys: the filter and sort values of an event as lexemes (city, category, price
-- band, start week, publication week), in one GIN index beside the words. A search that
-- has words then finds the events of one city, category or price band in one stretch of
-- its sort order with a single index scan, reading only the rows it returns. The keys only
-- narrow what is read: every condition is still checked on the row itself.
ALTER TABLE events ADD COLUMN search_keys tsvector GENERATED ALWAYS AS (
    array_to_tsvector(ARRAY[
        'c' || md5(lower(city)),
        'k' || md5(category),
        'p' || width_bucket(min_price_cents, ARRAY[1, 500, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 6500, 8000, 10000, 15000, 25000, 50000, 100000]::bigint[])::text,
        'w' || (starts_at / 604800000)::text,
        'n' || coalesce((published_at / 604800000)::text, 'none')
    ])
) STORED;

DROP INDEX events_search;
CREATE INDEX events_search ON events USING GIN (search, search_keys) WHERE status = 'published';

-- The rewrite leaves the table without statistics for the new column until autovacuum
-- comes by; plans for the first searches need them.
ANALYZE events;
