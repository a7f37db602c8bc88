//! The page cache: public pages rendered once and served from memory to anonymous visitors.
//!
//! During an on-sale everyone opens the same event page, and every anonymous visitor gets
//! the same HTML (seat counts then arrive live over the WebSocket). So a page whose request
//! is [`PagePolicy::Public`] (no session, not a personal path) and whose response is a `200`
//! HTML page that sets no cookie is kept here, already compressed (brotli and gzip), with an
//! `ETag`:
//! - for [`PAGE_TTL`] (then the first request renders it again while the others still get
//!   the expired copy, for at most [`STALE_GRACE`] more: an expiry never sends every visitor
//!   to render at once). Counts rendered into the HTML for visitors without script are at
//!   most that old, and an edit made on another server instance shows within it;
//! - until the content changes on this instance: every event edit (details, publishing,
//!   cancelling, capacity) bumps the core's `pages_version`, which empties the cache. Bookings
//!   do not: their counts come live.
//!
//! A request that matches answers `304 Not Modified` when its `If-None-Match` names the
//! entry's ETag, else the body in the best encoding it accepts. Signed-in visitors are never
//! served from here: their pages show their name in the header.
//!
//! Bounded: at most [`MAX_ENTRIES`] pages and [`MAX_BYTES`] in all (then expired entries
//! go first, and if none, the page is served but not kept).

use crate::cache_policy::PagePolicy;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a rendered page is served from memory.
pub const PAGE_TTL: Duration = Duration::from_secs(5);
/// How long past [`PAGE_TTL`] a page may still be served while one request renders it
/// again (so an expiry never sends every visitor to render at once).
pub const STALE_GRACE: Duration = Duration::from_secs(10);
/// How many pages are kept at most.
pub const MAX_ENTRIES: usize = 2_000;
/// How many bytes (all encodings together) are kept at most.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
/// Pages larger than this are not kept.
const MAX_PAGE: usize = 2 * 1024 * 1024;
/// Response header saying whether the page came from the cache (`hit`) or was rendered.
pub const X_CACHE: &str = "x-page-cache";

/// One rendered page in its three encodings.
struct Entry {
    stored_at: Instant,
    /// Set by the one request that renders the page again once it has expired.
    refreshing: std::sync::atomic::AtomicBool,
    version: u64,
    etag: HeaderValue,
    content_type: HeaderValue,
    /// The page's Content-Security-Policy (hashes of its inline scripts).
    csp: HeaderValue,
    identity: Bytes,
    gzip: Bytes,
    br: Bytes,
}

impl Entry {
    fn size(&self) -> usize {
        self.identity.len() + self.gzip.len() + self.br.len()
    }
}

#[derive(Default)]
struct Store {
    pages: HashMap<String, Entry>,
    bytes: usize,
}

/// The cache; cheap to clone (shared).
#[derive(Clone, Default)]
pub struct PageCache {
    store: Arc<RwLock<Store>>,
}

/// The encodings a client accepts, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Br,
    Gzip,
    Identity,
}

fn accepted(headers: &HeaderMap) -> Encoding {
    let accepts = |name: &str| {
        headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|part| {
                let mut it = part.split(';');
                let coding = it.next().unwrap_or_default().trim();
                let refused = it.any(|p| {
                    let p = p.trim().replace(' ', "");
                    p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
                });
                coding.eq_ignore_ascii_case(name) && !refused
            })
    };
    if accepts("br") {
        Encoding::Br
    } else if accepts("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let want = etag.to_str().unwrap_or_default();
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == want)
}

/// The key of a request: its path and query.
fn key_of<B>(req: &Request<B>) -> String {
    req.uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string())
}

impl PageCache {
    pub fn new() -> PageCache {
        PageCache::default()
    }

    /// How many pages are kept now.
    pub fn len(&self) -> usize {
        self.store.read().map(|s| s.pages.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether this request may be answered from (and its answer kept in) the cache.
    pub fn wants<B>(req: &Request<B>, policy: PagePolicy) -> bool {
        policy == PagePolicy::Public
            && req.method() == Method::GET
            && !req.uri().path().starts_with("/api/")
    }

    /// The cached answer for `req`, if a fresh one is kept (built for `version`).
    pub fn lookup<B>(&self, req: &Request<B>, version: u64) -> Option<Response<Body>> {
        let key = key_of(req);
        let store = self.store.read().ok()?;
        let e = store.pages.get(&key)?;
        if e.version != version {
            return None;
        }
        let age = e.stored_at.elapsed();
        if age <= PAGE_TTL {
            return Some(respond(e, req.headers(), true));
        }
        // Expired: the first request renders it again; the others get the expired copy
        // meanwhile, for a short grace (in case that rendering fails).
        let first = !e.refreshing.swap(true, std::sync::atomic::Ordering::AcqRel);
        if first || age > PAGE_TTL + STALE_GRACE {
            return None;
        }
        Some(respond(e, req.headers(), true))
    }

    /// Keeps `res` (a page that was just rendered for `req`, built for `version`) when it
    /// is cacheable, and answers with it in the client's encoding (or `304`). Anything not
    /// cacheable passes through untouched.
    pub async fn store<B>(
        &self,
        req: &Request<B>,
        version: u64,
        res: Response<Body>,
    ) -> Response<Body> {
        let cacheable = res.status() == StatusCode::OK
            && !res.headers().contains_key(header::SET_COOKIE)
            && !res.headers().contains_key(header::CONTENT_ENCODING)
            && res.extensions().get::<PagePolicy>() != Some(&PagePolicy::Private)
            && res
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.starts_with("text/html"));
        if !cacheable {
            return res;
        }
        let (parts, body) = res.into_parts();
        let identity = match axum::body::to_bytes(body, MAX_PAGE).await {
            Ok(b) => b,
            Err(e) => {
                // Too large or a broken body: answer what we can say, keep nothing.
                tracing::warn!(error = %e, "page not cached: its body could not be read");
                return Response::from_parts(parts, Body::empty());
            }
        };
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .cloned()
            .unwrap_or_else(|| HeaderValue::from_static("text/html; charset=utf-8"));
        let entry =
            tokio::task::spawn_blocking(move || compress(identity, content_type, version)).await;
        let Ok(entry) = entry else {
            return Response::from_parts(parts, Body::empty());
        };
        let mut answer = respond(&entry, req.headers(), false);
        // Keep what the rendering set (status headers of other layers come after).
        for (name, value) in parts.headers.iter() {
            if !answer.headers().contains_key(name) && name != header::CONTENT_LENGTH {
                answer.headers_mut().insert(name.clone(), value.clone());
            }
        }
        self.insert(key_of(req), entry);
        answer
    }

    fn insert(&self, key: String, entry: Entry) {
        let Ok(mut store) = self.store.write() else {
            return;
        };
        if let Some(old) = store.pages.remove(&key) {
            store.bytes -= old.size();
        }
        if store.pages.len() >= MAX_ENTRIES || store.bytes + entry.size() > MAX_BYTES {
            let stale: Vec<String> = store
                .pages
                .iter()
                .filter(|(_, e)| e.stored_at.elapsed() > PAGE_TTL + STALE_GRACE)
                .map(|(k, _)| k.clone())
                .collect();
            for k in stale {
                if let Some(e) = store.pages.remove(&k) {
                    store.bytes -= e.size();
                }
            }
        }
        if store.pages.len() < MAX_ENTRIES && store.bytes + entry.size() <= MAX_BYTES {
            store.bytes += entry.size();
            store.pages.insert(key, entry);
        }
    }

    /// Forgets every page (the content changed).
    pub fn clear(&self) {
        if let Ok(mut store) = self.store.write() {
            store.pages.clear();
            store.bytes = 0;
        }
    }
}

fn compress(identity: Bytes, content_type: HeaderValue, version: u64) -> Entry {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(&identity);
    let etag = HeaderValue::from_str(&format!("\"{}\"", hex::encode(&digest[..8])))
        .unwrap_or_else(|_| HeaderValue::from_static("\"page\""));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let gzip = match gz.write_all(&identity).and_then(|_| gz.finish()) {
        Ok(v) => Bytes::from(v),
        Err(_) => Bytes::new(),
    };
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 9,
        lgwin: 22,
        ..Default::default()
    };
    let br = match brotli::BrotliCompress(&mut &identity[..], &mut br, &params) {
        Ok(_) => Bytes::from(br),
        Err(_) => Bytes::new(),
    };
    Entry {
        stored_at: Instant::now(),
        refreshing: std::sync::atomic::AtomicBool::new(false),
        version,
        etag,
        csp: crate::page_csp::policy_for(&identity),
        content_type,
        identity,
        gzip,
        br,
    }
}

/// The answer for a kept page: `304` when the client has it, else the best encoding.
fn respond(e: &Entry, req_headers: &HeaderMap, hit: bool) -> Response<Body> {
    let mut builder = Response::builder()
        .header(header::ETAG, e.etag.clone())
        .header(header::VARY, "accept-encoding, cookie")
        .header(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PagePolicy::Public.cache_control()),
        )
        .header(header::CONTENT_SECURITY_POLICY, e.csp.clone())
        .header(X_CACHE, if hit { "hit" } else { "miss" });
    let res = if not_modified(req_headers, &e.etag) {
        builder.status(StatusCode::NOT_MODIFIED).body(Body::empty())
    } else {
        let (body, coding) = match accepted(req_headers) {
            Encoding::Br if !e.br.is_empty() => (e.br.clone(), Some("br")),
            Encoding::Br | Encoding::Gzip if !e.gzip.is_empty() => (e.gzip.clone(), Some("gzip")),
            _ => (e.identity.clone(), None),
        };
        builder = builder
            .header(header::CONTENT_TYPE, e.content_type.clone())
            .header(header::CONTENT_LENGTH, body.len());
        if let Some(c) = coding {
            builder = builder.header(header::CONTENT_ENCODING, c);
        }
        builder.status(StatusCode::OK).body(Body::from(body))
    };
    let mut res = res.unwrap_or_else(|_| Response::new(Body::empty()));
    res.extensions_mut().insert(PagePolicy::Public);
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache_policy::tests::headers;

    #[test]
    fn picks_the_best_accepted_encoding() {
        assert_eq!(
            accepted(&headers(&[("accept-encoding", "gzip, deflate, br")])),
            Encoding::Br
        );
        assert_eq!(
            accepted(&headers(&[("accept-encoding", "gzip")])),
            Encoding::Gzip
        );
        assert_eq!(
            accepted(&headers(&[("accept-encoding", "br;q=0, gzip")])),
            Encoding::Gzip
        );
        assert_eq!(accepted(&headers(&[])), Encoding::Identity);
        assert_eq!(
            accepted(&headers(&[("accept-encoding", "identity")])),
            Encoding::Identity
        );
    }

    #[test]
    fn if_none_match_matches_the_etag_only() {
        let etag = HeaderValue::from_static("\"abc\"");
        assert!(not_modified(
            &headers(&[("if-none-match", "\"abc\"")]),
            &etag
        ));
        assert!(not_modified(
            &headers(&[("if-none-match", "\"x\", W/\"abc\"")]),
            &etag
        ));
        assert!(not_modified(&headers(&[("if-none-match", "*")]), &etag));
        assert!(!not_modified(
            &headers(&[("if-none-match", "\"abd\"")]),
            &etag
        ));
        assert!(!not_modified(&headers(&[]), &etag));
    }

    #[test]
    fn entries_round_trip_in_every_encoding() {
        let html = Bytes::from("<!DOCTYPE html><p>".to_string() + &"hello ".repeat(500));
        let e = compress(html.clone(), HeaderValue::from_static("text/html"), 1);
        assert!(e.br.len() < html.len() && e.gzip.len() < html.len());
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &e.br[..], &mut out).unwrap();
        assert_eq!(out, html);
        let mut gz = flate2::read::GzDecoder::new(&e.gzip[..]);
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut gz, &mut out).unwrap();
        assert_eq!(out, html);
        let r = respond(&e, &headers(&[("accept-encoding", "br")]), true);
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(r.headers()[X_CACHE], "hit");
        let r = respond(
            &e,
            &headers(&[("if-none-match", e.etag.to_str().unwrap())]),
            true,
        );
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    }

    #[test]
    fn an_expired_page_is_rendered_by_one_request_while_the_others_get_it() {
        let cache = PageCache::new();
        let mut e = compress(
            Bytes::from("<p>old</p>"),
            HeaderValue::from_static("text/html"),
            7,
        );
        e.stored_at = Instant::now()
            .checked_sub(PAGE_TTL + Duration::from_secs(1))
            .unwrap();
        cache.insert("/events/x".into(), e);
        let req = Request::builder().uri("/events/x").body(()).unwrap();
        assert!(
            cache.lookup(&req, 7).is_none(),
            "the first request renders it again"
        );
        let stale = cache
            .lookup(&req, 7)
            .expect("the others get the expired copy");
        assert_eq!(stale.status(), StatusCode::OK);
        assert!(
            cache.lookup(&req, 8).is_none(),
            "never after the content changed"
        );
        let mut old = compress(
            Bytes::from("<p>old</p>"),
            HeaderValue::from_static("text/html"),
            7,
        );
        old.stored_at = Instant::now()
            .checked_sub(PAGE_TTL + STALE_GRACE + Duration::from_secs(1))
            .unwrap();
        old.refreshing
            .store(true, std::sync::atomic::Ordering::Release);
        cache.insert("/events/y".into(), old);
        let req = Request::builder().uri("/events/y").body(()).unwrap();
        assert!(
            cache.lookup(&req, 7).is_none(),
            "past the grace everyone renders"
        );
    }

    #[test]
    fn the_cache_stays_within_its_bounds() {
        let cache = PageCache::new();
        for i in 0..(MAX_ENTRIES + 10) {
            let e = compress(
                Bytes::from(format!("page {i}")),
                HeaderValue::from_static("text/html"),
                1,
            );
            cache.insert(format!("/p/{i}"), e);
        }
        assert_eq!(
            cache.len(),
            MAX_ENTRIES,
            "full: new pages are served but not kept"
        );
        cache.clear();
        assert!(cache.is_empty());
    }
}
