//! Starting a server for a test and talking to it.

use evently::Core;
use evently::clock::Clock;
use evently::testing::TestDb;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use server::config::Config;
use server::startup::{Application, BuildOptions};
use std::collections::HashMap;

/// The signing key test servers use.
pub const JWT_SECRET: &str = "test-signing-key-that-is-long-enough-0123";

pub struct TestApp {
    pub url: String,
    pub core: Core,
    pub http: Client,
    pub engine: &'static str,
    data_dir: std::path::PathBuf,
    _db: TestDb,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub fn quiet_logs() {
    if std::env::var("TEST_LOG").is_ok() {
        server::telemetry::init(false);
    }
}

/// Starts a server on `db` (port 0) and waits until it answers.
pub async fn spawn(db: TestDb, clock: Clock) -> TestApp {
    spawn_with(db, clock, &[]).await
}

/// Starts a server with extra configuration (`EVENTLY_*`, `REDIS_URL`...).
pub async fn spawn_with(db: TestDb, clock: Clock, extra: &[(&str, &str)]) -> TestApp {
    quiet_logs();
    let data_dir =
        std::env::temp_dir().join(format!("evently-app-{}", uuid::Uuid::new_v4().simple()));
    let mut env: HashMap<&str, String> = HashMap::new();
    env.insert("EVENTLY_ADDR", "127.0.0.1:0".into());
    env.insert("DATABASE_URL", db.url.clone());
    env.insert("EVENTLY_DATA_DIR", data_dir.display().to_string());
    env.insert("EVENTLY_JWT_SECRET", JWT_SECRET.into());
    for (k, v) in extra {
        env.insert(k, v.to_string());
    }
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("config");
    let app = Application::build(
        config,
        BuildOptions {
            clock,
            workers: true,
        },
    )
    .await
    .expect("server builds");
    let url = format!("http://{}", app.local_addr());
    let core = app.core();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        url,
        core,
        http,
        engine: db.engine(),
        data_dir,
        _db: db,
        _stop: tx,
    }
}

/// One server per available engine.
pub async fn spawn_all() -> Vec<TestApp> {
    spawn_all_with(&[]).await
}

/// One server per available engine, each with extra configuration.
pub async fn spawn_all_with(extra: &[(&str, &str)]) -> Vec<TestApp> {
    let mut apps = Vec::new();
    for db in TestDb::all().await {
        apps.push(spawn_with(db, Clock::System, extra).await);
    }
    apps
}

pub struct User {
    pub id: i64,
    pub token: String,
    pub refresh: String,
    pub email: String,
}

/// The password `TestApp::user` signs up with.
pub const PASSWORD: &str = "a long enough password";

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

impl TestApp {
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut r = self.http.get(self.at(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        let mut r = self.http.post(self.at(path)).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn book(&self, token: &str, event_id: i64, body: Value, key: &str) -> Response {
        self.http
            .post(self.at(&format!("/api/v1/events/{event_id}/bookings")))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// Registers and signs in a user; `role` is set directly in the database.
    pub async fn user(&self, name: &str, role: &str) -> User {
        self.user_named(name, name, role).await
    }

    /// A user whose display name is `name` (any text) and whose address starts with `handle`.
    pub async fn user_named(&self, handle: &str, name: &str, role: &str) -> User {
        let email = format!("{handle}-{}@example.com", uuid::Uuid::new_v4().simple());
        let r = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": email, "password": "a long enough password", "name": name}),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::ACCEPTED,
            "{}",
            r.text().await.unwrap_or_default()
        );
        let id = evently::store::users::by_email(self.core.db(), &email)
            .await
            .expect("user lookup")
            .expect("the new account")
            .id;
        if role != "attendee" {
            evently::store::users::set_role(self.core.db(), id, role, 0)
                .await
                .expect("role");
        }
        let r = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": email, "password": "a long enough password"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let body = r.json::<Value>().await.expect("json");
        let token = body["access_token"].as_str().expect("token").to_string();
        let refresh = body["refresh_token"].as_str().expect("refresh").to_string();
        User {
            id,
            token,
            refresh,
            email,
        }
    }

    /// Creates and publishes an event with the given ticket types; returns its JSON.
    pub async fn published_event(&self, organizer: &User, ticket_types: Value) -> Value {
        let starts = chrono::Utc::now() + chrono::Duration::days(30);
        let body = json!({
            "title": "Black-box Night", "description": "Testing over HTTP.", "venue": "Loopback Hall",
            "city": "Berlin", "category": "music", "starts_at": starts.to_rfc3339(),
            "ends_at": (starts + chrono::Duration::hours(3)).to_rfc3339(), "timezone": "Europe/Berlin",
            "ticket_types": ticket_types,
        });
        let r = self
            .post("/api/v1/events", Some(&organizer.token), body)
            .await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap_or_default()
        );
        let ev: Value = r.json().await.expect("json");
        let id = ev["id"].as_i64().expect("id");
        let r = self
            .post(
                &format!("/api/v1/events/{id}/publish"),
                Some(&organizer.token),
                json!({}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.expect("json")
    }
}

/// Asserts the documented error shape and returns the error object.
pub async fn error_of(r: Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status, "unexpected status");
    let body: Value = r.json().await.expect("error body is JSON");
    let err = body["error"].clone();
    assert!(
        err["code"].is_string() && err["message"].is_string(),
        "error shape: {body}"
    );
    err
}

/// The id of an event and of its first ticket type, from an event document.
pub fn event_ids(ev: &Value) -> (i64, i64) {
    (
        ev["id"].as_i64().expect("event id"),
        ev["ticket_types"][0]["id"]
            .as_i64()
            .expect("ticket type id"),
    )
}

/// Whether Redis answers on 127.0.0.1:6379.
pub fn redis_available() -> bool {
    std::net::TcpStream::connect_timeout(
        &"127.0.0.1:6379".parse().expect("address"),
        std::time::Duration::from_millis(300),
    )
    .is_ok()
}

/// Two servers sharing one PostgreSQL database and a Redis namespace of their own (`tag`
/// names it), for cross-instance tests. `None` (with a notice) when Redis or PostgreSQL is
/// missing outside CI; in CI a missing Redis fails loudly.
pub async fn two_instances(tag: &str) -> Option<(TestApp, TestApp)> {
    if !redis_available() {
        assert!(
            !evently::testing::in_ci(),
            "CI=true but Redis is not reachable on 127.0.0.1:6379"
        );
        eprintln!("\n*** SKIPPING cross-instance test ({tag}): no Redis ***\n");
        return None;
    }
    let pg = TestDb::postgres().await?;
    let url = pg.url.clone();
    let ns = format!("ev{tag}{}", uuid::Uuid::new_v4().simple());
    let redis = evently::testing::redis_url();
    let env = [
        ("REDIS_URL", redis.as_str()),
        ("EVENTLY_REDIS_NAMESPACE", ns.as_str()),
        ("DATABASE_URL", url.as_str()),
    ];
    let a = spawn_with(pg, Clock::System, &env).await;
    let b = spawn_with(TestDb::sqlite().await, Clock::System, &env).await;
    Some((a, b))
}
