//! The asset pipeline over HTTP: a tiny built site in a temporary folder (content-hashed
//! files with `.br` and `.gz` siblings and a `hash.txt`), served by the real server.

use crate::helpers::{TestApp, spawn_with};
use evently::clock::Clock;
use evently::testing::TestDb;
use reqwest::Response;
use std::path::PathBuf;

const JS_HASH: &str = "0123456789abcdef";
const WASM_HASH: &str = "fedcba9876543210";
const CSS_HASH: &str = "00112233aabbccdd";
const BOOT_HASH: &str = "4455667788990011";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A built site in a temporary folder, removed on drop. Each compressed sibling has its own
/// recognisable bytes, so a test can tell which file was sent.
struct FakeSite {
    root: PathBuf,
}

impl FakeSite {
    fn new() -> FakeSite {
        let root =
            std::env::temp_dir().join(format!("evently-site-{}", uuid::Uuid::new_v4().simple()));
        let write = |rel: &str, bytes: &[u8]| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        };
        for (name, body) in [
            (format!("pkg/evently.{JS_HASH}.js"), "export default 1;"),
            (format!("pkg/evently.{WASM_HASH}.wasm"), "\0asm wasm bytes"),
            (format!("pkg/evently.{CSS_HASH}.css"), "body { margin: 0 }"),
            (
                format!("pkg/boot.{BOOT_HASH}.js"),
                "import('/pkg/evently.js');",
            ),
        ] {
            write(&name, body.as_bytes());
            write(&format!("{name}.br"), format!("br:{body}").as_bytes());
            write(&format!("{name}.gz"), format!("gz:{body}").as_bytes());
        }
        write(
            "hash.txt",
            format!("js: {JS_HASH}\nwasm: {WASM_HASH}\ncss: {CSS_HASH}\nboot: {BOOT_HASH}\n")
                .as_bytes(),
        );
        write(
            "favicon.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        );
        write("favicon.svg.br", b"br:svg");
        // No .gz on purpose: a gzip-only client gets the file as it is, not gzipped on the fly.
        write(
            "img/plain.svg",
            "<svg>plain, long enough to be worth compressing</svg>"
                .repeat(20)
                .as_bytes(),
        );
        write("sw.js", b"self.addEventListener('push', () => {});");
        FakeSite { root }
    }

    async fn serve(&self) -> TestApp {
        let root = self.root.display().to_string();
        spawn_with(
            TestDb::sqlite().await,
            Clock::System,
            &[("EVENTLY_SITE_ROOT", &root)],
        )
        .await
    }
}

impl Drop for FakeSite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut r = app.http.get(app.at(path));
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.send().await.unwrap()
}

fn header(r: &Response, name: &str) -> Option<String> {
    let values: Vec<String> = r
        .headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

fn varies_on(r: &Response, what: &str) -> bool {
    header(r, "vary").is_some_and(|v| v.to_ascii_lowercase().contains(what))
}

#[tokio::test]
async fn hashed_assets_are_sent_precompressed_by_accept_encoding_and_kept_for_a_year() {
    let site = FakeSite::new();
    let app = site.serve().await;
    for (path, body, content_type) in [
        (
            format!("/pkg/evently.{JS_HASH}.js"),
            "export default 1;",
            "text/javascript",
        ),
        (
            format!("/pkg/evently.{WASM_HASH}.wasm"),
            "\0asm wasm bytes",
            "application/wasm",
        ),
        (
            format!("/pkg/evently.{CSS_HASH}.css"),
            "body { margin: 0 }",
            "text/css",
        ),
    ] {
        for (accept, encoding, expected) in [
            (Some("br"), Some("br"), format!("br:{body}")),
            (Some("gzip"), Some("gzip"), format!("gz:{body}")),
            (Some("gzip, deflate, br"), Some("br"), format!("br:{body}")),
            (Some("br, gzip"), Some("br"), format!("br:{body}")),
            (Some("br;q=0.5, gzip"), Some("gzip"), format!("gz:{body}")),
            (Some("identity"), None, body.to_string()),
            (None, None, body.to_string()),
        ] {
            let headers: Vec<(&str, &str)> =
                accept.map(|a| ("accept-encoding", a)).into_iter().collect();
            let r = get(&app, &path, &headers).await;
            assert_eq!(r.status(), 200, "{path} {accept:?}");
            assert_eq!(
                header(&r, "content-encoding").as_deref(),
                encoding,
                "{path} {accept:?}"
            );
            assert!(
                header(&r, "content-type")
                    .unwrap()
                    .starts_with(content_type),
                "{path}: {:?}",
                header(&r, "content-type")
            );
            assert_eq!(
                header(&r, "cache-control").as_deref(),
                Some(IMMUTABLE),
                "{path}"
            );
            assert!(varies_on(&r, "accept-encoding"), "{path} {accept:?}");
            assert_eq!(
                r.bytes().await.unwrap(),
                expected.as_bytes(),
                "{path} {accept:?}"
            );
        }
    }
}

#[tokio::test]
async fn static_files_are_never_compressed_on_the_fly() {
    let site = FakeSite::new();
    let app = site.serve().await;
    let original = std::fs::read(site.root.join("img/plain.svg")).unwrap();
    let r = get(&app, "/img/plain.svg", &[("accept-encoding", "gzip")]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "content-encoding"),
        None,
        "sent as built, not gzipped again"
    );
    assert!(
        header(&r, "content-type")
            .unwrap()
            .starts_with("image/svg+xml")
    );
    assert_eq!(r.bytes().await.unwrap(), original);
    // With a brotli sibling and a client that takes both, the sibling goes out as it is.
    let r = get(&app, "/favicon.svg", &[("accept-encoding", "gzip, br")]).await;
    assert_eq!(header(&r, "content-encoding").as_deref(), Some("br"));
    assert_eq!(r.bytes().await.unwrap(), "br:svg".as_bytes());
}

#[tokio::test]
async fn other_static_files_get_short_policies() {
    let site = FakeSite::new();
    let app = site.serve().await;
    let r = get(&app, "/favicon.svg", &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "cache-control").as_deref(),
        Some("public, max-age=3600")
    );
    assert!(varies_on(&r, "accept-encoding"));
    let r = get(&app, "/sw.js", &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "cache-control").as_deref(), Some("no-cache"));
    // A hashed name that is not there is a 404 page, never cached for a year.
    let r = get(&app, "/pkg/evently.0000000000000000.js", &[]).await;
    assert_eq!(r.status(), 404);
    assert_ne!(header(&r, "cache-control").as_deref(), Some(IMMUTABLE));
}

#[tokio::test]
async fn pages_link_the_hashed_names_and_stay_compressed() {
    let site = FakeSite::new();
    let app = site.serve().await;
    let r = get(&app, "/", &[]).await;
    assert_eq!(r.status(), 200);
    let csp = header(&r, "content-security-policy").unwrap_or_default();
    let html = r.text().await.unwrap();
    for name in [
        format!("/pkg/evently.{JS_HASH}.js"),
        format!("/pkg/evently.{WASM_HASH}.wasm"),
        format!("/pkg/boot.{BOOT_HASH}.js"),
    ] {
        assert!(html.contains(&name), "the page links {name}");
    }
    // The style sheet is written into the page (no second round trip before first paint),
    // and the policy allows exactly that block.
    assert!(html.contains("<style>body { margin: 0 }</style>"), "{html}");
    assert!(!html.contains(&format!("/pkg/evently.{CSS_HASH}.css")));
    // echo -n 'body { margin: 0 }' | openssl dgst -sha256 -binary | base64
    let style_hash = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::STANDARD
            .encode(sha2::Sha256::digest(b"body { margin: 0 }"))
    };
    assert!(
        csp.contains(&format!("style-src 'self' 'sha256-{style_hash}';")),
        "{csp}"
    );
    assert!(!html.contains("/pkg/evently.js") && !html.contains("evently_bg.wasm"));
    assert!(!html.contains("/style/evently.css"));
    // Dynamic responses are still compressed on the fly.
    let r = get(&app, "/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&r, "content-encoding").as_deref(), Some("gzip"));
    let r = get(&app, "/api/openapi.json", &[("accept-encoding", "gzip")]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-encoding").as_deref(), Some("gzip"));
}

#[tokio::test]
async fn anonymous_pages_are_public_and_personal_ones_private() {
    let site = FakeSite::new();
    let app = site.serve().await;
    let public = "public, max-age=0, must-revalidate";
    let private = "private, no-store";

    for path in ["/", "/search", "/signin", "/no/such/page"] {
        let r = get(&app, path, &[]).await;
        assert_eq!(
            header(&r, "cache-control").as_deref(),
            Some(public),
            "{path}"
        );
        assert!(
            varies_on(&r, "cookie"),
            "{path}: an anonymous copy is never shown to a session"
        );
    }
    for path in [
        "/account",
        "/bookings",
        "/checkout/1",
        "/organizer",
        "/admin",
    ] {
        let r = get(&app, path, &[]).await;
        assert_eq!(
            header(&r, "cache-control").as_deref(),
            Some(private),
            "{path} ({})",
            r.status()
        );
    }

    let user = app.user("cacher", "attendee").await;
    let cookie = format!("evently_at={}", user.token);
    for path in ["/", "/search", "/account", "/bookings"] {
        let r = get(&app, path, &[("cookie", &cookie)]).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(
            header(&r, "cache-control").as_deref(),
            Some(private),
            "{path} signed in"
        );
    }
    // A stale access token refreshed on the way sets cookies: that page is private too.
    let r = get(
        &app,
        "/",
        &[("cookie", &format!("evently_rt={}", user.refresh))],
    )
    .await;
    assert_eq!(header(&r, "cache-control").as_deref(), Some(private));
}
