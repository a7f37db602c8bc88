//! An event as a card in a list.

use evently::domain::Scarcity;
use evently::dto::EventSummary;
use leptos::prelude::*;

/// Seats-left wording and badge class for a card (the domain's one scarcity rule).
pub fn availability_label(available: i64, capacity: i64) -> (&'static str, String) {
    (
        Scarcity::of(available, capacity).css_class(),
        Scarcity::label(available, capacity),
    )
}

/// The seats-left badge of a card: the one live part of it, an island.
#[island]
pub fn SeatBadge(event_id: i64, available: i64, capacity: i64) -> impl IntoView {
    crate::live::watch_event(event_id);
    let live = crate::live::use_live();
    let seats = move || {
        live.and_then(|l| l.event_available(event_id))
            .unwrap_or(available)
    };
    let badge = move || availability_label(seats(), capacity);
    view! {
        <span class=move || format!("badge {}", badge().0) data-available=seats>{move || badge().1}</span>
    }
}

/// A card is static HTML; only its [`SeatBadge`] runs in the browser.
#[component]
pub fn EventCard(event: EventSummary) -> impl IntoView {
    let href = format!("/events/{}", event.slug);
    let image = event
        .image_url
        .clone()
        .unwrap_or_else(|| format!("/img/categories/{}.svg", event.category));
    view! {
        <article class="event-card" data-category=event.category.clone() data-event-id=event.id>
            <img class="event-card-image" src=image alt="" width="640" height="320" loading="lazy" decoding="async"/>
            <div class="event-card-body">
                <p class="event-card-meta">
                    <span class="pill">{event.category_label.clone()}</span>
                    <span>{event.city.clone()}</span>
                </p>
                <h3 class="event-card-title"><a href=href>{event.title.clone()}</a></h3>
                <p class="event-card-when">
                    <time datetime=event.starts_at.to_rfc3339()>{event.date_label.clone()}</time>
                </p>
                <p class="event-card-venue">{event.venue.clone()}</p>
                <p class="event-card-footer">
                    <span class="price">{event.price_label.clone()}</span>
                    // Rendered on the server: an event that has begun sells nothing here.
                    {if event.starts_at <= chrono::Utc::now() {
                        view! { <span class="badge">"Started"</span> }.into_any()
                    } else {
                        view! { <SeatBadge event_id=event.id available=event.available capacity=event.capacity/> }.into_any()
                    }}
                </p>
            </div>
        </article>
    }
}
