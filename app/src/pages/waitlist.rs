//! The waitlist in pages: the sold-out slot of the event page's picker (join, or your place
//! in the queue, live) and the Waitlists section of My bookings (an offer with its countdown,
//! accept and decline). Every button is a form post, so both work without JavaScript; with
//! it, positions and offers change in place over the live socket.

use crate::api::waitlist::{AcceptOffer, DeclineOffer, JoinWaitlist, LeaveWaitlist};
use crate::components::forms::{ErrorNotice, FormError};
use crate::pages::checkout::{countdown, mm_ss};
use chrono::{DateTime, Utc};
use evently::domain::WaitlistStatus;
use evently::dto::WaitlistEntryView;
use leptos::prelude::*;

/// "3 people waiting".
pub fn waiting_label(n: i64) -> String {
    match n {
        0 => "Nobody is waiting yet".to_string(),
        1 => "1 person waiting".to_string(),
        n => format!("{n} people waiting"),
    }
}

/// "You are number 2 in the queue for 3 tickets."
pub fn place_label(e: &WaitlistEntryView) -> String {
    let tickets = if e.quantity == 1 {
        "1 ticket".to_string()
    } else {
        format!("{} tickets", e.quantity)
    };
    match (e.status, e.position) {
        (WaitlistStatus::Offered, _) if e.offer_complete() => {
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
    mine: Signal<Option<WaitlistEntryView>>,
) -> impl IntoView {
    let join = ServerAction::<JoinWaitlist>::new();
    let leave = ServerAction::<LeaveWaitlist>::new();
    let error: FormError = Signal::derive(move || {
        join.value()
            .get()
            .and_then(Result::err)
            .or_else(|| leave.value().get().and_then(Result::err))
    });
    let select_id = StoredValue::new(format!("wl-qty-{ticket_type_id}"));
    let back = format!("/events/{}#tickets", slug.get_value());
    view! {
        <div class="waitlist-slot" data-waitlist=ticket_type_id>
            <p class="muted">"Sold out · "<span data-waiting=move || waiting.get()>{move || waiting_label(waiting.get())}</span></p>
            <ErrorNotice error/>
            {move || match mine.get() {
                Some(e) => {
                    let back = back.clone();
                    view! {
                        <div class="stack-tight">
                            <p class="waitlist-place" data-position=e.position>{place_label(&e)}</p>
                            {(e.status == WaitlistStatus::Offered).then(|| view! {
                                <a class="button" href="/bookings#waitlist">"Accept or decline"</a>
                            })}
                            {(e.status == WaitlistStatus::Waiting).then(|| view! {
                                <ActionForm action=leave attr:class="inline-form">
                                    <input type="hidden" name="entry_id" value=e.id/>
                                    <input type="hidden" name="next" value=back/>
                                    <button type="submit" class="button secondary small">"Leave the waitlist"</button>
                                </ActionForm>
                            })}
                        </div>
                    }.into_any()
                }
                None => view! {
                    <ActionForm action=join attr:class="inline-form">
                        <input type="hidden" name="event_id" value=event_id/>
                        <input type="hidden" name="slug" value=slug.get_value()/>
                        <input type="hidden" name="ticket_type_id" value=ticket_type_id/>
                        <label class="visually-hidden" for=select_id.get_value()>{format!("Number of {} tickets to wait for", name.get_value())}</label>
                        <select id=select_id.get_value() name="quantity">
                            {(1..=max_per_booking.max(1)).map(|n| view! { <option value=n>{n}</option> }).collect_view()}
                        </select>
                        <button type="submit" class="button secondary" disabled=move || join.pending().get()
                            aria-label=format!("Join the waitlist for {}", name.get_value())>"Join the waitlist"</button>
                    </ActionForm>
                }.into_any(),
            }}
        </div>
    }
}

/// The Waitlists section of My bookings: every entry with its place, quantity and state;
/// an offer shows how long it is held, with accept and decline. Live: offers appear and
/// positions move without a reload.
#[island]
pub fn MyWaitlist(entries: Vec<WaitlistEntryView>, server_now: DateTime<Utc>) -> impl IntoView {
    crate::components::forms::provide_url_error();
    let live = crate::live::use_live();
    let list = Signal::derive(move || {
        live.and_then(|l| l.my_entries())
            .unwrap_or_else(|| entries.clone())
    });
    let accept = ServerAction::<AcceptOffer>::new();
    let decline = ServerAction::<DeclineOffer>::new();
    let leave = ServerAction::<LeaveWaitlist>::new();
    let error: FormError = Signal::derive(move || {
        accept
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| decline.value().get().and_then(Result::err))
            .or_else(|| leave.value().get().and_then(Result::err))
    });
    view! {
        <section class="stack" id="waitlist" aria-labelledby="waitlist-heading">
            <h2 id="waitlist-heading">"Waitlists"</h2>
            <ErrorNotice error/>
            {move || {
                let all = list.get();
                if all.is_empty() {
                    return view! { <p class="muted">"You are on no waitlist. When an event sells out, you can join its waitlist on the event page."</p> }.into_any();
                }
                view! {
                    <ul class="stack" role="list">
                        {all.into_iter().map(|e| view! {
                            <li><EntryCard entry=e server_now accept decline leave/></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn EntryCard(
    entry: WaitlistEntryView,
    server_now: DateTime<Utc>,
    accept: ServerAction<AcceptOffer>,
    decline: ServerAction<DeclineOffer>,
    leave: ServerAction<LeaveWaitlist>,
) -> impl IntoView {
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
    view! {
        <article class="card" data-entry-id=e.id data-status=e.status.as_str()>
            <h3><a href=format!("/events/{}", e.event_slug)>{e.event_title.clone()}</a></h3>
            <p>{e.event_date_label.clone()}</p>
            <dl class="facts">
                <dt>"Tickets"</dt><dd>{format!("{} × {}", e.quantity, e.ticket_type_name)}</dd>
                <dt>"Status"</dt><dd><span class=tag_class>{tag}</span></dd>
                {e.position.map(|p| view! { <dt>"Place in queue"</dt><dd data-position=p>{p}</dd> })}
            </dl>
            {e.status.is_active().then(|| view! { <p>{place_label(&e)}</p> })}
            {offer.map(|expires| {
                let remaining = countdown(Signal::derive(move || expires), server_now);
                view! {
                    <div class="notice success">
                        <p>
                            <strong>{move || if remaining.get() > 0 { format!("Held for you for {}", mm_ss(remaining.get())) } else { "This offer has ended".to_string() }}</strong>
                            {format!(" (until {} UTC). ", expires.format("%H:%M"))}
                            "Accepting books the seats; nothing is paid through Evently."
                        </p>
                        <div class="inline-form">
                            <ActionForm action=accept attr:class="inline-form">
                                <input type="hidden" name="entry_id" value=id/>
                                // One key per entry: a double click or a resent form books once.
                                <input type="hidden" name="key" value=format!("waitlist-accept-{id}")/>
                                <button type="submit" class="button" disabled=move || accept.pending().get() || remaining.get() == 0>
                                    {if seats == 1 { "Book 1 ticket".to_string() } else { format!("Book {seats} tickets") }}
                                </button>
                            </ActionForm>
                            <ActionForm action=decline attr:class="inline-form">
                                <input type="hidden" name="entry_id" value=id/>
                                <button type="submit" class="button secondary">
                                    {if complete { "Decline" } else { "Decline and keep waiting" }}
                                </button>
                            </ActionForm>
                        </div>
                    </div>
                }
            })}
            {(e.status == WaitlistStatus::Waiting).then(|| view! {
                <ActionForm action=leave attr:class="inline-form">
                    <input type="hidden" name="entry_id" value=e.id/>
                    <input type="hidden" name="next" value="/bookings#waitlist"/>
                    <button type="submit" class="button secondary small">"Leave the waitlist"</button>
                </ActionForm>
            })}
            {e.booking_id.map(|b| view! { <p><a href=format!("/bookings/{b}")>"See the booking"</a></p> })}
        </article>
    }
}
