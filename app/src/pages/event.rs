//! The event page at `/events/{slug}`: everything about the event, search-engine metadata
//! (canonical, OpenGraph, Twitter, schema.org JSON-LD), and the booking widget.

use crate::api::bookings::StartCheckout;
use crate::api::events::{EventPageData, event_page};
use crate::components::forms::{ErrorNotice, FormError};
use crate::components::head::{PageTitle, ScriptPreload};
use crate::pages::not_found::NotFound;
use evently::domain::{EventStatus, Scarcity};
use evently::dto::TicketTypeView;
use evently::error::ErrorCode;
use leptos::prelude::*;
use leptos_meta::{Link, Meta};
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn EventPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let data = Resource::new(slug, event_page);
    // `?ticket=<id>&quantity=<n>`: the choice made before signing in, chosen again.
    let query = use_query_map();
    let chosen = move || {
        let q = query.read();
        let ticket = q.get("ticket")?.parse::<i64>().ok()?;
        let quantity = q.get("quantity")?.parse::<i64>().ok()?;
        Some((ticket, quantity))
    };
    view! {
        <Suspense fallback=|| view! { <p class="container muted">"Loading event…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <EventView data=d chosen=chosen()/> }.into_any(),
                    Err(e) if e.code() == ErrorCode::NotFound => view! { <NotFound/> }.into_any(),
                    Err(e) => view! { <p class="container error" role="alert">{e.message().to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EventView(data: EventPageData, chosen: Option<(i64, i64)>) -> impl IntoView {
    let e = data.event.clone();
    let title = format!("{} · {} · Evently", e.title, e.date_label);
    let indexable = e.status == EventStatus::Published;
    let image_alt = if e
        .image_url
        .as_deref()
        .is_some_and(|u| !u.starts_with("/img/categories/"))
    {
        e.title.clone()
    } else {
        String::new()
    };
    let image = e
        .image_url
        .clone()
        .unwrap_or_else(|| format!("/img/categories/{}.svg", e.category));
    let paragraphs: Vec<String> = e
        .description
        .split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    let cutoff = cutoff_label(e.cancel_cutoff_minutes);
    let ended = e.ended;
    let highest_price = e
        .ticket_types
        .iter()
        .map(|t| t.price_cents)
        .max()
        .unwrap_or(0);
    let payment_terms = evently::domain::payment_terms(highest_price, &e.payment_note);
    // The price and the way to the tickets in the first screen (the picker itself is further
    // down on a desktop, after the hero).
    let offer = (!ended && e.status == EventStatus::Published)
        .then(|| {
            let on_sale: Vec<&TicketTypeView> =
                e.ticket_types.iter().filter(|t| t.on_sale).collect();
            let low = on_sale.iter().min_by_key(|t| t.price_cents)?;
            let several = on_sale.iter().any(|t| t.price_cents != low.price_cents);
            let price = evently::domain::format_price(low.price_cents, &low.currency);
            Some(if several {
                format!("From {price}")
            } else {
                price
            })
        })
        .flatten();
    view! {
        <PageTitle text=title/>
        <ScriptPreload/>
        <Meta name="description" content=data.description.clone()/>
        <Link rel="canonical" href=data.canonical.clone()/>
        <Meta property="og:type" content="website"/>
        <Meta property="og:site_name" content="Evently"/>
        <Meta property="og:title" content=e.title.clone()/>
        <Meta property="og:description" content=data.description.clone()/>
        <Meta property="og:url" content=data.canonical.clone()/>
        <Meta property="og:image" content=data.image.clone()/>
        <Meta name="twitter:card" content="summary_large_image"/>
        <Meta name="twitter:title" content=e.title.clone()/>
        <Meta name="twitter:description" content=data.description.clone()/>
        <Meta name="twitter:image" content=data.image.clone()/>
        {(!indexable).then(|| view! { <Meta name="robots" content="noindex"/> })}
        <script type="application/ld+json" inner_html=data.json_ld.clone()></script>
        <article class="container" data-event-id=e.id>
            <nav class="breadcrumbs" aria-label="Breadcrumb">
                <ol>
                    <li><a href="/">"Home"</a></li>
                    <li><a href=format!("/search?category={}", e.category)>{e.category_label.clone()}</a></li>
                    <li><a href=format!("/search?city={}", evently::dto::url_encode(&e.city))>{e.city.clone()}</a></li>
                    <li aria-current="page">{e.title.clone()}</li>
                </ol>
            </nav>
            <header class="event-hero">
                <img class="event-hero-image" src=image alt=image_alt width="1280" height="560" fetchpriority="high"/>
                <div>
                    <p><span class="pill">{e.category_label.clone()}</span></p>
                    <h1>{e.title.clone()}</h1>
                    <p class="lead"><time datetime=e.starts_at_local.clone()>{e.date_label.clone()}</time></p>
                    <p>{format!("{}, {}", e.venue, e.city)}</p>
                    {offer.map(|price| view! {
                        <p class="hero-offer"><strong class="hero-price">{price}</strong><a class="button" href="#tickets">"Choose tickets"</a></p>
                    })}
                </div>
            </header>
            {(e.status == EventStatus::Cancelled).then(|| view! {
                <div class="notice danger" role="status"><p>"This event has been cancelled, and every booking for it with it."</p></div>
            })}
            {(ended && e.status != EventStatus::Cancelled).then(|| view! {
                <div class="notice info" role="status"><p>"This event has ended."</p></div>
            })}
            {(e.status == EventStatus::Draft).then(|| view! {
                <div class="notice warning" role="status"><p>"Draft: only you can see this page until the event is published."</p></div>
            })}
            <div class="two-col">
                <div class="stack">
                    <section aria-labelledby="about-heading">
                        <h2 id="about-heading">"About this event"</h2>
                        {paragraphs.into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
                    </section>
                    <dl class="facts">
                        <dt>"Date"</dt><dd><time datetime=e.starts_at_local.clone()>{e.date_label.clone()}</time></dd>
                        <dt>"Time"</dt><dd>{e.time_label.clone()}</dd>
                        <dt>"Venue"</dt><dd>{format!("{}, {}", e.venue, e.city)}</dd>
                        <dt>"Organizer"</dt><dd>{e.organizer_name.clone()}</dd>
                        <dt>"Cancellation"</dt><dd>{cutoff}</dd>
                    </dl>
                </div>
                <aside>
                    {if ended {
                        view! { <EndedTickets tickets=e.ticket_types.clone()/> }.into_any()
                    } else {
                        view! {
                            <BookingWidget
                                event_id=e.id
                                slug=e.slug.clone()
                                published=e.status == EventStatus::Published
                                hold_minutes=e.hold_minutes
                                tickets=e.ticket_types.clone()
                                checkout_key=data.checkout_key.clone()
                                signed_in=data.signed_in
                                payment_terms=payment_terms.clone()
                                chosen
                                waitlist=data.my_waitlist.iter().map(crate::live::MyEntry::from).collect()
                            />
                        }.into_any()
                    }}
                </aside>
            </div>
        </article>
    }
}

/// The tickets of an event that has ended: names and prices, nothing to book, nothing live.
#[component]
fn EndedTickets(tickets: Vec<TicketTypeView>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="tickets-heading">
            <h2 id="tickets-heading">"Tickets"</h2>
            <ul class="ticket-list" role="list">
                {tickets.into_iter().map(|t| view! {
                    <li class="ticket-row" data-ticket-type=t.id>
                        <div>
                            <p class="ticket-name">{t.name}</p>
                            <p class="ticket-price">{t.price_label}</p>
                        </div>
                        <div><span class="muted">"Ended"</span></div>
                    </li>
                }).collect_view()}
            </ul>
            <p class="hint">"This event has ended: tickets are no longer sold."</p>
        </section>
    }
}

fn cutoff_label(minutes: i64) -> String {
    match minutes {
        0 => "Free cancellation until the event starts".to_string(),
        m if m % 1440 == 0 => format!(
            "Free cancellation until {} day{} before the event",
            m / 1440,
            if m == 1440 { "" } else { "s" }
        ),
        m if m % 60 == 0 => format!(
            "Free cancellation until {} hour{} before the event",
            m / 60,
            if m == 60 { "" } else { "s" }
        ),
        m => format!("Free cancellation until {m} minutes before the event"),
    }
}

/// The ticket picker: live seat counts and the booking forms. An island: the only part of
/// the event page that runs in the browser. Without JavaScript its forms post and redirect.
#[island]
fn BookingWidget(
    event_id: i64,
    slug: String,
    published: bool,
    hold_minutes: i64,
    tickets: Vec<TicketTypeView>,
    checkout_key: String,
    signed_in: bool,
    payment_terms: Option<String>,
    chosen: Option<(i64, i64)>,
    waitlist: Vec<crate::live::MyEntry>,
) -> impl IntoView {
    crate::components::forms::provide_url_error();
    let action = ServerAction::<StartCheckout>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    crate::live::watch_event(event_id);
    let live = crate::live::use_live();
    let open = move || {
        published
            && live
                .and_then(|l| l.event_status(event_id))
                .is_none_or(|s| s == EventStatus::Published)
    };
    // Set once the island runs in the browser: the picker now answers clicks itself.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    // One polite live region for the whole picker. Other people's bookings change the counts
    // all the time; only a ticket type crossing into "only a few left", selling out or
    // coming back is said aloud, with its name.
    let announcement = RwSignal::new(String::new());
    let slug = StoredValue::new(slug);
    view! {
        <section class="card" id="tickets" aria-labelledby="tickets-heading" data-ready=move || ready.get().then_some("true")>
            <h2 id="tickets-heading">"Tickets " {published.then(|| view! { <crate::live::LiveIndicator/> })}</h2>
            <ErrorNotice error/>
            <ul class="ticket-list" role="list">
                {tickets.into_iter().map(|t| {
                    let key = StoredValue::new(format!("{checkout_key}-{}", t.id));
                    let (tt_id, rendered, on_sale, max_per_booking) = (t.id, t.available, t.on_sale, t.max_per_booking);
                    let rendered_waiting = t.waiting;
                    let waiting = Signal::derive(move || live.and_then(|l| l.waiting(tt_id)).unwrap_or(rendered_waiting));
                    let rendered_mine = waitlist.iter().find(|w| w.ticket_type_id == tt_id).cloned();
                    let mine = Memo::new(move |_| match live.and_then(|l| l.my_entries()) {
                        Some(list) => list.into_iter().find(|w| w.ticket_type_id == tt_id && w.status.is_active()),
                        None => rendered_mine.clone(),
                    });
                    let seats = move || live.and_then(|l| l.available(tt_id)).unwrap_or(rendered);
                    let capacity = t.capacity;
                    let label = move || Scarcity::label(seats(), capacity);
                    let badge = move || format!("badge {}", Scarcity::of(seats(), capacity).css_class());
                    let bookable = move || open() && on_sale && seats() > 0;
                    // A memo, so the sold-out slot is rebuilt only when it must be (keeps focus).
                    let sold_out = Memo::new(move |_| open() && on_sale && seats() == 0);
                    let max = move || max_per_booking.min(seats()).max(1);
                    let select_id = StoredValue::new(format!("qty-{}", t.id));
                    let name = StoredValue::new(t.name.clone());
                    // An offer arriving is said aloud in the picker's one status region.
                    Effect::new(move |before: Option<bool>| {
                        let offered = mine.get().is_some_and(|e| e.status == evently::domain::WaitlistStatus::Offered);
                        if offered && before == Some(false) {
                            announcement.set(format!("{}: seats are held for you. Answer the offer under My bookings.", name.get_value()));
                        }
                        offered
                    });
                    let level = Memo::new(move |_| Scarcity::of(seats(), capacity));
                    Effect::new(move |before: Option<Scarcity>| {
                        let now = level.get();
                        if let Some(before) = before
                            && before != now
                        {
                            let left = Scarcity::label(seats(), capacity).to_lowercase();
                            let what = match (before, now) {
                                (_, Scarcity::SoldOut) => Some("sold out".to_string()),
                                (Scarcity::SoldOut, _) => Some(format!("available again, {left}")),
                                (_, Scarcity::FewLeft) => Some(left),
                                _ => None,
                            };
                            if let Some(what) = what {
                                announcement.set(format!("{}: {what}", name.get_value()));
                            }
                        }
                        now
                    });
                    view! {
                        <li class="ticket-row" data-ticket-type=t.id>
                            <div>
                                <p class="ticket-name">{t.name.clone()}</p>
                                <p class="ticket-price">{t.price_label.clone()}</p>
                                <p class=badge data-available=seats>{label}</p>
                            </div>
                            <div>
                                <Show when=bookable fallback=move || if sold_out.get() {
                                    view! {
                                        <crate::pages::waitlist::WaitlistSlot event_id slug ticket_type_id=tt_id name max_per_booking waiting mine/>
                                    }.into_any()
                                } else {
                                    view! { <span class="muted">"Not on sale"</span> }.into_any()
                                }>
                                    <ActionForm action attr:class="inline-form">
                                        <input type="hidden" name="event_id" value=event_id/>
                                        <input type="hidden" name="slug" value=slug.get_value()/>
                                        <input type="hidden" name="ticket_type_id" value=tt_id/>
                                        <input type="hidden" name="key" value=key.get_value()/>
                                        <label class="visually-hidden" for=select_id.get_value()>{format!("Number of {} tickets", name.get_value())}</label>
                                        <select id=select_id.get_value() name="quantity">
                                            {move || (1..=max()).map(|n| view! { <option value=n selected=chosen == Some((tt_id, n))>{n}</option> }).collect_view()}
                                        </select>
                                        <button type="submit" class="button" disabled=move || action.pending().get()
                                            aria-label=format!("Book {} tickets", name.get_value())>"Book"</button>
                                    </ActionForm>
                                </Show>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="visually-hidden" role="status">{move || announcement.get()}</p>
            <p class="hint">{format!("Seats are held for {hold_minutes} minutes while you check out.")}</p>
            {payment_terms.map(|terms| view! { <p class="hint">{terms}</p> })}
            {(!signed_in).then(|| view! { <p class="hint">"You will sign in or create an account before confirming."</p> })}
        </section>
    }
}
