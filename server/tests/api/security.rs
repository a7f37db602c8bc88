//! Each defence, with a test that would fail without it.

use crate::helpers::{JWT_SECRET, PASSWORD, error_of, spawn, spawn_with};
use base64::Engine;
use evently::clock::Clock;
use evently::testing::TestDb;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

#[tokio::test]
async fn forged_and_expired_tokens_are_refused() {
    let app = spawn(TestDb::sqlite().await, Clock::System).await;
    let user = app.user("ada", "attendee").await;
    assert_eq!(app.get("/api/v1/me", Some(&user.token)).await.status(), 200);
    let payload = user.token.split('.').nth(1).unwrap().to_string();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&payload)
            .unwrap(),
    )
    .unwrap();
    // alg: none, with the genuine claims.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        payload
    );
    error_of(app.get("/api/v1/me", Some(&none)).await, 401).await;
    // A wrong signature (another key), and another algorithm with the right key.
    let other = jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(b"another-key-another-key-another-key"),
    )
    .unwrap();
    error_of(app.get("/api/v1/me", Some(&other)).await, 401).await;
    let hs512 = jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS512),
        &claims,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    error_of(app.get("/api/v1/me", Some(&hs512)).await, 401).await;
    // The right key, but the wrong audience, issuer, or an expired token.
    let key = EncodingKey::from_secret(JWT_SECRET.as_bytes());
    let mut c = claims.clone();
    c["aud"] = json!("someone-else");
    error_of(
        app.get(
            "/api/v1/me",
            Some(&jsonwebtoken::encode(&Header::default(), &c, &key).unwrap()),
        )
        .await,
        401,
    )
    .await;
    let mut c = claims.clone();
    c["iss"] = json!("not-evently");
    error_of(
        app.get(
            "/api/v1/me",
            Some(&jsonwebtoken::encode(&Header::default(), &c, &key).unwrap()),
        )
        .await,
        401,
    )
    .await;
    let mut c = claims.clone();
    c["exp"] = json!(chrono::Utc::now().timestamp() - 5);
    error_of(
        app.get(
            "/api/v1/me",
            Some(&jsonwebtoken::encode(&Header::default(), &c, &key).unwrap()),
        )
        .await,
        401,
    )
    .await;
    // The genuine token, re-signed correctly, still works: the checks above are the cause.
    let resigned = jsonwebtoken::encode(&Header::default(), &claims, &key).unwrap();
    assert_eq!(app.get("/api/v1/me", Some(&resigned)).await.status(), 200);
}

#[tokio::test]
async fn a_reused_refresh_token_kills_the_session() {
    let clock = Clock::manual(chrono::Utc::now().timestamp_millis());
    let app = spawn(TestDb::sqlite().await, clock.clone()).await;
    let user = app.user("ada", "attendee").await;
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": user.refresh}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let rotated: Value = r.json().await.unwrap();
    let new_access = rotated["access_token"].as_str().unwrap().to_string();
    assert_eq!(app.get("/api/v1/me", Some(&new_access)).await.status(), 200);
    // The spent token comes back (later than two requests of one browser at once would):
    // the whole session dies, including the new tokens.
    clock.advance_ms(evently::accounts::REFRESH_GRACE_MS + 1);
    error_of(
        app.post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": user.refresh}),
        )
        .await,
        401,
    )
    .await;
    error_of(app.get("/api/v1/me", Some(&new_access)).await, 401).await;
    error_of(app.get("/api/v1/me", Some(&user.token)).await, 401).await;
    let rt = rotated["refresh_token"].as_str().unwrap();
    error_of(
        app.post("/api/v1/auth/refresh", None, json!({"refresh_token": rt}))
            .await,
        401,
    )
    .await;
}

async fn wrong_logins(
    app: &crate::helpers::TestApp,
    email: &str,
    n: usize,
    forwarded: bool,
) -> Vec<u16> {
    let mut out = Vec::new();
    for i in 0..n {
        let mut r = app
            .http
            .post(app.at("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": format!("wrong password {i}")}));
        if forwarded {
            r = r.header("x-forwarded-for", format!("203.0.113.{i}"));
        }
        out.push(r.send().await.unwrap().status().as_u16());
    }
    out
}

#[tokio::test]
async fn past_five_wrong_passwords_an_account_waits_even_from_a_new_forwarded_address() {
    let app = spawn(TestDb::sqlite().await, Clock::System).await;
    let user = app.user("ada", "attendee").await;
    // Five free attempts, then one per delay (1 s, 2 s, ... at most a minute): the sixth is
    // checked, the seventh right after it waits, whatever address it comes from.
    assert_eq!(wrong_logins(&app, &user.email, 6, true).await, vec![401; 6]);
    let r = app
        .http
        .post(app.at("/api/v1/auth/login"))
        .header("x-forwarded-for", "198.51.100.77")
        .json(&json!({"email": user.email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "even the right password waits now");
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        retry > 0 && retry <= 60,
        "a short wait, never a lockout: {retry}"
    );
    assert_eq!(error_of(r, 429).await["code"], "rate_limited");
    // After the wait the owner gets in.
    tokio::time::sleep(
        std::time::Duration::from_secs(retry) + std::time::Duration::from_millis(200),
    )
    .await;
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": user.email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn login_limits_are_shared_across_instances_through_redis() {
    let redis = evently::testing::redis_url();
    if redis::Client::open(redis.as_str()).ok().is_none()
        || tokio::net::TcpStream::connect("127.0.0.1:6379")
            .await
            .is_err()
    {
        assert!(
            !evently::testing::in_ci(),
            "CI=true but Redis is not reachable at {redis}"
        );
        eprintln!("\n*** SKIPPING Redis test: no server at {redis} ***\n");
        return;
    }
    let ns = format!("evtest{}", uuid::Uuid::new_v4().simple());
    let env = [
        ("REDIS_URL", redis.as_str()),
        ("EVENTLY_REDIS_NAMESPACE", ns.as_str()),
    ];
    let db = TestDb::postgres().await;
    let (a, b) = match db {
        Some(pg) => {
            let url = pg.url.clone();
            let a = spawn_with(pg, Clock::System, &env).await;
            let second = TestDb::postgres().await.unwrap();
            drop(second);
            let b = spawn_with(
                TestDb::sqlite().await,
                Clock::System,
                &[
                    ("REDIS_URL", redis.as_str()),
                    ("EVENTLY_REDIS_NAMESPACE", ns.as_str()),
                    ("DATABASE_URL", url.as_str()),
                ],
            )
            .await;
            (a, b)
        }
        None => return,
    };
    let user = a.user("ada", "attendee").await;
    assert_eq!(wrong_logins(&a, &user.email, 3, false).await, vec![401; 3]);
    assert_eq!(wrong_logins(&b, &user.email, 2, false).await, vec![401; 2]);
    // The sixth attempt takes the account's one turn on B; the seventh, on A, must wait:
    // both instances count the same attempts and share the turn.
    assert_eq!(wrong_logins(&b, &user.email, 1, false).await, vec![401]);
    assert_eq!(
        wrong_logins(&a, &user.email, 1, false).await,
        vec![429],
        "instance A counts B's attempts"
    );
    assert_eq!(wrong_logins(&b, &user.email, 1, false).await, vec![429]);
}

#[tokio::test]
async fn cross_site_writes_with_cookies_are_refused() {
    let app = spawn(TestDb::sqlite().await, Clock::System).await;
    let user = app.user("ada", "attendee").await;
    let cookie = format!("evently_at={}", user.token);
    // A form on another site posting with the victim's cookies.
    for (h, v) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("origin", "null"),
    ] {
        let r = app
            .http
            .post(app.at("/api/sign_out"))
            .header("cookie", &cookie)
            .header(h, v)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .unwrap();
        assert_eq!(error_of(r, 403).await["code"], "forbidden", "{h}: {v}");
    }
    let r = app
        .http
        .delete(app.at("/api/v1/me"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    error_of(r, 403).await;
    // Still signed in: nothing happened.
    assert_eq!(app.get("/api/v1/me", Some(&user.token)).await.status(), 200);
    // Same-origin posts and Bearer calls are fine.
    let r = app
        .http
        .post(app.at("/api/v1/auth/logout"))
        .bearer_auth(&user.token)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        204,
        "a Bearer token cannot be forged cross-site"
    );
}

#[tokio::test]
async fn pages_carry_security_headers_and_sessions_use_httponly_cookies() {
    for production in [false, true] {
        let env: Vec<(&str, &str)> = if production {
            vec![
                ("EVENTLY_ENV", "production"),
                ("EVENTLY_PUBLIC_URL", "https://tickets.example"),
                // Production refuses the test suite's key.
                ("EVENTLY_JWT_SECRET", "9f2c4e1a7b3d8f6e0a5c2b9d4e7f1a3c"),
                ("SMTP_URL", "smtp://127.0.0.1:9"),
                (
                    "EVENTLY_TICKET_KEY",
                    "5c1e9a0b7d3f28e4a6c1b9d0e7f3a2c5b8d1e4f7a0c3b6d9e2f5a8c1b4d7e0f3",
                ),
                (
                    "EVENTLY_VAPID_KEY",
                    "7a3f1c9e5b2d8a4f6c0e3b7d9f1a5c2e8b4d6f0a3c7e9b1d5f2a8c4e6b0d3f7a",
                ),
            ]
        } else {
            vec![]
        };
        let app = spawn_with(TestDb::sqlite().await, Clock::System, &env).await;
        let r = app.get("/", None).await;
        let h = r.headers().clone();
        let html = r.text().await.unwrap();
        let csp = h["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"));
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "scripts from this site: {csp}"
        );
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("nonce-"),
            "no inline script allowed by a blanket rule or a per-response nonce: {csp}"
        );
        // Every script element loads a file of this site, is data (JSON-LD), or is an
        // inline script whose exact text the policy allows by its hash.
        let mut inline = 0;
        for chunk in html.split("<script").skip(1) {
            let (tag, rest) = chunk.split_once('>').unwrap();
            if tag.contains(" src=\"/") || tag.contains("type=\"application/ld+json\"") {
                continue;
            }
            inline += 1;
            let text = rest.split("</script").next().unwrap();
            use base64::Engine;
            use sha2::Digest;
            let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text));
            assert!(
                csp.contains(&format!("'sha256-{hash}'")),
                "inline script not allowed by the policy: {text}"
            );
        }
        assert!(inline >= 1, "Leptos's hydration state is inline and hashed");
        assert!(
            html.contains("<script type=\"module\" src=\"/pkg/boot"),
            "the boot module"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
        assert_eq!(h.get("strict-transport-security").is_some(), production);
        // Sign in through the page's form (no JavaScript): cookies, never tokens in the body.
        let user = app.user("ada", "attendee").await;
        let r = app
            .http
            .post(app.at("/api/sign_in"))
            .header("accept", "text/html")
            .header("referer", app.at("/signin"))
            .form(&[
                ("email", user.email.as_str()),
                ("password", PASSWORD),
                ("next", "/account"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 302);
        assert_eq!(r.headers()["location"], "/account");
        let cookies: Vec<String> = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        assert_eq!(cookies.len(), 2, "{cookies:?}");
        for c in &cookies {
            assert!(
                c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Path=/"),
                "{c}"
            );
            assert_eq!(c.contains("Secure"), production, "{c}");
        }
        // The cookie signs the browser in; an open redirect is not possible.
        // Over https the session cookies carry the `__Host-` prefix.
        let name = if production {
            "__Host-evently_at="
        } else {
            "evently_at="
        };
        let at = cookies
            .iter()
            .find(|c| c.starts_with(name))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let page = app
            .http
            .get(app.at("/account"))
            .header("cookie", &at)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains(&user.email));
        let r = app
            .http
            .post(app.at("/api/sign_in"))
            .header("accept", "text/html")
            .header("referer", app.at("/signin"))
            .form(&[
                ("email", user.email.as_str()),
                ("password", PASSWORD),
                ("next", "//evil.example/x"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], "/");
    }
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_bad_form_input_is_explained() {
    let app = spawn(TestDb::sqlite().await, Clock::System).await;
    let r = app.get("/account", None).await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/signin?next=/account");
    // A wrong password through the no-JavaScript form comes back with the error on the page.
    let r = app
        .http
        .post(app.at("/api/sign_in"))
        .header("accept", "text/html")
        .header("referer", app.at("/signin"))
        .form(&[
            ("email", "nobody@example.com"),
            ("password", "wrong password!"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(back, "/signin", "back to the form, nothing in the address");
    // What was typed (never the password) and the error travel in a short-lived cookie.
    let flash = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("evently_form="))
        .expect("a form cookie")
        .to_string();
    assert!(
        flash.contains("HttpOnly") && flash.contains("Max-Age=300"),
        "{flash}"
    );
    let pair = flash.split(';').next().unwrap().to_string();
    let r = app
        .http
        .get(app.at(&back))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let cleared = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("evently_form=;") && c.contains("Max-Age=0"));
    assert!(cleared, "the page clears the form cookie: it is shown once");
    let page = r.text().await.unwrap();
    assert!(
        page.contains("wrong e-mail or password") || page.contains("Wrong e-mail or password"),
        "the page explains"
    );
    assert!(
        page.contains(r#"value="nobody@example.com""#),
        "the address is kept"
    );
    assert!(!page.contains("wrong password!"), "never the password");
    // Without the cookie the form is clean.
    let page = app.get("/signin", None).await.text().await.unwrap();
    assert!(!page.contains("nobody@example.com") && !page.contains("There is a problem"));
    // User text is escaped in pages.
    let email = "xss@example.com";
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "name": "<script>alert(1)</script>"}),
        )
        .await;
    assert_eq!(r.status(), 202);
    let login: Value = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": email, "password": PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    let r = app
        .http
        .get(app.at("/account"))
        .header("cookie", format!("evently_at={token}"))
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)</script>") && html.contains("&lt;script&gt;"));
}
