-- The notification centre and web push (issue 16).
--
-- `notifications`: what a person was told, as the bell and the notifications page show it.
-- Written by the delivery worker from an outbox row (at most one per row: `outbox_id` is
-- unique, so a retried delivery writes nothing twice).
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    outbox_id   BIGINT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    url         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- One browser (device) of a person that receives web push: the push service's endpoint and
-- the keys to encrypt for it (`p256dh`, `auth`, base64url as the browser gives them).
CREATE TABLE push_subscriptions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    endpoint    TEXT NOT NULL UNIQUE,
    p256dh      TEXT NOT NULL,
    auth        TEXT NOT NULL,
    -- What the person calls the device (from the browser's user agent by default).
    label       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    last_ok_at  BIGINT
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
