//! A user's own account: password change, marketing consent, data export, erasure (GDPR).

use super::AccountService;
use super::{AccountError, Actor, check_password, password, throttle, user_view};
use crate::clock::to_datetime;
use crate::dto::UserView;
use crate::inventory::{SeatTx, Why};
use crate::store;
use crate::store::users::UserRow;
use serde_json::{Value, json};

impl AccountService {
    /// Changes the password after checking the current one, and signs out every other session.
    #[tracing::instrument(skip_all)]
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
    ) -> Result<(), AccountError> {
        let user = self.user_row(actor.user_id).await?;
        check_password("new_password", new, &[&user.email, &user.name])?;
        self.confirm_password(
            actor,
            &user,
            current,
            "current_password",
            "your current password is not correct",
        )
        .await?;
        let hash = password::hash(new.to_string())
            .await
            .map_err(|_| AccountError::Internal)?;
        let now = self.ctx.clock().now_ms();
        let fail = |e| AccountError::db("changing a password failed", e);
        store::users::set_password_hash(self.ctx.db(), actor.user_id, &hash, now)
            .await
            .map_err(fail)?;
        store::sessions::revoke_all(
            self.ctx.db(),
            actor.user_id,
            Some(&actor.session_id),
            now,
            "password_changed",
        )
        .await
        .map_err(fail)?;
        self.audit_account(actor, "user.password_change", actor.user_id, json!({}))
            .await;
        Ok(())
    }

    /// Records or withdraws consent to marketing e-mail (stored with its time).
    #[tracing::instrument(skip_all)]
    pub async fn set_marketing_consent(
        &self,
        actor: &Actor,
        opt_in: bool,
    ) -> Result<UserView, AccountError> {
        let now = self.ctx.clock().now_ms();
        store::users::set_marketing(self.ctx.db(), actor.user_id, opt_in.then_some(now), now)
            .await
            .map_err(|e| AccountError::db("saving consent failed", e))?;
        self.audit_account(
            actor,
            if opt_in {
                "user.marketing_opt_in"
            } else {
                "user.marketing_opt_out"
            },
            actor.user_id,
            json!({}),
        )
        .await;
        Ok(user_view(&self.user_row(actor.user_id).await?))
    }

    /// Turns reminder e-mails before booked events on or off.
    #[tracing::instrument(skip_all)]
    pub async fn set_email_reminders(
        &self,
        actor: &Actor,
        on: bool,
    ) -> Result<UserView, AccountError> {
        let now = self.ctx.clock().now_ms();
        store::users::set_email_reminders(self.ctx.db(), actor.user_id, on, now)
            .await
            .map_err(|e| AccountError::db("saving preferences failed", e))?;
        self.audit_account(
            actor,
            if on {
                "user.reminders_on"
            } else {
                "user.reminders_off"
            },
            actor.user_id,
            json!({}),
        )
        .await;
        Ok(user_view(&self.user_row(actor.user_id).await?))
    }

    /// Turns reminders off for the person an unsubscribe link names (RFC 8058 one-click,
    /// no session): the link's token is the authority. Returns the address it was for.
    #[tracing::instrument(skip_all)]
    pub async fn unsubscribe_reminders(&self, token: &str) -> Result<String, AccountError> {
        let key = self.ctx.settings().ticket_keys.link_key();
        let Some(user_id) = key.unsubscribe_user(token) else {
            return Err(AccountError::Invalid(crate::ApiError::new(
                crate::error::ErrorCode::NotFound,
                "this unsubscribe link is not valid; turn reminders off on your account page instead",
            )));
        };
        let now = self.ctx.clock().now_ms();
        let user = self.user_row(user_id).await?;
        if user.deleted_at.is_some() {
            return Err(AccountError::NotFound);
        }
        store::users::set_email_reminders(self.ctx.db(), user_id, false, now)
            .await
            .map_err(|e| AccountError::db("saving preferences failed", e))?;
        let entry = store::audit::NewEntry {
            actor_id: Some(user_id),
            action: "user.reminders_off",
            target_type: "user",
            target_id: Some(user_id.to_string()),
            subject_id: Some(user_id),
            detail: json!({ "via": "unsubscribe_link" }).to_string(),
            ip: None,
        };
        if let Err(e) = store::audit::record(self.ctx.db(), &entry, now).await {
            tracing::error!(error = %e, "audit write failed");
        }
        Ok(user.email)
    }

    /// Everything stored about the actor, as one JSON document.
    #[tracing::instrument(skip_all)]
    pub async fn export_my_data(&self, actor: &Actor) -> Result<Value, AccountError> {
        let fail = |e| AccountError::db("exporting data failed", e);
        let user = self.user_row(actor.user_id).await?;
        let bookings = crate::bookings::all_of_user(&self.ctx, actor.user_id)
            .await
            .map_err(|_| AccountError::Internal)?;
        let holds = store::holds::for_user(self.ctx.db(), actor.user_id)
            .await
            .map_err(fail)?;
        let sessions = store::users::sessions_of(self.ctx.db(), actor.user_id)
            .await
            .map_err(fail)?;
        let waitlist = store::waitlist::for_user(self.ctx.db(), actor.user_id)
            .await
            .map_err(fail)?;
        let audit = store::audit::about_user(self.ctx.db(), actor.user_id)
            .await
            .map_err(fail)?;
        let notices = store::inbox::list(self.ctx.db(), actor.user_id, None, i64::MAX)
            .await
            .map_err(fail)?;
        let devices = store::inbox::subscriptions(self.ctx.db(), actor.user_id)
            .await
            .map_err(fail)?;
        Ok(json!({
            "exported_at": self.ctx.clock().now(),
            "account": user_view(&user),
            "notification_settings": {
                "marketing_email": user.marketing_opt_in_at.is_some(),
                "marketing_opt_in_at": user.marketing_opt_in_at.map(to_datetime),
                "email_reminders": user.email_reminders,
                "transactional_email": "booking confirmations (with the tickets), cancellations and waitlist notices are e-mailed to the account's address; they are not marketing and cannot be turned off",
            },
            "bookings": bookings,
            "notifications": notices.iter().map(|n| json!({
                "kind": n.kind, "title": n.title, "body": n.body, "url": n.url,
                "created_at": to_datetime(n.created_at), "read_at": n.read_at.map(to_datetime),
            })).collect::<Vec<_>>(),
            "push_devices": devices.iter().map(|d| json!({
                "label": d.label, "endpoint": d.endpoint, "created_at": to_datetime(d.created_at),
                "last_delivered_at": d.last_ok_at.map(to_datetime),
            })).collect::<Vec<_>>(),
            "holds": holds.iter().map(|h| json!({
                "id": h.id, "event_id": h.event_id, "ticket_type_id": h.ticket_type_id, "quantity": h.quantity,
                "status": h.status, "created_at": to_datetime(h.created_at), "expires_at": to_datetime(h.expires_at),
            })).collect::<Vec<_>>(),
            "waitlist_entries": waitlist.iter().map(|w| json!({
                "id": w.id, "event_id": w.event_id, "ticket_type_id": w.ticket_type_id,
                "quantity": w.quantity, "status": w.status, "offered_quantity": w.offered_quantity,
                "offer_expires_at": w.offer_expires_at.map(to_datetime), "booking_id": w.booking_id,
                "created_at": to_datetime(w.created_at), "ended_at": w.ended_at.map(to_datetime),
            })).collect::<Vec<_>>(),
            "sessions": sessions.iter().map(|s| json!({
                "created_at": to_datetime(s.created_at), "expires_at": to_datetime(s.expires_at),
                "revoked_at": s.revoked_at.map(to_datetime), "revoked_reason": s.revoked_reason,
                "ip": s.ip, "user_agent": s.user_agent,
            })).collect::<Vec<_>>(),
            // What others (organizers, admins) did to this account is listed without their
            // address: the export holds the user's own data only.
            "audit_log": audit.iter().map(|a| json!({
                "action": a.action, "target_type": a.target_type, "target_id": a.target_id,
                "by_you": a.actor_id == Some(actor.user_id),
                "detail": serde_json::from_str::<Value>(&a.detail).unwrap_or(Value::Null),
                "ip": if a.actor_id == Some(actor.user_id) { a.ip.clone() } else { None },
                "at": to_datetime(a.created_at),
            })).collect::<Vec<_>>(),
        }))
    }

    /// Deletes the actor's account after checking their password: personal data is erased,
    /// sessions end, bookings stay as anonymous records so capacity and the books still add
    /// up. The e-mail address is free to sign up again.
    #[tracing::instrument(skip_all)]
    pub async fn delete_my_account(
        &self,
        actor: &Actor,
        password_confirmation: &str,
    ) -> Result<(), AccountError> {
        let user = self.user_row(actor.user_id).await?;
        self.confirm_password(
            actor,
            &user,
            password_confirmation,
            "password",
            "enter your password to confirm",
        )
        .await?;
        let now = self.ctx.clock().now_ms();
        let fail = |e| AccountError::db("deleting an account failed", e);
        // Held seats go back to sale at once, through the inventory (ticket types are locked
        // before the user row, the lock order of every seat path).
        let holds = store::holds::active_of_user(self.ctx.db(), actor.user_id)
            .await
            .map_err(fail)?;
        let entries = store::waitlist::active_of_user(self.ctx.db(), actor.user_id)
            .await
            .map_err(fail)?;
        let mut stx = SeatTx::begin(&self.ctx).await.map_err(fail)?;
        let mut tts: Vec<i64> = holds
            .iter()
            .map(|h| h.ticket_type_id)
            .chain(entries.iter().map(|e| e.ticket_type_id))
            .collect();
        tts.sort_unstable();
        tts.dedup();
        for tt in tts {
            stx.lock(tt).await.map_err(fail)?;
        }
        // Waitlist places are given up first (an offer's seats pass on to the next person).
        for e in &entries {
            if let Some(current) = store::waitlist::by_id_tx(stx.tx(), e.id)
                .await
                .map_err(fail)?
                .filter(|c| c.status.is_active())
            {
                crate::waitlist::offers::leave(
                    &mut stx,
                    &current,
                    crate::domain::WaitlistStatus::Left,
                    now,
                )
                .await
                .map_err(fail)?;
            }
        }
        for h in &holds {
            if let Some(released) = store::holds::mark_released(stx.tx(), h.id, actor.user_id, now)
                .await
                .map_err(fail)?
            {
                stx.give_back(
                    released.event_id,
                    released.ticket_type_id,
                    released.quantity,
                    Why::HoldReleased,
                )
                .await
                .map_err(fail)?;
            }
        }
        store::waitlist::delete_of_user(stx.tx(), actor.user_id, now)
            .await
            .map_err(fail)?;
        store::users::erase(stx.tx(), actor.user_id, now)
            .await
            .map_err(fail)?;
        let entry = store::audit::NewEntry {
            actor_id: Some(actor.user_id),
            action: "user.delete",
            target_type: "user",
            target_id: Some(actor.user_id.to_string()),
            subject_id: Some(actor.user_id),
            detail: "{}".into(),
            ip: None,
        };
        store::audit::record_tx(stx.tx(), &entry, now)
            .await
            .map_err(fail)?;
        stx.commit().await.map_err(fail)
    }

    /// Checks a signed-in user's own password before something it protects, under the same
    /// throttle as sign-in (a stolen session cannot brute-force it).
    async fn confirm_password(
        &self,
        actor: &Actor,
        user: &UserRow,
        raw: &str,
        field: &str,
        wrong: &str,
    ) -> Result<(), AccountError> {
        let account = throttle::account_key(&user.email);
        let client = actor.rate_subject().to_string();
        throttle::admit(self.ctx.limiter(), &account, &client).await?;
        let ok = raw.chars().count() <= password::MAX_LEN
            && password::verify(raw.to_string(), user.password_hash.clone()).await;
        if !ok {
            throttle::failed(self.ctx.limiter(), &account).await;
            return Err(AccountError::Invalid(crate::ApiError::invalid(
                field, wrong,
            )));
        }
        throttle::succeeded(self.ctx.limiter(), &account, &client).await;
        Ok(())
    }
}
