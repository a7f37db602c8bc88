//! "My bookings" and one booking's page (also the confirmation page).

use crate::api::bookings::{CancelBooking, load_booking, my_bookings};
use crate::components::forms::{ErrorNotice, FormError};
use crate::components::head::PageTitle;
use crate::components::layout::RequireUser;
use crate::pages::not_found::NotFound;
use evently::domain::BookingStatus;
use evently::dto::MyBooking;
use evently::error::ErrorCode;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn MyBookingsPage() -> impl IntoView {
    view! {
        <PageTitle text="My bookings · Evently"/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next="/bookings" children=move |_| view! { <BookingList/> }.into_any()/>
    }
}

#[component]
fn BookingList() -> impl IntoView {
    let cancel = ServerAction::<CancelBooking>::new();
    let data = Resource::new(|| (), |_| my_bookings());
    let error: FormError = Signal::derive(move || cancel.value().get().and_then(Result::err));
    let query = use_query_map();
    let cancelled = move || query.read().get("done").as_deref() == Some("cancelled");
    view! {
        <section class="container stack">
            <header class="page-header"><h1>"My bookings"</h1></header>
            <ErrorNotice error/>
            <Show when=cancelled>
                <div class="notice success" role="status"><p>"Your booking was cancelled and the seats were released."</p></div>
            </Show>
            <Transition fallback=|| view! { <p class="muted">"Loading your bookings…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                        Ok((list, _)) if list.is_empty() => view! {
                            <div class="empty-state"><p>"You have no bookings yet."</p><p><a class="button" href="/search">"Find an event"</a></p></div>
                        }.into_any(),
                        Ok((list, now)) => {
                            let (upcoming, past): (Vec<MyBooking>, Vec<MyBooking>) = list.into_iter().partition(|b| b.event_starts_at >= now);
                            let mut upcoming = upcoming;
                            upcoming.sort_by_key(|b| b.event_starts_at);
                            view! {
                                <section aria-labelledby="upcoming-b">
                                    <h2 id="upcoming-b">"Upcoming"</h2>
                                    {if upcoming.is_empty() {
                                        view! { <p class="muted">"Nothing coming up."</p> }.into_any()
                                    } else {
                                        view! { <ul class="stack" role="list">{upcoming.into_iter().map(|b| view! { <li><BookingCard booking=b cancel/></li> }).collect_view()}</ul> }.into_any()
                                    }}
                                </section>
                                <section aria-labelledby="past-b">
                                    <h2 id="past-b">"Past"</h2>
                                    {if past.is_empty() {
                                        view! { <p class="muted">"No past bookings."</p> }.into_any()
                                    } else {
                                        view! { <ul class="stack" role="list">{past.into_iter().map(|b| view! { <li><BookingCard booking=b cancel/></li> }).collect_view()}</ul> }.into_any()
                                    }}
                                </section>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn BookingCard(booking: MyBooking, cancel: ServerAction<CancelBooking>) -> impl IntoView {
    let b = booking.booking.clone();
    let cancelled = b.status == BookingStatus::Cancelled;
    let total = evently::domain::format_price(b.total_cents, &b.currency);
    view! {
        <article class="card" data-booking-id=b.id data-status=b.status.as_str()>
            <h3><a href=format!("/events/{}", booking.event_slug)>{booking.event_title.clone()}</a></h3>
            <p><time datetime=booking.event_starts_at.to_rfc3339()>{booking.event_date_label.clone()}</time>{format!(" · {}, {}", booking.venue, booking.city)}</p>
            <dl class="facts">
                <dt>"Booking"</dt><dd><a href=format!("/bookings/{}", b.id)>{b.code.clone()}</a></dd>
                <dt>"Tickets"</dt><dd>{format!("{} × {}", b.quantity, booking.ticket_type_name)}</dd>
                <dt>"Total"</dt><dd>{total}</dd>
                <dt>"Status"</dt><dd>{if cancelled { view! { <span class="tag danger">"Cancelled"</span> }.into_any() } else { view! { <span class="tag">"Confirmed"</span> }.into_any() }}</dd>
            </dl>
            {booking.cancellable.then(|| view! {
                <ActionForm action=cancel attr:class="inline-form">
                    <input type="hidden" name="booking_id" value=b.id/>
                    <button type="submit" class="button danger small" aria-label=format!("Cancel booking {}", b.code)>"Cancel booking"</button>
                </ActionForm>
            })}
            {(!booking.cancellable && !cancelled).then(|| view! { <p class="hint">"This booking can no longer be cancelled online."</p> })}
        </article>
    }
}

#[component]
pub fn BookingPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|h| h.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let query = use_query_map();
    let confirmed = move || query.read().get("confirmed").is_some();
    view! {
        <PageTitle text="Your booking · Evently"/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next="/bookings" children=move |_| {
            let data = Resource::new(id, load_booking);
            view! {
                <Suspense fallback=|| view! { <p class="container muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match data.await {
                            Err(e) if e.code() == ErrorCode::NotFound => view! { <NotFound/> }.into_any(),
                            Err(e) => view! { <p class="container error" role="alert">{e.message().to_string()}</p> }.into_any(),
                            Ok(b) => view! { <BookingDetail booking=b confirmed=confirmed()/> }.into_any(),
                        }
                    })}
                </Suspense>
            }.into_any()
        }/>
    }
}

#[component]
fn BookingDetail(booking: MyBooking, confirmed: bool) -> impl IntoView {
    let b = booking.booking.clone();
    view! {
        <section class="container narrow stack">
            {confirmed.then(|| view! {
                <div class="notice success" role="status"><p><strong>"You're going! "</strong>"Your booking is confirmed. A confirmation e-mail is on its way."</p></div>
            })}
            <header class="page-header"><h1>"Booking "<span class="nowrap">{b.code.clone()}</span></h1></header>
            <div class="card">
                <h2><a href=format!("/events/{}", booking.event_slug)>{booking.event_title.clone()}</a></h2>
                <p><time datetime=booking.event_starts_at.to_rfc3339()>{booking.event_date_label.clone()}</time>{format!(" · {}, {}", booking.venue, booking.city)}</p>
                <dl class="facts">
                    <dt>"Status"</dt><dd>{if b.status == BookingStatus::Cancelled { "Cancelled" } else { "Confirmed" }}</dd>
                    <dt>"Tickets"</dt><dd>{format!("{} × {}", b.quantity, booking.ticket_type_name)}</dd>
                    <dt>"Total"</dt><dd>{evently::domain::format_price(b.total_cents, &b.currency)}</dd>
                </dl>
            </div>
            <div class="card">
                <h2>"Your tickets"</h2>
                <ul class="stack" role="list">
                    {booking.tickets.iter().enumerate().map(|(i, t)| view! {
                        <li class="ticket-row">
                            <div><p class="ticket-name">{format!("Ticket {}", i + 1)}</p><p>{t.attendee_name.clone().unwrap_or_else(|| "No name given".into())}</p></div>
                            <div><p>"Code "<strong><code>{t.code.clone()}</code></strong></p></div>
                        </li>
                    }).collect_view()}
                </ul>
            </div>
            <p><a href="/bookings">"All my bookings"</a></p>
        </section>
    }
}
