//! Sign in and sign up. Both work without JavaScript (plain form posts) and with it.

use crate::api::accounts::{SignIn, SignUp};
use crate::components::forms::{ErrorNotice, Field, FormError};
use crate::components::head::PageTitle;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::use_query_map;

fn next_param() -> Signal<String> {
    let q = use_query_map();
    Signal::derive(move || q.read().get("next").unwrap_or_default())
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    let next = next_param();
    view! {
        <PageTitle text="Sign in · Evently"/>
        <Meta name="robots" content="noindex"/>
        <section class="container narrow">
            <div class="card">
                <h1>"Sign in"</h1>
                // A plain form post: the browser follows the redirect with the new session, so
                // every part of the page (the header too) renders signed in.
                <form method="post" action={<SignIn as server_fn::ServerFn>::PATH} class="stack" aria-label="Sign in">
                    <ErrorNotice error/>
                    <Field label="E-mail address" name="email" kind="email" autocomplete="email" required=true error/>
                    <Field label="Password" name="password" kind="password" autocomplete="current-password" required=true error/>
                    <input type="hidden" name="next" value=next/>
                    <button type="submit" class="button block">"Sign in"</button>
                </form>
                <p class="muted">"New to Evently? "<a href=move || format!("/signup?next={}", next.get())>"Create an account"</a></p>
            </div>
        </section>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    let next = next_param();
    view! {
        <PageTitle text="Create an account · Evently"/>
        <Meta name="robots" content="noindex"/>
        <section class="container narrow">
            <div class="card">
                <h1>"Create your account"</h1>
                <p class="muted">"Book tickets in seconds and find them all in one place."</p>
                <form method="post" action={<SignUp as server_fn::ServerFn>::PATH} class="stack" aria-label="Create an account">
                    <ErrorNotice error/>
                    <Field label="Your name" name="name" autocomplete="name" required=true maxlength=100 error/>
                    <Field label="E-mail address" name="email" kind="email" autocomplete="email" required=true error/>
                    <Field label="Password" name="password" kind="password" autocomplete="new-password" required=true
                        minlength=10 maxlength=128 hint="At least 10 characters, and not easy to guess: a few unrelated words work well." error/>
                    <label class="check">
                        <input type="checkbox" name="marketing"/>
                        <span>"Send me occasional e-mails about events I might like (you can stop any time)"</span>
                    </label>
                    <input type="hidden" name="next" value=next/>
                    <button type="submit" class="button block">"Create account"</button>
                </form>
                <p class="muted">"Already have an account? "<a href=move || format!("/signin?next={}", next.get())>"Sign in"</a></p>
            </div>
        </section>
    }
}
