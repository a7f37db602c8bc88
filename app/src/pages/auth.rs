//! Sign in and sign up. Both work without JavaScript (plain form posts) and with it.

use crate::api::accounts::{SignIn, SignUp};
use crate::components::forms::{ErrorSummary, Field, FormError, FormFlash};
use crate::components::head::PageTitle;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::use_query_map;

fn next_param() -> Signal<String> {
    let q = use_query_map();
    Signal::derive(move || q.read().get("next").unwrap_or_default())
}

fn why_param() -> Signal<String> {
    let q = use_query_map();
    Signal::derive(move || q.read().get("why").unwrap_or_default())
}

/// Why the visitor was sent here, said at the top (`?why=book`: they pressed "Book").
fn why_notice() -> impl IntoView {
    let q = use_query_map();
    move || {
        match q.read().get("why").as_deref() {
        Some("book") => Some(view! {
            <div class="notice info" role="status">
                <p><strong>"Sign in to book"</strong>"Your tickets are not held yet. After signing in (or creating an account) you are back on the event with the same tickets chosen."</p>
            </div>
        }.into_any()),
        Some("waitlist") => Some(view! {
            <div class="notice info" role="status">
                <p><strong>"Sign in to join the waitlist"</strong>"You are not in the queue yet. After signing in (or creating an account) you are back on the event, and one more click puts you in it."</p>
            </div>
        }.into_any()),
        _ => None,
    }
    }
}

/// `next`, for a link to the other form (sign in ↔ sign up), keeping `why`.
fn other_form(path: &'static str) -> impl Fn() -> String + Send + Sync + Copy + 'static {
    let q = use_query_map();
    move || {
        let q = q.read();
        let next = evently::dto::url_encode(&q.get("next").unwrap_or_default());
        match q.get("why") {
            Some(why) => format!("{path}?why={}&next={next}", evently::dto::url_encode(&why)),
            None => format!("{path}?next={next}"),
        }
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let flash = FormFlash::take("signin");
    let error: FormError = {
        let e = flash.error.clone();
        Signal::derive(move || e.clone())
    };
    let email_error = flash.error.as_ref().and_then(|e| e.field()) == Some("email");
    // Just signed up: the address is filled in, the password is next.
    let signed_up = flash.error.is_none() && flash.value("email").is_some();
    let next = next_param();
    let why = why_param();
    view! {
        <PageTitle text="Sign in · Evently"/>
        <Meta name="robots" content="noindex"/>
        <section class="container narrow">
            <div class="card">
                <h1>"Sign in"</h1>
                {why_notice()}
                {match use_query_map().read_untracked().get("done").as_deref() {
                    Some("password_reset") => Some(view! {
                        <div class="notice success" role="status"><p>"Your new password is set and every device was signed out. Sign in with the new password."</p></div>
                    }.into_any()),
                    Some("signed_up") => Some(view! {
                        <div class="notice success" role="status">
                            <p><strong>"Now sign in with the password you chose."</strong>" We sent a message to your address: a link to confirm it (you can book before that). If that address already had an account, the message says so instead, and nothing was changed."</p>
                        </div>
                    }.into_any()),
                    _ => None,
                }}
                // A plain form post: the browser follows the redirect with the new session, so
                // every part of the page (the header too) renders signed in. A failure comes
                // back here with the e-mail address kept (never the password).
                <form method="post" action={<SignIn as server_fn::ServerFn>::PATH} class="stack" aria-label="Sign in">
                    <ErrorSummary error=flash.error.clone() focus=!email_error/>
                    <Field label="E-mail address" name="email" kind="email" autocomplete="email" required=true
                        value=flash.value("email").unwrap_or_default() autofocus=email_error error/>
                    <Field label="Password" name="password" kind="password" autocomplete="current-password" required=true
                        autofocus=signed_up error/>
                    <input type="hidden" name="next" value=next/>
                    <input type="hidden" name="why" value=why/>
                    <button type="submit" class="button block">"Sign in"</button>
                </form>
                <p class="muted"><a href="/forgot-password">"Forgot your password?"</a></p>
                <p class="muted">"New to Evently? "<a href=other_form("/signup")>"Create an account"</a></p>
            </div>
        </section>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let flash = FormFlash::take("signup");
    let error: FormError = {
        let e = flash.error.clone();
        Signal::derive(move || e.clone())
    };
    let field = flash
        .error
        .as_ref()
        .and_then(|e| e.field())
        .map(str::to_string);
    let summary_focus = field.is_none();
    let focus_on = move |name: &str| field.as_deref() == Some(name);
    let next = next_param();
    let why = why_param();
    view! {
        <PageTitle text="Create an account · Evently"/>
        <Meta name="robots" content="noindex"/>
        <section class="container narrow">
            <div class="card">
                <h1>"Create your account"</h1>
                {why_notice()}
                <p class="muted">"Book tickets in seconds and find them all in one place."</p>
                <form method="post" action={<SignUp as server_fn::ServerFn>::PATH} class="stack" aria-label="Create an account">
                    <ErrorSummary error=flash.error.clone() focus=summary_focus/>
                    <Field label="Your name" name="name" autocomplete="name" required=true maxlength=100
                        value=flash.value("name").unwrap_or_default() autofocus=focus_on("name") error/>
                    <Field label="E-mail address" name="email" kind="email" autocomplete="email" required=true
                        value=flash.value("email").unwrap_or_default() autofocus=focus_on("email")
                        error/>
                    <Field label="Password" name="password" kind="password" autocomplete="new-password" required=true
                        minlength=10 maxlength=128 hint="At least 10 characters, and not easy to guess: a few unrelated words work well."
                        autofocus=focus_on("password") error/>
                    <label class="check">
                        <input type="checkbox" name="marketing" checked=flash.value("marketing").is_some_and(|v| v == "on")/>
                        <span>"Send me occasional e-mails about events I might like (you can stop any time)"</span>
                    </label>
                    <input type="hidden" name="next" value=next/>
                    <input type="hidden" name="why" value=why/>
                    <button type="submit" class="button block">"Create account"</button>
                </form>
                <p class="muted">"Already have an account? "<a href=other_form("/signin")>"Sign in"</a></p>
            </div>
        </section>
    }
}
