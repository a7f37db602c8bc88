//! The notification centre (what a person was told, read and unread) and the browsers a
//! person gets web push on.

use super::outbox::NotificationService;
use super::push::PushSettings;
use crate::actor::Actor;
use crate::clock::to_datetime;
use crate::dto::{NoticePage, NoticeView, PushDeviceView, PushSettingsView, PushSubscriptionInput};
use crate::error::{ApiError, ErrorCode};
use crate::ratelimit::{Verdict, tiers, too_many};
use crate::store;
use crate::store::inbox::{NoticeRow, PushRow};

/// Most notices on one page.
pub const PAGE_MAX: i64 = 100;
/// Most devices one person can have.
pub const DEVICES_MAX: i64 = 20;

fn db_error(what: &str, e: sqlx::Error) -> ApiError {
    crate::db::log_failure(what, &e);
    ApiError::internal()
}

fn notice_view(r: NoticeRow) -> NoticeView {
    NoticeView {
        id: r.id,
        kind: r.kind,
        title: r.title,
        body: r.body,
        url: r.url,
        created_at: to_datetime(r.created_at),
        read_at: r.read_at.map(to_datetime),
    }
}

fn device_view(r: &PushRow) -> PushDeviceView {
    let service = reqwest::Url::parse(&r.endpoint)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    PushDeviceView {
        id: r.id,
        label: r.label.clone(),
        service,
        created_at: to_datetime(r.created_at),
        last_delivered_at: r.last_ok_at.map(to_datetime),
    }
}

/// A short name for a device from its browser's user agent ("Chrome on Android").
pub fn device_label(user_agent: &str) -> String {
    let ua = user_agent.to_ascii_lowercase();
    let browser = if ua.contains("edg/") {
        "Edge"
    } else if ua.contains("firefox/") {
        "Firefox"
    } else if ua.contains("chrome/") || ua.contains("chromium/") {
        "Chrome"
    } else if ua.contains("safari/") {
        "Safari"
    } else {
        "A browser"
    };
    let os = if ua.contains("android") {
        "Android"
    } else if ua.contains("iphone") || ua.contains("ipad") {
        "iOS"
    } else if ua.contains("windows") {
        "Windows"
    } else if ua.contains("mac os") {
        "macOS"
    } else if ua.contains("linux") {
        "Linux"
    } else {
        "an unknown system"
    };
    format!("{browser} on {os}")
}

impl NotificationService {
    /// A page of the actor's notices, newest first, older than `before`.
    pub async fn notices(
        &self,
        actor: &Actor,
        before: Option<i64>,
        limit: Option<i64>,
    ) -> Result<NoticePage, ApiError> {
        let limit = limit.unwrap_or(30);
        if !(1..=PAGE_MAX).contains(&limit) {
            return Err(ApiError::invalid(
                "limit",
                format!("limit must be between 1 and {PAGE_MAX}"),
            ));
        }
        if before.is_some_and(|b| b < 1) {
            return Err(ApiError::invalid("before", "before must be a notice id"));
        }
        let db = self.ctx().db();
        let fail = |e| db_error("reading notices failed", e);
        let rows = store::inbox::list(db, actor.user_id, before, limit + 1)
            .await
            .map_err(fail)?;
        let unread = store::inbox::unread(db, actor.user_id)
            .await
            .map_err(fail)?;
        let more = rows.len() as i64 > limit;
        let notifications: Vec<NoticeView> = rows
            .into_iter()
            .take(limit as usize)
            .map(notice_view)
            .collect();
        let next_before = if more {
            notifications.last().map(|n| n.id)
        } else {
            None
        };
        Ok(NoticePage {
            notifications,
            unread,
            next_before,
        })
    }

    /// How many of the person's notices are unread.
    pub async fn unread_count(&self, user_id: i64) -> Result<i64, ApiError> {
        store::inbox::unread(self.ctx().db(), user_id)
            .await
            .map_err(|e| db_error("counting notices failed", e))
    }

    /// Marks one notice (`Some`) or all (`None`) read; returns how many are unread now.
    /// Every open page of the person hears of it.
    pub async fn mark_read(&self, actor: &Actor, id: Option<i64>) -> Result<i64, ApiError> {
        let db = self.ctx().db();
        let fail = |e| db_error("marking notices read failed", e);
        if let Some(id) = id
            && !store::inbox::owned(db, actor.user_id, id)
                .await
                .map_err(fail)?
        {
            return Err(ApiError::not_found("notification"));
        }
        let changed = store::inbox::mark_read(db, actor.user_id, id, self.ctx().clock().now_ms())
            .await
            .map_err(fail)?;
        if changed > 0 {
            self.ctx().live().publish_users(vec![actor.user_id]);
        }
        self.unread_count(actor.user_id).await
    }

    fn push_settings(&self) -> Result<&PushSettings, ApiError> {
        self.ctx().settings().push.as_ref().ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unavailable,
                "web push is turned off on this server",
            )
        })
    }

    /// The key to subscribe with and the actor's devices.
    pub async fn push_devices(&self, actor: &Actor) -> Result<PushSettingsView, ApiError> {
        let rows = store::inbox::subscriptions(self.ctx().db(), actor.user_id)
            .await
            .map_err(|e| db_error("reading push devices failed", e))?;
        Ok(PushSettingsView {
            public_key: self
                .ctx()
                .settings()
                .push
                .as_ref()
                .map(|p| p.public_key().to_string()),
            devices: rows.iter().map(device_view).collect(),
        })
    }

    /// Registers a browser for web push (again: an endpoint already known is updated).
    pub async fn subscribe_push(
        &self,
        actor: &Actor,
        input: &PushSubscriptionInput,
        user_agent: Option<&str>,
    ) -> Result<PushDeviceView, ApiError> {
        let settings = self.push_settings()?;
        if let Err(why) = settings.check_endpoint(input.endpoint.trim()) {
            return Err(ApiError::invalid(
                "endpoint",
                format!("The endpoint {why}."),
            ));
        }
        if let Err(why) = PushSettings::check_keys(&input.keys.p256dh, &input.keys.auth) {
            return Err(ApiError::invalid("keys", why));
        }
        let label = match input.label.as_deref().map(str::trim) {
            Some(l) if !l.is_empty() => {
                if l.chars().count() > 60 || l.chars().any(char::is_control) {
                    return Err(ApiError::invalid(
                        "label",
                        "label must be at most 60 characters, without control characters",
                    ));
                }
                l.to_string()
            }
            _ => device_label(user_agent.unwrap_or_default()),
        };
        if let Verdict::Limited { retry_after_secs } = self
            .ctx()
            .limiter()
            .hit(tiers::PUSH_SUBSCRIBE, &actor.user_id.to_string())
            .await
        {
            return Err(too_many(retry_after_secs, "device registrations"));
        }
        let db = self.ctx().db();
        let fail = |e| db_error("registering a push device failed", e);
        let known = store::inbox::subscriptions(db, actor.user_id)
            .await
            .map_err(fail)?;
        if !known.iter().any(|r| r.endpoint == input.endpoint.trim())
            && known.len() as i64 >= DEVICES_MAX
        {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!("You have {DEVICES_MAX} devices with notifications on: remove one first."),
            ));
        }
        let now = self.ctx().clock().now_ms();
        let id = store::inbox::subscribe(
            db,
            actor.user_id,
            input.endpoint.trim(),
            input.keys.p256dh.trim_end_matches('='),
            input.keys.auth.trim_end_matches('='),
            &label,
            now,
        )
        .await
        .map_err(fail)?;
        let rows = store::inbox::subscriptions(db, actor.user_id)
            .await
            .map_err(fail)?;
        rows.iter()
            .find(|r| r.id == id)
            .map(device_view)
            .ok_or_else(ApiError::internal)
    }

    /// Stops web push to one of the actor's devices, by id or by endpoint.
    pub async fn unsubscribe_push(
        &self,
        actor: &Actor,
        id: Option<i64>,
        endpoint: Option<&str>,
    ) -> Result<(), ApiError> {
        if id.is_none() && endpoint.is_none() {
            return Err(ApiError::invalid(
                "endpoint",
                "name the device: its id or endpoint",
            ));
        }
        let gone = store::inbox::unsubscribe(self.ctx().db(), actor.user_id, id, endpoint)
            .await
            .map_err(|e| db_error("removing a push device failed", e))?;
        if gone {
            Ok(())
        } else {
            Err(ApiError::not_found("device"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::device_label;

    #[test]
    fn devices_are_named_after_their_browser() {
        assert_eq!(
            device_label(
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"
            ),
            "Chrome on Android"
        );
        assert_eq!(
            device_label(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) Gecko/20100101 Firefox/133.0"
            ),
            "Firefox on macOS"
        );
        assert_eq!(device_label(""), "A browser on an unknown system");
    }
}
