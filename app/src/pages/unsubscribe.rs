//! `/unsubscribe/:token`: where the link in a reminder's footer (and its `List-Unsubscribe`
//! header) leads. Opening it changes nothing (mail scanners open links); the button posts
//! to the same address, which turns reminders off. Mail clients post there directly
//! (RFC 8058 one-click); that is handled by the server, not by this page.

use crate::components::head::PageTitle;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Whether a token may be put back into a link as it is.
pub fn plain_token(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 80
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let token = params.read_untracked().get("token").unwrap_or_default();
    let done = query.read_untracked().get("done").is_some();
    let invalid = query.read_untracked().get("invalid").is_some() || !plain_token(&token);
    let body = if done {
        view! {
            <h1>"Reminders are off"</h1>
            <p>"We won't send you reminder e-mails before events any more. You still get the e-mails about your own bookings: confirmations with your tickets, cancellations, and changes to an event's time or place."</p>
            <p>"Changed your mind? Turn reminders back on under "<a href="/account">"Your account"</a>"."</p>
        }
        .into_any()
    } else if invalid {
        view! {
            <h1>"This link doesn't work"</h1>
            <p>"The unsubscribe link is incomplete or not one of ours. Sign in and turn reminders off under "<a href="/account">"Your account"</a>" instead."</p>
        }
        .into_any()
    } else {
        let action = format!("/unsubscribe/{token}");
        view! {
            <h1>"Stop reminder e-mails?"</h1>
            <p>"Reminders are the e-mails we send shortly before events you booked (a day before, unless the organizer chose another time). Turning them off does not touch your bookings, and you still get confirmations, cancellations and changes."</p>
            <form method="post" action=action class="stack" aria-label="Turn off reminders">
                <input type="hidden" name="from" value="page"/>
                <p><button type="submit" class="button">"Turn off reminders"</button></p>
            </form>
        }
        .into_any()
    };
    view! {
        <PageTitle text="Reminder e-mails · Evently"/>
        <Meta name="robots" content="noindex"/>
        <section class="container narrow card stack" aria-live="polite">{body}</section>
    }
}
