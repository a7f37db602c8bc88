//! Your account: profile, password, e-mail preferences, your data, deleting the account.

use crate::api::accounts::{
    ChangePassword, DeleteAccount, SetMarketing, SignOutOthers, my_sessions,
};
use crate::components::forms::{ErrorNotice, Field, FormError};
use crate::components::head::PageTitle;
use crate::components::layout::RequireUser;
use evently::dto::UserView;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <PageTitle text="Your account · Evently"/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next="/account" children=move |user| view! { <AccountSections user/> }.into_any()/>
    }
}

#[component]
fn AccountSections(user: UserView) -> impl IntoView {
    let done_now = done();
    let member_since = user.created_at.format("%-d %B %Y").to_string();
    view! {
        <section class="container narrow stack">
            <header class="page-header">
                <h1>"Your account"</h1>
            </header>
            <div class="card">
                <h2>"Profile"</h2>
                <dl class="facts">
                    <dt>"Name"</dt><dd>{user.name.clone()}</dd>
                    <dt>"E-mail"</dt>
                    <dd>
                        {user.email.clone()} " "
                        {match user.email_verified_at {
                            Some(_) => view! { <span class="tag">"Confirmed"</span> }.into_any(),
                            None => view! {
                                <span class="tag warning">"Not confirmed yet"</span>
                                <form method="post" action={<crate::api::accounts::ResendVerification as server_fn::ServerFn>::PATH} class="inline-form" aria-label="Confirm your address">
                                    <button type="submit" class="button small secondary">"Send the confirmation link again"</button>
                                </form>
                            }.into_any(),
                        }}
                        {move || (done_now().as_deref() == Some("verification")).then(|| view! {
                            <p class="hint" role="status">"We are sending a new confirmation link to this address (one per few minutes at most)."</p>
                        })}
                    </dd>
                    <dt>"Role"</dt><dd>{role_label(&user.role)}</dd>
                    <dt>"Member since"</dt><dd>{member_since}</dd>
                </dl>
            </div>
            <PasswordForm/>
            <SessionsCard/>
            <MarketingForm user=user.clone()/>
            <PushCard/>
            <div class="card">
                <h2>"Your data"</h2>
                <p>"Download everything Evently stores about you: your account, bookings, tickets, holds, sign-in sessions, e-mail settings and the audit entries about you, as one JSON file."</p>
                <p><a class="button secondary" href="/api/v1/me/export" download="evently-my-data.json">"Download my data"</a></p>
            </div>
            <DeleteForm/>
        </section>
    }
}

fn role_label(role: &str) -> &'static str {
    match role {
        "admin" => "Administrator",
        "organizer" => "Organizer",
        _ => "Attendee",
    }
}

/// What the last form post on this page did, from `?done=` (the forms post without script
/// and come back here).
fn done() -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || query.read().get("done")
}

#[component]
fn PasswordForm() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    let done_what = done();
    let done = move || done_what().as_deref() == Some("password");
    view! {
        <div class="card">
            <h2>"Change password"</h2>
            <p class="muted">"Changing your password signs you out everywhere else."</p>
            <ActionForm action attr:class="stack" attr:aria-label="Change password">
                <ErrorNotice error/>
                <Show when=done>
                    <div class="notice success" role="status"><p>"Your password was changed. Other devices have been signed out."</p></div>
                </Show>
                <Field label="Current password" name="current_password" kind="password" autocomplete="current-password" required=true error/>
                <Field label="New password" name="new_password" kind="password" autocomplete="new-password" required=true minlength=10 maxlength=128 hint="At least 10 characters, and not easy to guess: a few unrelated words work well." error/>
                <Field label="New password again" name="confirm_password" kind="password" autocomplete="new-password" required=true error/>
                <button type="submit" class="button" disabled=move || action.pending().get()>"Change password"</button>
            </ActionForm>
        </div>
    }
}

/// Where the user is signed in, with a way to sign out everywhere else.
#[component]
fn SessionsCard() -> impl IntoView {
    let action = ServerAction::<SignOutOthers>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    let sessions = Resource::new(|| (), |_| my_sessions());
    let done_what = done();
    let query = use_query_map();
    view! {
        <div class="card">
            <h2>"Where you are signed in"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="session-list" role="list">
                                {list.into_iter().map(|s| view! {
                                    <li>
                                        <p><strong>{device_label(s.user_agent.as_deref())}</strong>
                                            {s.current.then(|| view! { " " <span class="tag">"This device"</span> })}</p>
                                        <p class="muted">{format!(
                                            "Last active {}{}",
                                            s.last_seen_at.format("%-d %B %Y, %H:%M UTC"),
                                            s.ip.as_deref().map(|ip| format!(" · {ip}")).unwrap_or_default()
                                        )}</p>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <ActionForm action attr:class="stack" attr:aria-label="Sign out other devices">
                <ErrorNotice error/>
                {move || (done_what().as_deref() == Some("signed-out")).then(|| {
                    let n = query.read().get("n").and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
                    view! { <div class="notice success" role="status"><p>{match n {
                        0 => "No other device was signed in.".to_string(),
                        1 => "1 other device was signed out.".to_string(),
                        n => format!("{n} other devices were signed out."),
                    }}</p></div> }
                })}
                <button type="submit" class="button secondary">"Sign out everywhere else"</button>
            </ActionForm>
        </div>
    }
}

/// A short name for the browser or app a session came from.
fn device_label(user_agent: Option<&str>) -> String {
    let ua = user_agent.unwrap_or_default();
    let browser = ["Edg/", "Firefox/", "Chrome/", "Safari/"]
        .iter()
        .find(|b| ua.contains(**b))
        .map(|b| match *b {
            "Edg/" => "Edge",
            "Firefox/" => "Firefox",
            "Chrome/" => "Chrome",
            _ => "Safari",
        });
    let system = ["Android", "iPhone", "iPad", "Windows", "Mac OS X", "Linux"]
        .iter()
        .find(|s| ua.contains(**s))
        .map(|s| if *s == "Mac OS X" { "macOS" } else { s });
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) if ua.is_empty() => "Unknown device".to_string(),
        (None, None) => ua.chars().take(40).collect(),
    }
}

#[component]
fn MarketingForm(user: UserView) -> impl IntoView {
    let action = ServerAction::<SetMarketing>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    let opted = move || user.marketing_opt_in_at;
    let reminders = user.email_reminders;
    let done_what = done();
    view! {
        <div class="card">
            <h2>"E-mail preferences"</h2>
            <p class="muted">"Evently e-mails you about your own bookings and waitlist places: confirmations with your tickets, cancellations, changes to an event's time or place, and waitlist offers. Your bookings and tickets are also always under My bookings. Offers about other events only ever come with your consent."</p>
            <ActionForm action attr:class="stack" attr:aria-label="E-mail preferences">
                <ErrorNotice error/>
                <Show when=move || done_what().as_deref() == Some("preferences")>
                    <div class="notice success" role="status"><p>"Your e-mail preferences are saved."</p></div>
                </Show>
                <label class="check">
                    <input type="checkbox" name="reminders" checked=reminders/>
                    <span>"Remind me by e-mail before events I booked (a day before, unless the organizer chose another time)"</span>
                </label>
                <label class="check">
                    <input type="checkbox" name="opt_in" checked=move || opted().is_some()/>
                    <span>"Send me occasional e-mails about events I might like"</span>
                </label>
                <p class="hint" role="status">{move || match opted() {
                    Some(at) => format!("You agreed on {}.", at.format("%-d %B %Y at %H:%M UTC")),
                    None => "You have not agreed to marketing e-mail.".to_string(),
                }}</p>
                <button type="submit" class="button secondary">"Save preferences"</button>
            </ActionForm>
        </div>
    }
}

/// Web push on this device (`public/push.js` subscribes through the browser) and the list
/// of devices that get it, each with a way to stop it.
#[component]
fn PushCard() -> impl IntoView {
    let devices = Resource::new(|| (), |_| crate::api::notifications::my_push_devices());
    let remove = <crate::api::notifications::RemovePushDevice as server_fn::ServerFn>::PATH;
    let done_what = done();
    view! {
        <div class="card" id="notifications">
            <h2>"Notifications on your devices"</h2>
            <p class="muted">"Get a notification on this phone or computer when your booking is confirmed, when seats from a waitlist are held for you (those offers run out, so this is the fastest way to hear), when an event you booked changes or is cancelled, and before it starts. The same notices are always on "<a href="/notifications">"your notifications page"</a>" and go by e-mail too (reminder e-mails only while they are on above)."</p>
            <Show when=move || done_what().as_deref() == Some("device-removed")>
                <div class="notice success" role="status"><p>"That device no longer gets notifications."</p></div>
            </Show>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match devices.await {
                        Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                        Ok(v) => {
                            let key = v.public_key.clone().unwrap_or_default();
                            let off = v.public_key.is_none();
                            view! {
                                {off.then(|| view! { <p class="hint">"This server has web push turned off."</p> })}
                                <div id="push" data-key=key hidden=off>
                                    <p class="hint" data-status role="status">"Notifications on this device need JavaScript."</p>
                                    <p class="button-row">
                                        <button type="button" class="button" data-on hidden>"Turn on notifications on this device"</button>
                                        <button type="button" class="button secondary" data-off hidden>"Turn them off on this device"</button>
                                    </p>
                                </div>
                                {(!v.devices.is_empty()).then(|| view! {
                                    <h3>"Devices that get notifications"</h3>
                                    <ul class="session-list" role="list">
                                        {v.devices.into_iter().map(|d| {
                                            let last = match d.last_delivered_at {
                                                Some(t) => format!("Added {} · last notification {}", d.created_at.format("%-d %B %Y"), t.format("%-d %B %Y, %H:%M UTC")),
                                                None => format!("Added {} · no notification yet", d.created_at.format("%-d %B %Y")),
                                            };
                                            view! {
                                                <li>
                                                    <p><strong>{d.label.clone()}</strong></p>
                                                    <p class="muted">{last}</p>
                                                    <form method="post" action=remove class="inline-form">
                                                        <input type="hidden" name="id" value=d.id.to_string()/>
                                                        <button type="submit" class="link-button">"Remove"<span class="visually-hidden">" "{d.label.clone()}</span></button>
                                                    </form>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                })}
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
            <script type="module" src="/push.js"></script>
        </div>
    }
}

#[component]
fn DeleteForm() -> impl IntoView {
    let action = ServerAction::<DeleteAccount>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <div class="card">
            <h2>"Delete your account"</h2>
            <p>"This erases your name, e-mail address and attendee names and signs you out everywhere. Your past bookings stay as anonymous records so event organizers' numbers still add up. You can sign up again with the same e-mail later. This cannot be undone."</p>
            <form method="post" action={<DeleteAccount as server_fn::ServerFn>::PATH} class="stack" aria-label="Delete your account">
                <ErrorNotice error/>
                <Field label="Your password" name="password" kind="password" autocomplete="current-password" required=true error/>
                <label class="check">
                    <input type="checkbox" name="confirm" required=true/>
                    <span>"I understand that my account will be deleted"</span>
                </label>
                <button type="submit" class="button danger">"Delete my account"</button>
            </form>
        </div>
    }
}
