-- Search: a weighted full-text document per event (title > venue/city > description), and
-- indexes that serve each sort order with keyset pagination over published events.

ALTER TABLE events ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(venue, '') || ' ' || coalesce(city, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(description, '')), 'C')
) STORED;

CREATE INDEX events_search ON events USING GIN (search);
CREATE INDEX events_pub_category ON events (category, starts_at, id) WHERE status = 'published';
CREATE INDEX events_pub_city ON events (lower(city), starts_at, id) WHERE status = 'published';
CREATE INDEX events_pub_price ON events (min_price_cents, starts_at, id) WHERE status = 'published';
CREATE INDEX events_pub_newest ON events (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX bookings_created ON bookings (created_at);
