//! The transactional outbox: promises made by a transaction (mail, push, waitlist offers),
//! written in that same transaction and delivered later, at least once, by a worker.

use crate::db::{Db, Tx};
use crate::domain::OutboxStatus;
use crate::notifications::Message;
use crate::store::status::lit::{OUTBOX_DEAD, OUTBOX_DELIVERED, OUTBOX_PENDING};
use crate::store::values_placeholders;
use crate::{on_pool, on_tx, on_writer};

/// Records one message in the caller's transaction, due at `due` (UTC ms) rather than now.
pub async fn enqueue_due(
    tx: &mut Tx,
    msg: &Message,
    due: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    enqueue_each_due(tx, &[(msg.clone(), due)], now).await
}

/// Drops a message that is still waiting to be delivered (a reminder whose subject ended
/// first). Delivered messages stay.
pub async fn drop_pending(tx: &mut Tx, dedup_key: &str) -> Result<(), sqlx::Error> {
    let sql = format!("DELETE FROM outbox WHERE dedup_key = $1 AND status = {OUTBOX_PENDING}");
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(dedup_key)
        .execute(c)
        .await
        .map(|_| ()))
}

/// Drops an event's undelivered messages of one kind (its reminders, when it moves or is
/// cancelled), or only those of one booking. Returns how many went.
pub async fn drop_pending_for_event(
    tx: &mut Tx,
    event_id: i64,
    kind: &str,
    booking_id: Option<i64>,
) -> Result<u64, sqlx::Error> {
    // Keys of booking notices are `kind:booking_id:...`; kinds hold no LIKE wildcards.
    let pattern = match booking_id {
        Some(b) => format!("{kind}:{b}:%"),
        None => "%".to_string(),
    };
    let sql = format!(
        "DELETE FROM outbox WHERE event_id = $1 AND kind = $2 AND status = {OUTBOX_PENDING} \
         AND dedup_key LIKE $3"
    );
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(event_id)
        .bind(kind)
        .bind(&pattern)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

/// Records messages in the caller's transaction, due now. Duplicate keys are ignored.
pub async fn enqueue(tx: &mut Tx, msgs: &[Message], now: i64) -> Result<(), sqlx::Error> {
    let due: Vec<(Message, i64)> = msgs.iter().map(|m| (m.clone(), now)).collect();
    enqueue_each_due(tx, &due, now).await
}

/// Records messages in the caller's transaction, each due at its own time (UTC ms).
/// Duplicate keys are ignored.
pub async fn enqueue_each_due(
    tx: &mut Tx,
    msgs: &[(Message, i64)],
    now: i64,
) -> Result<(), sqlx::Error> {
    for chunk in msgs.chunks(1000) {
        let sql = format!(
            "INSERT INTO outbox (kind, payload, dedup_key, event_id, next_attempt_at, status, attempts, created_at) \
             VALUES {} ON CONFLICT (dedup_key) DO NOTHING",
            values_placeholders(chunk.len(), 5, 2, &format!(", {OUTBOX_PENDING}, 0, $1"))
        );
        let rows: Vec<_> = chunk.iter().map(|(m, due)| (m.to_row(), *due)).collect();
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql).bind(now);
            for (m, due) in &rows {
                q = q
                    .bind(&m.kind)
                    .bind(&m.payload)
                    .bind(&m.dedup_key)
                    .bind(m.event_id)
                    .bind(*due);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// A row a worker has claimed: deliver it, then settle it with the same `claim`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub dedup_key: String,
    /// Attempts including this one.
    pub attempts: i64,
    /// Channels already delivered by an earlier attempt (comma-separated).
    pub done_channels: String,
    pub created_at: i64,
}

/// Claims up to `limit` due rows for `claim` until `lease_until`: they are not due again
/// before then, so no other worker takes them while this one delivers. On PostgreSQL rows
/// locked by a concurrent claimer are skipped; SQLite has one writer.
pub async fn claim(
    db: &Db,
    claim: &str,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<ClaimedRow>, sqlx::Error> {
    let lock = match db {
        Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        Db::Sqlite { .. } => "",
    };
    let sql = format!(
        "UPDATE outbox SET claim = $1, next_attempt_at = $3, locked_until = $3, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox WHERE status = {OUTBOX_PENDING} AND next_attempt_at <= $2 \
         ORDER BY next_attempt_at, id LIMIT $4{lock}) \
         RETURNING id, kind, payload, dedup_key, attempts, done_channels, created_at"
    );
    let mut rows = on_writer!(db, |p| sqlx::query_as::<_, ClaimedRow>(&sql)
        .bind(claim)
        .bind(now)
        .bind(lease_until)
        .bind(limit)
        .fetch_all(p)
        .await)?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// How a claimed row ends this attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    Delivered,
    /// Try again at this time (UTC ms).
    Retry {
        at: i64,
        error: String,
    },
    Dead {
        error: String,
    },
}

/// Records the outcome of `claim`'s attempt at row `id`. Does nothing (returns false) when
/// the claim is no longer this worker's: its lease ran out and another worker took the row.
pub async fn settle(
    db: &Db,
    id: i64,
    claim: &str,
    done_channels: &str,
    outcome: &Settle,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let (status, next, error, delivered_at) = match outcome {
        Settle::Delivered => (OutboxStatus::Delivered, now, None, Some(now)),
        Settle::Retry { at, error } => (OutboxStatus::Pending, *at, Some(error.as_str()), None),
        Settle::Dead { error } => (OutboxStatus::Dead, now, Some(error.as_str()), None),
    };
    let sql = "UPDATE outbox SET status = $3, next_attempt_at = $4, last_error = $5, delivered_at = $6, \
               done_channels = $7, last_attempt_at = $8, claim = NULL, locked_until = NULL \
               WHERE id = $1 AND claim = $2";
    let done = on_writer!(db, |p| sqlx::query(sql)
        .bind(id)
        .bind(claim)
        .bind(status)
        .bind(next)
        .bind(error)
        .bind(delivered_at)
        .bind(done_channels)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Puts a dead row back in the queue, due now, with its attempts reset. False when `id` is
/// not a dead row.
pub async fn revive(db: &Db, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE outbox SET status = {OUTBOX_PENDING}, attempts = 0, next_attempt_at = $2, claim = NULL, \
         locked_until = NULL WHERE id = $1 AND status = {OUTBOX_DEAD}"
    );
    let done = on_writer!(db, |p| sqlx::query(&sql)
        .bind(id)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// The queue at a glance.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct OutboxCounts {
    /// Pending, due now, never tried.
    pub queued: i64,
    /// Pending, never tried, due later (reminders).
    pub scheduled: i64,
    /// Pending after at least one failed attempt, not being delivered now.
    pub retrying: i64,
    /// Claimed by a worker whose lease has not run out.
    pub in_flight: i64,
    pub dead: i64,
    pub delivered: i64,
    /// Pending and due now.
    pub due: i64,
    /// Creation time of the oldest message that is due now (UTC ms).
    pub oldest_due_created_at: Option<i64>,
}

/// Counts by state, at `now`.
pub async fn counts(db: &Db, now: i64) -> Result<OutboxCounts, sqlx::Error> {
    let sql = format!(
        "SELECT \
         CAST(COALESCE(SUM(CASE WHEN status = {OUTBOX_PENDING} AND attempts = 0 AND claim IS NULL AND next_attempt_at <= $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS queued, \
         CAST(COALESCE(SUM(CASE WHEN status = {OUTBOX_PENDING} AND attempts = 0 AND claim IS NULL AND next_attempt_at > $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS scheduled, \
         CAST(COALESCE(SUM(CASE WHEN status = {OUTBOX_PENDING} AND attempts > 0 AND (claim IS NULL OR locked_until <= $1) THEN 1 ELSE 0 END), 0) AS BIGINT) AS retrying, \
         CAST(COALESCE(SUM(CASE WHEN status = {OUTBOX_PENDING} AND claim IS NOT NULL AND locked_until > $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS in_flight, \
         CAST(COALESCE(SUM(CASE WHEN status = {OUTBOX_DEAD} THEN 1 ELSE 0 END), 0) AS BIGINT) AS dead, \
         CAST(COALESCE(SUM(CASE WHEN status = {OUTBOX_DELIVERED} THEN 1 ELSE 0 END), 0) AS BIGINT) AS delivered, \
         CAST(COALESCE(SUM(CASE WHEN status = {OUTBOX_PENDING} AND next_attempt_at <= $1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS due, \
         MIN(CASE WHEN status = {OUTBOX_PENDING} AND next_attempt_at <= $1 THEN created_at END) AS oldest_due_created_at \
         FROM outbox"
    );
    on_pool!(db, |p| sqlx::query_as::<_, OutboxCounts>(&sql)
        .bind(now)
        .fetch_one(p)
        .await)
}

/// One row as the admin view lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxListRow {
    pub id: i64,
    pub kind: String,
    pub dedup_key: String,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<i64>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// Which rows to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxFilter {
    Dead,
    /// Pending after a failed attempt.
    Retrying,
    /// Pending, never tried, due now.
    Queued,
    /// Pending, never tried, due later.
    Scheduled,
    Delivered,
}

impl OutboxFilter {
    /// Every state, by the name the API and the admin page use.
    pub const ALL: [(&'static str, OutboxFilter); 5] = [
        ("dead", OutboxFilter::Dead),
        ("retrying", OutboxFilter::Retrying),
        ("queued", OutboxFilter::Queued),
        ("scheduled", OutboxFilter::Scheduled),
        ("delivered", OutboxFilter::Delivered),
    ];

    /// The state named `name`.
    pub fn parse(name: &str) -> Option<OutboxFilter> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }
}

/// Up to `limit` rows of one kind of state at `now`, newest first, with ids below `before`.
pub async fn list(
    db: &Db,
    filter: OutboxFilter,
    before: Option<i64>,
    limit: i64,
    now: i64,
) -> Result<Vec<OutboxListRow>, sqlx::Error> {
    let which = match filter {
        OutboxFilter::Dead => format!("status = {OUTBOX_DEAD}"),
        OutboxFilter::Retrying => format!("status = {OUTBOX_PENDING} AND attempts > 0"),
        OutboxFilter::Queued => {
            // `now` is ours, a number: written into the text so every state binds alike.
            format!("status = {OUTBOX_PENDING} AND attempts = 0 AND next_attempt_at <= {now}")
        }
        OutboxFilter::Scheduled => {
            format!("status = {OUTBOX_PENDING} AND attempts = 0 AND next_attempt_at > {now}")
        }
        OutboxFilter::Delivered => format!("status = {OUTBOX_DELIVERED}"),
    };
    let sql = format!(
        "SELECT id, kind, dedup_key, status, attempts, next_attempt_at, last_error, last_attempt_at, \
         created_at, delivered_at FROM outbox WHERE {which} AND id < $1 ORDER BY id DESC LIMIT $2"
    );
    on_pool!(db, |p| sqlx::query_as::<_, OutboxListRow>(&sql)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// The time the next pending row falls due (UTC ms), if any: the worker sleeps until then.
pub async fn next_due(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    let sql = format!("SELECT MIN(next_attempt_at) FROM outbox WHERE status = {OUTBOX_PENDING}");
    on_pool!(db, |p| sqlx::query_scalar::<_, Option<i64>>(&sql)
        .fetch_one(p)
        .await)
}
