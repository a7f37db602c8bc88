//! The page `<title>`, safely.
//!
//! leptos_meta 0.8.7 writes the server-rendered title into the page unescaped, so a title
//! with `</title><img ...>` in it (an event name, say) would inject markup. Every page sets
//! its title through [`PageTitle`], which escapes it on the server; in the browser the text
//! goes to `document.title`, where it is plain text already.

use leptos::prelude::*;
use leptos_meta::Title;

/// HTML-escapes text for the server-rendered `<title>`; the identity in the browser.
pub fn safe_title(text: String) -> String {
    if cfg!(feature = "ssr") {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    } else {
        text
    }
}

/// Sets the document title.
#[component]
pub fn PageTitle(#[prop(into)] text: TextProp) -> impl IntoView {
    view! { <Title text formatter=safe_title/> }
}

/// For a page with islands: asks the browser to fetch the wasm bundle while it reads the
/// page, so the islands start sooner. Pages without islands leave it out and never load it.
#[component]
pub fn ScriptPreload() -> impl IntoView {
    use leptos_meta::Link;
    use_context::<crate::AssetPaths>().map(|a| {
        view! {
            <Link rel="modulepreload" href=a.js/>
            <Link rel="preload" href=a.wasm as_="fetch" type_="application/wasm" crossorigin=""/>
        }
    })
}
