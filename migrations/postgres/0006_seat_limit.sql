-- The most seats one person may hold and book for an event, across its ticket types.
ALTER TABLE events ADD COLUMN max_seats_per_user BIGINT NOT NULL DEFAULT 10
    CHECK (max_seats_per_user >= 1);
-- Never below one booking's maximum: events whose ticket types allow more than 10 per
-- booking get that maximum.
UPDATE events e SET max_seats_per_user = m.max
FROM (SELECT event_id, MAX(max_per_booking) AS max FROM ticket_types GROUP BY event_id) m
WHERE m.event_id = e.id AND m.max > 10;
