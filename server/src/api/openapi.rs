//! `GET /api/openapi.json`: the OpenAPI 3.1 description of the REST API, generated.
//!
//! Each handler describes itself with `#[utoipa::path]` and each DTO with `ToSchema`, and the
//! router is built from those same descriptions (`routes!` in [`super::operations`]), so a
//! route, parameter or field cannot change without the document following. What every
//! operation shares because of an extractor or a middleware layer (who may call it, the 4xx of
//! the JSON body, path id and query extractors, rate limits, the cross-site check) is added
//! here once, by [`finish`], rather than repeated on every handler.

use crate::auth::ACCESS_COOKIE;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use evently::error::ErrorBody;
use std::collections::HashMap;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::response::{Response as ApiResponse, ResponseBuilder};
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, OpenApi, Ref, RefOr, Type};

/// The document's fixed parts: title, description, tags. The paths come from the router.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Evently API",
        description = "Event booking that never oversells.\n\n\
            Errors always have the shape `{\"error\": {\"code\": \"...\", \"message\": \"...\", \
            \"field\": \"...\"}}`: `code` is for programs (see `ErrorCode`), `message` for \
            people, and `field` names the offending input where there is one.\n\n\
            Sign in with `POST /api/v1/auth/login` and send `Authorization: Bearer \
            <access_token>`; browsers use the session cookie instead. Every booking and hold \
            request carries an `Idempotency-Key` header: a retry returns the first answer, the \
            same key with a different body is refused with 422.\n\n\
            Live availability over WebSocket at `/api/v1/live`: see `/api/live.md`."
    ),
    tags(
        (name = "events", description = "Discovering events; creating and running them (organizers)"),
        (name = "bookings", description = "Booking seats in one step, your bookings, cancellation"),
        (name = "holds", description = "Holding seats during checkout, then confirming or releasing them"),
        (name = "tickets", description = "Ticket PDFs, the key that verifies ticket QR codes, the door scanner's list and check-in"),
        (name = "waitlist", description = "Queueing for sold-out ticket types; offers when seats come back; the organizer's queue controls"),
        (name = "accounts", description = "Signing up and in, sessions, your account and your data"),
        (name = "analytics", description = "Sales dashboards: the platform's (admins) and each event's (its organizer)"),
        (name = "notifications", description = "Your notification centre and the browsers you get web push on"),
        (name = "admin", description = "User management and the audit log (admins)"),
    ),
    components(schemas(ErrorBody)),
)]
pub struct ApiDoc;

/// Adds what every operation shares and the security schemes, and makes operation ids unique
/// (one handler routed under several methods shares one description).
pub fn finish(mut api: OpenApi) -> OpenApi {
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "The `access_token` from `POST /api/v1/auth/login` or `/refresh`.",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        "cookie",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            ACCESS_COOKIE,
            "The browser session (HttpOnly; refreshed silently). State-changing requests \
             with it must come from the site itself.",
        ))),
    );
    for (name, response) in shared_responses() {
        components
            .responses
            .insert(name.to_string(), response.into());
    }

    let mut ids: HashMap<String, usize> = HashMap::new();
    for (path, item) in api.paths.paths.iter_mut() {
        for (method, op) in operations_mut(item) {
            add_shared_responses(path, method, op);
            if let Some(id) = &op.operation_id {
                *ids.entry(id.clone()).or_default() += 1;
            }
        }
    }
    for item in api.paths.paths.values_mut() {
        for (method, op) in operations_mut(item) {
            if let Some(id) = &mut op.operation_id
                && ids.get(id.as_str()).copied().unwrap_or(0) > 1
            {
                id.push('_');
                id.push_str(method);
            }
        }
    }
    api
}

/// The operations of a path, with their lower-case method names.
fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("options", item.options.as_mut()),
        ("head", item.head.as_mut()),
        ("patch", item.patch.as_mut()),
        ("trace", item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
}

/// The answers that come from extractors and layers rather than from the handler's own work.
fn add_shared_responses(path: &str, method: &str, op: &mut Operation) {
    let signed_in = op.security.as_ref().is_some_and(|reqs| {
        !reqs.is_empty() && !reqs.contains(&utoipa::openapi::SecurityRequirement::default())
    });
    let has_query = op
        .parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == ParameterIn::Query);
    let mut add = |status: &str, name: &str, when: bool| {
        if when {
            op.responses
                .responses
                .entry(status.to_string())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
        }
    };
    // `CurrentUser`: no valid token or session.
    add("401", "Unauthenticated", signed_in);
    // The auth middleware refuses state-changing requests from other sites (CSRF).
    add("403", "CrossSite", method != "get");
    // `Id`: an id that is not a positive number is answered like one that does not exist.
    add("404", "NotFound", path.contains("{id}"));
    // `Json`: the body limit, and a body or query string that does not parse.
    add("413", "PayloadTooLarge", op.request_body.is_some());
    // `json_bodies_only`: a body that does not declare itself JSON.
    add("415", "UnsupportedMediaType", op.request_body.is_some());
    add(
        "422",
        "InvalidInput",
        op.request_body.is_some() || has_query,
    );
    // The general per-client rate limit applies to every request.
    add("429", "RateLimited", true);
}

fn shared_responses() -> Vec<(&'static str, ApiResponse)> {
    let error = |description: &str| {
        ResponseBuilder::new().description(description).content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
    };
    let retry_after = HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1)),
        )
        .description(Some("Seconds to wait before trying again."))
        .build();
    vec![
        (
            "Unauthenticated",
            error("`unauthenticated`: sign in first (a Bearer token or the session cookie)")
                .build(),
        ),
        (
            "CrossSite",
            error(
                "`forbidden`: a state-changing request from another site, with the session \
                 cookie and no Bearer token, is refused",
            )
            .build(),
        ),
        (
            "NotFound",
            error(
                "`not_found`: no such resource (a path id that is not a positive number is \
                   answered the same way)",
            )
            .build(),
        ),
        (
            "PayloadTooLarge",
            error("`payload_too_large`: the request body is over 64 KiB").build(),
        ),
        (
            "UnsupportedMediaType",
            error(
                "`unsupported_media_type`: a request body must be sent as JSON, with \
                 `Content-Type: application/json`",
            )
            .build(),
        ),
        (
            "InvalidInput",
            error(
                "`invalid_input`: the body is not valid JSON of the documented shape, or a \
                 parameter is invalid; `field` names the offending input where it can",
            )
            .build(),
        ),
        (
            "RateLimited",
            error("`rate_limited`: too many requests from this client; wait and try again")
                .header("Retry-After", retry_after)
                .build(),
        ),
    ]
}

/// The document as served, serialized once.
#[derive(Clone)]
pub struct Document(std::sync::Arc<String>);

impl Document {
    pub fn new(api: &OpenApi) -> Self {
        // Serializing these plain data types does not fail in practice; if it ever did, the
        // log says so and clients get an empty document rather than a dead server.
        let json = api.to_json().unwrap_or_else(|e| {
            tracing::error!(error = %e, "serializing the OpenAPI document failed");
            "{}".to_string()
        });
        Document(std::sync::Arc::new(json))
    }

    /// `GET /api/openapi.json`.
    pub fn response(&self) -> Response {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.0.as_str().to_string(),
        )
            .into_response()
    }
}
