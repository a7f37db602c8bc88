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

#[component]
pub fn EventCard(event: EventSummary) -> impl IntoView {
    crate::live::watch_event(event.id);
    let live = use_context::<crate::live::Live>();
    let (id, rendered, capacity) = (event.id, event.available, event.capacity);
    let seats = move || live.and_then(|l| l.event_available(id)).unwrap_or(rendered);
    let badge = move || availability_label(seats(), capacity);
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
                    <span class=move || format!("badge {}", badge().0) data-available=seats>{move || badge().1}</span>
                </p>
            </div>
        </article>
    }
}
