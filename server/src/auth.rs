//! Who is asking: Bearer tokens for API clients, HttpOnly cookies for the browser.
//!
//! The middleware resolves an [`Actor`] once per request and leaves it in the request's
//! extensions; handlers and server functions read it from there. Cookie sessions refresh
//! silently when the access token has run out. Every state-changing request that a browser
//! could forge is checked for a same-origin `Origin` / `Sec-Fetch-Site` (CSRF); Bearer
//! calls cannot be forged cross-site and are left alone.
//!
//! When the site is served over https (or in production) the session cookies are `Secure`
//! and named with the `__Host-` prefix, so no other host (a sibling subdomain, a network
//! attacker on plain http) can set or overwrite them; only the prefixed names are read then.

use crate::client::{ClientKey, client_ip, cookie};
use crate::config::Config;
use crate::error::HttpError;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use evently::ApiError;
use evently::accounts::{Actor, ClientInfo, TokenPair};
use evently::error::ErrorCode;
use std::net::IpAddr;

pub use app::session::{ACCESS_COOKIE, REFRESH_COOKIE};

/// How the request authenticated, if it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    Bearer,
    Cookie,
    None,
}

/// The client address as resolved from the socket and trusted proxies.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

/// Cookies to set on the response (after a silent refresh, sign-in or sign-out).
#[derive(Debug, Clone, Default)]
pub struct SetCookies(pub Vec<HeaderValue>);

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// Whether a request could have been sent by a page on another site.
fn cross_site(headers: &HeaderMap, config: &Config) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin == "null" {
            return true;
        }
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let same_host = origin.split_once("://").map(|(_, h)| h) == Some(host);
        return !(same_host || origin == config.public_url);
    }
    false
}

fn is_static(path: &str) -> bool {
    [
        "/pkg/",
        "/style/",
        "/img/",
        "/favicon",
        "/robots.txt",
        "/sw.js",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// Resolves the actor, refreshes cookie sessions, and refuses cross-site writes.
pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let config = &state.config;
    let ip = client_ip(&req, &config.trusted_proxies);
    req.extensions_mut().insert(ClientIp(ip));
    let key = ClientKey::of(ip, config.ipv6_prefix);
    let rate_key = Some(key.as_str().to_string());
    req.extensions_mut().insert(key);
    let ip_text = ip.map(|i| i.to_string());
    let headers = req.headers().clone();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(300).collect());
    let client = ClientInfo {
        ip: ip_text,
        user_agent,
        rate_key,
    };
    req.extensions_mut().insert(client.clone());
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let bearer_token = bearer(&headers);

    let one_click = req
        .uri()
        .path()
        .starts_with(crate::middleware::ONE_CLICK_PREFIX);
    if unsafe_method && bearer_token.is_none() && !one_click && cross_site(&headers, config) {
        tracing::warn!(path = %req.uri().path(), "cross-site write refused");
        return HttpError(ApiError::new(
            ErrorCode::Forbidden,
            "cross-site request refused",
        ))
        .into_response();
    }

    let mut via = AuthVia::None;
    let mut set = SetCookies::default();
    if let Some(token) = bearer_token {
        if let Ok(actor) = state.core.accounts().authenticate(&token, &client).await {
            req.extensions_mut().insert(actor);
            via = AuthVia::Bearer;
        }
    } else if !is_static(req.uri().path()) {
        let secure = config.secure_cookies();
        let access = cookie(&headers, &wire_name(ACCESS_COOKIE, secure));
        let mut actor = match access {
            Some(t) => state.core.accounts().authenticate(&t, &client).await.ok(),
            None => None,
        };
        if actor.is_none()
            && let Some(rt) = cookie(&headers, &wire_name(REFRESH_COOKIE, secure))
        {
            match state.core.accounts().refresh(&rt).await {
                Ok(pair) => {
                    actor = state
                        .core
                        .accounts()
                        .authenticate(&pair.access_token, &client)
                        .await
                        .ok();
                    set.0.extend(session_cookies(&pair, config));
                }
                Err(_) => set.0.extend(clear_cookies(config)),
            }
        }
        if let Some(a) = actor {
            req.extensions_mut().insert(a);
            via = AuthVia::Cookie;
        }
    }
    req.extensions_mut().insert(via);
    let mut res = next.run(req).await;
    // Handlers may have queued cookies of their own (sign-in, sign-out).
    if let Some(extra) = res.extensions_mut().remove::<SetCookies>() {
        set.0.extend(extra.0);
    }
    for c in set.0 {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    // Server functions set cookies through the app's session helpers: every session cookie
    // gets its wire name here, whoever set it.
    if finish_session_cookies(res.headers_mut(), config.secure_cookies()) {
        // A response that opens, renews or ends a session is never stored by any cache.
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    res
}

/// The name a session cookie has on the wire (the app's one definition).
pub fn wire_name(name: &str, secure: bool) -> String {
    app::session::cookie_name(name, secure)
}

const HOST_PREFIX: &str = "__Host-";

/// Gives every session cookie in `headers` its wire name (see [`wire_name`]); says whether
/// there was any. A cookie that could not keep the prefix (not `Secure`, not `Path=/`, or
/// with a `Domain`) keeps its name, and is then never read back.
fn finish_session_cookies(headers: &mut HeaderMap, secure: bool) -> bool {
    let mut any = false;
    let mut out = Vec::new();
    for v in headers.get_all(header::SET_COOKIE) {
        let text = v.to_str().unwrap_or_default();
        let name = text.split('=').next().unwrap_or_default().trim();
        let ours = [ACCESS_COOKIE, REFRESH_COOKIE].contains(&name);
        any |= ours
            || name
                .strip_prefix(HOST_PREFIX)
                .is_some_and(|n| [ACCESS_COOKIE, REFRESH_COOKIE].contains(&n));
        let attrs: Vec<String> = text
            .split(';')
            .skip(1)
            .map(|a| a.trim().to_ascii_lowercase())
            .collect();
        let may_prefix = attrs.iter().any(|a| a == "secure")
            && attrs.iter().any(|a| a == "path=/")
            && !attrs.iter().any(|a| a.starts_with("domain"));
        match HeaderValue::from_str(&format!("{HOST_PREFIX}{text}")) {
            Ok(renamed) if ours && secure && may_prefix => out.push(renamed),
            _ => out.push(v.clone()),
        }
    }
    if any {
        headers.remove(header::SET_COOKIE);
        for v in out {
            headers.append(header::SET_COOKIE, v);
        }
    }
    any
}

/// The cookies that carry a browser session.
pub fn session_cookies(pair: &TokenPair, config: &Config) -> Vec<HeaderValue> {
    app::session::session_cookies(pair, config.secure_cookies())
}

/// Cookies that end a browser session.
pub fn clear_cookies(config: &Config) -> Vec<HeaderValue> {
    app::session::clear_cookies(config.secure_cookies())
}

/// A signed-in user, or a 401.
pub struct CurrentUser(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Actor>()
            .cloned()
            .map(CurrentUser)
            .ok_or_else(|| HttpError(ApiError::unauthenticated()))
    }
}

/// The actor if signed in.
pub struct MaybeUser(pub Option<Actor>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<Actor>().cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        Config::from_lookup(|_| None).unwrap()
    }

    #[test]
    fn session_cookies_get_the_host_prefix_only_when_secure() {
        let set = |secure: bool, cookies: &[&str]| {
            let mut h = HeaderMap::new();
            for c in cookies {
                h.append(header::SET_COOKIE, c.parse().unwrap());
            }
            let any = finish_session_cookies(&mut h, secure);
            let out: Vec<String> = h
                .get_all(header::SET_COOKIE)
                .iter()
                .map(|v| v.to_str().unwrap().to_string())
                .collect();
            (any, out)
        };
        let at = "evently_at=t; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=900";
        let other = "theme=dark; Path=/";
        assert_eq!(
            set(true, &[at, other]),
            (true, vec![format!("__Host-{at}"), other.to_string()])
        );
        assert_eq!(set(false, &[at]), (true, vec![at.to_string()]));
        assert_eq!(set(true, &[other]), (false, vec![other.to_string()]));
        // Already prefixed (once the app names them itself): left alone, still counted.
        let prefixed = format!("__Host-{at}");
        assert_eq!(set(true, &[&prefixed]), (true, vec![prefixed.clone()]));
        // Not Secure, or with a Domain: the prefix would make browsers drop it.
        let plain = "evently_rt=r; Path=/; HttpOnly";
        assert_eq!(set(true, &[plain]), (true, vec![plain.to_string()]));
        let domain = "evently_rt=r; Path=/; Secure; Domain=example.com";
        assert_eq!(set(true, &[domain]), (true, vec![domain.to_string()]));
        assert_eq!(wire_name("evently_at", true), "__Host-evently_at");
        assert_eq!(wire_name("evently_at", false), "evently_at");
    }

    #[test]
    fn detects_cross_site_writes() {
        let c = cfg();
        let mut h = HeaderMap::new();
        assert!(!cross_site(&h, &c), "no browser headers: not a browser");
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(cross_site(&h, &c));
        h.insert("sec-fetch-site", "same-origin".parse().unwrap());
        assert!(!cross_site(&h, &c));
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:3000".parse().unwrap());
        h.insert(header::ORIGIN, "https://evil.example".parse().unwrap());
        assert!(cross_site(&h, &c));
        h.insert(header::ORIGIN, "http://127.0.0.1:3000".parse().unwrap());
        assert!(!cross_site(&h, &c));
    }
}
