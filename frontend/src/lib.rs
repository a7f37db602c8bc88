//! The browser entry point, islands mode: only the components marked `#[island]` run here.
//! `pkg/boot.<hash>.js` (written by `scripts/build-site.sh`) loads this module on pages that
//! have islands, calls [`hydrate`], then hydrates each `<leptos-island>` through the
//! functions `app`'s islands export.

// Links `app`, whose islands export their hydration functions from this module.
#[allow(unused_imports)]
use app::*;
use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the boot script once the wasm module has loaded, before the islands.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Islands run without the router: a server function that redirects (holding seats goes
    // to the checkout, confirming to the booking) navigates the whole page.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|to: &str| {
        let _ = leptos::prelude::window().location().set_href(to);
    });
}
