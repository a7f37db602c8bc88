//! The frame around every page: header with navigation, footer.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <header class="site-header">
            <div class="container header-inner">
                <A href="/" attr:class="brand" attr:aria-label="Evently home">
                    <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" width="28" height="28">
                        <rect x="2" y="6" width="28" height="22" rx="5" fill="currentColor" opacity="0.15"/>
                        <path d="M8 2v8M24 2v8M2 13h28" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" fill="none"/>
                        <circle cx="16" cy="21" r="3.5" fill="currentColor"/>
                    </svg>
                    <span>"Evently"</span>
                </A>
                <nav aria-label="Main" class="main-nav">
                    <A href="/" exact=true>"Discover"</A>
                </nav>
            </div>
        </header>
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <div class="container footer-inner">
                <p>"Evently — open-source event booking that never oversells."</p>
                <p class="muted">"Prices include all fees. Times are shown in each event's local time zone."</p>
            </div>
        </footer>
    }
}
