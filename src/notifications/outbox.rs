//! The outbox as a queue: workers claim due rows under a lease, deliver them, and settle
//! each with its outcome. Failures are retried with exponential backoff and jitter up to a
//! maximum number of attempts, then the row is dead until an admin sends it again.

use crate::actor::Actor;
use crate::clock::to_datetime;
use crate::context::Ctx;
use crate::dto::{OutboxOverview, OutboxRowView};
use crate::error::ApiError;
use crate::store;
use crate::store::outbox::{ClaimedRow, OutboxFilter, Settle};
use rand::Rng;

/// How delivery is paced.
#[derive(Debug, Clone)]
pub struct OutboxSettings {
    /// Attempts before a message is dead.
    pub max_attempts: i64,
    /// Wait after the first failure; doubles with every further one.
    pub retry_base_ms: i64,
    /// Longest wait between two attempts.
    pub retry_cap_ms: i64,
    /// How long a claim lasts: a worker that dies mid-delivery gives its rows back after this.
    pub lease_ms: i64,
    /// Rows claimed at once.
    pub batch: i64,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        OutboxSettings {
            max_attempts: 8,
            retry_base_ms: 30_000,
            retry_cap_ms: 3_600_000,
            lease_ms: 120_000,
            batch: 16,
        }
    }
}

impl OutboxSettings {
    /// When to try again after failed attempt number `attempts` (1-based): the backoff
    /// `base * 2^(attempts-1)`, capped, with "equal jitter" (a random point in its upper half)
    /// so that messages that failed together do not all come back together.
    pub fn retry_at(&self, attempts: i64, now: i64) -> i64 {
        let exp = attempts.saturating_sub(1).clamp(0, 30) as u32;
        let full = self
            .retry_base_ms
            .saturating_mul(1_i64 << exp)
            .min(self.retry_cap_ms)
            .max(1);
        let half = full / 2;
        now + half + rand::thread_rng().gen_range(0..=full - half)
    }
}

/// What one delivery attempt did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attempt {
    /// Channels delivered so far (this attempt and earlier ones).
    pub done: Vec<String>,
    /// Why the rest failed; `None` when everything went out.
    pub error: Option<String>,
    /// The kinds of channel that failed this time (`email`, `inbox`, `push`; `message` when
    /// the message itself could not be read), for the metrics.
    pub failed: Vec<&'static str>,
}

/// The outbox's queue operations and its admin view.
#[derive(Clone)]
pub struct NotificationService {
    ctx: Ctx,
}

/// An opaque value naming one claim of one worker.
pub fn new_claim() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl NotificationService {
    pub fn new(ctx: Ctx) -> Self {
        NotificationService { ctx }
    }

    pub(crate) fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    /// The pacing in force.
    pub fn settings(&self) -> &OutboxSettings {
        &self.ctx.settings().outbox
    }

    /// Claims a batch of due messages for `claim`.
    pub async fn claim(&self, claim: &str) -> Result<Vec<ClaimedRow>, sqlx::Error> {
        let now = self.ctx.clock().now_ms();
        let s = self.settings();
        store::outbox::claim(self.ctx.db(), claim, now, now + s.lease_ms, s.batch).await
    }

    /// Records how an attempt at `row` went. Returns the outcome written, or `None` when the
    /// claim had been lost (the lease ran out and another worker owns the row now).
    pub async fn settle(
        &self,
        row: &ClaimedRow,
        claim: &str,
        attempt: &Attempt,
    ) -> Result<Option<Settle>, sqlx::Error> {
        let now = self.ctx.clock().now_ms();
        let outcome = match &attempt.error {
            None => Settle::Delivered,
            Some(e) if row.attempts >= self.settings().max_attempts => {
                Settle::Dead { error: clip(e) }
            }
            Some(e) => Settle::Retry {
                at: self.settings().retry_at(row.attempts, now),
                error: clip(e),
            },
        };
        let done = attempt.done.join(",");
        let kept =
            store::outbox::settle(self.ctx.db(), row.id, claim, &done, &outcome, now).await?;
        Ok(kept.then_some(outcome))
    }

    /// When the next pending message falls due (UTC ms).
    pub async fn next_due(&self) -> Result<Option<i64>, sqlx::Error> {
        store::outbox::next_due(self.ctx.db()).await
    }

    /// Counts for `/metrics` and the admin view.
    pub async fn counts(&self) -> Result<store::outbox::OutboxCounts, sqlx::Error> {
        store::outbox::counts(self.ctx.db(), self.ctx.clock().now_ms()).await
    }

    /// The admin view: counts and the newest rows of one state. Admins only.
    pub async fn overview(
        &self,
        actor: &Actor,
        filter: OutboxFilter,
        before: Option<i64>,
    ) -> Result<OutboxOverview, ApiError> {
        require_admin(actor)?;
        let fail = |e| {
            crate::db::log_failure("reading the outbox failed", &e);
            ApiError::internal()
        };
        let counts = self.counts().await.map_err(fail)?;
        let now = self.ctx.clock().now_ms();
        let rows = store::outbox::list(self.ctx.db(), filter, before, 50, now)
            .await
            .map_err(fail)?;
        Ok(OutboxOverview {
            queued: counts.queued,
            scheduled: counts.scheduled,
            retrying: counts.retrying,
            in_flight: counts.in_flight,
            dead: counts.dead,
            delivered: counts.delivered,
            oldest_due_age_seconds: counts
                .oldest_due_created_at
                .map(|c| (now - c).max(0) / 1000),
            max_attempts: self.settings().max_attempts,
            rows: rows
                .into_iter()
                .map(|r| OutboxRowView {
                    id: r.id,
                    kind: r.kind,
                    subject: r.dedup_key,
                    status: r.status,
                    attempts: r.attempts,
                    next_attempt_at: to_datetime(r.next_attempt_at),
                    last_error: r.last_error,
                    last_attempt_at: r.last_attempt_at.map(to_datetime),
                    created_at: to_datetime(r.created_at),
                    delivered_at: r.delivered_at.map(to_datetime),
                })
                .collect(),
        })
    }

    /// Sends a dead message again (attempts start over). Admins only; 404 when `id` is not
    /// a dead message.
    pub async fn retry_dead(&self, actor: &Actor, id: i64) -> Result<(), ApiError> {
        require_admin(actor)?;
        let now = self.ctx.clock().now_ms();
        let revived = store::outbox::revive(self.ctx.db(), id, now)
            .await
            .map_err(|e| {
                crate::db::log_failure("reviving an outbox message failed", &e);
                ApiError::internal()
            })?;
        if !revived {
            return Err(ApiError::not_found("dead message"));
        }
        self.ctx.outbox_bell().ring();
        tracing::info!(
            outbox = id,
            admin = actor.user_id,
            "dead message sent again"
        );
        let entry = store::audit::NewEntry {
            actor_id: Some(actor.user_id),
            action: "outbox.retry",
            target_type: "outbox",
            target_id: Some(id.to_string()),
            subject_id: None,
            detail: "{}".into(),
            ip: actor.ip.clone(),
        };
        if let Err(e) = store::audit::record(self.ctx.db(), &entry, now).await {
            tracing::error!(error = %e, "audit write failed");
        }
        Ok(())
    }
}

fn require_admin(actor: &Actor) -> Result<(), ApiError> {
    if actor.role == crate::domain::Role::Admin {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// Errors are stored for people to read; a transport may produce a very long one.
fn clip(e: &str) -> String {
    e.chars().take(500).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_the_cap() {
        let s = OutboxSettings {
            retry_base_ms: 1_000,
            retry_cap_ms: 60_000,
            ..OutboxSettings::default()
        };
        for _ in 0..200 {
            let d1 = s.retry_at(1, 0);
            assert!((500..=1_000).contains(&d1), "{d1}");
            let d4 = s.retry_at(4, 0);
            assert!((4_000..=8_000).contains(&d4), "{d4}");
            let d20 = s.retry_at(20, 0);
            assert!((30_000..=60_000).contains(&d20), "{d20}");
        }
        assert!(s.retry_at(i64::MAX, 0) <= 60_000);
    }
}
