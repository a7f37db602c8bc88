//! Typed configuration, read once from the environment at start-up.
//!
//! Every variable is documented in the README. A bad value stops start-up with a one-line
//! message naming the variable and what is wrong with it.

use crate::client::IpNet;
use crate::secrets;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// A secret value that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// `development` (the default) or `production`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Env {
    Development,
    Production,
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `EVENTLY_ADDR`: where to listen (default `127.0.0.1:3000`).
    pub addr: SocketAddr,
    /// `DATABASE_URL`: `postgres://...` or `sqlite:...`; unset means `sqlite` in the data dir.
    pub database_url: Option<Secret>,
    /// `REDIS_URL`: unset means in-process live bus and rate limits.
    pub redis_url: Option<Secret>,
    /// `EVENTLY_DATA_DIR`: the SQLite file, generated keys and mail (default `./data`).
    pub data_dir: PathBuf,
    /// `EVENTLY_ENV`.
    pub env: Env,
    /// `EVENTLY_SITE_ROOT`: the built site (wasm bundle, CSS, public files); default `target/site`.
    pub site_root: PathBuf,
    /// `EVENTLY_PUBLIC_URL`: the address people reach the site at, for canonical links.
    pub public_url: String,
    /// Whether `EVENTLY_PUBLIC_URL` was given (otherwise it follows the bound address).
    pub public_url_explicit: bool,
    /// `EVENTLY_JWT_SECRET`: at least 32 bytes; required in production.
    pub jwt_secret: Option<Secret>,
    /// `EVENTLY_TRUSTED_PROXIES`: comma-separated proxy addresses whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// `EVENTLY_RATE_LIMITS`: `on` (default) or `off` (benchmarks only; refused in production).
    pub rate_limits: bool,
    /// `EVENTLY_DB_POOL`: PostgreSQL pool size (default 32).
    pub db_pool: u32,
    /// `EVENTLY_REDIS_NAMESPACE`: prefix of every Redis key and channel (default `evently`),
    /// so several deployments can share one Redis.
    pub redis_namespace: String,
    /// `EVENTLY_IPV6_PREFIX`: IPv6 clients are counted per network of this many bits
    /// (default 64, from 48 to 128), since one host usually holds a whole /64.
    pub ipv6_prefix: u8,
    /// `EVENTLY_METRICS_ALLOW`: networks that may read `/metrics` (default loopback);
    /// `none` allows no address, so only the token opens it.
    pub metrics_allow: Vec<IpNet>,
    /// `EVENTLY_METRICS_TOKEN`: a bearer token that opens `/metrics` from any address.
    pub metrics_token: Option<Secret>,
    /// `EVENTLY_WS_MAX_PER_CLIENT`: open live connections per client (default 20).
    pub ws_max_per_client: usize,
    /// `EVENTLY_WS_MAX_TOTAL`: open live connections per server (default 20,000).
    pub ws_max_total: usize,
    /// `SMTP_URL`: `smtp://`, `smtps://` or `smtp+starttls://`, with `user:password@`;
    /// unset means mail is written as `.eml` files under `<data dir>/mail`. Required in
    /// production.
    pub smtp_url: Option<Secret>,
    /// `EVENTLY_MAIL_FROM`: the sender (default `Evently <tickets@localhost>`).
    pub mail_from: String,
    /// `EVENTLY_DKIM_SELECTOR` and `EVENTLY_DKIM_KEY_FILE` (PEM, RSA or Ed25519): sign mail
    /// with DKIM; `EVENTLY_DKIM_DOMAIN` defaults to the sender's domain.
    pub dkim: Option<DkimConfig>,
    /// `EVENTLY_TICKET_KEY`: the Ed25519 seed (64 hex digits) tickets are signed with;
    /// required in production, generated into the data dir otherwise.
    pub ticket_key: Option<Secret>,
    /// `EVENTLY_OUTBOX_MAX_ATTEMPTS` (default 8) and `EVENTLY_OUTBOX_RETRY_MS` (the first
    /// retry's wait, default 30,000 ms, doubling up to an hour).
    pub outbox: evently::notifications::OutboxSettings,
    /// `EVENTLY_REQUIRE_VERIFIED_EMAIL` (`on`/`off`, default off): holding or booking seats
    /// and joining a waitlist need a confirmed e-mail address.
    pub require_verified_email: bool,
    /// `EVENTLY_DELIVERY` (`on`/`off`, default on): whether this instance runs the outbox
    /// worker. Off on some instances to keep mail work away from them (at least one must
    /// deliver); also how `bench notify` gets its baseline.
    pub delivery: bool,
    /// `EVENTLY_VAPID_KEY`: the P-256 private key (64 hex digits) web push is signed with;
    /// required in production, generated into the data dir otherwise.
    pub vapid_key: Option<Secret>,
    /// `EVENTLY_PUSH_HOSTS`: host names (comma-separated) push endpoints may have besides
    /// the public push services; a listed loopback host may use plain `http` (tests).
    pub push_hosts: Vec<String>,
}

/// Where the DKIM key is.
#[derive(Debug, Clone)]
pub struct DkimConfig {
    pub selector: String,
    pub domain: Option<String>,
    pub key_file: PathBuf,
}

/// A configuration problem, naming the variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}: {}", self.var, self.problem)
    }
}

impl std::error::Error for ConfigError {}

fn err(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        problem: problem.into(),
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads configuration through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let nonempty = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let env = match nonempty("EVENTLY_ENV").as_deref() {
            None | Some("development") | Some("dev") => Env::Development,
            Some("production") | Some("prod") => Env::Production,
            Some(other) => {
                return Err(err(
                    "EVENTLY_ENV",
                    format!("{other:?} is not `development` or `production`"),
                ));
            }
        };
        let addr = match nonempty("EVENTLY_ADDR") {
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
            Some(v) => v.parse().map_err(|_| {
                err(
                    "EVENTLY_ADDR",
                    format!("{v:?} is not an address like 127.0.0.1:3000"),
                )
            })?,
        };
        let database_url = match nonempty("DATABASE_URL") {
            None => None,
            Some(v) => {
                let ok = v.starts_with("postgres://")
                    || v.starts_with("postgresql://")
                    || v.starts_with("sqlite:");
                if !ok {
                    return Err(err(
                        "DATABASE_URL",
                        format!(
                            "{} is not a postgres://... or sqlite:... address",
                            evently::db::redact(&v)
                        ),
                    ));
                }
                Some(Secret::new(v))
            }
        };
        let redis_url = match nonempty("REDIS_URL") {
            None => None,
            Some(v) if v.starts_with("redis://") || v.starts_with("rediss://") => {
                Some(Secret::new(v))
            }
            Some(v) => {
                return Err(err(
                    "REDIS_URL",
                    format!("{} is not a redis://... address", evently::db::redact(&v)),
                ));
            }
        };
        let data_dir =
            PathBuf::from(nonempty("EVENTLY_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let site_root =
            PathBuf::from(nonempty("EVENTLY_SITE_ROOT").unwrap_or_else(|| "target/site".into()));
        let public_url = match nonempty("EVENTLY_PUBLIC_URL") {
            None => format!("http://{addr}"),
            Some(v)
                if (v.starts_with("http://") || v.starts_with("https://"))
                    && !v.contains(char::is_whitespace) =>
            {
                v.trim_end_matches('/').to_string()
            }
            Some(v) => {
                return Err(err(
                    "EVENTLY_PUBLIC_URL",
                    format!("{v:?} is not an http(s) address"),
                ));
            }
        };
        let public_url_explicit = nonempty("EVENTLY_PUBLIC_URL").is_some();
        let jwt_secret = nonempty("EVENTLY_JWT_SECRET").map(Secret::new);
        if let Some(s) = &jwt_secret
            && s.expose().len() < 32
        {
            return Err(err(
                "EVENTLY_JWT_SECRET",
                "must be at least 32 bytes (256 bits)",
            ));
        }
        let mut trusted_proxies = Vec::new();
        if let Some(v) = nonempty("EVENTLY_TRUSTED_PROXIES") {
            for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                trusted_proxies.push(part.parse().map_err(|_| {
                    err(
                        "EVENTLY_TRUSTED_PROXIES",
                        format!("{part:?} is not an IP address"),
                    )
                })?);
            }
        }
        let rate_limits = match nonempty("EVENTLY_RATE_LIMITS").as_deref() {
            None | Some("on") | Some("true") | Some("1") => true,
            Some("off") | Some("false") | Some("0") => false,
            Some(other) => {
                return Err(err(
                    "EVENTLY_RATE_LIMITS",
                    format!("{other:?} is not `on` or `off`"),
                ));
            }
        };
        let require_verified_email = match nonempty("EVENTLY_REQUIRE_VERIFIED_EMAIL").as_deref() {
            None | Some("off") | Some("false") | Some("0") => false,
            Some("on") | Some("true") | Some("1") => true,
            Some(other) => {
                return Err(err(
                    "EVENTLY_REQUIRE_VERIFIED_EMAIL",
                    format!("{other:?} is not `on` or `off`"),
                ));
            }
        };
        let delivery = match nonempty("EVENTLY_DELIVERY").as_deref() {
            None | Some("on") | Some("true") | Some("1") => true,
            Some("off") | Some("false") | Some("0") => false,
            Some(other) => {
                return Err(err(
                    "EVENTLY_DELIVERY",
                    format!("{other:?} is not `on` or `off`"),
                ));
            }
        };
        let vapid_key = nonempty("EVENTLY_VAPID_KEY").map(Secret::new);
        if let Some(k) = &vapid_key
            && (k.expose().len() != 64 || hex::decode(k.expose()).is_err())
        {
            return Err(err(
                "EVENTLY_VAPID_KEY",
                "must be 64 hex digits (a P-256 private key): generate one with `openssl rand -hex 32`",
            ));
        }
        let mut push_hosts: Vec<String> = evently::notifications::push::DEFAULT_HOSTS
            .iter()
            .map(|h| h.to_string())
            .collect();
        for h in nonempty("EVENTLY_PUSH_HOSTS")
            .unwrap_or_default()
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
        {
            if h.contains('/') || h.contains(':') || h.contains('@') {
                return Err(err(
                    "EVENTLY_PUSH_HOSTS",
                    format!("{h:?} is not a host name (no scheme, port or path)"),
                ));
            }
            push_hosts.push(h);
        }
        let db_pool = match nonempty("EVENTLY_DB_POOL") {
            None => 32,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=500).contains(&n) => n,
                _ => {
                    return Err(err(
                        "EVENTLY_DB_POOL",
                        format!("{v:?} is not a number from 1 to 500"),
                    ));
                }
            },
        };
        let redis_namespace =
            nonempty("EVENTLY_REDIS_NAMESPACE").unwrap_or_else(|| "evently".into());
        if !redis_namespace
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            || redis_namespace.len() > 64
        {
            return Err(err(
                "EVENTLY_REDIS_NAMESPACE",
                "use up to 64 letters, digits, '-' or '_'",
            ));
        }
        let ipv6_prefix = match nonempty("EVENTLY_IPV6_PREFIX") {
            None => 64,
            Some(v) => match v.trim_start_matches('/').parse::<u8>() {
                Ok(n) if (48..=128).contains(&n) => n,
                _ => {
                    return Err(err(
                        "EVENTLY_IPV6_PREFIX",
                        format!("{v:?} is not a prefix length from 48 to 128"),
                    ));
                }
            },
        };
        let metrics_allow = match nonempty("EVENTLY_METRICS_ALLOW") {
            None => vec![IpNet::LOOPBACK_V4, IpNet::LOOPBACK_V6],
            Some(v) if v.eq_ignore_ascii_case("none") => Vec::new(),
            Some(v) => {
                let mut nets = Vec::new();
                for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    nets.push(part.parse::<IpNet>().map_err(|_| {
                        err(
                            "EVENTLY_METRICS_ALLOW",
                            format!("{part:?} is not an IP address or network like 10.0.0.0/8"),
                        )
                    })?);
                }
                nets
            }
        };
        let metrics_token = nonempty("EVENTLY_METRICS_TOKEN").map(Secret::new);
        if let Some(t) = &metrics_token
            && (t.expose().len() < 16 || !t.expose().bytes().all(|b| b.is_ascii_graphic()))
        {
            return Err(err(
                "EVENTLY_METRICS_TOKEN",
                "must be at least 16 printable characters without spaces",
            ));
        }
        let count = |var: &'static str, default: usize, max: usize| match nonempty(var) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(err(var, format!("{v:?} is not a number from 1 to {max}"))),
            },
        };
        let ws_max_per_client = count("EVENTLY_WS_MAX_PER_CLIENT", 20, 10_000)?;
        let ws_max_total = count("EVENTLY_WS_MAX_TOTAL", 20_000, 1_000_000)?;
        let smtp_url = match nonempty("SMTP_URL") {
            None => None,
            Some(v)
                if ["smtp://", "smtps://", "smtp+starttls://"]
                    .iter()
                    .any(|p| v.starts_with(p)) =>
            {
                Some(Secret::new(v))
            }
            Some(v) => {
                return Err(err(
                    "SMTP_URL",
                    format!(
                        "{} is not a smtp://, smtps:// or smtp+starttls:// address",
                        evently::db::redact(&v)
                    ),
                ));
            }
        };
        let mail_from =
            nonempty("EVENTLY_MAIL_FROM").unwrap_or_else(|| "Evently <tickets@localhost>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(err(
                "EVENTLY_MAIL_FROM",
                format!("{mail_from:?} is not an address like `Evently <tickets@example.org>`"),
            ));
        }
        let dkim = match (
            nonempty("EVENTLY_DKIM_SELECTOR"),
            nonempty("EVENTLY_DKIM_KEY_FILE"),
        ) {
            (None, None) => None,
            (Some(selector), Some(file)) => Some(DkimConfig {
                selector,
                domain: nonempty("EVENTLY_DKIM_DOMAIN"),
                key_file: PathBuf::from(file),
            }),
            _ => {
                return Err(err(
                    "EVENTLY_DKIM_KEY_FILE",
                    "set both EVENTLY_DKIM_SELECTOR and EVENTLY_DKIM_KEY_FILE, or neither",
                ));
            }
        };
        let ticket_key = nonempty("EVENTLY_TICKET_KEY").map(Secret::new);
        if let Some(k) = &ticket_key
            && (k.expose().len() != 64 || hex::decode(k.expose()).is_err())
        {
            return Err(err(
                "EVENTLY_TICKET_KEY",
                "must be 64 hex digits (an Ed25519 seed): generate one with `openssl rand -hex 32`",
            ));
        }
        let outbox = evently::notifications::OutboxSettings {
            max_attempts: count("EVENTLY_OUTBOX_MAX_ATTEMPTS", 8, 100)? as i64,
            retry_base_ms: count("EVENTLY_OUTBOX_RETRY_MS", 30_000, 3_600_000)? as i64,
            ..evently::notifications::OutboxSettings::default()
        };
        if env == Env::Production {
            for (var, secret) in [
                ("EVENTLY_TICKET_KEY", &ticket_key),
                ("EVENTLY_VAPID_KEY", &vapid_key),
                ("EVENTLY_JWT_SECRET", &jwt_secret),
                ("EVENTLY_METRICS_TOKEN", &metrics_token),
            ] {
                if let Some(s) = secret
                    && let Some(why) = secrets::weakness(s.expose())
                {
                    return Err(err(var, format!("refused in production: {why}")));
                }
            }
            if jwt_secret.is_none() {
                return Err(err(
                    "EVENTLY_JWT_SECRET",
                    "production needs a signing key of at least 32 bytes",
                ));
            }
            if !rate_limits {
                return Err(err(
                    "EVENTLY_RATE_LIMITS",
                    "rate limits cannot be turned off in production",
                ));
            }
            if nonempty("EVENTLY_PUBLIC_URL").is_none() {
                return Err(err(
                    "EVENTLY_PUBLIC_URL",
                    "production needs the public https:// address of the site",
                ));
            }
            if smtp_url.is_none() {
                return Err(err(
                    "SMTP_URL",
                    "production needs a real mail transport (smtp://, smtps:// or smtp+starttls://)",
                ));
            }
            if ticket_key.is_none() {
                return Err(err(
                    "EVENTLY_TICKET_KEY",
                    "production needs the ticket signing key: 64 hex digits from `openssl rand -hex 32`",
                ));
            }
            if vapid_key.is_none() {
                return Err(err(
                    "EVENTLY_VAPID_KEY",
                    "production needs the web push (VAPID) key: 64 hex digits from `openssl rand -hex 32`",
                ));
            }
        }
        Ok(Config {
            addr,
            database_url,
            redis_url,
            data_dir,
            env,
            site_root,
            public_url,
            public_url_explicit,
            jwt_secret,
            trusted_proxies,
            rate_limits,
            db_pool,
            redis_namespace,
            ipv6_prefix,
            metrics_allow,
            metrics_token,
            ws_max_per_client,
            ws_max_total,
            smtp_url,
            mail_from,
            dkim,
            ticket_key,
            outbox,
            require_verified_email,
            delivery,
            vapid_key,
            push_hosts,
        })
    }

    pub fn production(&self) -> bool {
        self.env == Env::Production
    }

    /// Whether cookies must be `Secure` (and then carry the `__Host-` prefix): when the site
    /// is served over https, and always in production.
    pub fn secure_cookies(&self) -> bool {
        self.production() || self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn defaults_need_nothing() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert!(c.database_url.is_none());
        assert_eq!(c.env, Env::Development);
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert_eq!(
            cfg(&[("EVENTLY_ADDR", "nope")]).unwrap_err().var,
            "EVENTLY_ADDR"
        );
        assert_eq!(
            cfg(&[("DATABASE_URL", "mysql://x")]).unwrap_err().var,
            "DATABASE_URL"
        );
        assert_eq!(
            cfg(&[("EVENTLY_ENV", "staging")]).unwrap_err().var,
            "EVENTLY_ENV"
        );
        assert_eq!(
            cfg(&[("EVENTLY_JWT_SECRET", "short")]).unwrap_err().var,
            "EVENTLY_JWT_SECRET"
        );
    }

    #[test]
    fn production_refuses_missing_secrets() {
        let e = cfg(&[
            ("EVENTLY_ENV", "production"),
            ("EVENTLY_PUBLIC_URL", "https://x.example"),
        ])
        .unwrap_err();
        assert_eq!(e.var, "EVENTLY_JWT_SECRET");
        let ok = cfg(&[
            ("EVENTLY_ENV", "production"),
            ("EVENTLY_PUBLIC_URL", "https://x.example"),
            ("EVENTLY_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ])
        .unwrap_err();
        assert_eq!(ok.var, "SMTP_URL");
        let ok = cfg(&[
            ("EVENTLY_ENV", "production"),
            ("EVENTLY_PUBLIC_URL", "https://x.example"),
            ("EVENTLY_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("SMTP_URL", "smtps://mailer:pw@mail.example:465"),
        ])
        .unwrap_err();
        assert_eq!(ok.var, "EVENTLY_TICKET_KEY");
        let ok = cfg(&[
            ("EVENTLY_ENV", "production"),
            ("EVENTLY_PUBLIC_URL", "https://x.example"),
            ("EVENTLY_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("SMTP_URL", "smtps://mailer:pw@mail.example:465"),
            (
                "EVENTLY_TICKET_KEY",
                "5c1e9a0b7d3f28e4a6c1b9d0e7f3a2c5b8d1e4f7a0c3b6d9e2f5a8c1b4d7e0f3",
            ),
        ])
        .unwrap_err();
        assert_eq!(ok.var, "EVENTLY_VAPID_KEY");
        let ok = cfg(&[
            ("EVENTLY_ENV", "production"),
            ("EVENTLY_PUBLIC_URL", "https://x.example"),
            ("EVENTLY_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("SMTP_URL", "smtps://mailer:pw@mail.example:465"),
            (
                "EVENTLY_TICKET_KEY",
                "5c1e9a0b7d3f28e4a6c1b9d0e7f3a2c5b8d1e4f7a0c3b6d9e2f5a8c1b4d7e0f3",
            ),
            ("EVENTLY_VAPID_KEY", "zz"),
        ])
        .unwrap_err();
        assert_eq!(ok.var, "EVENTLY_VAPID_KEY");
        let ok = cfg(&[
            ("EVENTLY_ENV", "production"),
            ("EVENTLY_PUBLIC_URL", "https://x.example"),
            ("EVENTLY_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("SMTP_URL", "smtps://mailer:pw@mail.example:465"),
            (
                "EVENTLY_TICKET_KEY",
                "5c1e9a0b7d3f28e4a6c1b9d0e7f3a2c5b8d1e4f7a0c3b6d9e2f5a8c1b4d7e0f3",
            ),
            (
                "EVENTLY_VAPID_KEY",
                "7a3f1c9e5b2d8a4f6c0e3b7d9f1a5c2e8b4d6f0a3c7e9b1d5f2a8c4e6b0d3f7a",
            ),
            ("EVENTLY_PUSH_HOSTS", "push.example.net"),
        ]);
        assert!(ok.is_ok(), "{ok:?}");
        assert!(ok.is_ok_and(|c| c.push_hosts.iter().any(|h| h == "push.example.net")));
    }

    #[test]
    fn hardening_settings_have_safe_defaults_and_bounds() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.ipv6_prefix, 64);
        assert_eq!(
            c.metrics_allow,
            vec![IpNet::LOOPBACK_V4, IpNet::LOOPBACK_V6]
        );
        assert!(c.metrics_token.is_none());
        assert_eq!((c.ws_max_per_client, c.ws_max_total), (20, 20_000));
        assert!(!c.secure_cookies());
        for (var, bad) in [
            ("EVENTLY_IPV6_PREFIX", "47"),
            ("EVENTLY_IPV6_PREFIX", "129"),
            ("EVENTLY_METRICS_ALLOW", "127.0.0.1, localhost"),
            ("EVENTLY_METRICS_TOKEN", "short"),
            ("EVENTLY_METRICS_TOKEN", "has a space in it, sadly"),
            ("EVENTLY_WS_MAX_PER_CLIENT", "0"),
            ("EVENTLY_WS_MAX_TOTAL", "lots"),
        ] {
            assert_eq!(cfg(&[(var, bad)]).unwrap_err().var, var, "{bad}");
        }
        let c = cfg(&[
            ("EVENTLY_IPV6_PREFIX", "/56"),
            ("EVENTLY_METRICS_ALLOW", "none"),
            ("EVENTLY_PUBLIC_URL", "https://tickets.example"),
        ])
        .unwrap();
        assert_eq!(c.ipv6_prefix, 56);
        assert!(c.metrics_allow.is_empty());
        assert!(c.secure_cookies(), "https means Secure cookies");
    }

    #[test]
    fn production_refuses_weak_secrets_naming_the_variable() {
        let prod = [
            ("EVENTLY_ENV", "production"),
            ("EVENTLY_PUBLIC_URL", "https://x.example"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut all = prod.to_vec();
            all.extend_from_slice(extra);
            cfg(&all)
        };
        let e = with(&[(
            "EVENTLY_JWT_SECRET",
            "test-signing-key-that-is-long-enough-0123",
        )])
        .unwrap_err();
        assert_eq!(e.var, "EVENTLY_JWT_SECRET");
        assert!(!e.to_string().contains("long-enough"), "{e}");
        let e = with(&[
            ("EVENTLY_JWT_SECRET", "9f2c4e1a7b3d8f6e0a5c2b9d4e7f1a3c"),
            ("EVENTLY_METRICS_TOKEN", "aaaaaaaaaaaaaaaaaaaaaaaa"),
        ])
        .unwrap_err();
        assert_eq!(e.var, "EVENTLY_METRICS_TOKEN");
        // Development takes what it is given.
        assert!(
            cfg(&[(
                "EVENTLY_JWT_SECRET",
                "test-signing-key-that-is-long-enough-0123"
            )])
            .is_ok()
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let c = cfg(&[
            ("DATABASE_URL", "postgres://u:hunter2@h/db"),
            ("EVENTLY_METRICS_TOKEN", "scrape-me-9f2c4e1a7b3d8f6e"),
        ])
        .unwrap();
        let printed = format!("{c:?}");
        assert!(!printed.contains("hunter2") && !printed.contains("scrape-me"));
    }
}
