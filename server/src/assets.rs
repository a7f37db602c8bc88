//! The built site's static files (`EVENTLY_SITE_ROOT`, written by `scripts/build-site.sh`):
//! content-hashed names, precompressed variants and their cache policy.
//!
//! The build names the wasm, JS and CSS `pkg/evently.<hash>.<ext>` and the boot module
//! `pkg/boot.<hash>.js`, where the hash is the first 16 hex digits of the file's SHA-256,
//! lists the hashes in `hash.txt` (`js: <hash>` lines), and writes a `.br` and a `.gz` beside
//! every compressible file. Here:
//! - [`read_hashes`] reads `hash.txt` once at start-up, for the page shell's links
//!   (`app::AssetPaths`);
//! - [`SiteFiles`] serves a file with the best encoding the client accepts (brotli, then gzip,
//!   else as it is), `Vary: Accept-Encoding`, its content type and its `Cache-Control`
//!   ([`cache_control_for`]); the response carries [`StaticFile`], which keeps the dynamic
//!   compression layer away from it ([`dynamic_compression`]).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::path::Path;
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::services::ServeDir;

/// Content-hashed files: the name changes whenever the content does, so keep them for a year.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Other static files (icons, images): their names stay, so caches check back within an hour.
pub const SHORT: &str = "public, max-age=3600";
/// A service worker must always be revalidated, or an old one would stay in charge.
pub const SERVICE_WORKER: &str = "no-cache";

/// The hash list the build writes into the site root.
pub const HASH_FILE: &str = "hash.txt";

/// Extensions the build precompresses; their responses vary by `Accept-Encoding`.
const COMPRESSIBLE: [&str; 11] = [
    "wasm",
    "js",
    "mjs",
    "css",
    "svg",
    "txt",
    "xml",
    "json",
    "webmanifest",
    "html",
    "ico",
];

/// Marks a response as a file of the built site, already compressed by the build where that
/// pays: the dynamic compression layer leaves it alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaticFile;

/// Whether a file name has the build's content hash: `<name>.<16 hex digits>.<ext>`.
pub fn is_content_hashed(file_name: &str) -> bool {
    let mut parts = file_name.rsplit('.');
    let (Some(_ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !stem.is_empty()
        && hash.len() == 16
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The `Cache-Control` of the static file at `path` (a URL path).
pub fn cache_control_for(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or_default();
    if path.starts_with("/pkg/") && is_content_hashed(name) {
        IMMUTABLE
    } else if name == "sw.js" {
        SERVICE_WORKER
    } else {
        SHORT
    }
}

fn compressible(path: &str) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(_, ext)| COMPRESSIBLE.contains(&ext))
}

/// The files of the built site.
#[derive(Clone)]
pub struct SiteFiles {
    dir: ServeDir,
}

impl SiteFiles {
    /// Serves files under `root`, preferring the build's `.br`, then `.gz` siblings.
    pub fn new(root: &Path) -> SiteFiles {
        let dir = ServeDir::new(root)
            .precompressed_br()
            .precompressed_gzip()
            .append_index_html_on_directories(false);
        SiteFiles { dir }
    }

    /// The file at the request's path with its headers, or `None` when this is not a GET or
    /// HEAD or there is no such file (the caller renders its not-found page). The future owns
    /// what it needs, so the caller keeps `req` for that page.
    pub fn serve(&self, req: &Request) -> impl Future<Output = Option<Response>> + Send + 'static {
        let probe = matches!(*req.method(), Method::GET | Method::HEAD).then(|| {
            let mut probe = Request::new(Body::empty());
            *probe.method_mut() = req.method().clone();
            *probe.uri_mut() = req.uri().clone();
            *probe.headers_mut() = req.headers().clone();
            probe
        });
        let dir = self.dir.clone();
        async move {
            let probe = probe?;
            let path = probe.uri().path().to_string();
            let res = match dir.oneshot(probe).await {
                Ok(res) => res.into_response(),
                Err(never) => match never {},
            };
            (res.status() != StatusCode::NOT_FOUND).then(|| decorate(&path, res))
        }
    }
}

fn decorate(path: &str, mut res: Response) -> Response {
    let ok = res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED;
    let h = res.headers_mut();
    if ok {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control_for(path)),
        );
    }
    if compressible(path) {
        h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res.extensions_mut().insert(StaticFile);
    res
}

/// On-the-fly compression for dynamic responses (pages, JSON), never for [`StaticFile`]s.
pub fn dynamic_compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new().compress_when(DefaultPredicate::new().and(
        |_: StatusCode, _: http::Version, _: &http::HeaderMap, ext: &http::Extensions| {
            ext.get::<StaticFile>().is_none()
        },
    ))
}

/// The hashes of a built site's `hash.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashes {
    pub js: String,
    pub wasm: String,
    pub css: String,
    /// The boot module (`pkg/boot.<hash>.js`) that loads the wasm and hydrates the islands.
    pub boot: String,
}

impl Hashes {
    /// Parses `hash.txt` (`js: <hash>`, `wasm: <hash>`, `css: <hash>`, `boot: <hash>`
    /// lines); `None` unless all four are there.
    pub fn parse(text: &str) -> Option<Hashes> {
        let get = |key: &str| {
            text.lines().find_map(|line| {
                let (k, v) = line.trim().split_once(':')?;
                (k.trim() == key && !v.trim().is_empty()).then(|| v.trim().to_string())
            })
        };
        Some(Hashes {
            js: get("js")?,
            wasm: get("wasm")?,
            css: get("css")?,
            boot: get("boot")?,
        })
    }
}

/// The style sheet at `href` (a `/pkg/…` path of the site), to write into every page, or
/// `None` (linked instead) when it is missing, larger than 64 KiB, or could close the
/// `<style>` element early.
pub fn inline_css(site_root: &Path, href: &str) -> Option<std::sync::Arc<str>> {
    let path = site_root.join(href.trim_start_matches('/'));
    let css = std::fs::read_to_string(&path).ok()?;
    if css.len() > 64 * 1024 || css.to_ascii_lowercase().contains("</style") {
        tracing::warn!(path = %path.display(), "style sheet not inlined (too large, or it contains </style)");
        return None;
    }
    Some(css.into())
}

/// The hashes of the site in `site_root`, read once at start-up (a rebuilt site needs a
/// restart: its old files are gone anyway). `None` without a complete `hash.txt`: pages then
/// link the plain names.
pub fn read_hashes(site_root: &Path) -> Option<Hashes> {
    let path = site_root.join(HASH_FILE);
    let text = std::fs::read_to_string(&path).ok()?;
    let Some(hashes) = Hashes::parse(&text) else {
        tracing::warn!(path = %path.display(), "hash file is incomplete; linking unhashed asset names");
        return None;
    };
    let pkg = site_root.join("pkg");
    for file in [
        format!("evently.{}.js", hashes.js),
        format!("evently.{}.wasm", hashes.wasm),
        format!("evently.{}.css", hashes.css),
        format!("boot.{}.js", hashes.boot),
    ] {
        if !pkg.join(&file).is_file() {
            tracing::warn!(file = %pkg.join(&file).display(), "hash.txt names a file that is not there");
        }
    }
    Some(hashes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_build_hashes_count_as_content_hashed() {
        assert!(is_content_hashed("evently.241a25cf81028bfb.wasm"));
        assert!(!is_content_hashed("evently.wasm"));
        assert!(!is_content_hashed("evently_bg.wasm"));
        assert!(!is_content_hashed(".241a25cf81028bfb.js"));
        assert!(!is_content_hashed("evently.241A25CF81028BFB.js"));
        assert!(!is_content_hashed("evently.241a25cf81028bf.js"));
    }

    #[test]
    fn cache_policy_by_path() {
        assert_eq!(
            cache_control_for("/pkg/evently.0123456789abcdef.css"),
            IMMUTABLE
        );
        assert_eq!(
            cache_control_for("/img/evently.0123456789abcdef.svg"),
            SHORT
        );
        assert_eq!(cache_control_for("/pkg/evently.js"), SHORT);
        assert_eq!(cache_control_for("/favicon.svg"), SHORT);
        assert_eq!(cache_control_for("/sw.js"), SERVICE_WORKER);
    }

    #[test]
    fn hash_file_needs_all_four() {
        let h = Hashes::parse("js: aa\nwasm: bb\ncss: cc\nboot: dd\n").unwrap();
        assert_eq!(
            (
                h.js.as_str(),
                h.wasm.as_str(),
                h.css.as_str(),
                h.boot.as_str()
            ),
            ("aa", "bb", "cc", "dd")
        );
        assert!(Hashes::parse("js: aa\nwasm: bb\ncss: cc\n").is_none());
        assert!(Hashes::parse("js: aa\nwasm: bb\n").is_none());
        assert!(Hashes::parse("js: aa\nwasm: bb\ncss: \n").is_none());
    }
}
