//! The home page: upcoming events, filterable by category once the page is live.

use crate::api::events::upcoming_events;
use crate::components::event_card::EventCard;
use evently::domain::CATEGORIES;
use evently::dto::EventSummary;
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};

#[component]
pub fn HomePage() -> impl IntoView {
    let events = Resource::new(|| (), |_| upcoming_events());
    view! {
        <Title text="Evently · Find and book events near you"/>
        <Meta name="description" content="Concerts, talks, sports, food and more: find upcoming events and book tickets in seconds, with live availability."/>
        <Link rel="canonical" href="/"/>
        <section class="hero">
            <div class="container">
                <h1>"Find your next night out"</h1>
                <p class="lead">"Live availability, instant confirmation, and tickets that are really yours."</p>
            </div>
        </section>
        <section class="container" aria-labelledby="upcoming-heading">
            <h2 id="upcoming-heading">"Upcoming events"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading events…"</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(list) => view! { <FilterableEvents events=list/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The event grid with category chips. The chips filter in place once hydrated; the full
/// list is in the server-rendered HTML either way.
#[component]
fn FilterableEvents(events: Vec<EventSummary>) -> impl IntoView {
    let (category, set_category) = signal(None::<&'static str>);
    let present: Vec<&'static str> = CATEGORIES
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| events.iter().any(|e| e.category == *id))
        .collect();
    let counts = events
        .iter()
        .map(|e| e.category.clone())
        .collect::<Vec<_>>();
    let shown = move || match category.get() {
        None => counts.len(),
        Some(c) => counts.iter().filter(|x| x.as_str() == c).count(),
    };
    if events.is_empty() {
        return view! { <p class="empty-state">"No upcoming events yet. Check back soon."</p> }
            .into_any();
    }
    view! {
        <div class="chips" role="group" aria-label="Filter by category">
            <button type="button" class="chip" aria-pressed=move || category.get().is_none().to_string()
                on:click=move |_| set_category.set(None)>"All"</button>
            {present.into_iter().map(|id| {
                let label = evently::domain::category_label(id);
                view! {
                    <button type="button" class="chip" data-category=id
                        aria-pressed=move || (category.get() == Some(id)).to_string()
                        on:click=move |_| set_category.set(Some(id))>{label}</button>
                }
            }).collect_view()}
        </div>
        <p class="results-count" aria-live="polite">{move || format!("Showing {} events", shown())}</p>
        <ul class="event-grid" role="list">
            {events.into_iter().map(|e| {
                let cat = e.category.clone();
                view! {
                    <li hidden=move || category.get().is_some_and(|c| c != cat)>
                        <EventCard event=e/>
                    </li>
                }
            }).collect_view()}
        </ul>
    }.into_any()
}
