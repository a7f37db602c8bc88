-- Reminders and "event changed" notices (issue 16).

-- How long before an event starts its bookers are reminded, in hours (0: no reminder).
ALTER TABLE events ADD COLUMN reminder_hours BIGINT NOT NULL DEFAULT 24
    CHECK (reminder_hours BETWEEN 0 AND 336);
-- Whether a person wants reminder e-mails (transactional mail is always sent). Turned off
-- from the account page or with one click from a reminder's List-Unsubscribe header.
ALTER TABLE users ADD COLUMN email_reminders BOOLEAN NOT NULL DEFAULT TRUE;
-- The event a message is about, so that an event's pending reminders can be moved or
-- dropped together when its time changes or it is cancelled.
ALTER TABLE outbox ADD COLUMN event_id BIGINT;
CREATE INDEX outbox_event_pending ON outbox (event_id, kind) WHERE status = 'pending';
