//! Web push: VAPID-signed, aes128gcm-encrypted requests to the push services of people's
//! browsers (RFC 8030, 8291, 8292), built with the `web-push` crate and sent with reqwest.
//!
//! A subscription's endpoint is a URL a browser handed us; the server POSTs to it. So that a
//! person cannot point the server at internal addresses, only hosts on an allow-list are
//! accepted (the public push services by default; `EVENTLY_PUSH_HOSTS` adds more, and only a
//! loopback host listed there may use plain `http`).

use std::fmt;
use std::time::Duration;
use web_push::{
    ContentEncoding, PartialVapidSignatureBuilder, SubscriptionInfo, Urgency,
    VapidSignatureBuilder, WebPushMessageBuilder,
};

/// The push services browsers use (host suffixes).
pub const DEFAULT_HOSTS: [&str; 5] = [
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
    "push.services.mozilla.com",
];

/// The VAPID key and where pushes may go. `Debug` never shows the key.
#[derive(Clone)]
pub struct PushSettings {
    vapid: PartialVapidSignatureBuilder,
    public_key: String,
    /// The `sub` claim: a contact for the push services (`mailto:` or `https:`).
    pub subject: String,
    /// Host suffixes endpoints may have.
    pub hosts: Vec<String>,
}

impl fmt::Debug for PushSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushSettings")
            .field("public_key", &self.public_key)
            .field("subject", &self.subject)
            .field("hosts", &self.hosts)
            .finish_non_exhaustive()
    }
}

/// Base64url without padding (how VAPID keys and subscription keys travel).
pub fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .ok()
}

impl PushSettings {
    /// From the 32-byte P-256 private key.
    pub fn new(private_key: &[u8], subject: &str, hosts: Vec<String>) -> Result<Self, String> {
        if private_key.len() != 32 {
            return Err("the VAPID key must be 32 bytes (64 hex digits)".into());
        }
        let vapid = VapidSignatureBuilder::from_base64_no_sub(&b64url(private_key))
            .map_err(|_| "the VAPID key is not a P-256 private key".to_string())?;
        let public_key = b64url(&vapid.get_public_key());
        Ok(PushSettings {
            vapid,
            public_key,
            subject: subject.to_string(),
            hosts,
        })
    }

    /// The application server key browsers subscribe with (base64url, uncompressed point).
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// Why an endpoint is refused, if it is.
    pub fn check_endpoint(&self, endpoint: &str) -> Result<(), &'static str> {
        let Ok(url) = reqwest::Url::parse(endpoint) else {
            return Err("is not a URL");
        };
        if endpoint.len() > 2048 {
            return Err("is longer than 2048 characters");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry a user name or password");
        }
        let Some(host) = url.host_str() else {
            return Err("has no host");
        };
        let host = host.to_ascii_lowercase();
        let listed = self
            .hosts
            .iter()
            .any(|h| host == *h || host.ends_with(&format!(".{h}")));
        if !listed {
            return Err("is not the address of a known push service");
        }
        match url.scheme() {
            "https" => Ok(()),
            "http" if host == "127.0.0.1" || host == "localhost" || host == "[::1]" => Ok(()),
            _ => Err("must use https"),
        }
    }

    /// Whether a browser's keys can be encrypted for: `p256dh` an uncompressed P-256 point,
    /// `auth` 16 bytes.
    pub fn check_keys(p256dh: &str, auth: &str) -> Result<(), &'static str> {
        match b64url_decode(p256dh) {
            Some(k) if k.len() == 65 && k[0] == 4 => {}
            _ => return Err("keys.p256dh must be a base64url P-256 public key (65 bytes)"),
        }
        match b64url_decode(auth) {
            Some(a) if a.len() == 16 => Ok(()),
            _ => Err("keys.auth must be 16 bytes in base64url"),
        }
    }
}

/// What the service worker shows (the JSON inside the encrypted payload).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PushPayload {
    pub title: String,
    pub body: String,
    /// The page a click opens (a path on this site).
    pub url: String,
    /// Replaces an earlier notification with the same tag on the device.
    pub tag: String,
}

/// One push to send.
pub struct Push<'a> {
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
    pub payload: &'a PushPayload,
    /// Seconds the push service may keep it for an offline device.
    pub ttl: u32,
    pub urgent: bool,
    /// Base64url, at most 32 characters: a resend replaces an undelivered earlier one.
    pub topic: &'a str,
}

/// How a push went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushError {
    /// The subscription is gone (404 or 410): forget it.
    Gone,
    /// Anything else: try again later.
    Failed(String),
}

/// Sends pushes; cheap to clone.
#[derive(Clone)]
pub struct Pusher {
    settings: PushSettings,
    http: reqwest::Client,
}

impl Pusher {
    pub fn new(settings: PushSettings) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Pusher { settings, http }
    }

    /// Encrypts, signs and sends one push.
    pub async fn send(&self, p: &Push<'_>) -> Result<(), PushError> {
        self.settings
            .check_endpoint(p.endpoint)
            .map_err(|e| PushError::Failed(format!("the endpoint {e}")))?;
        let info = SubscriptionInfo::new(p.endpoint, p.p256dh, p.auth);
        let body = serde_json::to_vec(p.payload).unwrap_or_default();
        let fail = |e: web_push::WebPushError| PushError::Failed(e.to_string());
        let mut sig = self.settings.vapid.clone().add_sub_info(&info);
        sig.add_claim("sub", self.settings.subject.as_str());
        let sig = sig.build().map_err(fail)?;
        let mut b = WebPushMessageBuilder::new(&info);
        b.set_payload(ContentEncoding::Aes128Gcm, &body);
        b.set_ttl(p.ttl);
        b.set_urgency(if p.urgent {
            Urgency::High
        } else {
            Urgency::Normal
        });
        b.set_topic(p.topic.to_string());
        b.set_vapid_signature(sig);
        let msg = b.build().map_err(fail)?;
        let mut req = self
            .http
            .post(msg.endpoint.to_string())
            .header("TTL", msg.ttl.to_string());
        if let Some(u) = msg.urgency {
            req = req.header("Urgency", u.to_string());
        }
        if let Some(t) = msg.topic {
            req = req.header("Topic", t);
        }
        if let Some(payload) = msg.payload {
            req = req
                .header("Content-Encoding", payload.content_encoding.to_str())
                .header("Content-Type", "application/octet-stream");
            for (k, v) in payload.crypto_headers {
                req = req.header(k, v);
            }
            req = req.body(payload.content);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| PushError::Failed(format!("the push service did not answer: {e}")))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
            return Err(PushError::Gone);
        }
        let text: String = resp
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect();
        Err(PushError::Failed(format!(
            "the push service answered {status}: {text}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(hosts: &[&str]) -> PushSettings {
        PushSettings::new(
            &[7u8; 32],
            "mailto:ops@example.com",
            hosts.iter().map(|h| h.to_string()).collect(),
        )
        .unwrap()
    }

    #[test]
    fn endpoints_must_be_listed_push_services_over_https() {
        let s = settings(&DEFAULT_HOSTS);
        assert!(
            s.check_endpoint("https://fcm.googleapis.com/fcm/send/abc")
                .is_ok()
        );
        assert!(s.check_endpoint("https://web.push.apple.com/QG").is_ok());
        assert!(
            s.check_endpoint("http://fcm.googleapis.com/fcm/send/abc")
                .is_err()
        );
        assert!(s.check_endpoint("https://169.254.169.254/latest").is_err());
        assert!(
            s.check_endpoint("https://evilfcm.googleapis.com.example/x")
                .is_err()
        );
        assert!(s.check_endpoint("https://notfcm.googleapis.com/x").is_err());
        assert!(s.check_endpoint("not a url").is_err());
        let local = settings(&["127.0.0.1"]);
        assert!(local.check_endpoint("http://127.0.0.1:9/push/1").is_ok());
        assert!(local.check_endpoint("http://127.0.0.2:9/push/1").is_err());
    }

    #[test]
    fn keys_are_checked_and_the_public_key_is_an_uncompressed_point() {
        let s = settings(&[]);
        let pk = b64url_decode(s.public_key()).unwrap();
        assert_eq!(pk.len(), 65);
        assert_eq!(pk[0], 4);
        assert!(PushSettings::check_keys(s.public_key(), &b64url(&[1; 16])).is_ok());
        assert!(PushSettings::check_keys("abc", &b64url(&[1; 16])).is_err());
        assert!(PushSettings::check_keys(s.public_key(), &b64url(&[1; 15])).is_err());
        assert!(PushSettings::new(&[0u8; 32], "x", vec![]).is_err());
        assert!(PushSettings::new(&[1u8; 31], "x", vec![]).is_err());
        assert!(!format!("{s:?}").contains("vapid"));
    }
}
