//! The Content-Security-Policy of HTML pages, with the hashes of their inline scripts.
//!
//! Pages run no inline code of ours: the boot module and the wasm bundle's JS are files of
//! this site. Leptos itself writes two small inline scripts into every page (the hydration
//! state, `__RESOLVED_RESOURCES=…` and `__INCOMPLETE_CHUNKS=…`), which the islands read. So
//! the policy allows scripts from this site plus exactly those scripts, by the SHA-256 of
//! their text, computed from the page itself: nothing else inline can run, and as the policy
//! depends only on the page's bytes (no per-response nonce), a cached page keeps a valid one.
//! The JSON-LD block is data (`type="application/ld+json"`), which a browser never runs.
//! The style sheet is written into each page (`<style>`, see `app::AssetPaths`); styles are
//! allowed from this site and exactly that block, by its hash, the same way.

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The page policy before `script-src`'s hashes.
const BEFORE_HASHES: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
/// `style-src`, before its hashes.
const STYLES: &str = "; style-src 'self'";
/// The rest of the page policy.
const AFTER_HASHES: &str = "; img-src 'self' data: https:; font-src 'self'; \
    connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'none'";
/// Pages larger than this are not read for hashes (they get the policy without any).
const MAX_PAGE: usize = 4 * 1024 * 1024;

/// The text of every inline, executable `<script>` of `html`.
pub fn inline_scripts(html: &[u8]) -> Vec<&[u8]> {
    elements(html, b"<script", b"</script")
        .into_iter()
        .filter(|(tag, _)| {
            find(tag, b" src=").is_none() && find(tag, b"application/ld+json").is_none()
        })
        .map(|(_, body)| body)
        .collect()
}

/// The text of every `<style>` element of `html`.
pub fn inline_styles(html: &[u8]) -> Vec<&[u8]> {
    elements(html, b"<style", b"</style")
        .into_iter()
        .map(|(_, body)| body)
        .collect()
}

/// `(attributes, text)` of each element opened by `open` and closed by `close`.
fn elements<'a>(html: &'a [u8], open: &[u8], close: &[u8]) -> Vec<(&'a [u8], &'a [u8])> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = find(rest, open) {
        rest = &rest[at + open.len()..];
        // `<style` must not match `<styles-…>`, nor `<script` `<scripts>`.
        if !rest
            .first()
            .is_some_and(|b| *b == b'>' || b.is_ascii_whitespace())
        {
            continue;
        }
        let Some(tag_end) = find(rest, b">") else {
            break;
        };
        let tag = &rest[..tag_end];
        let body = &rest[tag_end + 1..];
        let Some(end) = find(body, close) else {
            break;
        };
        out.push((tag, &body[..end]));
        rest = &body[end..];
    }
    out
}

fn hashes_into(csp: &mut String, blocks: Vec<&[u8]>) {
    let mut seen: Vec<String> = Vec::new();
    for block in blocks {
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(block));
        if !seen.contains(&hash) {
            csp.push_str(&format!(" 'sha256-{hash}'"));
            seen.push(hash);
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The policy for a page with this HTML.
pub fn policy_for(html: &[u8]) -> HeaderValue {
    let mut csp = String::from(BEFORE_HASHES);
    hashes_into(&mut csp, inline_scripts(html));
    csp.push_str(STYLES);
    hashes_into(&mut csp, inline_styles(html));
    csp.push_str(AFTER_HASHES);
    HeaderValue::from_str(&csp).unwrap_or_else(|_| HeaderValue::from_static(BEFORE_HASHES))
}

/// Sets the page policy on an HTML response (reading its body, which a page rendered with
/// `SsrMode::Async` has complete anyway). Compressed bodies are left to whoever compressed
/// them (the page cache sets the policy itself).
pub async fn apply(res: Response) -> Response {
    if res.headers().contains_key(header::CONTENT_SECURITY_POLICY)
        || res.headers().contains_key(header::CONTENT_ENCODING)
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    match axum::body::to_bytes(body, MAX_PAGE).await {
        Ok(bytes) => {
            parts
                .headers
                .insert(header::CONTENT_SECURITY_POLICY, policy_for(&bytes));
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(e) => {
            tracing::warn!(error = %e, "page too large to hash its inline scripts");
            parts.headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_str(&format!("{BEFORE_HASHES}{STYLES}{AFTER_HASHES}"))
                    .unwrap_or_else(|_| HeaderValue::from_static(BEFORE_HASHES)),
            );
            Response::from_parts(parts, Body::from(Bytes::new()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inline_executable_scripts_are_hashed() {
        let html = br#"<head><script type="module" src="/pkg/boot.js"></script>
            <script type="application/ld+json">{"@type":"Event"}</script>
            <script nonce="x">__RESOLVED_RESOURCES=[];</script><p>hi</p><script>a=1;</script></head>"#;
        let found = inline_scripts(html);
        assert_eq!(found, vec![&b"__RESOLVED_RESOURCES=[];"[..], &b"a=1;"[..]]);
        let csp = policy_for(html);
        let csp = csp.to_str().unwrap();
        // echo -n 'a=1;' | openssl dgst -sha256 -binary | base64
        assert!(csp.contains("'sha256-"), "{csp}");
        assert_eq!(csp.matches("'sha256-").count(), 2);
        assert!(!csp.contains("unsafe-inline") && !csp.contains("nonce-"));
        assert!(
            csp.starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-")
        );
        assert!(csp.ends_with("frame-ancestors 'none'"));
        assert!(
            csp.contains("; style-src 'self'; img-src"),
            "no style hashes: {csp}"
        );
    }

    #[test]
    fn the_inline_style_sheet_is_allowed_by_its_hash_only() {
        let html = b"<head><style>a>b{color:red}</style><styles-x>no</styles-x></head>";
        assert_eq!(inline_styles(html), vec![&b"a>b{color:red}"[..]]);
        let csp = policy_for(html);
        let csp = csp.to_str().unwrap();
        let hash =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"a>b{color:red}"));
        assert!(
            csp.contains(&format!("; style-src 'self' 'sha256-{hash}'; img-src")),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn a_page_without_inline_scripts_allows_none() {
        let csp = policy_for(b"<p>plain</p>");
        assert_eq!(
            csp.to_str().unwrap(),
            format!("{BEFORE_HASHES}{STYLES}{AFTER_HASHES}")
        );
    }
}
