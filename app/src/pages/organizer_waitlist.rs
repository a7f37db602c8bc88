//! The waitlist on the organizer's event dashboard: per ticket type the queue, seats set
//! aside, offers out and how offers ended (conversion); pause or resume a queue; the people
//! in it, each removable. Server-rendered: every button is a form post.

use crate::api::waitlist::{PauseWaitlist, RemoveWaitlistEntry, event_waitlists};
use evently::domain::WaitlistStatus;
use leptos::prelude::*;

/// Accepted offers as a share of offers that ended ("2 of 3 accepted").
fn conversion(accepted: i64, expired: i64) -> String {
    match accepted + expired {
        0 => "No offer has ended yet".to_string(),
        n => format!("{accepted} of {n} accepted ({}%)", accepted * 100 / n),
    }
}

#[component]
pub fn EventWaitlists(event_id: i64) -> impl IntoView {
    let data = Resource::new(move || event_id, event_waitlists);
    let pause = ServerAction::<PauseWaitlist>::new();
    let remove = ServerAction::<RemoveWaitlistEntry>::new();
    view! {
        <section class="card stack" id="waitlist" aria-labelledby="waitlist-heading">
            <h2 id="waitlist-heading">"Waitlist"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let Ok((queues, entries)) = data.await else {
                        return view! { <p class="error" role="alert">"The waitlist could not be loaded."</p> }.into_any();
                    };
                    view! {
                        <p class="hint">"When a ticket type sells out, people can queue for it. Seats that come back (a cancellation, an expired hold, more capacity) are offered to them in order first; an offer is held for the event's offer time. A paused queue gets no offers: returned seats go on public sale."</p>
                        <div class="table-wrap" tabindex="0" role="region" aria-label="Waitlist by ticket type">
                            <table class="data stack-sm">
                                <thead><tr>
                                    <th scope="col">"Ticket type"</th><th scope="col" class="num">"Waiting"</th>
                                    <th scope="col" class="num">"Offers out"</th><th scope="col" class="num">"Seats set aside"</th>
                                    <th scope="col">"Offers"</th><th scope="col">"Queue"</th>
                                </tr></thead>
                                <tbody>
                                    {queues.into_iter().map(|q| view! {
                                        <tr data-ticket-type=q.ticket_type_id>
                                            <th scope="row">{q.ticket_type_name.clone()}</th>
                                            <td class="num" data-label="Waiting">{q.waiting}</td>
                                            <td class="num" data-label="Offers out">{q.offers_out}</td>
                                            <td class="num" data-label="Seats set aside">{q.set_aside}</td>
                                            <td data-label="Offers">{conversion(q.accepted, q.expired)}</td>
                                            <td data-label="Queue">
                                                <ActionForm action=pause attr:class="inline-form">
                                                    <input type="hidden" name="event_id" value=event_id/>
                                                    <input type="hidden" name="ticket_type_id" value=q.ticket_type_id/>
                                                    <input type="hidden" name="paused" value=(!q.paused).to_string()/>
                                                    {if q.paused { view! { <span class="tag warning">"Paused"</span> }.into_any() } else { view! { <span class="tag">"Open"</span> }.into_any() }}
                                                    <button type="submit" class="button small secondary">{if q.paused { format!("Resume {}", q.ticket_type_name) } else { format!("Pause {}", q.ticket_type_name) }}</button>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {if entries.is_empty() {
                            view! { <p class="muted">"Nobody is waiting."</p> }.into_any()
                        } else {
                            view! {
                                <div class="table-wrap" tabindex="0" role="region" aria-label="People in the waitlist">
                                    <table class="data stack-sm">
                                        <thead><tr>
                                            <th scope="col">"Person"</th><th scope="col">"Ticket type"</th><th scope="col" class="num">"Tickets"</th>
                                            <th scope="col">"State"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                        </tr></thead>
                                        <tbody>
                                            {entries.into_iter().map(|e| view! {
                                                <tr data-entry-id=e.id>
                                                    <th scope="row">{e.name.clone()}<br/><span class="muted">{e.email.clone()}</span></th>
                                                    <td data-label="Ticket type">{e.ticket_type_name.clone()}</td>
                                                    <td class="num" data-label="Tickets">{e.quantity}</td>
                                                    <td data-label="State">{match e.status {
                                                        WaitlistStatus::Offered if e.offered_quantity < e.quantity => format!("{} set aside", e.offered_quantity),
                                                        WaitlistStatus::Offered => "Offer out".to_string(),
                                                        _ => "Waiting".to_string(),
                                                    }}</td>
                                                    <td data-label="Actions">
                                                        // Asked first: a removed person loses their place for good.
                                                        <details class="confirm">
                                                            <summary class="button small secondary">"Remove…"<span class="visually-hidden">{format!(" {}", e.name)}</span></summary>
                                                            <ActionForm action=remove attr:class="stack-tight">
                                                                <input type="hidden" name="event_id" value=event_id/>
                                                                <input type="hidden" name="entry_id" value=e.id/>
                                                                <p>{format!("{} loses their place in the queue (and any seats held for them go to the next person).", e.name)}</p>
                                                                <button type="submit" class="button small danger" aria-label=format!("Remove {} from the waitlist", e.name)>"Remove"</button>
                                                            </ActionForm>
                                                        </details>
                                                    </td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any()
                        }}
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}
