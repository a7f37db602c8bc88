//! Access tokens: short-lived HS256 JWTs with a fixed algorithm, issuer and audience.
//! Refresh tokens are random strings stored hashed on the server (see `accounts`).

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const ISSUER: &str = "evently";
pub const AUDIENCE: &str = "evently-api";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Session id: revoking the session revokes the token.
    pub sid: String,
    pub role: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// The signing key; its bytes never print.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Access token lifetime in seconds.
    pub access_ttl_secs: i64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(<redacted>)")
    }
}

/// Why a key or token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the signing key must be at least 32 bytes (256 bits)")]
    KeyTooShort,
    #[error("invalid token")]
    Invalid,
}

impl TokenKeys {
    /// Keys from a secret of at least 256 bits.
    pub fn new(secret: &[u8], access_ttl_secs: i64) -> Result<Self, TokenError> {
        if secret.len() < 32 {
            return Err(TokenError::KeyTooShort);
        }
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            access_ttl_secs,
        })
    }

    /// Signs an access token for a session.
    pub fn issue(
        &self,
        user_id: i64,
        session_id: &str,
        role: &str,
        now_secs: i64,
    ) -> Result<String, TokenError> {
        let claims = Claims {
            sub: user_id.to_string(),
            sid: session_id.to_string(),
            role: role.to_string(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now_secs,
            exp: now_secs + self.access_ttl_secs,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| TokenError::Invalid)
    }

    /// Checks signature, algorithm (HS256 only; `none` and all others refused), expiry,
    /// issuer and audience, against the caller's clock.
    pub fn verify(&self, token: &str, now_secs: i64) -> Result<Claims, TokenError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[ISSUER]);
        v.set_audience(&[AUDIENCE]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.validate_exp = false; // checked below against our clock, with no leeway
        v.leeway = 0;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &v)
            .map_err(|_| TokenError::Invalid)?;
        if data.claims.exp <= now_secs {
            return Err(TokenError::Invalid);
        }
        Ok(data.claims)
    }
}

/// A new random refresh token (256 bits, URL-safe).
pub fn new_refresh_token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// How refresh tokens are stored: SHA-256, hex. (They are random, so no salt is needed.)
pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn keys() -> TokenKeys {
        TokenKeys::new(&[7u8; 32], 900).unwrap()
    }

    #[test]
    fn round_trips_and_expires() {
        let k = keys();
        let t = k.issue(42, "s1", "attendee", 1_000).unwrap();
        assert_eq!(k.verify(&t, 1_001).unwrap().sub, "42");
        assert!(k.verify(&t, 1_900).is_err(), "expired");
    }

    #[test]
    fn refuses_short_keys_wrong_signatures_and_alg_none() {
        assert!(TokenKeys::new(&[1u8; 31], 900).is_err());
        let t = keys().issue(1, "s", "admin", 1_000).unwrap();
        let other = TokenKeys::new(&[8u8; 32], 900).unwrap();
        assert!(other.verify(&t, 1_001).is_err(), "wrong key");
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = t.split('.').nth(1).unwrap();
        let none = format!(
            "{}.{}.",
            b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
            payload
        );
        assert!(keys().verify(&none, 1_001).is_err(), "alg none");
    }
}
