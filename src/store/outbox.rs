//! The transactional outbox: promises made by a transaction (mail, push, waitlist offers),
//! written in that same transaction and delivered later, at least once, by a worker.

use crate::db::Tx;
use crate::on_tx;
use crate::store::values_placeholders;

/// A message to deliver.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub kind: String,
    pub payload: String,
    /// Delivery is deduplicated on this key: the same promise is recorded once.
    pub dedup_key: String,
}

/// Records messages in the caller's transaction. Duplicate keys are ignored.
pub async fn enqueue(tx: &mut Tx, msgs: &[NewMessage], now: i64) -> Result<(), sqlx::Error> {
    for chunk in msgs.chunks(1000) {
        let sql = format!(
            "INSERT INTO outbox (kind, payload, dedup_key, status, attempts, next_attempt_at, created_at) VALUES {} \
             ON CONFLICT (dedup_key) DO NOTHING",
            values_placeholders(chunk.len(), 3, 2, ", 'pending', 0, $1, $1")
        );
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql).bind(now);
            for m in chunk {
                q = q.bind(&m.kind).bind(&m.payload).bind(&m.dedup_key);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}
