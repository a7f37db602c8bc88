-- Links mailed to a person that act on their account without a session (issue 16): set a
-- new password, confirm an e-mail address. Single-use and short-lived. The link's secret is
-- an HMAC of `nonce` under a key the server keeps outside the database, so nothing stored
-- here is enough to use a link.
CREATE TABLE account_links (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('password_reset', 'verify_email')),
    -- The address the link was sent to: a link for an address the account no longer has
    -- does nothing.
    email       TEXT NOT NULL,
    nonce       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX account_links_user ON account_links (user_id, purpose, created_at);

-- When the account's address was confirmed (through a link, or a password reset).
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
