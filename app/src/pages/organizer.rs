//! Organizer tools: my events, create and edit an event, and an event's dashboard (sales,
//! publish and cancel, capacity, attendees, check-in).

use crate::api::organizer::{
    CancelEvent, ChangeCapacity, CheckIn, CreateEvent, EventForm, PublishEvent, TicketTypeForm,
    UpdateEvent, event_attendees, load_event_form, load_event_sales, organizer_events,
};
use crate::components::forms::{ErrorNotice, ErrorSummary, FormError, FormFlash, capitalise};
use crate::components::head::{PageTitle, ScriptPreload};
use crate::components::layout::RequireUser;
use crate::pages::not_found::NotFound;
use evently::domain::EventStatus;
use evently::domain::{CATEGORIES, format_amount};
use evently::dto::{CheckInOutcome, EventSales};
use evently::error::ErrorCode;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_params_map, use_query_map};

const ZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Vienna",
    "Europe/Prague",
    "Europe/Zurich",
    "Europe/Stockholm",
    "Europe/Copenhagen",
    "America/New_York",
    "America/Toronto",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
];
const CURRENCIES: &[&str] = &[
    "EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "CAD", "AUD", "JPY",
];

fn organizers_only() -> AnyView {
    view! { <section class="container narrow"><h1>"Organizers only"</h1><p>"Ask an administrator to make your account an organizer account to create events."</p></section> }.into_any()
}

fn event_id() -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || {
        params
            .read()
            .get("id")
            .and_then(|h| h.parse::<i64>().ok())
            .unwrap_or(0)
    }
}

#[component]
pub fn OrganizerHomePage() -> impl IntoView {
    view! {
        <PageTitle text="Your events · Organizer · Evently"/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next="/organizer" children=move |u| {
            if u.role == "attendee" { return organizers_only(); }
            let events = Resource::new(|| (), |_| organizer_events());
            view! {
                <section class="container stack">
                    <header class="page-header">
                        <h1>"Your events"</h1>
                        <a class="button" href="/organizer/events/new">"Create an event"</a>
                    </header>
                    <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            match events.await {
                                Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                                Ok(list) if list.is_empty() => view! { <div class="empty-state"><p>"You have no events yet."</p></div> }.into_any(),
                                Ok(list) => view! {
                                    <div class="table-wrap" tabindex="0" role="region" aria-label="Your events">
                                        <table class="data stack-sm">
                                            <thead><tr><th scope="col">"Event"</th><th scope="col">"Date"</th><th scope="col">"Status"</th><th scope="col" class="num">"Seats left"</th></tr></thead>
                                            <tbody>
                                                {list.into_iter().map(|e| view! {
                                                    <tr>
                                                        <td data-label="Event"><a href=format!("/organizer/events/{}", e.id)>{e.title.clone()}</a></td>
                                                        <td data-label="Date"><time datetime=e.starts_at.to_rfc3339()>{e.date_label.clone()}</time></td>
                                                        <td data-label="Status"><span class="tag">{e.status.as_str()}</span></td>
                                                        <td class="num" data-label="Seats left">{format!("{} / {}", e.available, e.capacity)}</td>
                                                    </tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                }.into_any(),
                            }
                        })}
                    </Suspense>
                </section>
            }.into_any()
        }/>
    }
}

/// The control of an event form field, for the error summary's links.
fn event_anchor(field: &str) -> String {
    if let Some((i, name)) = field
        .strip_prefix("ticket_types[")
        .and_then(|r| r.split_once("]."))
    {
        let short = match name {
            "price_cents" => "price",
            "capacity" => "cap",
            "max_per_booking" => "max",
            _ => "name",
        };
        return format!("tt-{i}-{short}");
    }
    match field {
        "starts_at" => "ev-starts_local".into(),
        "ends_at" => "ev-ends_local".into(),
        "cancel_cutoff_minutes" => "ev-cancel_cutoff_hours".into(),
        "ticket_types" => "tt-0-name".into(),
        f => format!("ev-{f}"),
    }
}

/// Says which values were too long to carry back after an error.
fn dropped_notice(dropped: &[String]) -> Option<impl IntoView + use<>> {
    (!dropped.is_empty()).then(|| {
        let names = dropped.join(", ");
        view! { <div class="notice warning" role="status"><p>{format!("Too long to keep after the error, please enter again: {names}.")}</p></div> }
    })
}

/// The event form's fields; `prefix` is the server function argument (`form`).
fn event_fields(v: EventForm, error: FormError) -> impl IntoView {
    // Every wrong field is reported at once (`ApiError::errors`); each shows its own.
    let msg = move |names: &'static [&'static str]| {
        move || {
            error.get().and_then(|e| {
                e.0.field_errors()
                    .into_iter()
                    .find(|fe| names.contains(&fe.field.as_str()))
                    .map(|fe| capitalise(&fe.message))
            })
        }
    };
    let row_errors = move |i: usize| {
        move || {
            let prefix = format!("ticket_types[{i}].");
            error
                .get()
                .map(|e| {
                    e.0.field_errors()
                        .into_iter()
                        .filter(|fe| fe.field.starts_with(&prefix))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }
    };
    let mut tickets = v.tickets.clone();
    while tickets.len() < 3 || tickets.last().is_some_and(|t| !t.name.is_empty()) {
        tickets.push(TicketTypeForm::default());
        if tickets.len() >= 20 {
            break;
        }
    }
    let field = move |label: &'static str,
                      name: &'static str,
                      value: String,
                      names: &'static [&'static str],
                      kind: &'static str,
                      required: bool| {
        let m = msg(names);
        let id = format!("ev-{name}");
        let err_id = format!("{id}-err");
        view! {
            <div class="field">
                <label for=id.clone()>{label}{required.then_some(" (required)")}</label>
                <input id=id.clone() type=kind name=format!("form[{name}]") value=value required=required
                    aria-invalid=move || m().is_some().then_some("true")
                    aria-describedby=move || m().is_some().then(|| err_id.clone())/>
                <p class="field-error" id=format!("{id}-err") hidden=move || m().is_none()>{move || m().unwrap_or_default()}</p>
            </div>
        }
    };
    let text_field =
        move |label, name, value, names, kind| field(label, name, value, names, kind, false);
    let required_field =
        move |label, name, value, names, kind| field(label, name, value, names, kind, true);
    let desc_msg = msg(&["description"]);
    let cat_msg = msg(&["category"]);
    view! {
        {required_field("Title", "title", v.title.clone(), &["title"], "text")}
        <div class="field">
            <label for="ev-description">"Description (required)"</label>
            <textarea id="ev-description" name="form[description]" rows="6" required=true
                aria-invalid=move || desc_msg().is_some().then_some("true")
                aria-describedby=move || desc_msg().is_some().then_some("ev-description-err")>{v.description.clone()}</textarea>
            <p class="field-error" id="ev-description-err" hidden=move || desc_msg().is_none()>{move || desc_msg().unwrap_or_default()}</p>
        </div>
        {required_field("Venue", "venue", v.venue.clone(), &["venue"], "text")}
        {required_field("City", "city", v.city.clone(), &["city"], "text")}
        <div class="field">
            <label for="ev-category">"Category (required)"</label>
            <select id="ev-category" name="form[category]" required=true
                aria-invalid=move || cat_msg().is_some().then_some("true")
                aria-describedby=move || cat_msg().is_some().then_some("ev-category-err")>
                <option value="" selected=v.category.is_empty()>"Choose a category"</option>
                {CATEGORIES.iter().map(|(id, label)| view! { <option value=*id selected=v.category == *id>{*label}</option> }).collect_view()}
            </select>
            <p class="field-error" id="ev-category-err" hidden=move || cat_msg().is_none()>{move || cat_msg().unwrap_or_default()}</p>
        </div>
        <div class="field">
            <label for="ev-timezone">"Time zone of the venue"</label>
            <select id="ev-timezone" name="form[timezone]">
                {ZONES.iter().map(|z| view! { <option value=*z selected=v.timezone == *z>{*z}</option> }).collect_view()}
            </select>
        </div>
        {required_field("Starts (local time)", "starts_local", v.starts_local.clone(), &["starts_local", "starts_at"], "datetime-local")}
        {required_field("Ends (local time)", "ends_local", v.ends_local.clone(), &["ends_local", "ends_at"], "datetime-local")}
        {text_field("Image address (optional)", "image_url", v.image_url.clone().unwrap_or_default(), &["image_url"], "url")}
        {text_field("Hold time at checkout (minutes)", "hold_minutes", v.hold_minutes.clone().unwrap_or_else(|| "10".into()), &["hold_minutes"], "number")}
        {text_field("Buyers may cancel until (hours before the start)", "cancel_cutoff_hours", v.cancel_cutoff_hours.clone().unwrap_or_else(|| "24".into()), &["cancel_cutoff_hours", "cancel_cutoff_minutes"], "number")}
        {text_field("Seats one person may hold and book, all ticket types together (empty: 10)", "max_seats_per_user", v.max_seats_per_user.clone().unwrap_or_default(), &["max_seats_per_user"], "number")}
        {text_field("How buyers pay (optional; Evently takes no payment. Empty: \"due at the door\")", "payment_note", v.payment_note.clone().unwrap_or_default(), &["payment_note"], "text")}
        {text_field("Waitlist offer time (minutes, 5 to 1440): how long someone from the waitlist has to accept seats that came back", "offer_minutes", v.offer_minutes.clone().unwrap_or_else(|| "30".into()), &["offer_minutes"], "number")}
        {text_field("Reminder e-mail (hours before the start, 0 to 336; 0: no reminder). Bookers who turned reminders off get none", "reminder_hours", v.reminder_hours.clone().unwrap_or_else(|| "24".into()), &["reminder_hours"], "number")}
        <div class="field">
            <label for="ev-currency">"Currency"</label>
            <select id="ev-currency" name="form[currency]">
                {CURRENCIES.iter().map(|c| view! { <option value=*c selected=v.currency.as_deref().unwrap_or("EUR") == *c>{*c}</option> }).collect_view()}
            </select>
        </div>
        <fieldset class="stack">
            <legend>"Ticket types"</legend>
            <p class="hint">"Leave a row empty to skip it. Prices in the currency above; 0 for free."</p>
            {tickets.into_iter().enumerate().map(|(i, t)| {
                let problems = row_errors(i);
                let bad = move |name: &'static str| {
                    let f = format!("ticket_types[{i}].{name}");
                    move || problems().iter().any(|fe| fe.field == f).then_some("true")
                };
                let described = move || (!problems().is_empty()).then(|| format!("tt-{i}-err"));
                view! {
                <div class="ticket-row" role="group" aria-label=format!("Ticket type {}", i + 1)>
                    <input type="hidden" name=format!("form[tickets][{i}][id]") value=t.id.clone().unwrap_or_default()/>
                    <div class="field">
                        <label for=format!("tt-{i}-name")>"Name"</label>
                        <input id=format!("tt-{i}-name") name=format!("form[tickets][{i}][name]") value=t.name.clone() placeholder=if i == 0 { "General admission" } else { "" }
                            aria-invalid=bad("name") aria-describedby=described/>
                    </div>
                    <div class="field">
                        <label for=format!("tt-{i}-price")>"Price"</label>
                        <input id=format!("tt-{i}-price") name=format!("form[tickets][{i}][price]") value=t.price.clone() inputmode="decimal"
                            aria-invalid=bad("price_cents") aria-describedby=described/>
                    </div>
                    <div class="field">
                        <label for=format!("tt-{i}-cap")>"Capacity"</label>
                        <input id=format!("tt-{i}-cap") type="number" min="1" name=format!("form[tickets][{i}][capacity]") value=t.capacity.clone()
                            aria-invalid=bad("capacity") aria-describedby=described/>
                    </div>
                    <div class="field">
                        <label for=format!("tt-{i}-max")>"Max per booking"</label>
                        <input id=format!("tt-{i}-max") type="number" min="1" max="50" name=format!("form[tickets][{i}][max_per_booking]") value=t.max_per_booking.clone().unwrap_or_else(|| "10".into())
                            aria-invalid=bad("max_per_booking") aria-describedby=described/>
                    </div>
                    <p class="field-error" id=format!("tt-{i}-err") hidden=move || problems().is_empty()>
                        {move || problems().into_iter().map(|fe| capitalise(&fe.message)).collect::<Vec<_>>().join(". ")}
                    </p>
                </div>
            }}).collect_view()}
        </fieldset>
    }
}

#[component]
pub fn NewEventPage() -> impl IntoView {
    view! {
        <PageTitle text="Create an event · Organizer · Evently"/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next="/organizer/events/new" children=move |u| {
            if u.role == "attendee" { return organizers_only(); }
            let action = ServerAction::<CreateEvent>::new();
            // A failed post comes back with what was typed and every problem (a form cookie).
            let flash = FormFlash::take("event");
            let kept = (!flash.values.is_empty()).then(|| EventForm::from_values(&flash.values)).flatten();
            let error: FormError = {
                let e = flash.error.clone();
                Signal::derive(move || e.clone())
            };
            view! {
                <section class="container narrow stack">
                    <header class="page-header"><h1>"Create an event"</h1></header>
                    <p class="muted">"It is saved as a draft; publish it from its page when you are ready. Fields marked (required) must be filled in."</p>
                    <ActionForm action attr:class="stack card" attr:aria-label="New event" attr:novalidate=true>
                        <ErrorSummary error=flash.error.clone() focus=true anchor=event_anchor/>
                        {dropped_notice(&flash.dropped)}
                        {event_fields(kept.unwrap_or(EventForm { timezone: "Europe/Berlin".into(), ..Default::default() }), error)}
                        <button type="submit" class="button" disabled=move || action.pending().get()>"Save draft"</button>
                    </ActionForm>
                </section>
            }.into_any()
        }/>
    }
}

#[component]
pub fn EditEventPage() -> impl IntoView {
    let id = event_id();
    view! {
        <PageTitle text="Edit event · Organizer · Evently"/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next="/organizer" children=move |_| {
            let form = Resource::new(id, load_event_form);
            let action = ServerAction::<UpdateEvent>::new();
            let flash = FormFlash::take("event");
            let kept = StoredValue::new((!flash.values.is_empty()).then(|| EventForm::from_values(&flash.values)).flatten());
            let first_error = flash.error.clone();
            let dropped = StoredValue::new(flash.dropped.clone());
            let error: FormError = Signal::derive(move || first_error.clone());
            view! {
                <section class="container narrow stack">
                    <header class="page-header"><h1>"Edit event"</h1></header>
                    <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                        {move || Suspend::new(async move {
                            match form.await {
                                Err(e) if e.code() == ErrorCode::NotFound => view! { <NotFound/> }.into_any(),
                                Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                                Ok(v) => view! {
                                    <ActionForm action attr:class="stack card" attr:aria-label="Edit event" attr:novalidate=true>
                                        <ErrorSummary error=error.get_untracked() focus=true anchor=event_anchor/>
                                        {dropped_notice(&dropped.get_value())}
                                        <input type="hidden" name="event_id" value=id()/>
                                        {event_fields(kept.get_value().unwrap_or(v), error)}
                                        <button type="submit" class="button" disabled=move || action.pending().get()>"Save changes"</button>
                                    </ActionForm>
                                }.into_any(),
                            }
                        })}
                    </Suspense>
                </section>
            }.into_any()
        }/>
    }
}

#[component]
pub fn EventDashboardPage() -> impl IntoView {
    let id = event_id();
    view! {
        <PageTitle text="Event dashboard · Organizer · Evently"/>
        <ScriptPreload/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next="/organizer" children=move |_| view! { <Dashboard id/> }.into_any()/>
    }
}

#[component]
fn Dashboard(id: impl Fn() -> i64 + Copy + Send + Sync + 'static) -> impl IntoView {
    let publish = ServerAction::<PublishEvent>::new();
    let cancel = ServerAction::<CancelEvent>::new();
    let capacity = ServerAction::<ChangeCapacity>::new();
    let sales = Resource::new(
        move || {
            (
                id(),
                publish.version().get(),
                cancel.version().get(),
                capacity.version().get(),
            )
        },
        |(id, _, _, _)| load_event_sales(id),
    );
    let error: FormError = Signal::derive(move || {
        publish
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| cancel.value().get().and_then(Result::err))
            .or_else(|| capacity.value().get().and_then(Result::err))
    });
    let query = use_query_map();
    let notice = move || {
        let q = query.read();
        if q.get("saved").is_some() {
            return Some("Changes saved.");
        }
        match q.get("done").as_deref() {
            Some("published") => {
                Some("The event is published: its page is public and tickets are on sale.")
            }
            Some("cancelled") => {
                Some("The event is cancelled. Every booking was cancelled and its seats released.")
            }
            Some("capacity") => Some("Capacity changed."),
            _ => None,
        }
    };
    view! {
        <section class="container stack">
            {move || notice().map(|n| view! { <div class="notice success" role="status"><p>{n}</p></div> })}
            <ErrorNotice error/>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sales.await {
                        Err(e) if e.code() == ErrorCode::NotFound => view! { <NotFound/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                        Ok(s) => view! { <SalesView sales=s publish cancel capacity/> }.into_any(),
                    }
                })}
            </Transition>
            <crate::pages::organizer_waitlist::EventWaitlists event_id=id()/>
            <p class="button-row">
                <a class="button" href=move || format!("/organizer/events/{}/analytics", id())>"Sales dashboard (live)"</a>
                <a class="button secondary" href=move || format!("/organizer/events/{}/scan", id())>"Scan tickets with a camera"</a>
            </p>
            <CheckInPanel event_id=id()/>
            <Attendees id=id()/>
        </section>
    }
}

/// The door scanner: a camera reads ticket QR codes (`public/scanner.js`, with jsQR where
/// the browser has no `BarcodeDetector`); checks work offline with the downloaded ticket list.
/// The only page allowed the camera (`Permissions-Policy: camera=(self)`).
#[component]
pub fn ScanPage() -> impl IntoView {
    let id = event_id();
    view! {
        <PageTitle text="Scan tickets · Organizer · Evently"/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next="/organizer" children=move |u| {
            if u.role != "organizer" && u.role != "admin" {
                return organizers_only();
            }
            let id = id();
            view! {
                <section class="container narrow stack" id="scanner" data-event=id>
                    <header class="page-header">
                        <h1>"Scan tickets"</h1>
                        <p><a href=format!("/organizer/events/{id}")>"Back to the event"</a></p>
                    </header>
                    <p class="muted">"Hold a ticket's QR code (on a phone or on paper) in front of the camera. Each ticket is let in once; a cancelled ticket, another event's ticket or a forged code is refused. Without a network, tickets are checked against the list downloaded when this page opened and sent once the network is back."</p>
                    <div class="scanner-view">
                        <video muted=true playsinline=true hidden=true aria-label="Camera view"></video>
                    </div>
                    <p class="button-row">
                        <button type="button" class="button" data-start>"Start the camera"</button>
                        <button type="button" class="button secondary" data-stop hidden=true>"Stop the camera"</button>
                    </p>
                    <p class="hint" data-status role="status">"Loading the ticket list…"</p>
                    <div data-result role="alert" hidden=true></div>
                    <form data-manual class="search-bar" aria-label="Check in by code">
                        <label class="visually-hidden" for="scan-code">"Ticket code"</label>
                        <input id="scan-code" name="token" placeholder="Ticket code or QR text" autocomplete="off" autocapitalize="characters" spellcheck="false"/>
                        <button type="submit" class="button">"Check in"</button>
                    </form>
                    <noscript><p>"The camera needs JavaScript. Check tickets in by code on "<a href=format!("/organizer/events/{id}")>"the event's page"</a>"."</p></noscript>
                    <script src="/vendor/jsQR.js" defer=true></script>
                    <script type="module" src="/scanner.js"></script>
                </section>
            }.into_any()
        }/>
    }
}

#[component]
fn SalesView(
    sales: EventSales,
    publish: ServerAction<PublishEvent>,
    cancel: ServerAction<CancelEvent>,
    capacity: ServerAction<ChangeCapacity>,
) -> impl IntoView {
    let e = sales.event.clone();
    let event_id = e.id;
    let sold: i64 = sales.ticket_types.iter().map(|t| t.sold).sum();
    let cap: i64 = sales.ticket_types.iter().map(|t| t.capacity).sum();
    let held: i64 = sales.ticket_types.iter().map(|t| t.held).sum();
    // Booked value per currency: amounts in different currencies are never added up.
    let mut by_currency: Vec<(String, i64)> = Vec::new();
    for t in &sales.ticket_types {
        match by_currency.iter_mut().find(|(c, _)| *c == t.currency) {
            Some((_, v)) => *v += t.revenue_cents,
            None => by_currency.push((t.currency.clone(), t.revenue_cents)),
        }
    }
    let value = by_currency
        .iter()
        .map(|(c, v)| format_amount(*v, c))
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <header class="page-header">
            <div>
                <h1>{e.title.clone()}</h1>
                <p><time datetime=e.starts_at_local.clone()>{e.date_label.clone()}</time>{format!(" · {}, {} · ", e.venue, e.city)}<span class="tag">{e.status.as_str()}</span></p>
            </div>
            <div class="stack">
                <A href=format!("/events/{}", e.slug) attr:class="button secondary small">"View page"</A>
                {(e.status != EventStatus::Cancelled).then(|| view! { <A href=format!("/organizer/events/{}/edit", e.id) attr:class="button secondary small">"Edit"</A> })}
            </div>
        </header>
        <div class="stats">
            <div class="stat"><p class="stat-value">{format!("{sold} / {cap}")}</p><p class="stat-label">"Seats sold"</p></div>
            <div class="stat"><p class="stat-value">{held}</p><p class="stat-label">"In checkout now"</p></div>
            <div class="stat"><p class="stat-value">{sales.bookings}</p><p class="stat-label">"Bookings"</p></div>
            <div class="stat"><p class="stat-value">{value}</p><p class="stat-label">"Booked value (not collected by Evently)"</p></div>
        </div>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Sales by ticket type">
            <table class="data stack-sm">
                <thead><tr>
                    <th scope="col">"Ticket type"</th><th scope="col" class="num">"Price"</th><th scope="col" class="num">"Sold"</th>
                    <th scope="col" class="num">"Held"</th><th scope="col" class="num">"Left"</th><th scope="col" class="num">"Checked in"</th>
                    <th scope="col">"Capacity"</th>
                </tr></thead>
                <tbody>
                    {sales.ticket_types.clone().into_iter().map(|t| view! {
                        <tr data-ticket-type=t.id>
                            <th scope="row">{t.name.clone()}</th>
                            <td class="num" data-label="Price">{t.price_label.clone()}</td>
                            <td class="num" data-label="Sold">{t.sold}</td>
                            <td class="num" data-label="Held">{t.held}</td>
                            <td class="num" data-label="Left">{t.available}</td>
                            <td class="num" data-label="Checked in">{t.checked_in}</td>
                            <td data-label="Capacity">
                                <ActionForm action=capacity attr:class="inline-form">
                                    <input type="hidden" name="ticket_type_id" value=t.id/>
                                    <input type="hidden" name="event_id" value=event_id/>
                                    <label class="visually-hidden" for=format!("cap-{}", t.id)>{format!("Capacity of {}", t.name)}</label>
                                    <input id=format!("cap-{}", t.id) type="number" min="0" name="capacity" value=t.capacity class="narrow-input"/>
                                    <button type="submit" class="button small secondary">"Set"</button>
                                </ActionForm>
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {(e.status == EventStatus::Draft).then(|| view! {
            <ActionForm action=publish attr:class="inline-form">
                <input type="hidden" name="event_id" value=e.id/>
                <button type="submit" class="button">"Publish event"</button>
            </ActionForm>
        })}
        {(e.status != EventStatus::Cancelled).then(|| view! {
            <details class="card">
                <summary>"Cancel this event"</summary>
                <ActionForm action=cancel attr:class="stack">
                    <input type="hidden" name="event_id" value=e.id/>
                    <p>"Every booking is cancelled and its seats released, and the waitlists close; buyers and the people waiting are e-mailed and see it under My bookings. This cannot be undone."</p>
                    <label class="check"><input type="checkbox" name="confirm" required=true/><span>"Yes, cancel the event and all its bookings"</span></label>
                    <button type="submit" class="button danger">"Cancel event"</button>
                </ActionForm>
            </details>
        })}
    }
}

/// The door's check-in form, an island: the outcome shows at once, without reloading the
/// dashboard. (The attendee table below shows the new check-in after a reload.)
#[island]
fn CheckInPanel(event_id: i64) -> impl IntoView {
    crate::components::forms::provide_url_error();
    let action = ServerAction::<CheckIn>::new();
    let id = event_id;
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    // After each answer the code box is emptied and keeps focus: ready for the next ticket.
    let code_box = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if action.value().get().is_some_and(|r| r.is_ok())
            && let Some(input) = code_box.get_untracked()
        {
            input.set_value("");
            let _ = input.focus();
        }
    });
    view! {
        <section class="card" aria-labelledby="checkin-heading">
            <h2 id="checkin-heading">"Check in"</h2>
            <ActionForm action attr:class="search-bar" attr:aria-label="Check a ticket in">
                <input type="hidden" name="event_id" value=id/>
                <label class="visually-hidden" for="checkin-code">"Ticket code"</label>
                <input id="checkin-code" node_ref=code_box name="code" placeholder="Ticket code" autocomplete="off" autocapitalize="characters" spellcheck="false" required=true/>
                <button type="submit" class="button">"Check in"</button>
            </ActionForm>
            <ErrorNotice error/>
            <div aria-live="polite">
                {move || action.value().get().and_then(Result::ok).map(|o| match o {
                    CheckInOutcome::CheckedIn { attendee } => view! {
                        <div class="notice success"><p><strong>"Checked in: "</strong>{attendee.attendee_name.clone().unwrap_or(attendee.buyer_name.clone())}{format!(" · {} · {}", attendee.ticket_type, attendee.ticket_code)}</p></div>
                    }.into_any(),
                    CheckInOutcome::AlreadyCheckedIn { attendee, by } => view! {
                        <div class="notice warning"><p><strong>"Already checked in"</strong>{format!(" {}{} · {}", attendee.checked_in_label.clone().map(|l| format!("on {l}")).unwrap_or_default(), by.map(|b| format!(" by {b}")).unwrap_or_default(), attendee.ticket_code)}</p></div>
                    }.into_any(),
                    CheckInOutcome::Cancelled { code } => view! { <div class="notice danger"><p>{format!("Ticket {code} belongs to a cancelled booking: do not admit.")}</p></div> }.into_any(),
                    CheckInOutcome::NotFound { code } => view! { <div class="notice danger"><p>{format!("No ticket {code} for this event.")}</p></div> }.into_any(),
                })}
            </div>
        </section>
    }
}

#[component]
fn Attendees(id: i64) -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").filter(|s| !s.trim().is_empty());
    let list = Resource::new(move || (id, q()), |(id, q)| event_attendees(id, q));
    view! {
        <section class="card" aria-labelledby="attendees-heading">
            <h2 id="attendees-heading">"Attendees"</h2>
            <Form method="GET" action="" attr:class="search-bar" attr:role="search">
                <label class="visually-hidden" for="att-q">"Search attendees"</label>
                <input id="att-q" type="search" name="q" placeholder="Name, e-mail or code" value=move || q().unwrap_or_default()/>
                <button type="submit" class="button secondary">"Search"</button>
            </Form>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                        Ok(rows) if rows.is_empty() => view! { <p class="muted">"No attendees found."</p> }.into_any(),
                        Ok(rows) => view! {
                            <div class="table-wrap" tabindex="0" role="region" aria-label="Attendee table">
                                <table class="data stack-sm">
                                    <thead><tr><th scope="col">"Attendee"</th><th scope="col">"Buyer"</th><th scope="col">"Ticket"</th><th scope="col">"Code"</th><th scope="col">"Checked in"</th></tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|a| view! {
                                            <tr>
                                                <td data-label="Attendee">{a.attendee_name.clone().unwrap_or_else(|| "—".into())}</td>
                                                <td data-label="Buyer">{format!("{} <{}>", a.buyer_name, a.buyer_email)}</td>
                                                <td data-label="Ticket">{a.ticket_type.clone()}</td>
                                                <td data-label="Code"><code>{a.ticket_code.clone()}</code></td>
                                                <td data-label="Checked in">{a.checked_in_label.clone().unwrap_or_else(|| "No".into())}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
