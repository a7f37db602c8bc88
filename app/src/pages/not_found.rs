use crate::components::head::PageTitle;
use leptos::prelude::*;
use leptos_meta::Meta;

/// The 404 page (also sets the 404 status on the server).
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <PageTitle text="Page not found · Evently"/>
        <Meta name="robots" content="noindex"/>
        <section class="container narrow empty-state">
            <h1>"We couldn't find that page"</h1>
            <p>"The link may be broken, or the event may have been removed."</p>
            <p><a class="button" href="/">"Browse upcoming events"</a></p>
        </section>
    }
}
