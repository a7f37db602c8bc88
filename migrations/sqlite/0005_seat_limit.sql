-- The most seats one person may hold and book for an event, across its ticket types.
ALTER TABLE events ADD COLUMN max_seats_per_user INTEGER NOT NULL DEFAULT 10
    CHECK (max_seats_per_user >= 1);
-- Never below one booking's maximum.
UPDATE events SET max_seats_per_user =
    (SELECT MAX(t.max_per_booking) FROM ticket_types t WHERE t.event_id = events.id)
WHERE EXISTS (SELECT 1 FROM ticket_types t WHERE t.event_id = events.id AND t.max_per_booking > 10);
