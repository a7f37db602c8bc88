//! The transactional outbox: promises made by a transaction (mail, push, waitlist offers),
//! written in that same transaction and delivered later, at least once, by a worker.

use crate::db::Tx;
use crate::notifications::Message;
use crate::on_tx;
use crate::store::status::lit::OUTBOX_PENDING;
use crate::store::values_placeholders;

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
