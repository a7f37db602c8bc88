-- A city's newest events, read in order (search narrows its window by city).
CREATE INDEX events_pub_city_newest ON events (city COLLATE NOCASE, published_at DESC, id DESC) WHERE status = 'published';
