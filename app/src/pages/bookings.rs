//! "My bookings" and one booking's page (also the confirmation page).

use crate::api::bookings::{CancelBooking, load_booking, my_bookings};
use crate::api::waitlist::my_waitlist;
use crate::components::forms::{ErrorNotice, FormError};
use crate::components::head::{PageTitle, ScriptPreload};
use crate::components::layout::RequireUser;
use crate::pages::not_found::NotFound;
use crate::pages::waitlist::MyWaitlist;
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
        <ScriptPreload/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next="/bookings" children=move |_| view! { <BookingList/> }.into_any()/>
    }
}

#[component]
fn BookingList() -> impl IntoView {
    let data = Resource::new(|| (), |_| my_bookings());
    let waitlist = Resource::new(|| (), |_| my_waitlist());
    // A cancellation that failed comes back here (from the dialog) with its message.
    let cancel = ServerAction::<CancelBooking>::new();
    let error: FormError = Signal::derive(move || cancel.value().get().and_then(Result::err));
    let query = use_query_map();
    let cancelled = move || query.read().get("done").as_deref() == Some("cancelled");
    let declined = move || query.read().get("done").as_deref() == Some("declined");
    view! {
        <section class="container stack">
            <header class="page-header"><h1>"My bookings"</h1></header>
            <ErrorNotice error/>
            <Show when=cancelled>
                <div class="notice success" role="status"><p>"Your booking was cancelled and the seats were released."</p></div>
            </Show>
            <Show when=declined>
                <div class="notice success" role="status"><p>"You declined the offer: the seats went to the next person in the queue."</p></div>
            </Show>
            // An offer waits for an answer and runs out: said first, whatever else is here.
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let offers: Vec<String> = waitlist.await.map(|(entries, _)| entries.into_iter()
                        .filter(|e| e.status == evently::domain::WaitlistStatus::Offered)
                        .map(|e| e.event_title)
                        .collect()).unwrap_or_default();
                    (!offers.is_empty()).then(|| view! {
                        <div class="notice success" role="status">
                            <p><strong>"Seats are held for you: "</strong>{offers.join(", ")}". "<a href="#waitlist">"Answer the offer"</a>" before it runs out."</p>
                        </div>
                    })
                })}
            </Transition>
            <Transition fallback=|| view! { <p class="muted">"Loading your bookings…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                        Ok((list, _)) if list.is_empty() => view! {
                            <div class="empty-state"><p>"You have no bookings yet."</p><p><a class="button" href="/search">"Find an event"</a></p></div>
                        }.into_any(),
                        Ok((list, now)) => {
                            let (cancelled, live): (Vec<MyBooking>, Vec<MyBooking>) = list.into_iter().partition(|b| b.booking.status == BookingStatus::Cancelled);
                            let (mut upcoming, past): (Vec<MyBooking>, Vec<MyBooking>) = live.into_iter().partition(|b| b.event_starts_at >= now);
                            upcoming.sort_by_key(|b| b.event_starts_at);
                            view! {
                                <section aria-labelledby="upcoming-b">
                                    <h2 id="upcoming-b">"Upcoming"</h2>
                                    {if upcoming.is_empty() {
                                        view! { <p class="muted">"Nothing coming up."</p> }.into_any()
                                    } else {
                                        view! { <ul class="stack" role="list">{upcoming.into_iter().map(|b| view! { <li><BookingCard booking=b/></li> }).collect_view()}</ul> }.into_any()
                                    }}
                                </section>
                                <section aria-labelledby="past-b">
                                    <h2 id="past-b">"Past"</h2>
                                    {if past.is_empty() {
                                        view! { <p class="muted">"No past bookings."</p> }.into_any()
                                    } else {
                                        view! { <ul class="stack" role="list">{past.into_iter().map(|b| view! { <li><BookingCard booking=b/></li> }).collect_view()}</ul> }.into_any()
                                    }}
                                </section>
                                {(!cancelled.is_empty()).then(|| view! {
                                    <section aria-labelledby="cancelled-b">
                                        <h2 id="cancelled-b">"Cancelled"</h2>
                                        <ul class="stack" role="list">{cancelled.into_iter().map(|b| view! { <li><BookingCard booking=b/></li> }).collect_view()}</ul>
                                    </section>
                                })}
                            }.into_any()
                        }
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match waitlist.await {
                        Ok((entries, now)) => view! { <MyWaitlist entries server_now=now/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn BookingCard(booking: MyBooking) -> impl IntoView {
    let b = booking.booking.clone();
    let cancelled = b.status == BookingStatus::Cancelled;
    let total = evently::domain::format_amount(b.total_cents, &b.currency);
    let what = format!(
        "{} × {} for {}",
        b.quantity, booking.ticket_type_name, booking.event_title
    );
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
                <CancelBookingButton booking_id=b.id code=b.code.clone() what=what.clone() tickets=b.quantity/>
            })}
            {(!cancelled).then(|| view! {
                <p><a href=format!("/api/v1/bookings/{}/tickets.pdf", b.id) download=format!("tickets-{}.pdf", b.code)>{format!("Download tickets for {} (PDF)", b.code)}</a></p>
            })}
            {(!booking.cancellable && !cancelled).then(|| view! { <p class="hint">"This booking can no longer be cancelled online."</p> })}
        </article>
    }
}

/// What cancelling a booking of `tickets` tickets means, said before it is done.
fn cancel_consequences(tickets: i64) -> String {
    let them = if tickets == 1 {
        "Its ticket stops"
    } else {
        "Its tickets stop"
    };
    format!(
        "{them} working at the door and the seats are released at once: to the people on the \
         waitlist first if anyone is waiting, otherwise back on sale for anyone to book. \
         This cannot be undone. Evently took no payment, so nothing is refunded here: if you \
         paid the organizer, ask them."
    )
}

/// "Cancel booking…": a link to the confirmation page, which works without JavaScript; in
/// the browser it opens the same question in a modal dialog instead (focus stays inside it,
/// Escape or "Keep my booking" closes it and focus returns to the button).
#[island]
fn CancelBookingButton(booking_id: i64, code: String, what: String, tickets: i64) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let title_id = format!("cancel-title-{booking_id}");
    let labelled_by = title_id.clone();
    let open = move |ev: leptos::ev::MouseEvent| {
        if let Some(d) = dialog.get() {
            ev.prevent_default();
            let _ = d.show_modal();
        }
    };
    let close = move |_| {
        if let Some(d) = dialog.get() {
            d.close();
        }
    };
    view! {
        <a class="button danger small" href=format!("/bookings/{booking_id}/cancel") on:click=open
            aria-label=format!("Cancel booking {code}…")>"Cancel booking…"</a>
        <dialog node_ref=dialog class="dialog" aria-labelledby=labelled_by>
            <h2 id=title_id>{format!("Cancel booking {code}?")}</h2>
            <p><strong>{what}</strong></p>
            <p>{cancel_consequences(tickets)}</p>
            <form method="post" action={<CancelBooking as server_fn::ServerFn>::PATH} class="dialog-actions">
                <input type="hidden" name="booking_id" value=booking_id/>
                <button type="button" class="button secondary" autofocus on:click=close>"Keep my booking"</button>
                <button type="submit" class="button danger">"Yes, cancel booking"</button>
            </form>
        </dialog>
    }
}

/// The signed-in user's booking named in the address (`/bookings/{id}…`), drawn by
/// `render`; "not found" for a booking that is not theirs.
#[component]
fn WithBooking<R>(render: R) -> impl IntoView
where
    R: Fn(MyBooking) -> AnyView + Clone + Send + Sync + 'static,
{
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|h| h.parse::<i64>().ok())
            .unwrap_or(0)
    };
    view! {
        <RequireUser next="/bookings" children=move |_| {
            let data = Resource::new(id, load_booking);
            let render = render.clone();
            view! {
                <Suspense fallback=|| view! { <p class="container muted">"Loading…"</p> }>
                    {move || {
                        let render = render.clone();
                        Suspend::new(async move {
                            match data.await {
                                Err(e) if e.code() == ErrorCode::NotFound => view! { <NotFound/> }.into_any(),
                                Err(e) => view! { <p class="container error" role="alert">{e.message().to_string()}</p> }.into_any(),
                                Ok(b) => render(b),
                            }
                        })
                    }}
                </Suspense>
            }.into_any()
        }/>
    }
}

/// `/bookings/{id}/cancel`: the question before a cancellation, as a page (without
/// JavaScript "Cancel booking…" comes here).
#[component]
pub fn CancelBookingPage() -> impl IntoView {
    let cancel = ServerAction::<CancelBooking>::new();
    let error: FormError = Signal::derive(move || cancel.value().get().and_then(Result::err));
    view! {
        <PageTitle text="Cancel a booking · Evently"/>
        <Meta name="robots" content="noindex"/>
        <WithBooking render=move |b: MyBooking| {
            let booking = b.booking.clone();
            view! {
                <section class="container narrow stack">
                    <header class="page-header"><h1>{format!("Cancel booking {}?", booking.code)}</h1></header>
                    <ErrorNotice error/>
                    <div class="card stack">
                        <p><strong>{format!("{} × {} for {}", booking.quantity, b.ticket_type_name, b.event_title)}</strong></p>
                        <p><time datetime=b.event_starts_at.to_rfc3339()>{b.event_date_label.clone()}</time>{format!(" · {}, {}", b.venue, b.city)}</p>
                        {if booking.status == BookingStatus::Cancelled {
                            view! { <p>"This booking is already cancelled."</p><p><a href="/bookings">"Back to my bookings"</a></p> }.into_any()
                        } else if !b.cancellable {
                            view! { <p>"This booking can no longer be cancelled online: ask the organizer."</p><p><a href="/bookings">"Back to my bookings"</a></p> }.into_any()
                        } else {
                            view! {
                                <p>{cancel_consequences(booking.quantity)}</p>
                                <form method="post" action={<CancelBooking as server_fn::ServerFn>::PATH} class="dialog-actions">
                                    <input type="hidden" name="booking_id" value=booking.id/>
                                    <a class="button secondary" href="/bookings">"Keep my booking"</a>
                                    <button type="submit" class="button danger">"Yes, cancel booking"</button>
                                </form>
                            }.into_any()
                        }}
                    </div>
                </section>
            }.into_any()
        }/>
    }
}

#[component]
pub fn BookingPage() -> impl IntoView {
    let query = use_query_map();
    let confirmed = move || query.read().get("confirmed").is_some();
    view! {
        <PageTitle text="Your booking · Evently"/>
        <Meta name="robots" content="noindex"/>
        <WithBooking render=move |b: MyBooking| view! { <BookingDetail booking=b confirmed=confirmed()/> }.into_any()/>
    }
}

#[component]
fn BookingDetail(booking: MyBooking, confirmed: bool) -> impl IntoView {
    let b = booking.booking.clone();
    view! {
        <section class="container narrow stack">
            {confirmed.then(|| view! {
                <div class="notice success" role="status"><p><strong>"You're going! "</strong>"Your booking is confirmed. Your tickets are below and in the PDF: show a ticket's QR code or its code at the door."</p></div>
            })}
            <header class="page-header"><h1>"Booking "<span class="nowrap">{b.code.clone()}</span></h1></header>
            <div class="card">
                <h2><a href=format!("/events/{}", booking.event_slug)>{booking.event_title.clone()}</a></h2>
                <p><time datetime=booking.event_starts_at.to_rfc3339()>{booking.event_date_label.clone()}</time>{format!(" · {}, {}", booking.venue, booking.city)}</p>
                <dl class="facts">
                    <dt>"Status"</dt><dd>{if b.status == BookingStatus::Cancelled { "Cancelled" } else { "Confirmed" }}</dd>
                    <dt>"Tickets"</dt><dd>{format!("{} × {}", b.quantity, booking.ticket_type_name)}</dd>
                    <dt>"Total"</dt><dd>{evently::domain::format_amount(b.total_cents, &b.currency)}</dd>
                    {booking.payment_terms.clone().map(|terms| view! { <dt>"Payment"</dt><dd>{terms}</dd> })}
                </dl>
            </div>
            <div class="card">
                <h2>"Your tickets"</h2>
                {(b.status == BookingStatus::Confirmed).then(|| view! {
                    <p><a class="button" href=format!("/api/v1/bookings/{}/tickets.pdf", b.id) download=format!("tickets-{}.pdf", b.code)>"Download tickets (PDF)"</a></p>
                })}
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
