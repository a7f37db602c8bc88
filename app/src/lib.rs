//! Evently's pages: Leptos routes, components and server functions.
//!
//! Rendered on the server (complete HTML, no script needed to read it). Only the islands
//! (`#[island]` components: the ticket picker, checkout, live seat counts, the cancel
//! dialog, check-in) run in the browser, from the `frontend` wasm bundle. Server functions are adapters: who is asking, one
//! core call, map the error, return a DTO.

pub mod api;
pub mod components;
pub mod error;
pub mod live;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod session;

use components::layout::{SiteFooter, SiteHeader, provide_current_user};
use leptos::prelude::*;
use leptos_meta::{MetaTags, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// Where the built site's files are: `pkg/<name>.<hash>.<ext>` after `scripts/build-site.sh`
/// (the server reads `hash.txt` once at start-up), the plain names otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetPaths {
    pub css: String,
    pub js: String,
    pub wasm: String,
    /// The module that starts the browser side: it loads the wasm only on a page that has
    /// islands, hydrates each one, then marks `<body data-hydrated="true">`.
    pub boot: String,
    /// The style sheet's text, written into every page's `<head>` instead of a link to it (the
    /// server reads it once at start-up). A first visit then paints after one round trip,
    /// not two: on a slow phone network the linked file cost about 0.6 s before first paint.
    pub inline_css: Option<std::sync::Arc<str>>,
}

impl AssetPaths {
    /// Paths for the hashes of `hash.txt` (`None`: the plain names of an unhashed build).
    pub fn new(hashes: Option<(&str, &str, &str, &str)>) -> AssetPaths {
        match hashes {
            Some((css, js, wasm, boot)) => AssetPaths {
                css: format!("/pkg/evently.{css}.css"),
                js: format!("/pkg/evently.{js}.js"),
                wasm: format!("/pkg/evently.{wasm}.wasm"),
                boot: format!("/pkg/boot.{boot}.js"),
                inline_css: None,
            },
            None => AssetPaths {
                css: "/pkg/evently.css".into(),
                js: "/pkg/evently.js".into(),
                wasm: "/pkg/evently_bg.wasm".into(),
                boot: "/pkg/boot.js".into(),
                inline_css: None,
            },
        }
    }
}

/// The HTML document around the app (server only).
///
/// Islands mode: the page is server-rendered HTML, and only the components marked
/// `#[island]` run in the browser, started by the boot module (a file, not inline). The only
/// inline scripts are Leptos's hydration state; the server's page policy allows them by hash
/// (`server/src/page_csp.rs`), so no per-response nonce is needed and a cached page keeps a
/// valid policy.
pub fn shell(assets: AssetPaths) -> impl IntoView {
    // As Leptos's own islands script does: outside islands nothing is hydrated, so nothing
    // (resources, for one) is serialised into the page for the browser.
    if let Some(sc) = Owner::current_shared_context() {
        sc.set_is_hydrating(false);
    }
    let boot = assets.boot.clone();
    provide_context(assets.clone());
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="theme-color" content="#4f46e5"/>
                {match assets.inline_css.clone() {
                    Some(css) => view! { <style inner_html=css.to_string()></style> }.into_any(),
                    None => view! { <link rel="stylesheet" href=assets.css.clone()/> }.into_any(),
                }}
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <script type="module" src=boot></script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The application: layout and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_current_user();
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <SiteHeader/>
            <main id="main" tabindex="-1">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/search") view=pages::search::SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("/events/:slug") view=pages::event::EventPage ssr=SsrMode::Async/>
                    <Route path=path!("/checkout/:hold") view=pages::checkout::CheckoutPage ssr=SsrMode::Async/>
                    <Route path=path!("/bookings") view=pages::bookings::MyBookingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/bookings/:id") view=pages::bookings::BookingPage ssr=SsrMode::Async/>
                    <Route path=path!("/bookings/:id/cancel") view=pages::bookings::CancelBookingPage ssr=SsrMode::Async/>
                    <Route path=path!("/organizer") view=pages::organizer::OrganizerHomePage ssr=SsrMode::Async/>
                    <Route path=path!("/organizer/events/new") view=pages::organizer::NewEventPage ssr=SsrMode::Async/>
                    <Route path=path!("/organizer/events/:id") view=pages::organizer::EventDashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/organizer/events/:id/edit") view=pages::organizer::EditEventPage ssr=SsrMode::Async/>
                    <Route path=path!("/organizer/events/:id/scan") view=pages::organizer::ScanPage ssr=SsrMode::Async/>
                    <Route path=path!("/organizer/events/:id/analytics") view=pages::analytics::EventAnalyticsPage ssr=SsrMode::Async/>
                    <Route path=path!("/signin") view=pages::auth::SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=pages::auth::SignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view=pages::recovery::ForgotPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password/:token") view=pages::recovery::ResetPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/verify-email/:token") view=pages::recovery::VerifyEmailPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=pages::account::AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/notifications") view=pages::notifications::NotificationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/unsubscribe/:token") view=pages::unsubscribe::UnsubscribePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view=pages::admin::AdminUsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/analytics") view=pages::analytics::AdminAnalyticsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=pages::admin::AdminAuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/outbox") view=pages::admin::AdminOutboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users/:id") view=pages::admin_user::AdminUserPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <SiteFooter/>
        </Router>
    }
}
