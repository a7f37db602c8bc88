//! Sessions: when one counts as live (the one rule), keeping it alive while it is used, and
//! the signed-in user's list of their sessions with signing out the others.

use super::{AccountError, AccountService, Actor};
use crate::clock::to_datetime;
use crate::dto::SessionView;
use crate::store;
use crate::store::sessions::SessionAuthRow;

/// A session unused for this long ends, whatever its refresh token says.
pub const SESSION_IDLE_MS: i64 = 14 * 24 * 3_600_000;
/// How often use of a session is written down.
const TOUCH_EVERY_MS: i64 = 5 * 60_000;

/// Whether a session may still act at `now`: not revoked, not expired, not idle too long,
/// and its account enabled and not erased.
pub(crate) fn session_live(s: &SessionAuthRow, now: i64) -> bool {
    s.revoked_at.is_none()
        && s.expires_at > now
        && now - s.last_seen_at <= SESSION_IDLE_MS
        && !s.disabled
        && s.deleted_at.is_none()
}

impl AccountService {
    /// Notes that a live session is in use (at most every few minutes).
    pub(crate) async fn touch_session(&self, s: &SessionAuthRow, now: i64) {
        if now - s.last_seen_at > TOUCH_EVERY_MS
            && let Err(e) =
                store::sessions::touch(self.ctx.db(), &s.session_id, now, TOUCH_EVERY_MS).await
        {
            crate::db::log_failure("noting session use failed", &e);
        }
    }

    /// The actor's sessions that are still live, the current one first, then by last use.
    pub async fn my_sessions(&self, actor: &Actor) -> Result<Vec<SessionView>, AccountError> {
        let now = self.ctx.clock().now_ms();
        let rows = store::users::sessions_of(self.ctx.db(), actor.user_id)
            .await
            .map_err(|e| AccountError::db("listing sessions failed", e))?;
        let mut out: Vec<SessionView> = rows
            .into_iter()
            .filter(|s| {
                s.revoked_at.is_none()
                    && s.expires_at > now
                    && now - s.last_seen_at <= SESSION_IDLE_MS
            })
            .map(|s| SessionView {
                current: s.id == actor.session_id,
                id: s.id,
                created_at: to_datetime(s.created_at),
                last_seen_at: to_datetime(s.last_seen_at),
                ip: s.ip,
                user_agent: s.user_agent,
            })
            .collect();
        out.sort_by(|a, b| {
            b.current
                .cmp(&a.current)
                .then(b.last_seen_at.cmp(&a.last_seen_at))
        });
        Ok(out)
    }

    /// Signs one of the actor's sessions out. Another user's session is "not found".
    pub async fn sign_out_session(
        &self,
        actor: &Actor,
        session_id: &str,
    ) -> Result<(), AccountError> {
        let now = self.ctx.clock().now_ms();
        let done = store::sessions::revoke_of_user(
            self.ctx.db(),
            session_id,
            actor.user_id,
            now,
            "signed_out_by_user",
        )
        .await
        .map_err(|e| AccountError::db("signing a session out failed", e))?;
        if done {
            Ok(())
        } else {
            Err(AccountError::NotFound)
        }
    }

    /// Signs out every session of the actor but the current one; answers how many.
    pub async fn sign_out_other_sessions(&self, actor: &Actor) -> Result<u64, AccountError> {
        let now = self.ctx.clock().now_ms();
        store::sessions::revoke_all(
            self.ctx.db(),
            actor.user_id,
            Some(&actor.session_id),
            now,
            "signed_out_by_user",
        )
        .await
        .map_err(|e| AccountError::db("signing sessions out failed", e))
    }
}
