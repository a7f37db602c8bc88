//! Server functions for accounts: sign-in, sign-up, sign-out, password, consent, deletion,
//! and the admin's user management.

use crate::error::AppError;
use evently::dto::AuditEntryView;
use evently::dto::UserView;
use evently::dto::{AdminUserDetail, AdminUserPage};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr;
#[cfg(feature = "ssr")]
use crate::session;

/// The signed-in user, if any.
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<UserView>, AppError> {
    let Some(actor) = ssr::actor() else {
        return Ok(None);
    };
    match ssr::core()?.accounts().me(&actor).await {
        Ok(u) => Ok(Some(u)),
        Err(_) => Ok(None),
    }
}

/// Signs in and sets the session cookies, then goes to `next` (a path on this site).
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
    why: Option<String>,
) -> Result<(), AppError> {
    let core = ssr::core()?;
    match core
        .accounts()
        .login(&email, &password, &ssr::client())
        .await
    {
        Ok(pair) => {
            ssr::set_cookies(session::session_cookies(&pair, ssr::site().secure_cookies));
            ssr::redirect(&session::safe_next(next.as_deref()));
            Ok(())
        }
        Err(e) => ssr::flash_back(
            "signin",
            &[("email", &email)],
            e,
            &form_page("/signin", next.as_deref(), why.as_deref()),
        ),
    }
}

/// The sign-in or sign-up page again, with the same `next` and `why`.
#[cfg(feature = "ssr")]
fn form_page(path: &str, next: Option<&str>, why: Option<&str>) -> String {
    let mut query = vec![];
    if let Some(why) = why.filter(|w| *w == "book") {
        query.push(format!("why={why}"));
    }
    if let Some(next) = next.filter(|n| !n.is_empty()) {
        query.push(format!(
            "next={}",
            evently::dto::url_encode(&session::safe_next(Some(next)))
        ));
    }
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// Creates an account, signs it in, then goes to `next`.
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    name: String,
    email: String,
    password: String,
    marketing: Option<String>,
    next: Option<String>,
    why: Option<String>,
) -> Result<(), AppError> {
    let core = ssr::core()?;
    let client = ssr::client();
    if let Err(e) = core
        .accounts()
        .sign_up(&client, &email, &password, &name, marketing.is_some())
        .await
    {
        let marketing = if marketing.is_some() { "on" } else { "" };
        return ssr::flash_back(
            "signup",
            &[("name", &name), ("email", &email), ("marketing", marketing)],
            e,
            &form_page("/signup", next.as_deref(), why.as_deref()),
        );
    }
    // The same answer whether or not the address had an account (sign-up tells nobody who
    // is registered): on to signing in, with the same `next`.
    let page = form_page("/signin", next.as_deref(), why.as_deref());
    ssr::flash_forward("signin", &[("email", email.trim())]);
    let sep = if page.contains('?') { '&' } else { '?' };
    ssr::redirect(&format!("{page}{sep}done=signed_up"));
    Ok(())
}

/// Ends this session and clears the cookies.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    if let Some(actor) = ssr::actor() {
        let _ = ssr::core()?.accounts().logout(&actor).await;
    }
    ssr::set_cookies(session::clear_cookies(ssr::site().secure_cookies));
    ssr::redirect("/");
    Ok(())
}

/// Changes the password; other sessions are signed out.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    if new_password != confirm_password {
        return ssr::fail(evently::ApiError::invalid(
            "confirm_password",
            "the two new passwords do not match",
        ));
    }
    match ssr::core()?
        .accounts()
        .change_password(&actor, &current_password, &new_password)
        .await
    {
        Ok(()) => {
            ssr::after_form("/account?done=password");
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// The signed-in user's live sessions, this one first.
#[server(endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<Vec<evently::dto::SessionView>, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?.accounts().my_sessions(&actor).await {
        Ok(list) => Ok(list),
        Err(e) => ssr::fail(e),
    }
}

/// Signs out every session of the signed-in user but this one; answers how many.
#[server(endpoint = "sign_out_others")]
pub async fn sign_out_others() -> Result<u64, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?
        .accounts()
        .sign_out_other_sessions(&actor)
        .await
    {
        Ok(n) => {
            ssr::after_form(&format!("/account?done=signed-out&n={n}"));
            Ok(n)
        }
        Err(e) => ssr::fail(e),
    }
}

/// Saves the e-mail preferences: marketing consent and reminders (a box left unticked is
/// sent as nothing, so "missing" means off). Only what changed is recorded.
#[server(endpoint = "set_marketing")]
pub async fn set_marketing(
    opt_in: Option<String>,
    reminders: Option<String>,
) -> Result<UserView, AppError> {
    let actor = ssr::require_actor()?;
    let core = ssr::core()?;
    let accounts = core.accounts();
    let now = match accounts.me(&actor).await {
        Ok(u) => u,
        Err(e) => return ssr::fail(e),
    };
    let mut saved = now.clone();
    if now.marketing_opt_in_at.is_some() != opt_in.is_some() {
        saved = match accounts
            .set_marketing_consent(&actor, opt_in.is_some())
            .await
        {
            Ok(u) => u,
            Err(e) => return ssr::fail(e),
        };
    }
    if now.email_reminders != reminders.is_some() {
        saved = match accounts
            .set_email_reminders(&actor, reminders.is_some())
            .await
        {
            Ok(u) => u,
            Err(e) => return ssr::fail(e),
        };
    }
    ssr::after_form("/account?done=preferences");
    Ok(saved)
}

/// Deletes the account (after the password and an explicit confirmation).
#[server(endpoint = "delete_account")]
pub async fn delete_account(password: String, confirm: Option<String>) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    if confirm.is_none() {
        return ssr::fail(evently::ApiError::invalid(
            "confirm",
            "tick the box to confirm you want your account deleted",
        ));
    }
    match ssr::core()?
        .accounts()
        .delete_my_account(&actor, &password)
        .await
    {
        Ok(()) => {
            ssr::set_cookies(session::clear_cookies(ssr::site().secure_cookies));
            ssr::redirect("/?account=deleted");
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// A page of users for the admin page: newest first, searched by `q`, older than `before`
/// or newer than `after`.
#[server(endpoint = "admin_users")]
pub async fn admin_users(
    q: Option<String>,
    before: Option<i64>,
    after: Option<i64>,
) -> Result<AdminUserPage, AppError> {
    use evently::store::users::UserCursor;
    let actor = ssr::require_actor()?;
    let cursor = match (before, after) {
        (Some(id), _) => UserCursor::Before(id),
        (None, Some(id)) => UserCursor::After(id),
        (None, None) => UserCursor::First,
    };
    match ssr::core()?
        .accounts()
        .user_page(&actor, q.as_deref(), cursor, ADMIN_PAGE_SIZE)
        .await
    {
        Ok(u) => Ok(u),
        Err(e) => ssr::fail(e),
    }
}

/// How many users a page of the admin's list shows.
pub const ADMIN_PAGE_SIZE: i64 = 50;

/// One user for the admin's page of them.
#[server(endpoint = "admin_user")]
pub async fn admin_user(user_id: i64) -> Result<AdminUserDetail, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?.accounts().user_detail(&actor, user_id).await {
        Ok(u) => Ok(u),
        Err(e) => ssr::fail(e),
    }
}

/// Where an admin form goes back to after it was posted without script: `back` when it is
/// one of the admin's pages (the list with its search, or a user's page), else the list;
/// with what happened in `done`.
#[cfg(feature = "ssr")]
fn admin_back(back: Option<&str>, done: &str, user_id: i64) -> String {
    let page = back
        .filter(|b| *b == "/admin" || b.starts_with("/admin?") || b.starts_with("/admin/users/"))
        .unwrap_or("/admin");
    let sep = if page.contains('?') { '&' } else { '?' };
    format!("{page}{sep}done={done}&user={user_id}")
}

/// Changes a user's role (admins), then back to `back`: the admin page the form is on.
#[server(endpoint = "admin_set_role")]
pub async fn admin_set_role(
    user_id: i64,
    role: String,
    back: Option<String>,
) -> Result<UserView, AppError> {
    let actor = ssr::require_actor()?;
    let role = match evently::domain::Role::parse(&role) {
        Ok(r) => r,
        Err(e) => return ssr::fail(e),
    };
    match ssr::core()?
        .accounts()
        .set_role(&actor, user_id, role)
        .await
    {
        Ok(u) => {
            ssr::after_form(&admin_back(back.as_deref(), "role", u.id));
            Ok(u)
        }
        Err(e) => ssr::fail(e),
    }
}

/// Disables or re-enables a user (admins), then back to `back`: the admin page the form is on.
#[server(endpoint = "admin_set_disabled")]
pub async fn admin_set_disabled(
    user_id: i64,
    disabled: bool,
    back: Option<String>,
) -> Result<UserView, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?
        .accounts()
        .set_disabled(&actor, user_id, disabled)
        .await
    {
        Ok(u) => {
            let what = if u.disabled { "disabled" } else { "enabled" };
            ssr::after_form(&admin_back(back.as_deref(), what, u.id));
            Ok(u)
        }
        Err(e) => ssr::fail(e),
    }
}

/// The audit log for the admin page.
#[server(endpoint = "admin_audit")]
pub async fn admin_audit(
    action: Option<String>,
    before: Option<i64>,
) -> Result<Vec<AuditEntryView>, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?
        .accounts()
        .audit_log(&actor, action.as_deref(), before, 100)
        .await
    {
        Ok(a) => Ok(a),
        Err(e) => ssr::fail(e),
    }
}

/// The outbox for the admin page: counts by state and the newest messages of one state.
#[server(endpoint = "admin_outbox")]
pub async fn admin_outbox(
    state: Option<String>,
    before: Option<i64>,
) -> Result<evently::dto::OutboxOverview, AppError> {
    use evently::store::outbox::OutboxFilter;
    let actor = ssr::require_actor()?;
    let Some(filter) = OutboxFilter::parse(state.as_deref().unwrap_or("dead")) else {
        return ssr::fail(evently::ApiError::invalid(
            "state",
            "state is one of dead, retrying, queued, scheduled, delivered",
        ));
    };
    match ssr::core()?
        .notifications()
        .overview(&actor, filter, before)
        .await
    {
        Ok(o) => Ok(o),
        Err(e) => ssr::fail(e),
    }
}

/// Sends a dead outbox message again (admins).
#[server(endpoint = "admin_retry_outbox")]
pub async fn admin_retry_outbox(id: i64) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?.notifications().retry_dead(&actor, id).await {
        Ok(()) => {
            ssr::after_form(&format!("/admin/outbox?state=dead&done=retried&id={id}"));
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}

/// "Forgot password": mails a link if the address has an account; says the same either way.
#[server(endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    let core = ssr::core()?;
    let client = ssr::client();
    match core
        .accounts()
        .request_password_reset(&client, &email)
        .await
    {
        Ok(()) => {
            ssr::redirect("/forgot-password?sent=1");
            Ok(())
        }
        Err(e) => ssr::flash_back("forgot", &[("email", &email)], e, "/forgot-password"),
    }
}

/// The page a link's token came from (only plain tokens go back into a path).
#[cfg(feature = "ssr")]
fn link_page(base: &str, token: &str) -> String {
    if crate::pages::unsubscribe::plain_token(token) {
        format!("{base}/{token}")
    } else {
        format!("{base}/link")
    }
}

/// Sets a new password with a mailed link, then goes to sign-in.
#[server(endpoint = "reset_password")]
pub async fn reset_password(token: String, new_password: String) -> Result<(), AppError> {
    let core = ssr::core()?;
    let client = ssr::client();
    match core
        .accounts()
        .reset_password(&client, &token, &new_password)
        .await
    {
        Ok(()) => {
            ssr::redirect("/signin?done=password_reset");
            Ok(())
        }
        Err(e) => ssr::flash_back("reset", &[], e, &link_page("/reset-password", &token)),
    }
}

/// Confirms an address with a mailed link.
#[server(endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    let core = ssr::core()?;
    let client = ssr::client();
    let page = link_page("/verify-email", &token);
    match core.accounts().verify_email(&client, &token).await {
        Ok(()) => {
            ssr::redirect(&format!("{page}?done=1"));
            Ok(())
        }
        Err(e) => ssr::flash_back("verify", &[], e, &page),
    }
}

/// Mails the address confirmation link again.
#[server(endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    let client = ssr::client();
    match ssr::core()?
        .accounts()
        .resend_verification(&actor, &client)
        .await
    {
        Ok(()) => {
            ssr::after_form("/account?done=verification");
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}
