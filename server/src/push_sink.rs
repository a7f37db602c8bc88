//! A web push service on loopback, for the push tests and `server bench notify`: it checks
//! what a real push service checks (the VAPID JWT signed with the key in the `Authorization`
//! header, `TTL`, `Content-Encoding: aes128gcm`), decrypts the payload with the
//! subscription's private key as the browser would (RFC 8291, through the `ece` crate), and
//! keeps what it read. A subscription can be told to answer `410 Gone` or `500`.

use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use evently::notifications::push::PushPayload;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::net::TcpListener;

/// How a subscription's endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accept,
    /// `410 Gone`: the browser unsubscribed.
    Gone,
    /// `500`: the push service is having trouble.
    Fail,
}

/// One push as the device would read it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The subscription's name (the last part of its endpoint).
    pub name: String,
    pub payload: PushPayload,
    pub ttl: u32,
    pub urgency: Option<String>,
    pub topic: Option<String>,
    /// The VAPID `sub` claim.
    pub subject: String,
    pub at: Instant,
}

struct Sub {
    keys: ece::EcKeyComponents,
    auth: Vec<u8>,
    answer: Answer,
}

#[derive(Default)]
struct State {
    subs: HashMap<String, Sub>,
    received: Vec<Received>,
    /// Requests refused and why (a bad signature, a missing header, an undecryptable body).
    refused: Vec<String>,
    /// Requests answered with an error on purpose.
    failed: usize,
}

/// A subscription the sink made, as a browser would hand it to the site.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

#[derive(Clone)]
pub struct PushSink {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl PushSink {
    /// A push service on a free loopback port.
    ///
    /// # Panics
    /// When no loopback port can be had (tests only).
    pub async fn start() -> PushSink {
        match PushSink::start_on(0).await {
            Ok(s) => s,
            Err(e) => panic!("the push sink cannot listen: {e}"),
        }
    }

    /// A push service on `127.0.0.1:port` (0: any free port).
    pub async fn start_on(port: u16) -> std::io::Result<PushSink> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        let sink = PushSink {
            port,
            state: Arc::new(Mutex::new(State::default())),
        };
        let app = axum::Router::new()
            .route("/push/{name}", post(receive))
            .with_state(sink.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(sink)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new subscription (a browser's key pair and auth secret) named `name`.
    ///
    /// # Panics
    /// When the key pair cannot be made (tests only).
    pub fn subscribe(&self, name: &str) -> Subscription {
        let (pair, auth) = match ece::generate_keypair_and_auth_secret() {
            Ok(k) => k,
            Err(e) => panic!("generating a push key pair: {e}"),
        };
        let (keys, public) = match (pair.raw_components(), pair.pub_as_raw()) {
            (Ok(k), Ok(p)) => (k, p),
            _ => panic!("exporting a push key pair"),
        };
        self.lock().subs.insert(
            name.to_string(),
            Sub {
                keys,
                auth: auth.to_vec(),
                answer: Answer::Accept,
            },
        );
        Subscription {
            endpoint: format!("http://127.0.0.1:{}/push/{name}", self.port),
            p256dh: URL_SAFE_NO_PAD.encode(public),
            auth: URL_SAFE_NO_PAD.encode(auth),
        }
    }

    /// How `name`'s endpoint answers from now on.
    pub fn answer(&self, name: &str, answer: Answer) {
        if let Some(s) = self.lock().subs.get_mut(name) {
            s.answer = answer;
        }
    }

    /// Every push read so far.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// Requests refused (with why).
    pub fn refused(&self) -> Vec<String> {
        self.lock().refused.clone()
    }

    /// Requests answered `410` or `500` on purpose.
    pub fn failed(&self) -> usize {
        self.lock().failed
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Checks `Authorization: vapid t=<jwt>, k=<key>`: an ES256 JWT signed by `k`, for this
/// origin, expiring within 24 hours, with a contact. Returns the `sub` claim.
fn check_vapid(h: &HeaderMap, port: u16) -> Result<String, String> {
    let auth = header(h, "authorization").ok_or("no Authorization header")?;
    let rest = auth
        .strip_prefix("vapid ")
        .ok_or("Authorization is not `vapid t=..., k=...`")?;
    let mut t = None;
    let mut k = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("t=") {
            t = Some(v);
        } else if let Some(v) = part.strip_prefix("k=") {
            k = Some(v);
        }
    }
    let (t, k) = (t.ok_or("no t=")?, k.ok_or("no k=")?);
    let key = URL_SAFE_NO_PAD
        .decode(k)
        .map_err(|_| "k= is not base64url")?;
    if key.len() != 65 || key[0] != 4 {
        return Err("k= is not an uncompressed P-256 point".into());
    }
    let x = URL_SAFE_NO_PAD.encode(&key[1..33]);
    let y = URL_SAFE_NO_PAD.encode(&key[33..65]);
    let dk = jsonwebtoken::DecodingKey::from_ec_components(&x, &y)
        .map_err(|e| format!("k= is no EC key: {e}"))?;
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    v.validate_aud = false;
    let claims = jsonwebtoken::decode::<serde_json::Value>(t, &dk, &v)
        .map_err(|e| format!("the VAPID JWT does not verify: {e}"))?
        .claims;
    let aud = claims["aud"].as_str().unwrap_or_default();
    if aud != "http://127.0.0.1" && aud != format!("http://127.0.0.1:{port}") {
        return Err(format!("the JWT is for {aud:?}, not this push service"));
    }
    let exp = claims["exp"].as_i64().unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    if exp > now + 24 * 3600 {
        return Err("the JWT expires more than 24 hours ahead".into());
    }
    let sub = claims["sub"].as_str().unwrap_or_default().to_string();
    if !(sub.starts_with("mailto:") || sub.starts_with("https://")) {
        return Err(format!("the JWT's sub {sub:?} is no contact"));
    }
    Ok(sub)
}

async fn receive(
    AxState(sink): AxState<PushSink>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let refuse = |why: String, status: StatusCode| {
        sink.lock().refused.push(format!("{name}: {why}"));
        status
    };
    let subject = match check_vapid(&headers, sink.port) {
        Ok(s) => s,
        Err(why) => return refuse(why, StatusCode::UNAUTHORIZED),
    };
    let Some(ttl) = header(&headers, "ttl").and_then(|t| t.parse::<u32>().ok()) else {
        return refuse("no TTL".into(), StatusCode::BAD_REQUEST);
    };
    if header(&headers, "content-encoding") != Some("aes128gcm") {
        return refuse(
            "Content-Encoding is not aes128gcm".into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        );
    }
    let (keys, auth, answer) = {
        let s = sink.lock();
        match s.subs.get(&name) {
            Some(sub) => (sub.keys.clone(), sub.auth.clone(), sub.answer),
            None => {
                drop(s);
                return refuse("no such subscription".into(), StatusCode::NOT_FOUND);
            }
        }
    };
    match answer {
        Answer::Accept => {}
        Answer::Gone => {
            sink.lock().failed += 1;
            return StatusCode::GONE;
        }
        Answer::Fail => {
            sink.lock().failed += 1;
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
    }
    let plain = match ece::decrypt(&keys, &auth, &body) {
        Ok(p) => p,
        Err(e) => return refuse(format!("cannot decrypt: {e}"), StatusCode::BAD_REQUEST),
    };
    let payload: PushPayload = match serde_json::from_slice(&plain) {
        Ok(p) => p,
        Err(e) => return refuse(format!("payload is not JSON: {e}"), StatusCode::BAD_REQUEST),
    };
    sink.lock().received.push(Received {
        name: name.clone(),
        payload,
        ttl,
        urgency: header(&headers, "urgency").map(str::to_string),
        topic: header(&headers, "topic").map(str::to_string),
        subject,
        at: Instant::now(),
    });
    StatusCode::CREATED
}
