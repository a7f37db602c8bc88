//! What admins do to accounts: search them, look at one (bookings, waitlist, audit trail),
//! change roles, disable and re-enable them. Every change is audited; disabling ends the
//! account's sessions at once. Looking is not audited.

use super::AccountService;
use super::{AccountError, Actor, user_view};
use crate::clock::to_datetime;
use crate::domain::Role;
use crate::dto::{
    AdminUserBooking, AdminUserDetail, AdminUserPage, AdminUserWaitlistEntry, AuditEntryView,
    UserView,
};
use crate::store;
use crate::store::users::UserCursor;

/// How many of a user's bookings, waitlist entries and audit entries their admin page shows
/// (the latest).
const DETAIL_ROWS: i64 = 50;

/// The longest search the user list takes, in characters.
const MAX_QUERY_CHARS: usize = 100;

impl AccountService {
    fn require_admin(actor: &Actor) -> Result<(), AccountError> {
        if actor.role == Role::Admin {
            Ok(())
        } else {
            Err(AccountError::Forbidden)
        }
    }

    /// A page of users, newest first, optionally matching `query` in e-mail or name (any
    /// part, case-insensitively), `limit` (1 to 200) of them from `cursor` (admins only).
    #[tracing::instrument(skip_all)]
    pub async fn user_page(
        &self,
        actor: &Actor,
        query: Option<&str>,
        cursor: UserCursor,
        limit: i64,
    ) -> Result<AdminUserPage, AccountError> {
        Self::require_admin(actor)?;
        let query = query.map(str::trim).filter(|q| !q.is_empty());
        if query.is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS) {
            return Err(AccountError::Invalid(crate::ApiError::invalid(
                "q",
                format!("search for at most {MAX_QUERY_CHARS} characters"),
            )));
        }
        let limit = limit.clamp(1, 200);
        // One more than asked says whether there is another page that way.
        let mut rows = store::users::list(self.ctx.db(), query, cursor, limit + 1)
            .await
            .map_err(|e| AccountError::db("listing users failed", e))?;
        let more = rows.len() as i64 > limit;
        let (older, newer) = match cursor {
            UserCursor::First | UserCursor::Before(_) => {
                rows.truncate(limit as usize);
                let older = more.then(|| rows.last().map(|u| u.id)).flatten();
                // Came from a newer page: it is there to go back to.
                let newer = match cursor {
                    UserCursor::Before(id) => {
                        Some(rows.first().map_or(id.saturating_sub(1), |u| u.id))
                    }
                    _ => None,
                };
                (older, newer)
            }
            UserCursor::After(id) => {
                // Nearest first was asked for, newest first came back: the extra one is
                // the newest.
                if more {
                    rows.remove(0);
                }
                let newer = more.then(|| rows.first().map(|u| u.id)).flatten();
                let older = Some(rows.last().map_or(id.saturating_add(1), |u| u.id));
                (older, newer)
            }
        };
        Ok(AdminUserPage {
            users: rows.iter().map(user_view).collect(),
            older,
            newer,
        })
    }

    /// One user as the admin's page of them shows them: the account (deleted ones too), and
    /// the latest [`DETAIL_ROWS`] of their bookings, waitlist entries and audit entries by or
    /// about them (admins only).
    #[tracing::instrument(skip_all)]
    pub async fn user_detail(
        &self,
        actor: &Actor,
        user_id: i64,
    ) -> Result<AdminUserDetail, AccountError> {
        Self::require_admin(actor)?;
        let db = self.ctx.db();
        let fail = |e| AccountError::db("reading a user for an admin failed", e);
        let user = store::users::by_id(db, user_id)
            .await
            .map_err(fail)?
            .ok_or(AccountError::NotFound)?;
        let n = DETAIL_ROWS;
        let mut bookings = store::users::bookings_of(db, user_id, n + 1)
            .await
            .map_err(fail)?;
        let mut waitlist = store::waitlist::of_user(db, user_id, n + 1)
            .await
            .map_err(fail)?;
        let mut audit = store::audit::of_user(db, user_id, n + 1)
            .await
            .map_err(fail)?;
        let more = |len: usize| len as i64 > n;
        let (more_bookings, more_waitlist, more_audit) = (
            more(bookings.len()),
            more(waitlist.len()),
            more(audit.len()),
        );
        bookings.truncate(n as usize);
        waitlist.truncate(n as usize);
        audit.truncate(n as usize);
        Ok(AdminUserDetail {
            user: user_view(&user),
            deleted: user.deleted_at.is_some(),
            bookings: bookings
                .into_iter()
                .map(|b| AdminUserBooking {
                    id: b.id,
                    code: b.code,
                    event_id: b.event_id,
                    event_slug: b.event_slug,
                    event_title: b.event_title,
                    ticket_type_name: b.ticket_type_name,
                    quantity: b.quantity,
                    total_cents: b.total_cents,
                    currency: b.currency,
                    status: b.status,
                    created_at: to_datetime(b.created_at),
                    cancelled_at: b.cancelled_at.map(to_datetime),
                })
                .collect(),
            more_bookings,
            waitlist: waitlist
                .into_iter()
                .map(|w| AdminUserWaitlistEntry {
                    id: w.entry.id,
                    event_slug: w.event_slug,
                    event_title: w.event_title,
                    ticket_type_name: w.ticket_type_name,
                    quantity: w.entry.quantity,
                    status: w.entry.status,
                    position: w.position,
                    created_at: to_datetime(w.entry.created_at),
                    ended_at: w.entry.ended_at.map(to_datetime),
                })
                .collect(),
            more_waitlist,
            audit: audit.into_iter().map(audit_view).collect(),
            more_audit,
            shown: n,
        })
    }

    /// Gives a user a role (admins only; an admin cannot demote themself, so there is always
    /// at least the acting admin left).
    #[tracing::instrument(skip_all)]
    pub async fn set_role(
        &self,
        actor: &Actor,
        user_id: i64,
        role: Role,
    ) -> Result<UserView, AccountError> {
        Self::require_admin(actor)?;
        if user_id == actor.user_id && role != Role::Admin {
            return Err(AccountError::Invalid(crate::ApiError::invalid(
                "role",
                "you cannot remove your own admin role",
            )));
        }
        let now = self.ctx.clock().now_ms();
        let before = self.user_row(user_id).await?;
        let fail = |e| AccountError::db("changing a role failed", e);
        // The change and its audit entry commit together, or neither does.
        let mut tx = self.ctx.db().begin().await.map_err(fail)?;
        store::users::set_role_tx(&mut tx, user_id, role.as_str(), now)
            .await
            .map_err(fail)?;
        let detail = serde_json::json!({ "from": before.role, "to": role.as_str() });
        store::audit::record_tx(
            &mut tx,
            &account_entry(actor, "user.role", user_id, &detail),
            now,
        )
        .await
        .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        Ok(user_view(&self.user_row(user_id).await?))
    }

    /// Disables (ending every session) or re-enables an account (admins only).
    #[tracing::instrument(skip_all)]
    pub async fn set_disabled(
        &self,
        actor: &Actor,
        user_id: i64,
        disabled: bool,
    ) -> Result<UserView, AccountError> {
        Self::require_admin(actor)?;
        if user_id == actor.user_id && disabled {
            return Err(AccountError::Invalid(crate::ApiError::invalid(
                "disabled",
                "you cannot disable your own account",
            )));
        }
        let now = self.ctx.clock().now_ms();
        self.user_row(user_id).await?;
        let fail = |e| AccountError::db("disabling an account failed", e);
        // The change, the sessions it ends and its audit entry commit together.
        let mut tx = self.ctx.db().begin().await.map_err(fail)?;
        store::users::set_disabled_tx(&mut tx, user_id, disabled, now)
            .await
            .map_err(fail)?;
        if disabled {
            store::sessions::revoke_all_tx(&mut tx, user_id, None, now, "account_disabled")
                .await
                .map_err(fail)?;
        }
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        let entry = account_entry(actor, action, user_id, &serde_json::json!({}));
        store::audit::record_tx(&mut tx, &entry, now)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        Ok(user_view(&self.user_row(user_id).await?))
    }

    pub(crate) async fn user_row(
        &self,
        user_id: i64,
    ) -> Result<store::users::UserRow, AccountError> {
        store::users::by_id(self.ctx.db(), user_id)
            .await
            .map_err(|e| AccountError::db("user lookup failed", e))?
            .filter(|u| u.deleted_at.is_none())
            .ok_or(AccountError::NotFound)
    }

    pub(crate) async fn audit_account(
        &self,
        actor: &Actor,
        action: &str,
        subject: i64,
        detail: serde_json::Value,
    ) {
        let entry = account_entry(actor, action, subject, &detail);
        if let Err(e) = store::audit::record(self.ctx.db(), &entry, self.ctx.clock().now_ms()).await
        {
            tracing::error!(error = %e, action, "audit write failed");
        }
    }

    /// The audit log, newest first (admins only).
    #[tracing::instrument(skip_all)]
    pub async fn audit_log(
        &self,
        actor: &Actor,
        action_prefix: Option<&str>,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntryView>, AccountError> {
        Self::require_admin(actor)?;
        let rows = store::audit::list(
            self.ctx.db(),
            action_prefix.filter(|p| !p.is_empty()),
            before_id,
            limit.clamp(1, 500),
        )
        .await
        .map_err(|e| AccountError::db("reading the audit log failed", e))?;
        Ok(rows.into_iter().map(audit_view).collect())
    }
}

fn audit_view(r: store::audit::EntryRow) -> AuditEntryView {
    AuditEntryView {
        id: r.id,
        actor_id: r.actor_id,
        actor_email: r.actor_email,
        action: r.action,
        target_type: r.target_type,
        target_id: r.target_id,
        subject_id: r.subject_id,
        detail: r.detail,
        ip: r.ip,
        at: to_datetime(r.created_at),
    }
}

/// An audit entry for an admin's action on an account.
fn account_entry<'a>(
    actor: &Actor,
    action: &'a str,
    subject: i64,
    detail: &serde_json::Value,
) -> store::audit::NewEntry<'a> {
    store::audit::NewEntry {
        actor_id: Some(actor.user_id),
        action,
        target_type: "user",
        target_id: Some(subject.to_string()),
        subject_id: Some(subject),
        detail: detail.to_string(),
        ip: actor.ip.clone(),
    }
}
