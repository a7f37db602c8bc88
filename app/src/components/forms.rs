//! Accessible form pieces: labelled fields that show the server's field errors, and an
//! error summary announced to screen readers.

use crate::error::AppError;
use leptos::prelude::*;

/// The error of the last submission, if any.
pub type FormError = Signal<Option<AppError>>;

/// The message for `field`, when the last error names it.
pub fn field_message(
    error: FormError,
    field: &'static str,
) -> impl Fn() -> Option<String> + Send + Sync + Copy + 'static {
    move || {
        error
            .get()
            .filter(|e| e.field() == Some(field))
            .map(|e| e.message().to_string())
    }
}

/// Inside an island, before its `ServerAction`s: makes the error of a form posted without
/// JavaScript visible to them. After such a post the server redirects back with
/// `?__err=…&__path=…`; on the server the router reads it for every action, but an island
/// runs in the browser without the router, so it reads the address itself (else hydration
/// would drop the message the server rendered).
pub fn provide_url_error() {
    #[cfg(feature = "hydrate")]
    {
        let search = window().location().search().unwrap_or_default();
        if let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search)
            && let (Some(err), Some(path)) = (params.get("__err"), params.get("__path"))
        {
            provide_context(leptos::server::ServerActionError::new(&path, &err));
        }
    }
}

/// A summary of the last error, announced with `role=alert`.
#[component]
pub fn ErrorNotice(error: FormError) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! {
                <div class="notice danger" role="alert">
                    <p>{capitalise(e.message())}</p>
                </div>
            }
        })
    }
}

/// Upper-cases the first letter of a message.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A labelled input that marks itself invalid and shows the message when the server
/// rejected this field.
#[component]
pub fn Field(
    #[prop(into)] label: String,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] autocomplete: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] minlength: Option<u32>,
    #[prop(optional)] maxlength: Option<u32>,
    error: FormError,
) -> impl IntoView {
    let id = format!("field-{name}");
    let err_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let message = field_message(error, name);
    let described = {
        let (err_id, hint_id, has_hint) = (err_id.clone(), hint_id.clone(), hint.is_some());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(err_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                required=required
                minlength=minlength
                maxlength=maxlength
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=described
            />
            <p class="field-error" id=err_id hidden=move || message().is_none()>{move || message().unwrap_or_default()}</p>
        </div>
    }
}
