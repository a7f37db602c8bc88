//! The frame around every page: header with navigation and the user menu, footer, and the
//! guard that sends signed-out visitors to the sign-in page.

use crate::api::accounts::{SignOut, whoami};
use crate::error::AppError;
use evently::dto::UserView;
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};

/// The signed-in user, loaded once per page and shared through context.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub Resource<Result<Option<UserView>, AppError>>);

/// Loads the current user and provides it to every page.
pub fn provide_current_user() {
    provide_context(CurrentUser(Resource::new(|| (), |_| whoami())));
}

#[component]
pub fn SiteHeader() -> impl IntoView {
    let user = expect_context::<CurrentUser>().0;
    view! {
        <header class="site-header">
            <div class="container header-inner">
                <A href="/" exact=true attr:class="brand" attr:aria-label="Evently home">
                    <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" width="28" height="28">
                        <rect x="2" y="6" width="28" height="22" rx="5" fill="currentColor" opacity="0.15"/>
                        <path d="M8 2v8M24 2v8M2 13h28" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" fill="none"/>
                        <circle cx="16" cy="21" r="3.5" fill="currentColor"/>
                    </svg>
                    <span>"Evently"</span>
                </A>
                <nav aria-label="Main" class="main-nav">
                    <A href="/search">"Discover"</A>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match user.await {
                                Ok(Some(u)) => {
                                    let organizer = u.role == "organizer" || u.role == "admin";
                                    let admin = u.role == "admin";
                                    let unread = crate::api::notifications::unread_notifications().await.unwrap_or(0);
                                    view! {
                                        <A href="/bookings">"My bookings"</A>
                                        <Bell initial=unread/>
                                        <details class="user-menu">
                                            <summary aria-label=format!("Account menu for {}", u.name)>{first_name(&u.name)}</summary>
                                            <div class="user-menu-items">
                                                {organizer.then(|| view! { <A href="/organizer">"Organizer"</A> })}
                                                {admin.then(|| view! { <A href="/admin">"Admin"</A> })}
                                                <A href="/account">"Account"</A>
                                                <form method="post" action={<SignOut as server_fn::ServerFn>::PATH} class="inline-form">
                                                    <button type="submit" class="link-button">"Sign out"</button>
                                                </form>
                                            </div>
                                        </details>
                                    }.into_any()
                                }
                                _ => view! {
                                    <A href="/signin">"Sign in"</A>
                                    <A href="/signup" attr:class="button small">"Sign up"</A>
                                }.into_any(),
                            }
                        })}
                    </Transition>
                </nav>
            </div>
        </header>
    }
}

/// The bell: a link to the notifications page with the unread count ("Notifications 3
/// unread" to a screen reader). Only the count is an island: it changes live (the page's
/// WebSocket says when a notice arrives or is read elsewhere).
#[component]
fn Bell(initial: i64) -> impl IntoView {
    view! {
        <a href="/notifications" class="bell">
            <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
                <path d="M12 3a6 6 0 0 0-6 6v3.6L4.3 16h15.4L18 12.6V9a6 6 0 0 0-6-6zM9.5 18.5a2.5 2.5 0 0 0 5 0" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/>
            </svg>
            <span class="visually-hidden">"Notifications"</span>
            <BellCount initial/>
        </a>
    }
}

#[island]
fn BellCount(initial: i64) -> impl IntoView {
    let live = crate::live::use_live();
    let n = move || live.and_then(|l| l.unread()).unwrap_or(initial);
    view! {
        <span hidden=move || n() == 0>
            <span class="bell-count">{n}</span>
            <span class="visually-hidden">" unread"</span>
        </span>
    }
}

fn first_name(name: &str) -> String {
    name.split_whitespace()
        .next()
        .unwrap_or(name)
        .chars()
        .take(20)
        .collect()
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <div class="container footer-inner">
                <p>"Evently — open-source event booking that never oversells."</p>
                <p class="muted">"Evently takes no payment: you pay the organizer as each event says. Times are shown in each event's local time zone."</p>
            </div>
        </footer>
    }
}

/// Renders `children` with the signed-in user, or sends the visitor to sign in and come back.
#[component]
pub fn RequireUser(
    #[prop(into)] next: String,
    children: impl Fn(UserView) -> AnyView + Send + Sync + Clone + 'static,
) -> impl IntoView {
    let user = expect_context::<CurrentUser>().0;
    view! {
        <Suspense fallback=|| view! { <p class="container muted">"Loading…"</p> }>
            {
                let children = children.clone();
                move || {
                    let children = children.clone();
                    let next = next.clone();
                    Suspend::new(async move {
                        match user.await {
                            Ok(Some(u)) => children(u),
                            _ => view! { <Redirect path=format!("/signin?next={next}")/> }.into_any(),
                        }
                    })
                }
            }
        </Suspense>
    }
}
