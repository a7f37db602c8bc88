//! Who may keep a copy of a page: the `Cache-Control` of HTML pages, and the server's own
//! page cache ([`crate::page_cache`]) for pages that are the same for every anonymous visitor.
//!
//! A page is **personalised** when the request carries a session (a session cookie or a
//! Bearer token), when its path is one of a person's own pages (`/account`, `/bookings`,
//! `/checkout`, `/organizer`, `/admin` (with `/admin/users/{id}` and every other admin page),
//! `/notifications`), or when the response sets a cookie: `private, no-store`. Every other
//! page is the same for every anonymous visitor: `public, max-age=0, must-revalidate` with
//! `Vary: Cookie`, so a cache may keep it but must ask each time, and
//! never hands an anonymous copy to someone with a session. Static files set their own
//! policy ([`crate::assets`]); API responses are left to their handlers.

use crate::auth::{ACCESS_COOKIE, REFRESH_COOKIE};
use crate::client::cookie;
use crate::page_cache::PageCache;
use crate::state::AppState;
use app::session::{FORM_COOKIE, cookie_name};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;

/// Paths (and everything under them) that only make sense for one person.
pub const PERSONAL_PATHS: [&str; 6] = [
    "/account",
    "/bookings",
    "/checkout",
    "/organizer",
    "/admin",
    "/notifications",
];

/// `Cache-Control` of pages for anonymous visitors.
pub const PUBLIC_PAGE: &str = "public, max-age=0, must-revalidate";
/// `Cache-Control` of personalised pages (and of pages that failed).
pub const PRIVATE_PAGE: &str = "private, no-store";

/// Who a page may be kept for. Left in the request's and the response's extensions for
/// layers that care (the page cache to come).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagePolicy {
    /// The same for every anonymous visitor: any cache may keep it, revalidating every time.
    Public,
    /// For one person only: never stored.
    Private,
}

impl PagePolicy {
    /// The policy a request asks for, before the page is rendered.
    pub fn of_request(path: &str, headers: &HeaderMap) -> PagePolicy {
        let personal_path = PERSONAL_PATHS
            .iter()
            .any(|p| path == *p || path.strip_prefix(p).is_some_and(|r| r.starts_with('/')));
        // Each cookie under both of its names: `__Host-…` where cookies are `Secure`
        // (production), plain in development. The form cookie carries what someone typed.
        let session = [ACCESS_COOKIE, REFRESH_COOKIE, FORM_COOKIE]
            .iter()
            .flat_map(|name| [cookie_name(name, true), cookie_name(name, false)])
            .any(|name| cookie(headers, &name).is_some_and(|v| !v.is_empty()))
            || headers.contains_key(header::AUTHORIZATION);
        if personal_path || session {
            PagePolicy::Private
        } else {
            PagePolicy::Public
        }
    }

    /// The `Cache-Control` value.
    pub fn cache_control(self) -> &'static str {
        match self {
            PagePolicy::Public => PUBLIC_PAGE,
            PagePolicy::Private => PRIVATE_PAGE,
        }
    }
}

fn is_page(res: &Response) -> bool {
    res.status().is_redirection()
        || res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/html"))
}

/// Sets the `Cache-Control` of page responses (GET and HEAD outside `/api/`) that have none.
/// Sits outside the session middleware, so it sees the cookies a silent refresh sets.
/// Public pages are answered from the [`PageCache`] when it has them, and kept there after
/// rendering.
pub async fn page_headers(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let candidate = matches!(*req.method(), Method::GET | Method::HEAD)
        && !req.uri().path().starts_with("/api/");
    if !candidate {
        return next.run(req).await;
    }
    let policy = PagePolicy::of_request(req.uri().path(), req.headers());
    req.extensions_mut().insert(policy);

    let cached = PageCache::wants(&req, policy).then(|| {
        let version = state.core.pages_version();
        (version, state.pages.lookup(&req, version))
    });
    let (version, head) = match cached {
        Some((_, Some(hit))) => return hit,
        Some((version, None)) => {
            // What the page cache needs of the request once the page is rendered.
            let mut head = Request::new(());
            *head.uri_mut() = req.uri().clone();
            *head.headers_mut() = req.headers().clone();
            (Some(version), Some(head))
        }
        None => (None, None),
    };
    let mut res = next.run(req).await;

    if !is_page(&res) || res.headers().contains_key(header::CACHE_CONTROL) {
        return res;
    }
    let policy = if res.headers().contains_key(header::SET_COOKIE) || res.status().is_server_error()
    {
        PagePolicy::Private
    } else {
        policy
    };
    let h = res.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(policy.cache_control()),
    );
    if policy == PagePolicy::Public {
        h.append(header::VARY, HeaderValue::from_static("cookie"));
    }
    res.extensions_mut().insert(policy);
    match (version, head) {
        (Some(version), Some(head)) if policy == PagePolicy::Public => {
            state.pages.store(&head, version, res).await
        }
        _ => res,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A header map from pairs (shared with the page cache's tests).
    pub(crate) fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn personal_paths_and_sessions_are_private() {
        let none = headers(&[]);
        assert_eq!(PagePolicy::of_request("/", &none), PagePolicy::Public);
        assert_eq!(
            PagePolicy::of_request("/events/x", &none),
            PagePolicy::Public
        );
        assert_eq!(
            PagePolicy::of_request("/bookingsx", &none),
            PagePolicy::Public
        );
        for p in [
            "/account",
            "/bookings/12",
            "/checkout/3",
            "/organizer/events/new",
            "/admin/audit",
            "/admin/users/5",
        ] {
            assert_eq!(PagePolicy::of_request(p, &none), PagePolicy::Private, "{p}");
        }
        let signed_in = headers(&[("cookie", "theme=dark; evently_rt=abc")]);
        assert_eq!(PagePolicy::of_request("/", &signed_in), PagePolicy::Private);
        // Production's cookie names (Secure, `__Host-`): a signed-in page must never be
        // kept for, or served from, the anonymous page cache.
        for c in [
            "__Host-evently_at=abc",
            "__Host-evently_rt=abc",
            "evently_form=x",
            "__Host-evently_form=x",
        ] {
            let h = headers(&[("cookie", c)]);
            assert_eq!(
                PagePolicy::of_request("/events/x", &h),
                PagePolicy::Private,
                "{c}"
            );
        }
        let other_cookie = headers(&[("cookie", "theme=dark")]);
        assert_eq!(
            PagePolicy::of_request("/", &other_cookie),
            PagePolicy::Public
        );
        let bearer = headers(&[("authorization", "Bearer x")]);
        assert_eq!(
            PagePolicy::of_request("/search", &bearer),
            PagePolicy::Private
        );
    }
}
