//! Browser sessions: the HttpOnly cookies that carry tokens, and where requests come from.
//! Shared by server functions and the server's auth middleware, so there is one definition.

use evently::accounts::TokenPair;
use http::HeaderValue;

pub const ACCESS_COOKIE: &str = "evently_at";
pub const REFRESH_COOKIE: &str = "evently_rt";
/// A form's values and error across the redirect after a post without script (never a
/// password); read once by the page the form is on, then cleared. A few minutes at most.
pub const FORM_COOKIE: &str = "evently_form";

/// The name a session cookie has on the wire: `__Host-` + `base` when cookies are `Secure`
/// (the prefix makes the browser refuse it from a subdomain or over plain http), `base` in
/// development over plain http.
pub fn cookie_name(base: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

/// Site facts pages need: the public address (canonical links) and whether cookies must be
/// `Secure` (an https public address, or production).
#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub public_url: String,
    pub secure_cookies: bool,
}

fn attrs(secure: bool) -> &'static str {
    if secure {
        "; Path=/; HttpOnly; SameSite=Lax; Secure"
    } else {
        "; Path=/; HttpOnly; SameSite=Lax"
    }
}

/// The cookies that carry a browser session. Tokens never reach script: `HttpOnly`.
pub fn session_cookies(pair: &TokenPair, secure: bool) -> Vec<HeaderValue> {
    let a = attrs(secure);
    let access = format!(
        "{}={}{a}; Max-Age={}",
        cookie_name(ACCESS_COOKIE, secure),
        pair.access_token,
        pair.expires_in
    );
    let refresh = format!(
        "{}={}{a}; Max-Age={}",
        cookie_name(REFRESH_COOKIE, secure),
        pair.refresh_token,
        evently::accounts::SESSION_TTL_MS / 1000
    );
    [access, refresh]
        .into_iter()
        .filter_map(|c| HeaderValue::from_str(&c).ok())
        .collect()
}

/// Cookies that end a browser session.
pub fn clear_cookies(secure: bool) -> Vec<HeaderValue> {
    let a = attrs(secure);
    [ACCESS_COOKIE, REFRESH_COOKIE]
        .iter()
        .filter_map(|n| {
            HeaderValue::from_str(&format!("{}={a}; Max-Age=0", cookie_name(n, secure))).ok()
        })
        .collect()
}

/// A same-site path to go to (after signing in, say); anything else becomes `/`. Only
/// visible ASCII is allowed: browsers drop tabs and newlines from a `Location` (so `/\t/evil`
/// would become `//evil`, another site) and treat a backslash as a slash.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && p.len() <= 2_000
                && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
                && !p.contains("://") =>
        {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_paths_stay_on_site() {
        assert_eq!(super::safe_next(Some("/account")), "/account");
        assert_eq!(super::safe_next(Some("//evil.example")), "/");
        assert_eq!(super::safe_next(Some("https://evil.example")), "/");
        assert_eq!(super::safe_next(Some("/\\evil.example")), "/");
        assert_eq!(super::safe_next(None), "/");
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r//evil.example",
            "/ /evil.example",
            "/\u{7f}x",
            "/caf\u{e9}",
            "/%09/ok-as-text",
        ] {
            let want = if bad.starts_with("/%") { bad } else { "/" };
            assert_eq!(super::safe_next(Some(bad)), want, "{bad:?}");
        }
    }
}
