-- Delivery (issue 16): the outbox worker's claims, per-channel progress, signed tickets.

-- A worker claims a due row by moving `next_attempt_at` to the end of its lease and stamping
-- `claim` with a value of its own; only the holder of that claim may settle the row. A claim
-- held by a process that died comes back when the lease runs out.
ALTER TABLE outbox ADD COLUMN claim TEXT;
-- Channels (`email`, `push`) already delivered for this row, so a retry resends only the rest.
ALTER TABLE outbox ADD COLUMN done_channels TEXT NOT NULL DEFAULT '';
-- When the last attempt ended (for the admin view).
ALTER TABLE outbox ADD COLUMN last_attempt_at BIGINT;
CREATE INDEX outbox_dead ON outbox (id) WHERE status = 'dead';
CREATE INDEX outbox_created ON outbox (created_at) WHERE status = 'pending';

