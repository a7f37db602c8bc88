-- Evently schema (SQLite). Times are UTC milliseconds since the Unix epoch (BIGINT),
-- the same representation as the SQLite schema so one set of queries serves both engines.

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    email                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    role                 TEXT NOT NULL DEFAULT 'attendee' CHECK (role IN ('attendee', 'organizer', 'admin')),
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    marketing_opt_in_at  BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    deleted_at           BIGINT
);

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users(id),
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    revoked_at      BIGINT,
    revoked_reason  TEXT,
    ip              TEXT,
    user_agent      TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE refresh_tokens (
    token_hash  TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions(id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE events (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    organizer_id           BIGINT NOT NULL REFERENCES users(id),
    slug                   TEXT NOT NULL UNIQUE,
    title                  TEXT NOT NULL,
    description            TEXT NOT NULL,
    venue                  TEXT NOT NULL,
    city                   TEXT NOT NULL,
    category               TEXT NOT NULL,
    starts_at              BIGINT NOT NULL,
    ends_at                BIGINT NOT NULL,
    timezone               TEXT NOT NULL DEFAULT 'UTC',
    status                 TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'cancelled')),
    image_url              TEXT,
    hold_minutes           BIGINT NOT NULL DEFAULT 10 CHECK (hold_minutes BETWEEN 1 AND 60),
    cancel_cutoff_minutes  BIGINT NOT NULL DEFAULT 1440 CHECK (cancel_cutoff_minutes >= 0),
    min_price_cents        BIGINT NOT NULL DEFAULT 0,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL,
    published_at           BIGINT,
    cancelled_at           BIGINT,
    CHECK (ends_at >= starts_at)
);
CREATE INDEX events_upcoming ON events (starts_at, id) WHERE status = 'published';
CREATE INDEX events_organizer ON events (organizer_id, starts_at);

CREATE TABLE ticket_types (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id         BIGINT NOT NULL REFERENCES events(id),
    name             TEXT NOT NULL,
    price_cents      BIGINT NOT NULL CHECK (price_cents >= 0),
    currency         TEXT NOT NULL DEFAULT 'EUR',
    capacity         BIGINT NOT NULL CHECK (capacity >= 0),
    taken            BIGINT NOT NULL DEFAULT 0,
    sale_starts_at   BIGINT,
    sale_ends_at     BIGINT,
    max_per_booking  BIGINT NOT NULL DEFAULT 10 CHECK (max_per_booking BETWEEN 1 AND 50),
    position         BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    -- The last line of defence against overselling: no write may ever break this.
    CONSTRAINT ticket_types_taken_within_capacity CHECK (taken >= 0 AND taken <= capacity)
);
CREATE INDEX ticket_types_event ON ticket_types (event_id, position);

CREATE TABLE holds (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          BIGINT NOT NULL REFERENCES users(id),
    event_id         BIGINT NOT NULL REFERENCES events(id),
    ticket_type_id   BIGINT NOT NULL REFERENCES ticket_types(id),
    quantity         BIGINT NOT NULL CHECK (quantity > 0),
    status           TEXT NOT NULL CHECK (status IN ('active', 'confirmed', 'released', 'expired')),
    expires_at       BIGINT NOT NULL,
    renewals         BIGINT NOT NULL DEFAULT 0,
    idempotency_key  TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX holds_active_expiry ON holds (ticket_type_id, expires_at) WHERE status = 'active';
CREATE INDEX holds_active_any ON holds (expires_at) WHERE status = 'active';
CREATE INDEX holds_user ON holds (user_id, created_at);

CREATE TABLE bookings (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    code              TEXT NOT NULL UNIQUE,
    user_id           BIGINT NOT NULL REFERENCES users(id),
    event_id          BIGINT NOT NULL REFERENCES events(id),
    ticket_type_id    BIGINT NOT NULL REFERENCES ticket_types(id),
    quantity          BIGINT NOT NULL CHECK (quantity > 0),
    unit_price_cents  BIGINT NOT NULL,
    total_cents       BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
    idempotency_key   TEXT,
    request_hash      TEXT,
    hold_id           BIGINT UNIQUE REFERENCES holds(id),
    created_at        BIGINT NOT NULL,
    cancelled_at      BIGINT,
    cancel_reason     TEXT,
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX bookings_user ON bookings (user_id, created_at);
CREATE INDEX bookings_ticket_type ON bookings (ticket_type_id, status);
CREATE INDEX bookings_event ON bookings (event_id, status);

CREATE TABLE tickets (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    booking_id     BIGINT NOT NULL REFERENCES bookings(id),
    code           TEXT NOT NULL UNIQUE,
    attendee_name  TEXT,
    checked_in_at  BIGINT,
    checked_in_by  BIGINT
);
CREATE INDEX tickets_booking ON tickets (booking_id);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    dedup_key        TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    locked_until     BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    delivered_at     BIGINT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id     BIGINT,
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL,
    target_id    TEXT,
    subject_id   BIGINT,
    detail       TEXT NOT NULL DEFAULT '{}',
    ip           TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX audit_log_created ON audit_log (created_at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, created_at);
CREATE INDEX audit_log_subject ON audit_log (subject_id, created_at);
