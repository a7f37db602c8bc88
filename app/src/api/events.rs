//! Server functions for discovering events.

use crate::error::AppError;
use evently::dto::{EventDetail, EventSummary, HomeData, Page, SearchQuery};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr;

/// Upcoming published events for the home page filter.
#[server(endpoint = "upcoming_events")]
pub async fn upcoming_events() -> Result<Vec<EventSummary>, AppError> {
    match ssr::core()?.events().upcoming_events(48).await {
        Ok(list) => Ok(list),
        Err(e) => ssr::fail(e),
    }
}

/// The home page: upcoming and popular events, categories, cities.
#[server(endpoint = "load_home")]
pub async fn load_home() -> Result<HomeData, AppError> {
    match ssr::core()?.search().home().await {
        Ok(h) => Ok(h),
        Err(e) => ssr::fail(e),
    }
}

/// One page of search results.
#[server(endpoint = "search_events", input = server_fn::codec::Json)]
pub async fn search_events(query: SearchQuery) -> Result<Page<EventSummary>, AppError> {
    match ssr::core()?.search().search_events(&query).await {
        Ok(p) => Ok(p),
        Err(e) => ssr::fail(e),
    }
}

/// Everything the event page renders, computed on the server so hydration matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventPageData {
    pub event: EventDetail,
    /// schema.org `Event` JSON-LD, already escaped for a `<script>` element.
    pub json_ld: String,
    pub canonical: String,
    pub image: String,
    pub description: String,
    /// Base of the idempotency keys of this page's booking forms: a double click, or the
    /// same form sent twice, holds seats once.
    pub checkout_key: String,
    pub signed_in: bool,
    /// The visitor's places in this event's waitlists (signed in only).
    #[serde(default)]
    pub my_waitlist: Vec<evently::dto::WaitlistEntryView>,
}

/// An event page by slug (drafts only for their organizer).
#[server(endpoint = "event_page")]
pub async fn event_page(slug: String) -> Result<EventPageData, AppError> {
    let core = ssr::core()?;
    let actor = ssr::actor();
    let event = match core.events().event_by_slug(actor.as_ref(), &slug).await {
        Ok(e) => e,
        Err(e) => return ssr::fail(e),
    };
    let my_waitlist = match &actor {
        Some(a) => core
            .waitlist()
            .mine(a)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|w| w.event_id == event.id && w.status.is_active())
            .collect(),
        None => Vec::new(),
    };
    let site = ssr::site();
    let canonical = format!("{}/events/{}", site.public_url, event.slug);
    let image = absolute(
        &site.public_url,
        event
            .image_url
            .as_deref()
            .unwrap_or(&format!("/img/categories/{}.svg", event.category)),
    );
    Ok(EventPageData {
        json_ld: json_ld(&event, &canonical, &image, &site.public_url),
        description: summary(&event.description, 160),
        canonical,
        image,
        checkout_key: uuid::Uuid::new_v4().to_string(),
        signed_in: actor.is_some(),
        my_waitlist,
        event,
    })
}

#[cfg(feature = "ssr")]
fn absolute(base: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        path.to_string()
    } else {
        format!("{base}{path}")
    }
}

/// The first `max` characters of a description on one line, cut at a word.
pub fn summary(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", &cut[..at])
}

#[cfg(feature = "ssr")]
fn json_ld(e: &EventDetail, url: &str, image: &str, base: &str) -> String {
    let offers: Vec<serde_json::Value> = e
        .ticket_types
        .iter()
        .map(|t| {
            use evently::domain::{EventStatus, Scarcity};
            let availability = match Scarcity::of(t.available, t.capacity) {
                _ if e.status == EventStatus::Cancelled => "https://schema.org/SoldOut",
                Scarcity::SoldOut => "https://schema.org/SoldOut",
                Scarcity::FewLeft => "https://schema.org/LimitedAvailability",
                Scarcity::Plenty => "https://schema.org/InStock",
            };
            let valid_from = t.sale_starts_at.or(e.published_at).map(|d| d.to_rfc3339());
            serde_json::json!({
                "@type": "Offer",
                "name": t.name,
                "price": format!("{}.{:02}", t.price_cents / 100, t.price_cents % 100),
                "priceCurrency": t.currency,
                "availability": availability,
                "validFrom": valid_from,
                "url": url,
            })
        })
        .collect();
    let status = if e.status == evently::domain::EventStatus::Cancelled {
        "https://schema.org/EventCancelled"
    } else {
        "https://schema.org/EventScheduled"
    };
    let doc = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": e.title,
        "description": summary(&e.description, 500),
        "startDate": e.starts_at_local,
        "endDate": e.ends_at_local,
        "eventStatus": status,
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": {
            "@type": "Place",
            "name": e.venue,
            "address": { "@type": "PostalAddress", "addressLocality": e.city },
        },
        "image": [image],
        "url": url,
        "organizer": { "@type": "Organization", "name": e.organizer_name, "url": base },
        "offers": offers,
    });
    // Safe inside <script>: no "</script>", no HTML-significant characters.
    doc.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}
