-- Composite indexes for filter + sort pairs whose columns correlate (a category's prices,
-- a city's currency), so the first page is read in order instead of filtered out of a scan.
CREATE INDEX events_pub_category_price ON events (category, min_price_cents, starts_at, id) WHERE status = 'published';
CREATE INDEX events_pub_category_newest ON events (category, published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX events_pub_city_price ON events (lower(city), min_price_cents, starts_at, id) WHERE status = 'published';
