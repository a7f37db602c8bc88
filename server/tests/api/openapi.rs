//! The OpenAPI document at `/api/openapi.json`: generated from the handlers, it lists exactly
//! the routed REST operations and says what the old hand-written document said.

use crate::helpers::{TestApp, spawn};
use evently::clock::Clock;
use evently::testing::TestDb;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

async fn sqlite_app() -> TestApp {
    spawn(TestDb::sqlite().await, Clock::System).await
}

async fn served(app: &TestApp) -> Value {
    let r = app.get("/api/openapi.json", None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    r.json().await.unwrap()
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `(path, method)` of every operation in a document.
fn operations_of(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                out.insert((path.clone(), method.to_string()));
            }
        }
    }
    out
}

/// String literals passed to `.route(`, `.route_service(` or `.nest(` in `src`.
fn plain_routes(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for call in [".route(", ".route_service(", ".nest(", ".nest_service("] {
        for (i, _) in src.match_indices(call) {
            let rest = src[i + call.len()..].trim_start();
            if let Some(lit) = rest.strip_prefix('"')
                && let Some(end) = lit.find('"')
            {
                out.push(lit[..end].to_string());
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[tokio::test]
async fn every_rest_route_is_documented_and_every_documented_operation_is_routed() {
    let app = sqlite_app().await;
    let documented = operations_of(&served(&app).await);

    // The router is built from these descriptions only: utoipa-axum's `routes!` routes each
    // handler at exactly the path and methods of its own `#[utoipa::path]`.
    let routed =
        operations_of(&serde_json::to_value(server::api::operations().into_openapi()).unwrap());
    assert_eq!(routed, documented);
    assert!(documented.len() >= 29, "{documented:?}");
    assert!(documented.iter().all(|(p, _)| p.starts_with("/api/v1/")));

    // The running server agrees: every documented operation answers (not 405, not the JSON
    // 404 for unknown API paths), and every other method on a documented path is a 405.
    let paths: BTreeSet<&String> = documented.iter().map(|(p, _)| p).collect();
    for path in paths {
        let url = app.at(&path.replace("{id}", "1"));
        for method in ["get", "post", "put", "patch", "delete"] {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = app.http.request(m, &url).send().await.unwrap();
            let status = r.status().as_u16();
            let body = r.text().await.unwrap();
            let unrouted = status == 405 || body.contains("no such API endpoint");
            let listed = documented.contains(&(path.clone(), method.to_string()));
            assert_eq!(listed, !unrouted, "{method} {path}: {status} {body}");
        }
    }

    // Nothing under /api/v1 is routed around the document: the only plain axum routes there
    // are the live WebSocket (described in /api/live.md) and the JSON 404.
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut plain = BTreeSet::new();
    for f in &files {
        for route in plain_routes(&std::fs::read_to_string(f).unwrap()) {
            if route.starts_with("/api/v1") {
                plain.insert(route);
            }
        }
    }
    let allowed: BTreeSet<String> = ["/api/v1/live", "/api/v1/{*rest}"].map(String::from).into();
    assert_eq!(
        plain, allowed,
        "route /api/v1 operations with routes!, not .route"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_booking_api() {
    let app = sqlite_app().await;
    let spec = served(&app).await;
    assert_eq!(spec["openapi"], "3.1.0");
    assert_eq!(spec["info"]["title"], "Evently API");
    for p in [
        "/api/v1/events/{id}/bookings",
        "/api/v1/holds/{id}/confirm",
        "/api/v1/bookings/{id}/cancel",
        "/api/v1/auth/login",
        "/api/v1/me/export",
        "/api/v1/me/password",
        "/api/v1/admin/users/{id}/role",
        "/api/v1/admin/audit",
    ] {
        assert!(spec["paths"][p].is_object(), "{p} documented");
    }
    assert!(spec["paths"]["/api/v1/me"]["delete"].is_object());
    for method in ["post", "put"] {
        assert!(spec["paths"]["/api/v1/ticket-types/{id}/capacity"][method].is_object());
    }

    // Search: every parameter of the core's search request, with how words match.
    let search = &spec["paths"]["/api/v1/events"]["get"];
    let params: Vec<&str> = search["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "query")
        .filter_map(|p| p["name"].as_str())
        .collect();
    for name in [
        "q",
        "category",
        "city",
        "from",
        "to",
        "min_price",
        "max_price",
        "free",
        "available",
        "sort",
        "cursor",
        "limit",
    ] {
        assert!(params.contains(&name), "search parameter {name}");
    }
    let q = search["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "q")
        .unwrap();
    let how = q["description"].as_str().unwrap();
    assert!(
        how.contains("whole words") && how.contains("symph"),
        "{how}"
    );

    // Booking and hold calls carry the Idempotency-Key header.
    for path in ["/api/v1/events/{id}/bookings", "/api/v1/events/{id}/holds"] {
        let key = spec["paths"][path]["post"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "Idempotency-Key")
            .unwrap_or_else(|| panic!("{path} has Idempotency-Key"));
        assert_eq!(key["in"], "header");
        assert_eq!(key["required"], true);
        assert_eq!(key["schema"]["maxLength"], 255);
        assert_eq!(key["schema"]["minLength"], 1);
        let responses = &spec["paths"][path]["post"]["responses"];
        for status in ["201", "400", "401", "404", "409", "422", "429"] {
            assert!(responses[status].is_object(), "{path} answers {status}");
        }
    }

    // Who may call: the Bearer token or the session cookie; search is public.
    let schemes = &spec["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["cookie"]["in"], "cookie");
    assert_eq!(schemes["cookie"]["name"], server::auth::ACCESS_COOKIE);
    assert!(search["security"].is_null());
    let me = &spec["paths"]["/api/v1/me"]["get"];
    assert!(me["security"].to_string().contains("bearer"));
    assert!(me["responses"]["401"].is_object());

    // The dashboards' figures, for admins and an event's organizer.
    for path in [
        "/api/v1/admin/analytics/platform",
        "/api/v1/events/{id}/analytics",
    ] {
        let op = &spec["paths"][path]["get"];
        assert_eq!(op["tags"][0], "analytics", "{path}");
        assert!(op["responses"]["200"].is_object(), "{path}");
    }

    // Errors: one shape, with every code the server uses.
    let codes = spec["components"]["schemas"]["ErrorCode"]["enum"].to_string();
    for code in [
        "invalid_input",
        "sold_out",
        "missing_idempotency_key",
        "rate_limited",
        "seats_available",
    ] {
        assert!(codes.contains(code), "{code} in {codes}");
    }
    let tags: Vec<&str> = spec["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        tags,
        [
            "events",
            "bookings",
            "holds",
            "tickets",
            "waitlist",
            "accounts",
            "analytics",
            "notifications",
            "admin"
        ]
    );

    // Every operation has a unique id, a tag and a summary; every error response has a body.
    let mut ids = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(
                ids.insert(id.to_string()),
                "{method} {path}: duplicate id {id}"
            );
            assert!(op["tags"][0].is_string() && op["summary"].is_string());
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') {
                    let body = &response["content"]["application/json"]["schema"]["$ref"];
                    assert!(
                        response["$ref"].is_string() || body == "#/components/schemas/ErrorBody",
                        "{method} {path} {status} is in the error shape"
                    );
                }
            }
        }
    }

    // Every reference resolves to a component.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x.as_str()) {
                        ("$ref", Some(r)) => out.push(r.to_string()),
                        _ => refs(x, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&spec, &mut all);
    assert!(all.len() > 20);
    for r in all {
        let path: Vec<&str> = r.trim_start_matches("#/").split('/').collect();
        let target = path.iter().fold(&spec, |v, k| &v[*k]);
        assert!(target.is_object(), "{r} resolves");
    }
}
