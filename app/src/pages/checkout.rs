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
    Effect::new(move |_| {
        if let Some(Ok(h)) = renew.value().get() {
            expires.set(h.expires_at);
            renewals_left.set(h.renewals_left);
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
    let total_label = StoredValue::new(data.total_label.clone());
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
                        <div class=move || if remaining.get() < 120_000 { "countdown urgent" } else { "countdown" }>
                            <p>"Your seats are held for "<strong role="timer" aria-live="off">{move || mm_ss(remaining.get())}</strong></p>
                            <p class="visually-hidden" aria-live="polite">{move || announce(remaining.get())}</p>
                            <ActionForm action=renew attr:class="inline-form">
                                <input type="hidden" name="hold_id" value=hold.id/>
                                <button type="submit" class="button secondary small" disabled=move || renewals_left.get() <= 0 || renew.pending().get()>
                                    "I need more time"
                                </button>
                                <span class="hint">{move || match renewals_left.get() {
                                    0 => "You cannot extend this hold again.".to_string(),
                                    1 => "You can extend it once more.".to_string(),
                                    n => format!("You can extend it {n} more times."),
                                }}</span>
                            </ActionForm>
                        </div>
                        <ErrorNotice error/>
                        <ActionForm action=confirm attr:class="stack card" attr:aria-label="Confirm your booking">
                            <h2>"Who is coming?"</h2>
                            <p class="hint">"Names are printed on the tickets. You can leave them empty."</p>
                            <input type="hidden" name="hold_id" value=hold.id/>
                            {(0..quantity).map(|i| view! {
                                <div class="field">
                                    <label for=format!("attendee-{i}")>{format!("Ticket {} name", i + 1)}</label>
                                    <input id=format!("attendee-{i}") name=format!("attendee_names[{i}]") autocomplete=if i == 0 { "name" } else { "off" } maxlength="100"/>
                                </div>
                            }).collect_view()}
                            <button type="submit" class="button block" disabled=move || confirm.pending().get() || expired.get()>
                                {move || if confirm.pending().get() { "Confirming…".to_string() } else { format!("Confirm booking · {}", total_label.get_value()) }}
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
fn countdown(expires: Signal<DateTime<Utc>>, server_now: DateTime<Utc>) -> Signal<i64> {
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

fn mm_ss(ms: i64) -> String {
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
