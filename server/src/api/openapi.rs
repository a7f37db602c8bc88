//! `GET /api/openapi.json`: the OpenAPI 3.1 description of the REST API.

use axum::Json;
use serde_json::{Value, json};

fn err_ref() -> Value {
    json!({ "$ref": "#/components/responses/Error" })
}

fn op(
    summary: &str,
    tag: &str,
    auth: bool,
    body: Option<&str>,
    ok: (&str, &str),
    errors: &[&str],
) -> Value {
    let mut responses = serde_json::Map::new();
    responses.insert(ok.0.to_string(), json!({ "description": "success", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{}", ok.1) } } } }));
    for e in errors {
        responses.insert(e.to_string(), err_ref());
    }
    let mut o = json!({ "summary": summary, "tags": [tag], "responses": responses });
    if auth {
        o["security"] = json!([{ "bearer": [] }, { "cookie": [] }]);
    }
    if let Some(b) = body {
        o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{b}") } } } });
    }
    o
}

fn with_idempotency(mut o: Value) -> Value {
    o["parameters"] = json!([{ "name": "Idempotency-Key", "in": "header", "required": true,
        "description": "1 to 255 visible ASCII characters, unique per attempt. A retry with the same key and body returns the first answer; the same key with another body is refused with 422.",
        "schema": { "type": "string", "maxLength": 255 } }]);
    o
}

fn with_query(mut o: Value, params: &[(&str, &str)]) -> Value {
    let list: Vec<Value> = params
        .iter()
        .map(|(name, description)| {
            json!({ "name": name, "in": "query", "required": false,
                "description": description, "schema": { "type": "string" } })
        })
        .collect();
    o["parameters"] = Value::Array(list);
    o
}

/// The spec document.
pub async fn spec() -> Json<Value> {
    let id = json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "format": "int64" } }]);
    let mut paths = serde_json::Map::new();
    let mut add = |path: &str, method: &str, mut o: Value| {
        if path.contains("{id}") {
            let mut params = o.get("parameters").cloned().unwrap_or(json!([]));
            if let (Some(a), Some(b)) = (params.as_array_mut(), id.as_array()) {
                a.extend(b.iter().cloned());
            }
            o["parameters"] = params;
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[method] = o;
    };
    add(
        "/api/v1/events",
        "get",
        with_query(
            op(
                "Search upcoming published events (keyset pages: pass next_cursor back as cursor)",
                "events",
                false,
                None,
                ("200", "EventPage"),
                &["422"],
            ),
            &[
                (
                    "q",
                    "words in the title, description, venue or city, all of them, as whole words (\"concerts\" finds \"concert\"); when some word is no event's word, the words match as beginnings (\"symph\" finds \"symphony\")",
                ),
                ("category", "a category slug, e.g. music"),
                ("city", "exact city name"),
                ("from", "first day, YYYY-MM-DD"),
                ("to", "last day (inclusive), YYYY-MM-DD"),
                (
                    "min_price",
                    "lowest from-price in major units, e.g. 25 or 25.50",
                ),
                ("max_price", "highest from-price in major units"),
                ("free", "1/true/on: only free events"),
                ("available", "1/true/on: only events with seats left"),
                ("sort", "soonest (default), newest or cheapest"),
                ("cursor", "next_cursor of the previous page"),
                ("limit", "1 to 50 (default 20)"),
            ],
        ),
    );
    add(
        "/api/v1/events",
        "post",
        op(
            "Create a draft event with its ticket types (organizer or admin)",
            "events",
            true,
            Some("CreateEvent"),
            ("201", "EventDetail"),
            &["401", "403", "422"],
        ),
    );
    add(
        "/api/v1/events/{id}",
        "get",
        op(
            "An event with its ticket types and live availability",
            "events",
            false,
            None,
            ("200", "EventDetail"),
            &["404"],
        ),
    );
    add(
        "/api/v1/events/{id}/publish",
        "post",
        op(
            "Publish a draft event",
            "events",
            true,
            None,
            ("200", "EventDetail"),
            &["401", "404", "409"],
        ),
    );
    add(
        "/api/v1/events/{id}/cancel",
        "post",
        op(
            "Cancel an event: every booking is cancelled and every hold released",
            "events",
            true,
            None,
            ("200", "EventDetail"),
            &["401", "404"],
        ),
    );
    for method in ["post", "put"] {
        add(
            "/api/v1/ticket-types/{id}/capacity",
            method,
            op(
                "Change capacity (down only to what is taken)",
                "events",
                true,
                Some("Capacity"),
                ("200", "TicketType"),
                &["401", "404", "409", "422"],
            ),
        );
    }
    add(
        "/api/v1/events/{id}/bookings",
        "post",
        with_idempotency(op(
            "Book seats in one step",
            "bookings",
            true,
            Some("BookRequest"),
            ("201", "Booking"),
            &["400", "401", "404", "409", "422", "429"],
        )),
    );
    add(
        "/api/v1/events/{id}/holds",
        "post",
        with_idempotency(op(
            "Hold seats for checkout",
            "holds",
            true,
            Some("BookRequest"),
            ("201", "Hold"),
            &["400", "401", "404", "409", "422", "429"],
        )),
    );
    add(
        "/api/v1/holds/{id}",
        "get",
        op(
            "A hold of yours",
            "holds",
            true,
            None,
            ("200", "Hold"),
            &["401", "404"],
        ),
    );
    add(
        "/api/v1/holds/{id}",
        "delete",
        op(
            "Release a hold; its seats return at once",
            "holds",
            true,
            None,
            ("200", "Hold"),
            &["401", "404", "409"],
        ),
    );
    add(
        "/api/v1/holds/{id}/confirm",
        "post",
        op(
            "Confirm a hold into a booking",
            "holds",
            true,
            Some("Confirm"),
            ("201", "Booking"),
            &["401", "404", "409", "410", "422"],
        ),
    );
    add(
        "/api/v1/holds/{id}/renew",
        "post",
        op(
            "Extend a hold (a bounded number of times)",
            "holds",
            true,
            None,
            ("200", "Hold"),
            &["401", "404", "409", "410"],
        ),
    );
    add(
        "/api/v1/bookings/{id}",
        "get",
        op(
            "A booking of yours",
            "bookings",
            true,
            None,
            ("200", "Booking"),
            &["401", "404"],
        ),
    );
    add(
        "/api/v1/bookings/{id}/cancel",
        "post",
        op(
            "Cancel a booking; a second cancel says it already was",
            "bookings",
            true,
            None,
            ("200", "CancelOutcome"),
            &["401", "404", "409"],
        ),
    );
    add(
        "/api/v1/me/bookings",
        "get",
        op(
            "Your bookings with their events and tickets",
            "bookings",
            true,
            None,
            ("200", "MyBookings"),
            &["401"],
        ),
    );
    add(
        "/api/v1/me",
        "get",
        op(
            "Your account",
            "accounts",
            true,
            None,
            ("200", "User"),
            &["401"],
        ),
    );
    add(
        "/api/v1/me",
        "delete",
        op(
            "Erase your account: personal data is removed, bookings are kept anonymised, every session ends",
            "accounts",
            true,
            Some("PasswordConfirm"),
            ("204", "Empty"),
            &["401", "422"],
        ),
    );
    add(
        "/api/v1/me/password",
        "post",
        op(
            "Change your password; other sessions are signed out",
            "accounts",
            true,
            Some("PasswordChange"),
            ("204", "Empty"),
            &["401", "422", "429"],
        ),
    );
    add(
        "/api/v1/me/marketing",
        "put",
        op(
            "Give or withdraw marketing consent",
            "accounts",
            true,
            Some("Marketing"),
            ("200", "User"),
            &["401", "422"],
        ),
    );
    add(
        "/api/v1/me/export",
        "get",
        op(
            "Everything stored about you, as a JSON download (GDPR)",
            "accounts",
            true,
            None,
            ("200", "Export"),
            &["401"],
        ),
    );
    add(
        "/api/v1/admin/users",
        "get",
        with_query(
            op(
                "Users, newest first (admins)",
                "admin",
                true,
                None,
                ("200", "Users"),
                &["401", "403", "422"],
            ),
            &[
                ("q", "part of an email or name"),
                ("before", "id of the last user of the previous page"),
                ("limit", "1 to 200 (default 50)"),
            ],
        ),
    );
    add(
        "/api/v1/admin/users/{id}/role",
        "post",
        op(
            "Change a user's role (admins)",
            "admin",
            true,
            Some("RoleChange"),
            ("200", "User"),
            &["401", "403", "404", "409", "422"],
        ),
    );
    add(
        "/api/v1/admin/users/{id}/disable",
        "post",
        op(
            "Disable or re-enable a user; disabling ends their sessions (admins)",
            "admin",
            true,
            Some("Disable"),
            ("200", "User"),
            &["401", "403", "404", "409", "422"],
        ),
    );
    add(
        "/api/v1/admin/audit",
        "get",
        with_query(
            op(
                "The audit log, newest first (admins)",
                "admin",
                true,
                None,
                ("200", "Audit"),
                &["401", "403", "422"],
            ),
            &[
                ("action", "only this action, e.g. role.change"),
                ("before", "id of the last entry of the previous page"),
                ("limit", "1 to 500 (default 100)"),
            ],
        ),
    );
    add(
        "/api/v1/auth/register",
        "post",
        op(
            "Create an account",
            "accounts",
            false,
            Some("Register"),
            ("201", "User"),
            &["409", "422", "429"],
        ),
    );
    add(
        "/api/v1/auth/login",
        "post",
        op(
            "Sign in; returns a Bearer access token and a refresh token",
            "accounts",
            false,
            Some("Login"),
            ("200", "TokenPair"),
            &["401", "422", "429"],
        ),
    );
    add(
        "/api/v1/auth/refresh",
        "post",
        op(
            "Swap a refresh token for a new pair (reuse revokes the session)",
            "accounts",
            false,
            Some("Refresh"),
            ("200", "TokenPair"),
            &["401"],
        ),
    );
    add(
        "/api/v1/auth/logout",
        "post",
        op(
            "End this session",
            "accounts",
            true,
            None,
            ("204", "Empty"),
            &["401"],
        ),
    );

    let int = json!({ "type": "integer", "format": "int64" });
    let time = json!({ "type": "string", "format": "date-time" });
    let s = json!({ "type": "string" });
    let tt = json!({ "type": "object", "required": ["id", "name", "price_cents", "currency", "capacity", "available"], "properties": {
        "id": int, "name": s, "price_cents": int, "currency": s, "price_label": s, "capacity": int,
        "available": { "type": "integer", "format": "int64", "description": "seats bookable now" },
        "max_per_booking": int, "sale_starts_at": time, "sale_ends_at": time, "on_sale": { "type": "boolean" } } });
    Json(json!({
        "openapi": "3.1.0",
        "info": { "title": "Evently API", "version": env!("CARGO_PKG_VERSION"),
            "description": "Event booking that never oversells. Errors always have the shape {\"error\": {\"code\", \"message\", \"field\"}}. Live availability: see /api/live.md." },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
                "cookie": { "type": "apiKey", "in": "cookie", "name": "evently_at" }
            },
            "responses": { "Error": { "description": "error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": {
                    "code": { "type": "string", "enum": ["invalid_input", "unauthenticated", "forbidden", "not_found", "sold_out", "hold_expired", "sale_closed", "event_not_bookable", "cancellation_closed", "idempotency_mismatch", "missing_idempotency_key", "conflict", "renew_limit", "email_taken", "invalid_credentials", "rate_limited", "payload_too_large", "unavailable", "internal"] },
                    "message": s, "field": s } } } },
                "TicketType": tt,
                "TicketTypeInput": { "type": "object", "required": ["name", "price_cents", "capacity"], "properties": {
                    "name": s, "price_cents": int, "capacity": int, "currency": s, "max_per_booking": int, "sale_starts_at": time, "sale_ends_at": time } },
                "CreateEvent": { "type": "object", "required": ["title", "description", "venue", "city", "category", "starts_at", "ends_at", "ticket_types"], "properties": {
                    "title": s, "description": s, "venue": s, "city": s, "category": s, "starts_at": time, "ends_at": time, "timezone": s,
                    "image_url": s, "hold_minutes": int, "cancel_cutoff_minutes": int,
                    "ticket_types": { "type": "array", "items": { "$ref": "#/components/schemas/TicketTypeInput" } } } },
                "EventDetail": { "type": "object", "properties": { "id": int, "slug": s, "title": s, "description": s, "venue": s, "city": s,
                    "category": s, "starts_at": time, "ends_at": time, "timezone": s, "status": { "type": "string", "enum": ["draft", "published", "cancelled"] },
                    "organizer_name": s, "hold_minutes": int, "ticket_types": { "type": "array", "items": { "$ref": "#/components/schemas/TicketType" } } } },
                "EventSummary": { "type": "object", "properties": { "id": int, "slug": s, "title": s, "city": s, "category": s, "starts_at": time, "available": int, "min_price_cents": int } },
                "EventPage": { "type": "object", "properties": { "items": { "type": "array", "items": { "$ref": "#/components/schemas/EventSummary" } }, "next_cursor": s } },
                "Capacity": { "type": "object", "required": ["capacity"], "properties": { "capacity": int } },
                "BookRequest": { "type": "object", "required": ["ticket_type_id", "quantity"], "properties": { "ticket_type_id": int, "quantity": { "type": "integer", "minimum": 1, "maximum": 50 } } },
                "Booking": { "type": "object", "required": ["id", "status", "quantity", "ticket_type_id", "total_cents"], "properties": {
                    "id": int, "code": s, "status": { "type": "string", "enum": ["confirmed", "cancelled"] }, "event_id": int, "ticket_type_id": int, "quantity": int,
                    "unit_price_cents": int, "total_cents": int, "currency": s, "created_at": time, "cancelled_at": time, "hold_id": int } },
                "CancelOutcome": { "type": "object", "properties": { "booking": { "$ref": "#/components/schemas/Booking" }, "already_cancelled": { "type": "boolean" } } },
                "MyBookings": { "type": "array", "items": { "type": "object" } },
                "Hold": { "type": "object", "properties": { "id": int, "event_id": int, "ticket_type_id": int, "quantity": int,
                    "status": { "type": "string", "enum": ["active", "confirmed", "released", "expired"] }, "expires_at": time, "renewals": int, "renewals_left": int } },
                "Confirm": { "type": "object", "properties": { "attendee_names": { "type": "array", "items": s } } },
                "Register": { "type": "object", "required": ["email", "password", "name"], "properties": { "email": s, "password": { "type": "string", "minLength": 10, "maxLength": 128 }, "name": s, "marketing_opt_in": { "type": "boolean" } } },
                "Login": { "type": "object", "required": ["email", "password"], "properties": { "email": s, "password": s } },
                "Refresh": { "type": "object", "required": ["refresh_token"], "properties": { "refresh_token": s } },
                "TokenPair": { "type": "object", "properties": { "access_token": s, "refresh_token": s, "token_type": s, "expires_in": int, "user": { "$ref": "#/components/schemas/User" } } },
                "User": { "type": "object", "properties": { "id": int, "email": s, "name": s, "role": s, "created_at": time } },
                "PasswordConfirm": { "type": "object", "required": ["password"], "properties": { "password": s } },
                "PasswordChange": { "type": "object", "required": ["current_password", "new_password"], "properties": { "current_password": s, "new_password": { "type": "string", "minLength": 10, "maxLength": 128 } } },
                "Marketing": { "type": "object", "required": ["opt_in"], "properties": { "opt_in": { "type": "boolean" } } },
                "Export": { "type": "object", "description": "account, bookings, holds, sessions, consents and audit entries about you" },
                "Users": { "type": "array", "items": { "$ref": "#/components/schemas/User" } },
                "RoleChange": { "type": "object", "required": ["role"], "properties": { "role": { "type": "string", "enum": ["attendee", "organizer", "admin"] } } },
                "Disable": { "type": "object", "required": ["disabled"], "properties": { "disabled": { "type": "boolean" } } },
                "Audit": { "type": "array", "items": { "type": "object", "properties": { "id": int, "actor_id": int, "actor_email": s, "action": s, "target_type": s, "target_id": s, "subject_id": int, "detail": { "type": "string", "description": "JSON text with the specifics" }, "ip": s, "at": time } } },
                "Empty": { "type": "object" }
            }
        }
    }))
}
