//! Security hardening (issue 12): each defence against a real server, with a test that fails
//! without it. IPv6 networks as rate-limit subjects, private metrics, live connection and
//! message caps, no drafts over the WebSocket, `__Host-` cookies, private key files and
//! production secrets, JSON-only API bodies, `no-store` on tokens, and request ids that
//! cannot forge log lines.

use crate::config::{assert_one_clear_line, run};
use crate::helpers::{JWT_SECRET, PASSWORD, TestApp, User, error_of, spawn_all_with, spawn_with};
use evently::clock::Clock;
use evently::testing::TestDb;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Test servers believe `X-Forwarded-For` from loopback, so one test can be many clients.
const BEHIND_PROXY: (&str, &str) = ("EVENTLY_TRUSTED_PROXIES", "127.0.0.1");

/// `GET path` as the client at `addr` (through the trusted proxy).
async fn get_from(app: &TestApp, path: &str, addr: &str) -> reqwest::Response {
    app.http
        .get(app.at(path))
        .header("x-forwarded-for", addr)
        .send()
        .await
        .unwrap()
}

// ---- 5. IPv6 clients are counted per /64 ----

#[tokio::test]
async fn an_ipv6_client_rotating_through_its_64_shares_one_general_limit() {
    for app in spawn_all_with(&[BEHIND_PROXY]).await {
        // The general limit is 600 requests a minute; each request from a new address.
        let statuses: Vec<u16> = futures::stream::iter(0..600)
            .map(|i| {
                let app = &app;
                async move {
                    get_from(app, "/api/live.md", &format!("2001:db8:1:2::{:x}", i + 1))
                        .await
                        .status()
                        .as_u16()
                }
            })
            .buffer_unordered(8)
            .collect()
            .await;
        assert!(statuses.iter().all(|s| *s == 200), "{}", app.engine);
        let r = get_from(&app, "/api/live.md", "2001:db8:1:2:ffff:ffff:ffff:ffff").await;
        assert_eq!(
            error_of(r, 429).await["code"],
            "rate_limited",
            "a fresh address in the same /64 is the same client ({})",
            app.engine
        );
        // The neighbouring /64 and an IPv4 client are someone else.
        assert_eq!(
            get_from(&app, "/api/live.md", "2001:db8:1:3::1")
                .await
                .status(),
            200
        );
        assert_eq!(
            get_from(&app, "/api/live.md", "203.0.113.7").await.status(),
            200
        );
    }
}

#[tokio::test]
async fn the_ipv6_prefix_is_configurable() {
    let app = spawn_with(
        TestDb::sqlite().await,
        Clock::System,
        &[BEHIND_PROXY, ("EVENTLY_IPV6_PREFIX", "48")],
    )
    .await;
    let statuses: Vec<u16> = futures::stream::iter(0..600)
        .map(|i| {
            let app = &app;
            // A different /64 each time, all in one /48.
            async move {
                get_from(app, "/api/live.md", &format!("2001:db8:7:{:x}::1", i + 1))
                    .await
                    .status()
                    .as_u16()
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200));
    error_of(
        get_from(&app, "/api/live.md", "2001:db8:7:ffff::1").await,
        429,
    )
    .await;
    let (code, err) = run(&[("EVENTLY_IPV6_PREFIX", "32")], &["migrate"]);
    assert_eq!(code, 2);
    assert_one_clear_line(&err, "EVENTLY_IPV6_PREFIX");
}

/// Sign-in attempts are counted per client network: the core counts the client's rate key
/// (the /64), which the server hands it with every request.
#[tokio::test]
async fn wrong_passwords_from_one_64_are_counted_together() {
    let app = spawn_with(TestDb::sqlite().await, Clock::System, &[BEHIND_PROXY]).await;
    let attempt = |i: u64| {
        // A different account each time, so only the per-client limit can stop them.
        app.http
            .post(app.at("/api/v1/auth/login"))
            .header("x-forwarded-for", format!("2001:db8:9:9::{:x}", i + 1))
            .json(
                &json!({"email": format!("nobody{i}@example.com"), "password": "wrong password!"}),
            )
            .send()
    };
    let allowance = evently::ratelimit::tiers::LOGIN_CLIENT.max;
    for i in 0..allowance {
        assert_eq!(attempt(i).await.unwrap().status(), 401, "attempt {i}");
    }
    error_of(attempt(allowance).await.unwrap(), 429).await;
}

// ---- 6b. /metrics is private ----

#[tokio::test]
async fn metrics_answer_only_allowed_addresses_or_the_token() {
    let token = "Zq8vN3xR7tLw2KpE9sYb4HcUa6MfJd1G";
    for app in spawn_all_with(&[BEHIND_PROXY, ("EVENTLY_METRICS_TOKEN", token)]).await {
        // Loopback (the default allow-list) may read them.
        assert_eq!(app.get("/metrics", None).await.status(), 200);
        // Anyone else gets the 404 of a path that does not exist.
        let outsider = get_from(&app, "/metrics", "203.0.113.5").await;
        assert_eq!(error_of(outsider, 404).await["code"], "not_found");
        for wrong in ["Bearer nope", &format!("Bearer {token}x"), token] {
            let r = app
                .http
                .get(app.at("/metrics"))
                .header("x-forwarded-for", "203.0.113.5")
                .header("authorization", wrong)
                .send()
                .await
                .unwrap();
            error_of(r, 404).await;
        }
        // The token opens them from anywhere.
        let r = app
            .http
            .get(app.at("/metrics"))
            .header("x-forwarded-for", "203.0.113.5")
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", app.engine);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("evently_http_requests_total")
        );
    }
}

#[tokio::test]
async fn the_metrics_allow_list_replaces_loopback() {
    let app = spawn_with(
        TestDb::sqlite().await,
        Clock::System,
        &[
            BEHIND_PROXY,
            ("EVENTLY_METRICS_ALLOW", "198.51.100.0/24, 2001:db8:5::/48"),
        ],
    )
    .await;
    for (addr, status) in [
        ("198.51.100.7", 200),
        ("2001:db8:5:1::9", 200),
        ("198.51.101.7", 404),
        ("2001:db8:6::1", 404),
    ] {
        assert_eq!(
            get_from(&app, "/metrics", addr).await.status().as_u16(),
            status,
            "{addr}"
        );
    }
    // A plain loopback request: not in the list any more, and no token is configured.
    error_of(app.get("/metrics", None).await, 404).await;
    let (code, err) = run(&[("EVENTLY_METRICS_ALLOW", "10.0.0.0/33")], &["migrate"]);
    assert_eq!(code, 2);
    assert_one_clear_line(&err, "EVENTLY_METRICS_ALLOW");
}

// ---- 7 and 8. Live connections ----

async fn ws_as(app: &TestApp, addr: &str) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let url = format!("{}/api/v1/live", app.url.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("x-forwarded-for", addr.parse().unwrap());
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
}

/// Asserts the upgrade was refused with 429, `Retry-After` and the JSON error.
fn assert_refused(r: Result<Ws, tokio_tungstenite::tungstenite::Error>) {
    match r {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            assert_eq!(res.status().as_u16(), 429);
            assert!(res.headers().contains_key("retry-after"));
            let body: Value = serde_json::from_slice(res.body().as_deref().unwrap_or(b"{}"))
                .expect("a JSON error");
            assert_eq!(body["error"]["code"], "rate_limited");
        }
        Err(e) => panic!("refused the wrong way: {e}"),
        Ok(_) => panic!("connected past the cap"),
    }
}

async fn send(ws: &mut Ws, msg: Value) {
    ws.send(Message::Text(msg.to_string().into()))
        .await
        .unwrap();
}

/// Every JSON message received within `window`.
async fn messages(ws: &mut Ws, window: Duration) -> Vec<Value> {
    let deadline = Instant::now() + window;
    let mut out = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => out.push(serde_json::from_str(&t).unwrap()),
            Ok(Some(Ok(_))) => {}
            _ => break,
        }
    }
    out
}

fn about(msgs: &[Value], event: i64) -> Vec<&Value> {
    msgs.iter().filter(|m| m["event_id"] == event).collect()
}

#[tokio::test]
async fn live_connections_are_capped_per_client_network_and_in_all() {
    for app in spawn_all_with(&[
        BEHIND_PROXY,
        ("EVENTLY_WS_MAX_PER_CLIENT", "2"),
        ("EVENTLY_WS_MAX_TOTAL", "3"),
    ])
    .await
    {
        let first = ws_as(&app, "2001:db8:4:4::a").await.unwrap();
        let _second = ws_as(&app, "2001:db8:4:4::b").await.unwrap();
        // A third address in the same /64 is the same client.
        assert_refused(ws_as(&app, "2001:db8:4:4::c").await);
        let _other = ws_as(&app, "203.0.113.20").await.unwrap();
        // Three open: the server is full for everyone.
        assert_refused(ws_as(&app, "203.0.113.21").await);
        // A closed connection gives its place back.
        drop(first);
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            match ws_as(&app, "2001:db8:4:4::d").await {
                Ok(_) => break,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                Err(e) => panic!("the place was not given back: {e}"),
            }
        }
        let text = app.get("/metrics", None).await.text().await.unwrap();
        assert!(
            text.contains("evently_ws_refused_total{reason=\"client\"} 1")
                && text.contains("evently_ws_refused_total{reason=\"server\"}"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_connection_that_floods_messages_is_closed_with_1008() {
    for app in spawn_all_with(&[]).await {
        let mut ws = ws_as(&app, "203.0.113.30").await.unwrap();
        for _ in 0..300 {
            // The server may close while we are still sending.
            let _ = ws
                .send(Message::Text(json!({"type": "ping"}).to_string().into()))
                .await;
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut pongs = 0;
        let code = loop {
            let left = deadline
                .checked_duration_since(Instant::now())
                .expect("no close frame within 3 s");
            match tokio::time::timeout(left, ws.next()).await {
                Ok(Some(Ok(Message::Close(Some(frame))))) => break u16::from(frame.code),
                Ok(Some(Ok(Message::Text(_)))) => pongs += 1,
                Ok(Some(Ok(_))) => {}
                other => panic!("no close frame: {other:?}"),
            }
        };
        assert_eq!(code, 1008, "{}", app.engine);
        assert!(
            (120..300).contains(&pongs),
            "the burst was served, the rest not: {pongs}"
        );
    }
}

async fn draft_and_published(app: &TestApp) -> (User, Value, Value) {
    let org = app.user("org", "organizer").await;
    let starts = chrono::Utc::now() + chrono::Duration::days(20);
    let r = app
        .post(
            "/api/v1/events",
            Some(&org.token),
            json!({
                "title": "Secret Draft", "description": "Not yet announced.", "venue": "Hidden Hall",
                "city": "Berlin", "category": "music", "starts_at": starts.to_rfc3339(),
                "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
                "ticket_types": [{"name": "GA", "price_cents": 1000, "capacity": 77}],
            }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let draft: Value = r.json().await.unwrap();
    let published = app
        .published_event(
            &org,
            json!([{"name": "GA", "price_cents": 1000, "capacity": 10}]),
        )
        .await;
    (org, draft, published)
}

#[tokio::test]
async fn draft_events_send_nothing_over_the_websocket() {
    for app in spawn_all_with(&[]).await {
        let (org, draft, published) = draft_and_published(&app).await;
        let (draft_id, draft_tt) = crate::helpers::event_ids(&draft);
        let (pub_id, _) = crate::helpers::event_ids(&published);
        // The public API does not show the draft.
        error_of(
            app.get(&format!("/api/v1/events/{draft_id}"), None).await,
            404,
        )
        .await;
        let mut ws = ws_as(&app, "203.0.113.40").await.unwrap();
        send(
            &mut ws,
            json!({"type": "subscribe", "event_ids": [draft_id, pub_id, 987_654_321]}),
        )
        .await;
        let msgs = messages(&mut ws, Duration::from_millis(800)).await;
        assert_eq!(msgs[0]["type"], "subscribed");
        assert!(
            about(&msgs, pub_id).iter().any(|m| m["type"] == "snapshot"),
            "the published event has its snapshot: {msgs:?}"
        );
        assert!(
            about(&msgs, draft_id).is_empty(),
            "nothing about the draft ({}): {msgs:?}",
            app.engine
        );
        // Its seats change (the organizer resizes it): still nothing.
        let r = app
            .post(
                &format!("/api/v1/ticket-types/{draft_tt}/capacity"),
                Some(&org.token),
                json!({"capacity": 80}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let msgs = messages(&mut ws, Duration::from_millis(800)).await;
        assert!(about(&msgs, draft_id).is_empty(), "{msgs:?}");
        let text = msgs.iter().map(Value::to_string).collect::<String>();
        assert!(!text.contains("draft"), "{text}");
    }
}

#[tokio::test]
async fn subscribing_again_to_followed_events_sends_no_new_snapshot() {
    for app in spawn_all_with(&[]).await {
        let (org, _draft, first) = draft_and_published(&app).await;
        let (first_id, _) = crate::helpers::event_ids(&first);
        let second = app
            .published_event(
                &org,
                json!([{"name": "GA", "price_cents": 500, "capacity": 5}]),
            )
            .await;
        let (second_id, _) = crate::helpers::event_ids(&second);
        let mut ws = ws_as(&app, "203.0.113.50").await.unwrap();
        send(
            &mut ws,
            json!({"type": "subscribe", "event_ids": [first_id]}),
        )
        .await;
        let msgs = messages(&mut ws, Duration::from_millis(600)).await;
        assert_eq!(about(&msgs, first_id).len(), 1, "{msgs:?}");
        for _ in 0..3 {
            send(
                &mut ws,
                json!({"type": "subscribe", "event_ids": [first_id]}),
            )
            .await;
        }
        send(
            &mut ws,
            json!({"type": "subscribe", "event_ids": [first_id, second_id]}),
        )
        .await;
        let msgs = messages(&mut ws, Duration::from_millis(800)).await;
        assert_eq!(
            msgs.iter().filter(|m| m["type"] == "subscribed").count(),
            4,
            "{msgs:?}"
        );
        assert!(
            about(&msgs, first_id).is_empty(),
            "no second snapshot ({}): {msgs:?}",
            app.engine
        );
        assert_eq!(about(&msgs, second_id).len(), 1, "only the new event's");
    }
}

// ---- 13. Cookies ----

/// Signs in through the page's form; the `Set-Cookie` values.
async fn sign_in_form(app: &TestApp, email: &str) -> reqwest::Response {
    app.http
        .post(app.at("/api/sign_in"))
        .header("accept", "text/html")
        .header("referer", app.at("/signin"))
        .form(&[
            ("email", email),
            ("password", PASSWORD),
            ("next", "/account"),
        ])
        .send()
        .await
        .unwrap()
}

fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// `name=value` of the cookie called `name`.
fn pair(cookies: &[String], name: &str) -> String {
    cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {cookies:?}"))
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_https_site_sets_host_prefixed_secure_cookies_and_reads_them_back() {
    let app = spawn_with(
        TestDb::sqlite().await,
        Clock::System,
        &[("EVENTLY_PUBLIC_URL", "https://tickets.example")],
    )
    .await;
    let user = app.user("ada", "attendee").await;
    let r = sign_in_form(&app, &user.email).await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let cookies = set_cookies(&r);
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    for c in &cookies {
        assert!(c.starts_with("__Host-evently_"), "{c}");
        let attrs: Vec<&str> = c.split(';').map(str::trim).collect();
        for a in ["Secure", "Path=/", "HttpOnly", "SameSite=Lax"] {
            assert!(attrs.contains(&a), "{a} in {c}");
        }
        assert!(!c.to_ascii_lowercase().contains("domain="), "{c}");
    }
    let access = pair(&cookies, "__Host-evently_at");
    let refresh = pair(&cookies, "__Host-evently_rt");
    let page = |cookie: String| {
        let app = &app;
        async move {
            app.http
                .get(app.at("/account"))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
        }
    };
    // Accepted back.
    let r = page(access.clone()).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(&user.email));
    // The unprefixed name (which another host could have set) is not read.
    let token = access.split_once('=').unwrap().1;
    let r = page(format!("evently_at={token}")).await;
    assert_eq!(r.status(), 302, "an unprefixed cookie signs nobody in");
    // A silent refresh from the refresh cookie alone renews both, prefixed.
    let r = page(refresh).await;
    assert_eq!(r.status(), 200);
    let renewed = set_cookies(&r);
    assert!(
        renewed.len() == 2 && renewed.iter().all(|c| c.starts_with("__Host-evently_")),
        "{renewed:?}"
    );
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    // Signing out clears the prefixed cookies.
    let r = app
        .http
        .post(app.at("/api/v1/auth/logout"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let cleared = set_cookies(&r);
    assert!(
        cleared
            .iter()
            .all(|c| c.starts_with("__Host-evently_") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
}

#[tokio::test]
async fn plain_http_in_development_keeps_the_cookie_names() {
    let app = spawn_with(TestDb::sqlite().await, Clock::System, &[]).await;
    let user = app.user("ada", "attendee").await;
    let cookies = set_cookies(&sign_in_form(&app, &user.email).await);
    assert_eq!(cookies.len(), 2);
    assert!(
        cookies
            .iter()
            .all(|c| c.starts_with("evently_") && !c.contains("Secure")),
        "{cookies:?}"
    );
}

// ---- 14. Key files and production secrets ----

fn config_without_secret(db: &TestDb, data_dir: &std::path::Path) -> server::config::Config {
    let url = db.url.clone();
    let dir = data_dir.display().to_string();
    server::config::Config::from_lookup(move |k| match k {
        "EVENTLY_ADDR" => Some("127.0.0.1:0".into()),
        "DATABASE_URL" => Some(url.clone()),
        "EVENTLY_DATA_DIR" => Some(dir.clone()),
        _ => None,
    })
    .unwrap()
}

#[cfg(unix)]
#[tokio::test]
async fn the_generated_signing_key_is_private_and_never_written_through_a_link() {
    use server::startup::{Application, BuildOptions};
    use std::os::unix::fs::PermissionsExt;
    let base = std::env::temp_dir().join(format!("evently-keys-{}", uuid::Uuid::new_v4()));
    let fresh = base.join("fresh");
    let db = TestDb::sqlite().await;
    let app = Application::build(config_without_secret(&db, &fresh), BuildOptions::default())
        .await
        .expect("starts");
    drop(app);
    let key = fresh.join("jwt-signing.key");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    // A link planted where the key goes is not followed: start-up stops instead.
    let planted = base.join("planted");
    std::fs::create_dir_all(&planted).unwrap();
    let elsewhere = base.join("world-readable-copy");
    std::os::unix::fs::symlink(&elsewhere, planted.join("jwt-signing.key")).unwrap();
    let db = TestDb::sqlite().await;
    let err = match Application::build(
        config_without_secret(&db, &planted),
        BuildOptions::default(),
    )
    .await
    {
        Ok(_) => panic!("started with a planted link"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("jwt-signing.key"), "{err}");
    assert!(!elsewhere.exists(), "the key was written through the link");
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn production_refuses_test_placeholder_and_low_entropy_secrets() {
    let prod = [
        ("EVENTLY_ENV", "production"),
        ("EVENTLY_PUBLIC_URL", "https://tickets.example"),
    ];
    for (var, value) in [
        ("EVENTLY_JWT_SECRET", JWT_SECRET),
        ("EVENTLY_JWT_SECRET", "changeme-changeme-changeme-changeme"),
        (
            "EVENTLY_JWT_SECRET",
            "my-example-jwt-key-for-the-tickets-site",
        ),
        ("EVENTLY_JWT_SECRET", "abababababababababababababababababab"),
        (
            "EVENTLY_METRICS_TOKEN",
            "secret-token-for-prometheus-scrapes",
        ),
    ] {
        let mut env = prod.to_vec();
        if var != "EVENTLY_JWT_SECRET" {
            env.push(("EVENTLY_JWT_SECRET", "9f2c4e1a7b3d8f6e0a5c2b9d4e7f1a3c"));
        }
        env.push((var, value));
        let (code, err) = run(&env, &["migrate"]);
        assert_eq!(code, 2, "{var}={value}: {err}");
        assert_one_clear_line(&err, var);
        assert!(!err.contains(value), "the secret is not printed: {err}");
    }
    // A random key is fine (with the mail transport and ticket key production also needs).
    let mut env = prod.to_vec();
    env.push((
        "EVENTLY_JWT_SECRET",
        "9f2c4e1a7b3d8f6e0a5c2b9d4e7f1a3c6b8d0e2f4a6c8e0b2d4f6a8c0e2b4d6f",
    ));
    env.push(("SMTP_URL", "smtp://127.0.0.1:9"));
    env.push((
        "EVENTLY_TICKET_KEY",
        "5c1e9a0b7d3f28e4a6c1b9d0e7f3a2c5b8d1e4f7a0c3b6d9e2f5a8c1b4d7e0f3",
    ));
    let (code, err) = run(&env, &["migrate"]);
    assert_eq!(code, 2, "{err}");
    assert_one_clear_line(&err, "EVENTLY_VAPID_KEY");
    env.push((
        "EVENTLY_VAPID_KEY",
        "7a3f1c9e5b2d8a4f6c0e3b7d9f1a5c2e8b4d6f0a3c7e9b1d5f2a8c4e6b0d3f7a",
    ));
    let (code, err) = run(&env, &["migrate"]);
    assert_eq!(code, 0, "{err}");
}

// ---- 15. Defence in depth ----

#[tokio::test]
async fn api_bodies_must_be_declared_json() {
    for app in spawn_all_with(&[]).await {
        let org = app.user("org", "organizer").await;
        let login = json!({"email": org.email, "password": PASSWORD}).to_string();
        for ct in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
        ] {
            let mut r = app
                .http
                .post(app.at("/api/v1/auth/login"))
                .body(login.clone());
            if let Some(ct) = ct {
                r = r.header("content-type", ct);
            }
            let err = error_of(r.send().await.unwrap(), 415).await;
            assert_eq!(err["code"], "unsupported_media_type", "{ct:?}");
        }
        // Authenticated writes too.
        let r = app
            .http
            .post(app.at("/api/v1/events"))
            .bearer_auth(&org.token)
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap();
        error_of(r, 415).await;
        // JSON, with or without a charset, is read as before.
        for ct in ["application/json", "application/json; charset=utf-8"] {
            let r = app
                .http
                .post(app.at("/api/v1/auth/login"))
                .header("content-type", ct)
                .body(login.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{ct}");
        }
        // Requests without a body need no type.
        let r = app
            .http
            .post(app.at("/api/v1/auth/logout"))
            .bearer_auth(&org.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
}

#[tokio::test]
async fn token_responses_are_never_stored() {
    for app in spawn_all_with(&[]).await {
        let email = format!("nostore-{}@example.com", uuid::Uuid::new_v4().simple());
        let r = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": email, "password": PASSWORD, "name": "Ada"}),
            )
            .await;
        assert_eq!(r.status(), 202);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let pair: Value = r.json().await.unwrap();
        let r = app
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({"refresh_token": pair["refresh_token"]}),
            )
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        // Refusals too.
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": email, "password": "wrong password!"}),
            )
            .await;
        assert_eq!(r.headers()["cache-control"], "no-store");
        error_of(r, 401).await;
    }
}

#[tokio::test]
async fn only_plain_short_request_ids_are_kept() {
    let app = spawn_with(TestDb::sqlite().await, Clock::System, &[]).await;
    let with_id = |id: &str| {
        app.http
            .get(app.at("/health"))
            .header("x-request-id", id)
            .send()
    };
    let echoed = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().unwrap().to_string();
    for kept in ["trace-me-123", "a.b_c-D", &"x".repeat(64)] {
        assert_eq!(echoed(&with_id(kept).await.unwrap()), kept);
    }
    for forged in [
        "x".repeat(65),
        "a b".into(),
        "id\" level=error msg=\"forged".into(),
        "abc/def".into(),
    ] {
        let got = echoed(&with_id(&forged).await.unwrap());
        assert_ne!(got, forged);
        assert!(
            got.len() == 36 && got.chars().all(|c| c.is_ascii_hexdigit() || c == '-'),
            "a generated id instead of {forged:?}: {got}"
        );
    }
    // Sent twice: neither is believed.
    let r = app
        .http
        .get(app.at("/health"))
        .header("x-request-id", "one")
        .header("x-request-id", "two")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed(&r).len(), 36);
}
