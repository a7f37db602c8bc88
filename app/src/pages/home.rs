//! The home page: search, popular and upcoming events, categories and cities.

use crate::api::events::load_home;
use crate::components::event_card::EventCard;
use crate::components::head::{PageTitle, ScriptPreload};
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
                            <CategoryLinks facets=h.categories/>
                            <UpcomingGrid events=h.upcoming/>
                            <p><a class="button secondary" href="/search">"See all upcoming events"</a></p>
                        </section>
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

/// Category chips above the grid: links to each category's search, with how many upcoming
/// events it has in all (not only on this page). Plain links: they work without script.
#[component]
fn CategoryLinks(facets: Vec<Facet>) -> impl IntoView {
    (!facets.is_empty()).then(|| view! {
        <nav class="chips" aria-label="Categories">
            <a class="chip" href="/search">"All events"</a>
            {facets.into_iter().map(|f| view! {
                <a class="chip" href=format!("/search?category={}", url_encode(&f.value)) data-category=f.value.clone()>
                    {f.label}<span class="muted">{format!(" ({})", f.count)}</span>
                </a>
            }).collect_view()}
        </nav>
    })
}

/// The upcoming events: static HTML (each card's seat badge is an island).
#[component]
fn UpcomingGrid(events: Vec<EventSummary>) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="empty-state">"No upcoming events yet. Check back soon."</p> }
            .into_any();
    }
    view! {
        <ul class="event-grid" role="list" id="upcoming-grid">
            {events.into_iter().map(|e| {
                let category = e.category.clone();
                view! { <li data-category=category><EventCard event=e/></li> }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
