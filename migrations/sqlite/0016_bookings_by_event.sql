-- An event's bookings by id (was: by status): exports walk bookings by event and then id,
-- and every query that asked for an event's bookings of a status still finds them here.
DROP INDEX bookings_event;
CREATE INDEX bookings_event ON bookings (event_id, id);
