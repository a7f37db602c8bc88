//! Search at `/search`: full-text query, filters and sorting live in the URL (shareable,
//! indexable), keyset pages via an opaque cursor.

use crate::api::events::search_events;
use crate::components::event_card::EventCard;
use crate::components::head::{PageTitle, ScriptPreload};
use evently::domain::CATEGORIES;
use evently::dto::SearchQuery;
use leptos::prelude::*;
use leptos_meta::{Link, Meta};
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
        SearchQuery {
            q: get("q"),
            category: get("category"),
            city: get("city"),
            from: get("from"),
            to: get("to"),
            min_price: get("min_price"),
            max_price: get("max_price"),
            free: get("free"),
            available: get("available"),
            sort: get("sort"),
            cursor: get("cursor"),
            limit: get("limit"),
        }
    });
    let results = Resource::new(move || params.get(), search_events);
    // leptos_meta may evaluate the title after the page's reactive owner is gone (server
    // side), so these read with `try_get` and never panic.
    let heading = move || {
        let p = params.try_get().unwrap_or_default();
        match (&p.q, &p.category, &p.city) {
            (Some(q), _, _) => format!("Events matching “{q}”"),
            (None, Some(c), Some(city)) => {
                format!("{} events in {city}", evently::domain::category_label(c))
            }
            (None, Some(c), None) => format!("{} events", evently::domain::category_label(c)),
            (None, None, Some(city)) => format!("Events in {city}"),
            _ => "All upcoming events".to_string(),
        }
    };
    let canonical = move || {
        let mut p = params.try_get().unwrap_or_default();
        p.cursor = None;
        p.limit = None;
        let qs = p.to_query_string();
        if qs.is_empty() {
            "/search".to_string()
        } else {
            format!("/search?{qs}")
        }
    };
    let first_page = move || {
        let mut p = params.get();
        p.cursor = None;
        format!("/search?{}", p.to_query_string())
    };
    view! {
        <PageTitle text=move || format!("{} · Evently", heading())/>
        <ScriptPreload/>
        <Meta name="description" content=move || format!("{}: dates, prices and live availability on Evently.", heading())/>
        {move || view! { <Link rel="canonical" href=canonical()/> }}
        <Show when=move || params.get().cursor.is_some()>
            <Meta name="robots" content="noindex, follow"/>
        </Show>
        <section class="container">
            <h1>{heading}</h1>
            <div class="filters-layout">
                <Filters params/>
                <div>
                    <Suspense fallback=|| view! { <p class="muted">"Searching…"</p> }>
                        {move || Suspend::new(async move {
                            match results.await {
                                Err(e) => view! {
                                    <div class="notice danger" role="alert"><p>{e.message().to_string()}</p></div>
                                }.into_any(),
                                Ok(page) if page.items.is_empty() => view! {
                                    <div class="empty-state">
                                        <p>"No events match these filters."</p>
                                        <p><a href="/search">"Clear all filters"</a></p>
                                    </div>
                                }.into_any(),
                                Ok(page) => {
                                    let next = page.next_cursor.clone().map(|c| {
                                        let mut p = params.get_untracked();
                                        p.cursor = Some(c);
                                        format!("/search?{}", p.to_query_string())
                                    });
                                    let paged = params.get_untracked().cursor.is_some();
                                    view! {
                                        <p class="results-count" aria-live="polite"><crate::live::LiveStatus/>" "{match page.items.len() { 1 => "1 event on this page".to_string(), n => format!("{n} events on this page") }}</p>
                                        <ul class="event-grid" role="list">
                                            {page.items.into_iter().map(|e| view! { <li><EventCard event=e/></li> }).collect_view()}
                                        </ul>
                                        <nav class="pagination" aria-label="Result pages">
                                            {paged.then(|| view! { <a href=first_page()>"First page"</a> })}
                                            {next.map(|href| view! { <a rel="next" class="next" href=href>"Next page"</a> })}
                                        </nav>
                                    }.into_any()
                                }
                            }
                        })}
                    </Suspense>
                </div>
            </div>
        </section>
    }
}

/// Whether any filter besides the text is set (the disclosure then starts open).
fn filters_active(p: &SearchQuery) -> bool {
    p.category.is_some()
        || p.city.is_some()
        || p.from.is_some()
        || p.to.is_some()
        || p.min_price.is_some()
        || p.max_price.is_some()
        || SearchQuery::flag(&p.free)
        || SearchQuery::flag(&p.available)
        || p.sort.is_some()
}

#[component]
fn Filters(params: Memo<SearchQuery>) -> impl IntoView {
    let val =
        move |f: fn(&SearchQuery) -> Option<String>| move || f(&params.get()).unwrap_or_default();
    view! {
        <aside class="filters" aria-labelledby="filters-heading">
            <h2 id="filters-heading" class="visually-hidden">"Filters"</h2>
            <Form method="GET" action="/search" attr:class="stack">
                <div class="field">
                    <label for="f-q">"Search"</label>
                    <input id="f-q" type="search" name="q" value=val(|p| p.q.clone()) placeholder="Title, venue, city…"/>
                </div>
                <details class="more-filters" open=move || filters_active(&params.get())>
                <summary>"Filters and sorting"</summary>
                <div class="stack">
                <div class="field">
                    <label for="f-category">"Category"</label>
                    <select id="f-category" name="category">
                        <option value="">"Any category"</option>
                        {CATEGORIES.iter().map(|(id, label)| view! {
                            <option value=*id selected=move || params.get().category.as_deref() == Some(*id)>{*label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="f-city">"City"</label>
                    <input id="f-city" type="text" name="city" value=val(|p| p.city.clone()) autocomplete="address-level2"/>
                </div>
                <fieldset class="field">
                    <legend>"Dates"</legend>
                    <label for="f-from">"From"</label>
                    <input id="f-from" type="date" name="from" value=val(|p| p.from.clone())/>
                    <label for="f-to">"To"</label>
                    <input id="f-to" type="date" name="to" value=val(|p| p.to.clone())/>
                </fieldset>
                <fieldset class="field">
                    <legend>"Price (from)"</legend>
                    <label for="f-min">"Lowest"</label>
                    <input id="f-min" type="number" min="0" step="0.01" inputmode="decimal" name="min_price" value=val(|p| p.min_price.clone())/>
                    <label for="f-max">"Highest"</label>
                    <input id="f-max" type="number" min="0" step="0.01" inputmode="decimal" name="max_price" value=val(|p| p.max_price.clone())/>
                </fieldset>
                <label class="check">
                    <input type="checkbox" name="free" value="1" checked=move || SearchQuery::flag(&params.get().free)/>
                    <span>"Free events only"</span>
                </label>
                <label class="check">
                    <input type="checkbox" name="available" value="1" checked=move || SearchQuery::flag(&params.get().available)/>
                    <span>"Only with seats left"</span>
                </label>
                <div class="field">
                    <label for="f-sort">"Sort by"</label>
                    <select id="f-sort" name="sort">
                        {[("soonest", "Soonest first"), ("newest", "Newest listings"), ("cheapest", "Lowest price")].into_iter().map(|(v, l)| view! {
                            <option value=v selected=move || params.get().sort.as_deref().unwrap_or("soonest") == v>{l}</option>
                        }).collect_view()}
                    </select>
                </div>
                </div>
                </details>
                <button type="submit" class="button block">"Show events"</button>
                <a href="/search" class="muted">"Clear filters"</a>
            </Form>
        </aside>
    }
}
