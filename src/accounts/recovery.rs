//! Links mailed to a person: "forgot password" and address confirmation.
//!
//! A link is a row of `account_links` (whose, what for, to which address, until when) plus
//! an HMAC over that row under a server key kept outside the database: the database alone
//! cannot make a working link, and a link works once, before it expires, for the address
//! it was sent to. Asking for a password reset answers the same whether or not the address
//! has an account, and is rate limited per client and capped per address.

use super::{AccountError, AccountService, ClientInfo, check_password, password};
use crate::actor::Actor;
use crate::error::{ApiError, ErrorCode};
use crate::notifications::Message;
use crate::notifications::links::{AccountLinkParts, LinkKey, new_nonce};
use crate::ratelimit::{Verdict, tiers};
use crate::store;
use serde_json::json;

/// A password reset link's purpose, and how long it works.
pub const RESET: &str = "password_reset";
pub const RESET_TTL_MS: i64 = 60 * 60_000;
/// An address confirmation link's purpose, and how long it works.
pub const VERIFY: &str = "verify_email";
pub const VERIFY_TTL_MS: i64 = 7 * 24 * 60 * 60_000;
/// Links of one purpose sent to one account per hour, at most (more are not sent, silently).
const PER_ADDRESS_HOURLY: i64 = 3;

fn spent_link() -> AccountError {
    AccountError::Invalid(
        ApiError::new(
            ErrorCode::InvalidInput,
            "this link has expired or was already used; ask for a new one",
        )
        .with_field("token"),
    )
}

/// The person who used a link, as the audit log records them (no session).
fn acting_as(user: &store::users::UserRow, client: &ClientInfo) -> Actor {
    Actor {
        user_id: user.id,
        role: crate::domain::Role::parse(&user.role).unwrap_or(crate::domain::Role::Attendee),
        session_id: String::new(),
        ip: client.ip.clone(),
        rate_key: client.rate_key.clone(),
    }
}

impl AccountService {
    fn link_key(&self) -> LinkKey {
        self.ctx.settings().ticket_keys.link_key()
    }

    async fn limit_account_mail(&self, client: &ClientInfo) -> Result<(), AccountError> {
        match self
            .ctx
            .limiter()
            .hit(tiers::ACCOUNT_MAIL, client.rate_subject())
            .await
        {
            Verdict::Limited { retry_after_secs } => {
                Err(AccountError::RateLimited(retry_after_secs))
            }
            _ => Ok(()),
        }
    }

    /// Writes a link of `purpose` for `user_id` (to `email`) and the mail that carries it,
    /// ending older unused links of the same purpose. Quietly sends nothing past the
    /// per-address cap.
    pub(super) async fn send_link(
        &self,
        user_id: i64,
        purpose: &str,
        email: &str,
    ) -> Result<(), AccountError> {
        let db = self.ctx.db();
        let fail = |e| AccountError::db("writing an account link failed", e);
        let now = self.ctx.clock().now_ms();
        if store::account_links::recent(db, user_id, purpose, now - 3_600_000)
            .await
            .map_err(fail)?
            >= PER_ADDRESS_HOURLY
        {
            tracing::info!(user = user_id, purpose, "account link not sent: hourly cap");
            return Ok(());
        }
        let ttl = if purpose == RESET {
            RESET_TTL_MS
        } else {
            VERIFY_TTL_MS
        };
        let mut tx = db.begin().await.map_err(fail)?;
        store::account_links::spend_all(&mut tx, user_id, purpose, now)
            .await
            .map_err(fail)?;
        let link_id = store::account_links::insert(
            &mut tx,
            user_id,
            purpose,
            email,
            &new_nonce(),
            now,
            now + ttl,
        )
        .await
        .map_err(fail)?;
        store::outbox::enqueue(&mut tx, &[Message::AccountLink { link_id, user_id }], now)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        self.ctx.outbox_bell().ring();
        Ok(())
    }

    /// "Forgot password": mails a link to set a new one if `email` has a live account.
    /// Answers the same either way (the caller says "if an account uses this address...").
    #[tracing::instrument(skip_all)]
    pub async fn request_password_reset(
        &self,
        client: &ClientInfo,
        email: &str,
    ) -> Result<(), AccountError> {
        self.limit_account_mail(client).await?;
        let email = crate::domain::Email::parse("email", email)?;
        let user = store::users::by_email(self.ctx.db(), email.as_str())
            .await
            .map_err(|e| AccountError::db("user lookup failed", e))?;
        match user {
            Some(u) if u.deleted_at.is_none() && !u.disabled => {
                self.send_link(u.id, RESET, &u.email).await
            }
            _ => Ok(()),
        }
    }

    /// The live link a token names, checked: its purpose, unspent, unexpired, for the
    /// account's current address, and genuine.
    async fn open_link(
        &self,
        token: &str,
        purpose: &str,
    ) -> Result<(store::account_links::LinkRow, store::users::UserRow), AccountError> {
        let id = LinkKey::account_token_id(token.trim()).ok_or_else(spent_link)?;
        let row = store::account_links::by_id(self.ctx.db(), id)
            .await
            .map_err(|e| AccountError::db("link lookup failed", e))?
            .ok_or_else(spent_link)?;
        let now = self.ctx.clock().now_ms();
        let genuine = self.link_key().account_token_matches(
            &AccountLinkParts {
                id: row.id,
                purpose: &row.purpose,
                user_id: row.user_id,
                email: &row.email,
                nonce: &row.nonce,
            },
            token.trim(),
        );
        if !genuine || row.purpose != purpose || row.used_at.is_some() || row.expires_at <= now {
            return Err(spent_link());
        }
        let user = self.user_row(row.user_id).await.map_err(|_| spent_link())?;
        if user.email != row.email || user.disabled {
            return Err(spent_link());
        }
        Ok((row, user))
    }

    /// Sets a new password through a reset link: the link is spent, every session and
    /// refresh token of the account ends, and the address counts as confirmed.
    #[tracing::instrument(skip_all)]
    pub async fn reset_password(
        &self,
        client: &ClientInfo,
        token: &str,
        new_password: &str,
    ) -> Result<(), AccountError> {
        self.limit_account_mail(client).await?;
        let (link, user) = self.open_link(token, RESET).await?;
        check_password("new_password", new_password, &[&user.email, &user.name])?;
        let hash = password::hash(new_password.to_string())
            .await
            .map_err(|_| AccountError::Internal)?;
        let now = self.ctx.clock().now_ms();
        let fail = |e| AccountError::db("setting a new password failed", e);
        let mut tx = self.ctx.db().begin().await.map_err(fail)?;
        if !store::account_links::spend(&mut tx, link.id, now)
            .await
            .map_err(fail)?
        {
            let _ = tx.rollback().await;
            return Err(spent_link());
        }
        store::account_links::set_password_hash(&mut tx, user.id, &hash, now)
            .await
            .map_err(fail)?;
        store::account_links::spend_all(&mut tx, user.id, RESET, now)
            .await
            .map_err(fail)?;
        store::account_links::mark_verified(&mut tx, user.id, &user.email, now)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        let ended =
            store::sessions::revoke_all(self.ctx.db(), user.id, None, now, "password_reset")
                .await
                .map_err(fail)?;
        self.audit_account(
            &acting_as(&user, client),
            "user.password_reset",
            user.id,
            json!({ "sessions_ended": ended }),
        )
        .await;
        Ok(())
    }

    /// Confirms an address through its link. Confirming twice is harmless.
    #[tracing::instrument(skip_all)]
    pub async fn verify_email(&self, client: &ClientInfo, token: &str) -> Result<(), AccountError> {
        self.limit_account_mail(client).await?;
        let (link, user) = self.open_link(token, VERIFY).await?;
        let now = self.ctx.clock().now_ms();
        let fail = |e| AccountError::db("confirming an address failed", e);
        let mut tx = self.ctx.db().begin().await.map_err(fail)?;
        store::account_links::spend(&mut tx, link.id, now)
            .await
            .map_err(fail)?;
        store::account_links::mark_verified(&mut tx, user.id, &user.email, now)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        self.audit_account(
            &acting_as(&user, client),
            "user.email_verified",
            user.id,
            json!({}),
        )
        .await;
        Ok(())
    }

    /// Sends the address confirmation link again (nothing when already confirmed).
    pub async fn resend_verification(
        &self,
        actor: &Actor,
        client: &ClientInfo,
    ) -> Result<(), AccountError> {
        self.limit_account_mail(client).await?;
        let user = self.user_row(actor.user_id).await?;
        if user.email_verified_at.is_some() {
            return Ok(());
        }
        self.send_link(user.id, VERIFY, &user.email).await
    }
}
