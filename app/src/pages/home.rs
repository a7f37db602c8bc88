//! The home page: search, popular and upcoming events, categories and cities.

use crate::api::events::load_home;
use crate::components::event_card::EventCard;
use crate::components::head::{PageTitle, ScriptPreload};
use evently::domain::CATEGORIES;
use evently::dto::url_encode;
use evently::dto::{EventSummary, Facet};
use leptos::prelude::*;
use leptos_meta::{Link, Meta};
use leptos_router::hooks::use_query_map;

#[component]
pub fn HomePage() -> impl IntoView {
    let home = Resource::new(|| (), |_| load_home());
    let query = use_query_map();
    let deleted = move || query.read().get("account").as_deref() == Some("deleted");
    view! {
        <PageTitle text="Evently · Find and book events near you"/>
        <ScriptPreload/>
        <Meta name="description" content="Concerts, talks, sports, food and more: find upcoming events and book tickets in seconds, with live availability."/>
        <Link rel="canonical" href="/"/>
        <Meta property="og:type" content="website"/>
        <Meta property="og:title" content="Evently · Find and book events near you"/>
        <Meta property="og:description" content="Find upcoming events and book tickets in seconds, with live availability."/>
        <Meta name="twitter:card" content="summary"/>
        <section class="hero">
            <div class="container">
                <Show when=deleted>
                    <div class="notice info" role="status"><p>"Your account has been deleted. Thank you for using Evently."</p></div>
                </Show>
                <h1>"Find your next night out"</h1>
                <p class="lead">"Live availability, instant confirmation, and tickets that are really yours."</p>
                <form class="search-bar" method="get" action="/search" role="search">
                    <label class="visually-hidden" for="home-search">"Search events"</label>
                    <input id="home-search" type="search" name="q" placeholder="Search concerts, talks, cities…" autocomplete="off"/>
                    <button type="submit" class="button">"Search"</button>
                </form>
            </div>
        </section>
        <Suspense fallback=|| view! { <p class="container muted">"Loading events…"</p> }>
            {move || Suspend::new(async move {
                match home.await {
                    Err(e) => view! { <p class="container error" role="alert">{e.message().to_string()}</p> }.into_any(),
                    Ok(h) => view! {
                        {(!h.popular.is_empty()).then(|| view! {
                            <section class="container" aria-labelledby="popular-heading">
                                <h2 id="popular-heading">"Popular right now"</h2>
                                <ul class="event-grid" role="list">
                                    {h.popular.into_iter().map(|e| view! { <li><EventCard event=e/></li> }).collect_view()}
                                </ul>
                            </section>
                        })}
                        <section class="container" aria-labelledby="upcoming-heading">
                            <h2 id="upcoming-heading">"Upcoming events"</h2>
                            <FilterableEvents events=h.upcoming/>
                            <p><a class="button secondary" href="/search">"See all upcoming events"</a></p>
                        </section>
                        <FacetLinks title="Browse by category" param="category" facets=h.categories/>
                        <FacetLinks title="Browse by city" param="city" facets=h.cities/>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FacetLinks(title: &'static str, param: &'static str, facets: Vec<Facet>) -> impl IntoView {
    let id = format!("{param}-heading");
    let labelled = id.clone();
    (!facets.is_empty()).then(|| view! {
        <section class="container" aria-labelledby=labelled>
            <h2 id=id>{title}</h2>
            <ul class="chips" role="list">
                {facets.into_iter().map(|f| view! {
                    <li><a class="chip" href=format!("/search?{param}={}", url_encode(&f.value))>
                        {f.label}<span class="muted">{format!(" ({})", f.count)}</span>
                    </a></li>
                }).collect_view()}
            </ul>
        </section>
    })
}

/// The event grid with category chips. The grid is static HTML (its seat badges are islands);
/// the chips are an island that filters it in place. Without JavaScript the full list is
/// there and the chips do nothing (the category links below the grid still work).
#[component]
fn FilterableEvents(events: Vec<EventSummary>) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="empty-state">"No upcoming events yet. Check back soon."</p> }
            .into_any();
    }
    let categories: Vec<(String, String, usize)> = CATEGORIES
        .iter()
        .map(|(id, label)| {
            let n = events.iter().filter(|e| e.category == *id).count();
            (id.to_string(), label.to_string(), n)
        })
        .filter(|(_, _, n)| *n > 0)
        .collect();
    view! {
        <CategoryChips categories total=events.len()/>
        <ul class="event-grid" role="list" id="upcoming-grid">
            {events.into_iter().map(|e| {
                let category = e.category.clone();
                view! { <li data-category=category><EventCard event=e/></li> }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// Category chips over `#upcoming-grid`: (id, label, how many) per category present.
#[island]
fn CategoryChips(categories: Vec<(String, String, usize)>, total: usize) -> impl IntoView {
    let (category, set_category) = signal(None::<String>);
    let counts: Vec<(String, usize)> = categories
        .iter()
        .map(|(id, _, n)| (id.clone(), *n))
        .collect();
    let shown = move || match category.get() {
        None => total,
        Some(c) => counts
            .iter()
            .find(|(id, _)| *id == c)
            .map_or(0, |(_, n)| *n),
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::JsCast;
        let chosen = category.get();
        let Ok(items) = document().query_selector_all("#upcoming-grid > li") else {
            return;
        };
        for i in 0..items.length() {
            if let Some(li) = items
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let cat = li.get_attribute("data-category");
                li.set_hidden(chosen.as_ref().is_some_and(|c| cat.as_ref() != Some(c)));
            }
        }
    });
    view! {
        <div class="chips" role="group" aria-label="Filter by category">
            <button type="button" class="chip" aria-pressed=move || category.get().is_none().to_string()
                on:click=move |_| set_category.set(None)>"All"</button>
            {categories.into_iter().map(|(id, label, _)| {
                let (pressed, chosen) = (id.clone(), id.clone());
                view! {
                    <button type="button" class="chip" data-category=id
                        aria-pressed=move || (category.get().as_deref() == Some(pressed.as_str())).to_string()
                        on:click=move |_| set_category.set(Some(chosen.clone()))>{label}</button>
                }
            }).collect_view()}
        </div>
        <p class="results-count" aria-live="polite">{move || match shown() { 1 => "Showing 1 event".to_string(), n => format!("Showing {n} events") }}</p>
    }
}
