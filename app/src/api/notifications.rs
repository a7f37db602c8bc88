//! Server functions for the notification centre and the devices that get web push.

use crate::error::AppError;
use evently::dto::{NoticePage, PushSettingsView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr;

/// A page of your notifications, newest first (older than `before`).
#[server(endpoint = "my_notifications")]
pub async fn my_notifications(before: Option<i64>) -> Result<NoticePage, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?
        .notifications()
        .notices(&actor, before, Some(30))
        .await
    {
        Ok(p) => Ok(p),
        Err(e) => ssr::fail(e),
    }
}

/// How many of your notifications are unread (0 when signed out).
#[server(endpoint = "unread_notifications")]
pub async fn unread_notifications() -> Result<i64, AppError> {
    let Some(actor) = ssr::actor() else {
        return Ok(0);
    };
    Ok(ssr::core()?
        .notifications()
        .unread_count(actor.user_id)
        .await
        .unwrap_or(0))
}

/// Marks one notification read (`id`) or all of them; back to the notifications page.
#[server(endpoint = "mark_notifications_read")]
pub async fn mark_notifications_read(id: Option<i64>) -> Result<i64, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?.notifications().mark_read(&actor, id).await {
        Ok(n) => {
            ssr::after_form("/notifications");
            Ok(n)
        }
        Err(e) => ssr::fail(e),
    }
}

/// The key to subscribe to web push with, and your devices.
#[server(endpoint = "my_push_devices")]
pub async fn my_push_devices() -> Result<PushSettingsView, AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?.notifications().push_devices(&actor).await {
        Ok(v) => Ok(v),
        Err(e) => ssr::fail(e),
    }
}

/// Stops web push to one of your devices.
#[server(endpoint = "remove_push_device")]
pub async fn remove_push_device(id: i64) -> Result<(), AppError> {
    let actor = ssr::require_actor()?;
    match ssr::core()?
        .notifications()
        .unsubscribe_push(&actor, Some(id), None)
        .await
    {
        Ok(()) => {
            ssr::after_form("/account?done=device-removed#notifications");
            Ok(())
        }
        Err(e) => ssr::fail(e),
    }
}
