//! What admins do to accounts: list them, change roles, disable and re-enable them. Every
//! change is audited; disabling ends the account's sessions at once.

use super::AccountService;
use super::{AccountError, Actor, user_view};
use crate::domain::Role;
use crate::dto::{AuditEntryView, UserView};
use crate::store;

impl AccountService {
    fn require_admin(actor: &Actor) -> Result<(), AccountError> {
        if actor.role == Role::Admin {
            Ok(())
        } else {
            Err(AccountError::Forbidden)
        }
    }

    /// Users, newest first, optionally matching `query` in e-mail or name (admins only).
    #[tracing::instrument(skip_all)]
    pub async fn list_users(
        &self,
        actor: &Actor,
        query: Option<&str>,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<UserView>, AccountError> {
        Self::require_admin(actor)?;
        let rows = store::users::list(
            self.ctx.db(),
            query.filter(|q| !q.trim().is_empty()),
            before_id,
            limit.clamp(1, 200),
        )
        .await
        .map_err(|e| AccountError::db("listing users failed", e))?;
        Ok(rows.iter().map(user_view).collect())
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
        store::users::set_role(self.ctx.db(), user_id, role.as_str(), now)
            .await
            .map_err(|e| AccountError::db("changing a role failed", e))?;
        self.audit_account(
            actor,
            "user.role",
            user_id,
            serde_json::json!({ "from": before.role, "to": role.as_str() }),
        )
        .await;
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
        store::users::set_disabled(self.ctx.db(), user_id, disabled, now)
            .await
            .map_err(fail)?;
        if disabled {
            store::sessions::revoke_all(self.ctx.db(), user_id, None, now, "account_disabled")
                .await
                .map_err(fail)?;
        }
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        self.audit_account(actor, action, user_id, serde_json::json!({}))
            .await;
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
        let entry = store::audit::NewEntry {
            actor_id: Some(actor.user_id),
            action,
            target_type: "user",
            target_id: Some(subject.to_string()),
            subject_id: Some(subject),
            detail: detail.to_string(),
            ip: actor.ip.clone(),
        };
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
        Ok(rows
            .into_iter()
            .map(|r| AuditEntryView {
                id: r.id,
                actor_id: r.actor_id,
                actor_email: r.actor_email,
                action: r.action,
                target_type: r.target_type,
                target_id: r.target_id,
                subject_id: r.subject_id,
                detail: r.detail,
                ip: r.ip,
                at: crate::clock::to_datetime(r.created_at),
            })
            .collect())
    }
}
