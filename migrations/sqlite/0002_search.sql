-- Search: an FTS5 index over events (title, description, venue, city) kept in step by
-- triggers, and indexes that serve each sort order with keyset pagination.

CREATE VIRTUAL TABLE events_fts USING fts5(
    title, description, venue, city,
    content = 'events', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO events_fts (rowid, title, description, venue, city)
    SELECT id, title, description, venue, city FROM events;

CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN
    INSERT INTO events_fts (rowid, title, description, venue, city)
    VALUES (new.id, new.title, new.description, new.venue, new.city);
END;

CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
    INSERT INTO events_fts (events_fts, rowid, title, description, venue, city)
    VALUES ('delete', old.id, old.title, old.description, old.venue, old.city);
END;

CREATE TRIGGER events_fts_update AFTER UPDATE OF title, description, venue, city ON events BEGIN
    INSERT INTO events_fts (events_fts, rowid, title, description, venue, city)
    VALUES ('delete', old.id, old.title, old.description, old.venue, old.city);
    INSERT INTO events_fts (rowid, title, description, venue, city)
    VALUES (new.id, new.title, new.description, new.venue, new.city);
END;

CREATE INDEX events_pub_category ON events (category, starts_at, id) WHERE status = 'published';
CREATE INDEX events_pub_city ON events (city COLLATE NOCASE, starts_at, id) WHERE status = 'published';
CREATE INDEX events_pub_price ON events (min_price_cents, starts_at, id) WHERE status = 'published';
CREATE INDEX events_pub_newest ON events (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX bookings_created ON bookings (created_at);
