//! Evently's pages: Leptos routes, components and server functions.
//!
//! Rendered on the server (complete HTML, no script needed to read it), then hydrated in the
//! browser by the `frontend` wasm bundle. Server functions are adapters: who is asking, one
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
use leptos_meta::{HashedStylesheet, MetaTags, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The Content-Security-Policy of pages: scripts only from us or with this response's
/// nonce (the hydration script), nothing inline besides, no framing.
#[cfg(feature = "ssr")]
fn set_page_csp() {
    use leptos::nonce::use_nonce;
    if let (Some(nonce), Some(res)) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>()) {
        let csp = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data: https:; font-src 'self'; connect-src 'self'; object-src 'none'; \
             base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        );
        if let Ok(v) = http::HeaderValue::from_str(&csp) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
}

/// The HTML document around the app (server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="theme-color" content="#4f46e5"/>
                // pkg/evently.<hash>.css when the site has a hash.txt (see server/src/assets.rs)
                <HashedStylesheet options=options.clone()/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
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
    live::provide_live();
    // Runs only in the browser, once hydration has wired up the page: tests and styles can
    // tell a live page from a static one.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
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
                    <Route path=path!("/organizer") view=pages::organizer::OrganizerHomePage ssr=SsrMode::Async/>
                    <Route path=path!("/organizer/events/new") view=pages::organizer::NewEventPage ssr=SsrMode::Async/>
                    <Route path=path!("/organizer/events/:id") view=pages::organizer::EventDashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/organizer/events/:id/edit") view=pages::organizer::EditEventPage ssr=SsrMode::Async/>
                    <Route path=path!("/signin") view=pages::auth::SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=pages::auth::SignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=pages::account::AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view=pages::admin::AdminUsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=pages::admin::AdminAuditPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <SiteFooter/>
        </Router>
    }
}
