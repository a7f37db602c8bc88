//! Who is on the other end: the client address (trusting `X-Forwarded-For` only from
//! configured proxies) and the cookies they sent.

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, header};
use std::net::{IpAddr, SocketAddr};

/// The client address: the socket peer, unless that peer is a trusted proxy, in which case
/// the right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn client_ip<B>(req: &Request<B>, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    forwarded
        .split(',')
        .rev()
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .or(Some(peer))
}

/// The value of cookie `name`, if sent.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn req(peer: &str, xff: Option<&str>) -> Request<Body> {
        let mut r = Request::builder();
        if let Some(x) = xff {
            r = r.header("x-forwarded-for", x);
        }
        let mut r = r.body(Body::empty()).unwrap();
        r.extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        r
    }

    #[test]
    fn forged_forwarded_for_is_ignored_without_a_trusted_proxy() {
        let r = req("203.0.113.9:5000", Some("1.2.3.4"));
        assert_eq!(client_ip(&r, &[]), Some("203.0.113.9".parse().unwrap()));
    }

    #[test]
    fn trusted_proxy_forwards_the_rightmost_untrusted_address() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let r = req("10.0.0.1:5000", Some("6.6.6.6, 198.51.100.7"));
        assert_eq!(
            client_ip(&r, &[proxy]),
            Some("198.51.100.7".parse().unwrap())
        );
    }

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; evently_at=tok; b=2".parse().unwrap());
        assert_eq!(cookie(&h, "evently_at").as_deref(), Some("tok"));
        assert_eq!(cookie(&h, "zzz"), None);
    }
}
