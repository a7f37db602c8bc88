//! Accessible form pieces: labelled fields that show the server's field errors, and an
//! error summary announced to screen readers.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A form's values (never a password) and its error after a post without script, carried
/// across the redirect back to the form in a short-lived cookie
/// ([`FORM_COOKIE`](crate::session::FORM_COOKIE)) and shown once: the form comes back as it
/// was typed, with the error next to its field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FormFlash {
    /// Which form it is for (`"signin"`, `"signup"`).
    pub form: String,
    pub values: Vec<(String, String)>,
    pub error: Option<AppError>,
    /// Values too long to carry (the page asks for them again).
    #[serde(default)]
    pub dropped: Vec<String>,
}

impl FormFlash {
    /// What was typed into `name`.
    pub fn value(&self, name: &str) -> Option<String> {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    /// This request's flash for `form`, if it has one (on the server, while rendering; the
    /// answer clears it). Never in the browser: forms that use it are not islands.
    pub fn take(form: &str) -> FormFlash {
        #[cfg(feature = "ssr")]
        if let Some(f) = crate::api::ssr::take_flash(form) {
            return f;
        }
        let _ = form;
        FormFlash::default()
    }
}

/// "There is a problem": the error of the last submission at the top of the form, each
/// field's message a link to that field. It takes focus when no field does (a form-wide
/// error such as wrong credentials); `autofocus` works without script.
#[component]
pub fn ErrorSummary(
    error: Option<AppError>,
    #[prop(optional)] focus: bool,
    /// The id of the control for a field name (default: `field-<name>`, as [`Field`] has).
    #[prop(optional)]
    anchor: Option<fn(&str) -> String>,
) -> impl IntoView {
    error.map(|e| {
        let anchor = anchor.unwrap_or(|f| format!("field-{f}"));
        let fields = e.0.field_errors();
        let body = if fields.is_empty() {
            view! { <p>{capitalise(e.message())}</p> }.into_any()
        } else {
            view! {
                <ul>
                    {fields.into_iter().map(|fe| view! {
                        <li><a href=format!("#{}", anchor(&fe.field))>{capitalise(&fe.message)}</a></li>
                    }).collect_view()}
                </ul>
            }.into_any()
        };
        view! {
            <div class="notice danger error-summary" role="alert" tabindex="-1" autofocus=focus aria-labelledby="error-summary-title">
                <p id="error-summary-title"><strong>"There is a problem"</strong></p>
                {body}
            </div>
        }
    })
}

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

/// The error of a plain form (no `ServerAction`) posted to one of `paths`: after a failed
/// post the server redirects back with `?__err=…&__path=…`, read here from the address (the
/// router's on the server, the window's in an island in the browser).
pub fn posted_error(paths: &[&'static str]) -> FormError {
    #[cfg(feature = "hydrate")]
    let (err, path) = {
        let search = window().location().search().unwrap_or_default();
        match web_sys::UrlSearchParams::new_with_str(&search) {
            Ok(p) => (p.get("__err"), p.get("__path")),
            Err(_) => (None, None),
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let (err, path) = {
        let q = leptos_router::hooks::use_query_map();
        let q = q.read_untracked();
        (q.get("__err"), q.get("__path"))
    };
    let error = match (err, path) {
        (Some(e), Some(p)) if paths.contains(&p.as_str()) => {
            serde_json::from_str::<AppError>(&e).ok()
        }
        _ => None,
    };
    Signal::stored(error)
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
    /// Focus this field on load (the first field with an error).
    #[prop(optional)]
    autofocus: bool,
    /// Shown after the message, as part of it ("Sign in instead").
    #[prop(default = None)]
    after_error: Option<AnyView>,
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
                autofocus=autofocus
            />
            <p class="field-error" id=err_id hidden=move || message().is_none()>{move || message().map(|m| capitalise(&m)).unwrap_or_default()}{after_error}</p>
        </div>
    }
}
