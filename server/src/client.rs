//! Who is on the other end: the client address (trusting `X-Forwarded-For` only from
//! configured proxies), the key its rate limits are counted under, and the cookies it sent.

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, header};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

/// The client address: the socket peer, unless that peer is a trusted proxy, in which case
/// the right-most `X-Forwarded-For` entry that is not itself a trusted proxy. IPv4 clients
/// seen through an IPv6 socket (`::ffff:a.b.c.d`) are reported as the IPv4 address.
pub fn client_ip<B>(req: &Request<B>, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_canonical())?;
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
        .map(|ip| ip.to_canonical())
        .find(|ip| !trusted.contains(ip))
        .or(Some(peer))
}

/// What a per-client limit counts: the IPv4 address, or the IPv6 network (of the configured
/// prefix length, `EVENTLY_IPV6_PREFIX`) the address is in, because one IPv6 host usually
/// holds a whole /64 and can rotate through it. Computed once per request by the auth
/// middleware and left in the request's extensions. Audit logs and sessions keep the full
/// address ([`evently::accounts::ClientInfo`]); only limits use this.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientKey(String);

impl ClientKey {
    /// The key of `ip` (`unknown` when there is no address, as on a Unix socket).
    pub fn of(ip: Option<IpAddr>, ipv6_prefix: u8) -> ClientKey {
        match ip.map(|i| i.to_canonical()) {
            None => ClientKey("unknown".into()),
            Some(IpAddr::V4(v4)) => ClientKey(v4.to_string()),
            Some(IpAddr::V6(v6)) if ipv6_prefix >= 128 => ClientKey(v6.to_string()),
            Some(ip) => ClientKey(IpNet::new(ip, ipv6_prefix).to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An IP network: an address and a prefix length, such as `10.0.0.0/8` or `::1/128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// `127.0.0.0/8`.
    pub const LOOPBACK_V4: IpNet = IpNet {
        addr: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)),
        prefix: 8,
    };
    /// `::1/128`.
    pub const LOOPBACK_V6: IpNet = IpNet {
        addr: IpAddr::V6(Ipv6Addr::LOCALHOST),
        prefix: 128,
    };

    /// The network of `prefix` bits that holds `addr` (the prefix is capped at the family's
    /// width).
    pub fn new(addr: IpAddr, prefix: u8) -> IpNet {
        let addr = addr.to_canonical();
        let prefix = prefix.min(width(addr));
        IpNet {
            addr: mask(addr, prefix),
            prefix,
        }
    }

    /// Whether `ip` is in this network (`::ffff:a.b.c.d` counts as `a.b.c.d`).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.prefix) == self.addr
    }
}

fn width(ip: IpAddr) -> u8 {
    if ip.is_ipv4() { 32 } else { 128 }
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & bits))
        }
        IpAddr::V6(v6) => {
            let bits = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & bits))
        }
    }
}

impl FromStr for IpNet {
    type Err = ();

    /// `a.b.c.d`, `a.b.c.d/n`, `x::y` or `x::y/n`; host bits after the prefix are ignored.
    fn from_str(s: &str) -> Result<IpNet, ()> {
        let (addr, prefix) = match s.trim().split_once('/') {
            None => (s.trim(), None),
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| ())?)),
        };
        let addr: IpAddr = addr.parse().map_err(|_| ())?;
        let prefix = prefix.unwrap_or(width(addr));
        if prefix > width(addr) {
            return Err(());
        }
        Ok(IpNet::new(addr, prefix))
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
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
    fn ipv6_clients_are_keyed_by_their_network_and_ipv4_by_address() {
        let key = |s: &str, p| ClientKey::of(Some(s.parse().unwrap()), p).to_string();
        assert_eq!(key("2001:db8:1:2:aaaa::1", 64), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff::9", 64), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:3::1", 64), "2001:db8:1:3::/64");
        assert_eq!(key("2001:db8:1:3::1", 48), "2001:db8:1::/48");
        assert_eq!(key("2001:db8:1:3::1", 128), "2001:db8:1:3::1");
        assert_eq!(key("203.0.113.9", 64), "203.0.113.9");
        assert_eq!(key("::ffff:203.0.113.9", 64), "203.0.113.9");
        assert_eq!(ClientKey::of(None, 64).as_str(), "unknown");
    }

    #[test]
    fn networks_parse_and_contain() {
        let n: IpNet = "10.1.2.3/8".parse().unwrap();
        assert_eq!(n.to_string(), "10.0.0.0/8");
        assert!(n.contains("10.200.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        assert!(!n.contains("::1".parse().unwrap()));
        assert!(IpNet::LOOPBACK_V4.contains("127.0.0.1".parse().unwrap()));
        assert!(IpNet::LOOPBACK_V6.contains("::1".parse().unwrap()));
        let host: IpNet = "2001:db8::5".parse().unwrap();
        assert_eq!(host.to_string(), "2001:db8::5/128");
        assert!(!host.contains("2001:db8::6".parse().unwrap()));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        for bad in ["10.0.0.0/33", "::/129", "nope", "10.0.0.0/x", ""] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; evently_at=tok; b=2".parse().unwrap());
        assert_eq!(cookie(&h, "evently_at").as_deref(), Some("tok"));
        assert_eq!(cookie(&h, "zzz"), None);
    }
}
