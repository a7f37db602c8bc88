//! The transactional outbox: promises made by a transaction (mail, push, waitlist offers),
//! written in that same transaction and delivered later, at least once, by a worker.

use crate::db::Tx;
use crate::notifications::Message;
use crate::on_tx;
use crate::store::status::lit::OUTBOX_PENDING;
use crate::store::values_placeholders;

/// Records one message in the caller's transaction, due at `due` (UTC ms) rather than now.
pub async fn enqueue_due(
    tx: &mut Tx,
    msg: &Message,
    due: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    let row = msg.to_row();
    let sql = format!(
        "INSERT INTO outbox (kind, payload, dedup_key, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, {OUTBOX_PENDING}, 0, $4, $5) ON CONFLICT (dedup_key) DO NOTHING"
    );
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(&row.kind)
        .bind(&row.payload)
        .bind(&row.dedup_key)
        .bind(due)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))
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

/// Records messages in the caller's transaction. Duplicate keys are ignored.
pub async fn enqueue(tx: &mut Tx, msgs: &[Message], now: i64) -> Result<(), sqlx::Error> {
    for chunk in msgs.chunks(1000) {
        let sql = format!(
            "INSERT INTO outbox (kind, payload, dedup_key, status, attempts, next_attempt_at, created_at) VALUES {} \
             ON CONFLICT (dedup_key) DO NOTHING",
            values_placeholders(chunk.len(), 3, 2, &format!(", {OUTBOX_PENDING}, 0, $1, $1"))
        );
        let rows: Vec<_> = chunk.iter().map(Message::to_row).collect();
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql).bind(now);
            for m in &rows {
                q = q.bind(&m.kind).bind(&m.payload).bind(&m.dedup_key);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}
