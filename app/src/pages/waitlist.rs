//! The waitlist in pages: the sold-out slot of the event page's picker (join, or your place
//! in the queue, live) and the Waitlists section of My bookings (an offer with its countdown,
//! accept and decline). Every button is a form post, so both work without JavaScript; with
//! it, positions and offers change in place over the live socket.

use crate::api::waitlist::{AcceptOffer, DeclineOffer, JoinWaitlist, LeaveWaitlist};
use crate::components::forms::{ErrorNotice, FormError, posted_error};
use crate::live::MyEntry;
use crate::pages::checkout::{countdown, mm_ss};
use chrono::{DateTime, Utc};
use evently::domain::WaitlistStatus;
use evently::dto::WaitlistEntryView;
use leptos::prelude::*;
use server_fn::ServerFn;

/// "3 people waiting".
pub fn waiting_label(n: i64) -> String {
    match n {
        0 => "Nobody is waiting yet".to_string(),
        1 => "1 person waiting".to_string(),
        n => format!("{n} people waiting"),
    }
}

/// "You are number 2 in the queue for 3 tickets."
pub fn place_label(e: &MyEntry) -> String {
    let tickets = if e.quantity == 1 {
        "1 ticket".to_string()
    } else {
        format!("{} tickets", e.quantity)
    };
    match (e.status, e.position) {
        (WaitlistStatus::Offered, _) if e.offered_quantity >= e.quantity => {
            format!("Seats are held for you: {tickets}.")
        }
        (WaitlistStatus::Offered, _) => format!(
            "{} of your {tickets} came back and {} set aside for you while more come back.",
            e.offered_quantity,
            if e.offered_quantity == 1 { "is" } else { "are" }
        ),
        (_, Some(p)) => format!("You are number {p} in the queue for {tickets}."),
        _ => String::new(),
    }
}

/// What decides the slot's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    id: i64,
    status: WaitlistStatus,
}

/// The sold-out state of one ticket type in the event page's picker: how many wait, and
/// either the visitor's place in the queue or the form to join it.
#[component]
pub fn WaitlistSlot(
    event_id: i64,
    slug: StoredValue<String>,
    ticket_type_id: i64,
    name: StoredValue<String>,
    max_per_booking: i64,
    waiting: Signal<i64>,
    mine: Memo<Option<MyEntry>>,
) -> impl IntoView {
    // Plain form posts (the server answers with a redirect either way), so the page's
    // wasm carries no client code for these calls; an error comes back in the address.
    let error: FormError = posted_error(&[JoinWaitlist::PATH, LeaveWaitlist::PATH]);
    let select_id = StoredValue::new(format!("wl-qty-{ticket_type_id}"));
    let state = Memo::new(move |_| {
        mine.get().map(|e| Slot {
            id: e.id,
            status: e.status,
        })
    });
    let back = format!("/events/{}#tickets", slug.get_value());
    view! {
        <div class="waitlist-slot" data-waitlist=ticket_type_id>
            <p class="muted">"Sold out · "<span data-waiting=move || waiting.get()>{move || waiting_label(waiting.get())}</span></p>
            <ErrorNotice error/>
            // The picker's one status region says when an offer arrives (see BookingWidget).
            <p class="waitlist-place" data-position=move || mine.get().and_then(|e| e.position)>
                {move || mine.get().map(|e| place_label(&e)).unwrap_or_default()}
            </p>
            // Rebuilt only when the entry itself changes state, not when its place moves or
            // when other people's changes arrive: focus and a chosen quantity stay put.
            {move || match state.get() {
                Some(e) => {
                    let back = back.clone();
                    view! {
                        <div class="stack-tight">
                            {(e.status == WaitlistStatus::Offered).then(|| view! {
                                <a class="button" href="/bookings#waitlist">"Accept or decline"</a>
                            })}
                            {(e.status == WaitlistStatus::Waiting).then(|| view! {
                                <form method="post" action=LeaveWaitlist::PATH class="inline-form">
                                    <input type="hidden" name="entry_id" value=e.id/>
                                    <input type="hidden" name="next" value=back/>
                                    <button type="submit" class="button secondary small">"Leave the waitlist"</button>
                                </form>
                            })}
                        </div>
                    }.into_any()
                }
                None => view! {
                    <form method="post" action=JoinWaitlist::PATH class="inline-form">
                        <input type="hidden" name="event_id" value=event_id/>
                        <input type="hidden" name="slug" value=slug.get_value()/>
                        <input type="hidden" name="ticket_type_id" value=ticket_type_id/>
                        <label class="visually-hidden" for=select_id.get_value()>{format!("Number of {} tickets to wait for", name.get_value())}</label>
                        <select id=select_id.get_value() name="quantity">
                            {(1..=max_per_booking.max(1)).map(|n| view! { <option value=n>{n}</option> }).collect_view()}
                        </select>
                        <button type="submit" class="button secondary"
                            aria-label=format!("Join the waitlist for {}", name.get_value())>"Join the waitlist"</button>
                    </form>
                }.into_any(),
            }}
        </div>
    }
}

/// The Waitlists section of My bookings: every entry with its place, quantity and state;
/// an offer shows how long it is held, with accept and decline. Rendered on the server (its
/// forms are plain posts); three small islands make it live: each place in a queue moves
/// by itself, each offer counts down, and the page reloads itself when an offer arrives or
/// ends, so the buttons shown are always the ones that work.
#[component]
pub fn MyWaitlist(entries: Vec<WaitlistEntryView>, server_now: DateTime<Utc>) -> impl IntoView {
    let error: FormError =
        posted_error(&[AcceptOffer::PATH, DeclineOffer::PATH, LeaveWaitlist::PATH]);
    let signature = offer_signature(&entries.iter().map(MyEntry::from).collect::<Vec<_>>());
    view! {
        <section class="stack" id="waitlist" aria-labelledby="waitlist-heading">
            <h2 id="waitlist-heading">"Waitlists"</h2>
            <ErrorNotice error/>
            <WaitlistRefresh signature/>
            {if entries.is_empty() {
                view! { <p class="muted">"You are on no waitlist. When an event sells out, you can join its waitlist on the event page."</p> }.into_any()
            } else {
                view! {
                    <ul class="stack" role="list">
                        {entries.into_iter().map(|e| view! {
                            <li><EntryCard entry=e server_now/></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// What decides which buttons an entry shows: its state and the seats offered.
fn offer_signature(entries: &[MyEntry]) -> String {
    entries
        .iter()
        .filter(|e| e.status.is_active())
        .map(|e| format!("{}:{}:{}", e.id, e.status.as_str(), e.offered_quantity))
        .collect::<Vec<_>>()
        .join(",")
}

/// Reloads My bookings when the live channel says an offer arrived, grew or ended (the
/// rendered buttons would be wrong); positions move in place without it.
#[island]
fn WaitlistRefresh(signature: String) -> impl IntoView {
    let live = crate::live::use_live();
    let changed = move || {
        live.and_then(|l| l.my_entries())
            .is_some_and(|now| offer_signature(&now) != signature)
    };
    // Not while a form of the page is being sent (accepting an offer changes it too): the
    // reload would cancel that navigation.
    let submitting = StoredValue::new(false);
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::submit, move |_| submitting.set_value(true));
        on_cleanup(move || handle.remove());
    }
    Effect::new(move |_| {
        if changed() && !submitting.get_value() {
            #[cfg(feature = "hydrate")]
            let _ = window().location().reload();
        }
    });
    view! { <span hidden=true></span> }
}

/// An entry's place in its queue, moving live.
#[island]
fn LivePlace(entry_id: i64, position: i64) -> impl IntoView {
    let live = crate::live::use_live();
    let now = move || {
        live.and_then(|l| l.my_entries())
            .and_then(|list| list.into_iter().find(|e| e.id == entry_id))
            .and_then(|e| e.position)
            .unwrap_or(position)
    };
    view! { <span data-position=now>{now}</span> }
}

/// How long an offer is still held, ticking.
#[island]
fn OfferCountdown(expires: DateTime<Utc>, server_now: DateTime<Utc>) -> impl IntoView {
    let remaining = countdown(Signal::derive(move || expires), server_now);
    view! {
        <strong>{move || if remaining.get() > 0 { format!("Held for you for {}", mm_ss(remaining.get())) } else { "This offer has ended".to_string() }}</strong>
    }
}

#[component]
fn EntryCard(entry: WaitlistEntryView, server_now: DateTime<Utc>) -> impl IntoView {
    let e = entry;
    let (tag, tag_class) = match e.status {
        WaitlistStatus::Waiting => ("Waiting", "tag"),
        WaitlistStatus::Offered => ("Offer", "tag success"),
        WaitlistStatus::Booked => ("Booked", "tag"),
        WaitlistStatus::Left => ("Left", "tag muted"),
        WaitlistStatus::Expired => ("Offer expired", "tag warning"),
        WaitlistStatus::Closed => ("Event cancelled", "tag danger"),
        WaitlistStatus::Removed => ("Removed by the organizer", "tag muted"),
    };
    let offer = (e.status == WaitlistStatus::Offered)
        .then_some(e.offer_expires_at)
        .flatten();
    let (id, seats, complete) = (e.id, e.offered_quantity, e.offer_complete());
    let until = e.offer_expires_label.clone().unwrap_or_default();
    view! {
        <article class="card" data-entry-id=e.id data-status=e.status.as_str()>
            <h3><a href=format!("/events/{}", e.event_slug)>{e.event_title.clone()}</a></h3>
            <p>{e.event_date_label.clone()}</p>
            <dl class="facts">
                <dt>"Tickets"</dt><dd>{format!("{} × {}", e.quantity, e.ticket_type_name)}</dd>
                <dt>"Status"</dt><dd><span class=tag_class>{tag}</span></dd>
                {e.position.map(|p| view! { <dt>"Place in queue"</dt><dd><LivePlace entry_id=e.id position=p/></dd> })}
            </dl>
            {(e.status == WaitlistStatus::Offered).then(|| view! { <p>{place_label(&MyEntry::from(&e))}</p> })}
            {offer.map(|expires| {
                view! {
                    <div class="notice success">
                        <p>
                            <OfferCountdown expires server_now/>
                            {format!(" (until {until}, the event's local time). ")}
                            "Accepting books the seats; nothing is paid through Evently."
                        </p>
                        <div class="inline-form">
                            <form method="post" action=AcceptOffer::PATH class="inline-form">
                                <input type="hidden" name="entry_id" value=id/>
                                // One key per entry: a double click or a resent form books once.
                                <input type="hidden" name="key" value=format!("waitlist-accept-{id}")/>
                                <button type="submit" class="button">
                                    {if seats == 1 { "Book 1 ticket".to_string() } else { format!("Book {seats} tickets") }}
                                </button>
                            </form>
                            <form method="post" action=DeclineOffer::PATH class="inline-form">
                                <input type="hidden" name="entry_id" value=id/>
                                <button type="submit" class="button secondary">
                                    {if complete { "Decline" } else { "Decline and keep waiting" }}
                                </button>
                            </form>
                        </div>
                    </div>
                }
            })}
            {(e.status == WaitlistStatus::Waiting).then(|| view! {
                <form method="post" action=LeaveWaitlist::PATH class="inline-form">
                    <input type="hidden" name="entry_id" value=e.id/>
                    <input type="hidden" name="next" value="/bookings#waitlist"/>
                    <button type="submit" class="button secondary small">"Leave the waitlist"</button>
                </form>
            })}
            {e.booking_id.map(|b| view! { <p><a href=format!("/bookings/{b}")>"See the booking"</a></p> })}
        </article>
    }
}
