//! "Forgot password", setting a new one with the mailed link, and confirming an address.
//! Plain forms (no script needed); links in mail only ever lead to a page with a button,
//! because mail scanners open links.

use crate::api::accounts::{ForgotPassword, ResetPassword, VerifyEmail};
use crate::components::forms::{ErrorSummary, Field, FormError, FormFlash};
use crate::components::head::PageTitle;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let flash = FormFlash::take("forgot");
    let error: FormError = {
        let e = flash.error.clone();
        Signal::derive(move || e.clone())
    };
    let sent = use_query_map().read_untracked().get("sent").is_some();
    view! {
        <PageTitle text="Forgot your password? · Evently"/>
        <Meta name="robots" content="noindex"/>
        <section class="container narrow">
            <div class="card stack">
                <h1>"Forgot your password?"</h1>
                {if sent {
                    view! {
                        <div class="notice success" role="status">
                            <p>"If an account uses that address, we are sending it a link to set a new password. The link works once, for one hour."</p>
                            <p>"Nothing after a few minutes? Check your spam folder, or make sure you typed the address you signed up with."</p>
                        </div>
                        <p><a href="/signin">"Back to sign in"</a></p>
                    }.into_any()
                } else {
                    view! {
                        <p>"Enter the e-mail address of your account and we'll send you a link to set a new password."</p>
                        <form method="post" action={<ForgotPassword as server_fn::ServerFn>::PATH} class="stack" aria-label="Forgot your password?">
                            <ErrorSummary error=flash.error.clone() focus=true/>
                            <Field label="E-mail address" name="email" kind="email" autocomplete="email" required=true
                                value=flash.value("email").unwrap_or_default() autofocus=true error/>
                            <button type="submit" class="button block">"Send me a link"</button>
                        </form>
                        <p class="muted"><a href="/signin">"Back to sign in"</a></p>
                    }.into_any()
                }}
            </div>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let flash = FormFlash::take("reset");
    let error: FormError = {
        let e = flash.error.clone();
        Signal::derive(move || e.clone())
    };
    let token = use_params_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let spent = flash
        .error
        .as_ref()
        .is_some_and(|e| e.field() == Some("token"));
    view! {
        <PageTitle text="Set a new password · Evently"/>
        <Meta name="robots" content="noindex"/>
        <Meta name="referrer" content="no-referrer"/>
        <section class="container narrow">
            <div class="card stack">
                <h1>"Set a new password"</h1>
                {if spent {
                    view! {
                        <div class="notice error" role="alert"><p>"This link has expired or was already used."</p></div>
                        <p><a class="button" href="/forgot-password">"Ask for a new link"</a></p>
                    }.into_any()
                } else {
                    view! {
                        <p>"Choose a new password of at least 10 characters. Setting it signs you out on every device."</p>
                        <form method="post" action={<ResetPassword as server_fn::ServerFn>::PATH} class="stack" aria-label="Set a new password">
                            <ErrorSummary error=flash.error.clone() focus=true/>
                            <input type="hidden" name="token" value=token/>
                            <Field label="New password" name="new_password" kind="password" autocomplete="new-password" required=true autofocus=true error/>
                            <button type="submit" class="button block">"Set the new password"</button>
                        </form>
                    }.into_any()
                }}
            </div>
        </section>
    }
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let flash = FormFlash::take("verify");
    let token = use_params_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let done = use_query_map().read_untracked().get("done").is_some();
    let body = if done {
        view! {
            <h1>"Your address is confirmed"</h1>
            <p>"Thank you. Your tickets and notices will reach you there."</p>
            <p><a class="button" href="/">"Browse events"</a></p>
        }
        .into_any()
    } else if flash.error.is_some() {
        view! {
            <h1>"This link doesn't work"</h1>
            <div class="notice error" role="alert"><p>"The confirmation link has expired or was already used."</p></div>
            <p>"Sign in and ask for a new one under "<a href="/account">"Your account"</a>"."</p>
        }
        .into_any()
    } else {
        view! {
            <h1>"Confirm your e-mail address"</h1>
            <p>"One click confirms that this address is yours."</p>
            <form method="post" action={<VerifyEmail as server_fn::ServerFn>::PATH} aria-label="Confirm your e-mail address">
                <input type="hidden" name="token" value=token/>
                <button type="submit" class="button">"Confirm my address"</button>
            </form>
        }
        .into_any()
    };
    view! {
        <PageTitle text="Confirm your e-mail address · Evently"/>
        <Meta name="robots" content="noindex"/>
        <Meta name="referrer" content="no-referrer"/>
        <section class="container narrow card stack" aria-live="polite">{body}</section>
    }
}
