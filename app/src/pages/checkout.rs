//! Checkout at `/checkout/{hold}`: the held seats with a visible countdown the buyer can
//! extend (WCAG 2.2.1), attendee names, and confirmation. Works without JavaScript too:
//! every button is a form post, and the countdown is rendered as a time.

use crate::api::bookings::{
    CheckoutData, ConfirmCheckout, ReleaseCheckout, RenewCheckout, load_checkout,
};
use crate::components::forms::{ErrorNotice, FormError};
use crate::components::head::{PageTitle, ScriptPreload};
use crate::components::layout::RequireUser;
use crate::pages::not_found::NotFound;
use chrono::{DateTime, Utc};
use evently::domain::HoldStatus;
use evently::error::ErrorCode;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::use_params_map;

#[component]
pub fn CheckoutPage() -> impl IntoView {
    let params = use_params_map();
    let hold_id = move || {
        params
            .read()
            .get("hold")
            .and_then(|h| h.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let next = format!(
        "/checkout/{}",
        params.read_untracked().get("hold").unwrap_or_default()
    );
    view! {
        <PageTitle text="Checkout · Evently"/>
        <ScriptPreload/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next children=move |_| {
            let data = Resource::new(hold_id, load_checkout);
            view! {
                <Suspense fallback=|| view! { <p class="container muted">"Loading your checkout…"</p> }>
                    {move || Suspend::new(async move {
                        match data.await {
                            Ok(d) => view! { <Checkout data=d/> }.into_any(),
                            Err(e) if e.code() == ErrorCode::NotFound => view! { <NotFound/> }.into_any(),
                            Err(e) => view! { <p class="container error" role="alert">{e.message().to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            }.into_any()
        }/>
    }
}

/// The held seats, countdown and forms: an island (the page around it is static HTML).
#[island]
fn Checkout(data: CheckoutData) -> impl IntoView {
    crate::components::forms::provide_url_error();
    let confirm = ServerAction::<ConfirmCheckout>::new();
    let renew = ServerAction::<RenewCheckout>::new();
    let release = ServerAction::<ReleaseCheckout>::new();
    let expires = RwSignal::new(data.hold.expires_at);
    let renewals_left = RwSignal::new(data.hold.renewals_left);
    // "I need more time": said aloud (and shown), and focus kept where the buyer was: the
    // button is disabled while the request runs, which drops focus to the page.
    let renewed = RwSignal::new(String::new());
    let renew_button = NodeRef::<leptos::html::Button>::new();
    let countdown_box = NodeRef::<leptos::html::Div>::new();
    let hold_minutes = data.event.hold_minutes;
    // Attendee names typed here outlive this hold (kept in the tab's session storage, per
    // event): if it expires, the next checkout for the event starts with them.
    let names_key = StoredValue::new(format!("evently:names:{}", data.event.id));
    let names_count = data.hold.quantity;
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        names::restore(&names_key.get_value(), names_count);
        #[cfg(not(feature = "hydrate"))]
        let _ = (names_key, names_count);
    });
    // Booked: the names have done their job (the next booking starts empty).
    Effect::new(move |_| {
        if let Some(Ok(())) = confirm.value().get() {
            #[cfg(feature = "hydrate")]
            names::forget(&names_key.get_value());
        }
    });
    let save_names = move |_: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        names::save(&names_key.get_value(), names_count);
        #[cfg(not(feature = "hydrate"))]
        let _ = (names_key, names_count);
    };
    Effect::new(move |_| {
        if let Some(Ok(h)) = renew.value().get() {
            expires.set(h.expires_at);
            renewals_left.set(h.renewals_left);
            // A renewal holds the seats for the event's hold time from now.
            renewed.set(format!(
                "More time given: your seats are held for {hold_minutes} minutes from now."
            ));
            #[cfg(feature = "hydrate")]
            {
                let lost = document()
                    .active_element()
                    .is_none_or(|el| el.tag_name().eq_ignore_ascii_case("body"));
                if lost {
                    // The button, unless no renewal is left (then it stays disabled).
                    let _ = if h.renewals_left > 0 {
                        renew_button.get_untracked().map(|b| b.focus())
                    } else {
                        countdown_box.get_untracked().map(|d| d.focus())
                    };
                }
            }
        }
    });
    let error: FormError = Signal::derive(move || {
        confirm
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| renew.value().get().and_then(Result::err))
            .or_else(|| release.value().get().and_then(Result::err))
    });
    let remaining = countdown(expires.into(), data.server_now);
    let already_expired = data.hold.status == HoldStatus::Expired;
    let expired = Memo::new(move |_| remaining.get() <= 0 || already_expired);
    let e = data.event.clone();
    let t = data.ticket_type.clone();
    let hold = data.hold.clone();
    let quantity = hold.quantity;
    let can_retry = data.available_now >= quantity;
    let slug = StoredValue::new(data.event.slug.clone());
    view! {
        <section class="container narrow stack">
            <header class="page-header"><h1>"Checkout"</h1></header>
            <div class="card">
                <h2>{e.title.clone()}</h2>
                <p><time datetime=e.starts_at_local.clone()>{e.date_label.clone()}</time>{format!(" · {}, {}", e.venue, e.city)}</p>
                <dl class="facts">
                    <dt>"Tickets"</dt><dd>{format!("{} × {} ({} each)", quantity, t.name, t.price_label)}</dd>
                    <dt>"Total"</dt><dd><strong>{data.total_label.clone()}</strong></dd>
                    {data.payment_terms.clone().map(|terms| view! { <dt>"Payment"</dt><dd>{terms}</dd> })}
                </dl>
            </div>
            {match hold.status {
                HoldStatus::Confirmed => view! {
                    <div class="notice success" role="status"><p>"These seats are already booked. "<a href="/bookings">"See your bookings"</a></p></div>
                }.into_any(),
                HoldStatus::Released => view! {
                    <div class="notice info" role="status"><p>"You released these seats. "<a href=format!("/events/{}", e.slug)>"Back to the event"</a></p></div>
                }.into_any(),
                _ => view! {
                    <Show when=move || !expired.get() fallback=move || expired_notice(&e.slug, can_retry)>
                        <div class=move || if remaining.get() < 120_000 { "countdown urgent" } else { "countdown" } node_ref=countdown_box tabindex="-1">
                            <p>"Your seats are held for "<strong role="timer" aria-live="off">{move || mm_ss(remaining.get())}</strong></p>
                            <p class="visually-hidden" aria-live="polite">{move || announce(remaining.get())}</p>
                            <ActionForm action=renew attr:class="inline-form">
                                <input type="hidden" name="hold_id" value=hold.id/>
                                <button type="submit" class="button secondary small" node_ref=renew_button disabled=move || renewals_left.get() <= 0 || renew.pending().get()>
                                    "I need more time"
                                </button>
                                <span class="hint">{move || match renewals_left.get() {
                                    0 => "You cannot extend this hold again.".to_string(),
                                    1 => "You can extend it once more.".to_string(),
                                    n => format!("You can extend it {n} more times."),
                                }}</span>
                            </ActionForm>
                            <p class="hint" role="status">{move || renewed.get()}</p>
                        </div>
                        <ErrorNotice error/>
                        <ActionForm action=confirm attr:class="stack card" attr:aria-label="Confirm your booking">
                            <h2>"Who is coming?"</h2>
                            <p class="hint">"Names are printed on the tickets. You can leave them empty."</p>
                            <input type="hidden" name="hold_id" value=hold.id/>
                            {(0..quantity).map(|i| view! {
                                <div class="field">
                                    <label for=format!("attendee-{i}")>{format!("Ticket {} name", i + 1)}</label>
                                    <input id=format!("attendee-{i}") name=format!("attendee_names[{i}]") autocomplete=if i == 0 { "name" } else { "off" } maxlength="100" on:input=save_names/>
                                </div>
                            }).collect_view()}
                            <button type="submit" class="button block" disabled=move || confirm.pending().get() || expired.get()>
                                {move || if confirm.pending().get() { "Reserving…".to_string() } else { reserve_label(quantity) }}
                            </button>
                        </ActionForm>
                        <ActionForm action=release attr:class="inline-form">
                            <input type="hidden" name="hold_id" value=hold.id/>
                            <input type="hidden" name="slug" value=slug.get_value()/>
                            <button type="submit" class="link-button">"Cancel and release these seats"</button>
                        </ActionForm>
                    </Show>
                }.into_any(),
            }}
        </section>
    }
}

/// The confirm button: what it does, and no claim of a payment (Evently takes none).
fn reserve_label(quantity: i64) -> String {
    if quantity == 1 {
        "Reserve 1 ticket".to_string()
    } else {
        format!("Reserve {quantity} tickets")
    }
}

fn expired_notice(slug: &str, can_retry: bool) -> AnyView {
    let href = format!("/events/{slug}");
    if can_retry {
        view! { <div class="notice warning" role="alert"><p>"Your hold expired, the seats are still available: "<a href=href>"try again"</a>"."</p></div> }.into_any()
    } else {
        view! { <div class="notice danger" role="alert"><p>"Your hold expired and the seats have been taken by someone else. "<a href=href>"See what is left"</a>"."</p></div> }.into_any()
    }
}

/// Milliseconds left until `expires`, ticking in the browser from the server's clock (so a
/// wrong clock on the visitor's device does not matter).
pub(crate) fn countdown(expires: Signal<DateTime<Utc>>, server_now: DateTime<Utc>) -> Signal<i64> {
    let elapsed = RwSignal::new(0_i64);
    #[cfg(feature = "hydrate")]
    {
        let start = js_sys::Date::now();
        Effect::new(move |_| {
            if let Ok(handle) = set_interval_with_handle(
                move || {
                    let _ = elapsed.try_set((js_sys::Date::now() - start) as i64);
                },
                std::time::Duration::from_millis(500),
            ) {
                on_cleanup(move || handle.clear());
            }
        });
    }
    Signal::derive(move || ((expires.get() - server_now).num_milliseconds() - elapsed.get()).max(0))
}

pub(crate) fn mm_ss(ms: i64) -> String {
    let s = (ms + 999) / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

/// What screen readers hear: only at a few thresholds, not every second.
fn announce(ms: i64) -> &'static str {
    match ms {
        0 => "Your hold has expired.",
        1..=60_000 => "Less than a minute left to confirm.",
        60_001..=120_000 => "Two minutes left to confirm. You can ask for more time.",
        _ => "",
    }
}

/// Attendee names in the tab's session storage, so an expired hold does not lose them.
#[cfg(feature = "hydrate")]
mod names {
    use leptos::prelude::{document, window};
    use wasm_bindgen::JsCast;

    fn input(i: i64) -> Option<web_sys::HtmlInputElement> {
        document()
            .get_element_by_id(&format!("attendee-{i}"))
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    }

    fn storage() -> Option<web_sys::Storage> {
        window().session_storage().ok().flatten()
    }

    pub fn save(key: &str, count: i64) {
        let names: Vec<String> = (0..count)
            .map(|i| input(i).map(|el| el.value()).unwrap_or_default())
            .collect();
        if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(&names)) {
            let _ = s.set_item(key, &json);
        }
    }

    pub fn forget(key: &str) {
        if let Some(s) = storage() {
            let _ = s.remove_item(key);
        }
    }

    /// Fills the empty name fields from what was typed before.
    pub fn restore(key: &str, count: i64) {
        let Some(json) = storage().and_then(|s| s.get_item(key).ok().flatten()) else {
            return;
        };
        let Ok(names) = serde_json::from_str::<Vec<String>>(&json) else {
            return;
        };
        for (i, name) in names.iter().enumerate().take(count.max(0) as usize) {
            if let Some(el) = input(i as i64)
                && el.value().is_empty()
            {
                el.set_value(name);
            }
        }
    }
}
