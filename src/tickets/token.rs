//! The ticket token a QR code carries: a ticket's event and code, signed with Ed25519, so a
//! scanner can verify it offline with the public key alone.
//!
//! Format (ASCII, about 120 characters): `T1.<payload>.<signature>`, both parts unpadded
//! base64url. The payload is one version byte (1), the event id as 8 bytes big-endian and
//! the ticket code (10 ASCII characters). The signature is Ed25519 over
//! `"evently-ticket\n" || payload`, so no other message the key might ever sign reads as a
//! ticket. Verify with a strict verifier (`verify_strict`: no small-order keys, canonical
//! signatures only).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

const PREFIX: &str = "T1.";
const VERSION: u8 = 1;
const DOMAIN: &[u8] = b"evently-ticket\n";
/// The longest token we read; anything longer is refused before decoding.
const MAX_TOKEN_LEN: usize = 200;

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketClaim {
    pub event_id: i64,
    pub code: String,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("this is not an Evently ticket code")]
    Malformed,
    #[error("the ticket's signature does not match: it was not issued by this Evently")]
    BadSignature,
}

/// The signing key of tickets (Ed25519). Cheap to clone; never printed.
#[derive(Clone)]
pub struct TicketKeys {
    signing: SigningKey,
}

impl std::fmt::Debug for TicketKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TicketKeys")
            .field("public", &self.public_key_b64())
            .finish()
    }
}

impl TicketKeys {
    /// The key whose 32-byte seed is `seed`.
    pub fn from_seed(seed: &[u8; 32]) -> TicketKeys {
        TicketKeys {
            signing: SigningKey::from_bytes(seed),
        }
    }

    /// A key from the first 32 bytes of `secret` (a hex or generated key file holds more).
    pub fn from_secret(secret: &[u8]) -> Option<TicketKeys> {
        let seed: [u8; 32] = secret.get(..32)?.try_into().ok()?;
        Some(TicketKeys::from_seed(&seed))
    }

    /// A secret for signing links in mail (one-click unsubscribe), derived from this key so
    /// that it needs no configuration of its own.
    pub fn link_key(&self) -> crate::notifications::links::LinkKey {
        crate::notifications::links::LinkKey::derive(self.signing.as_bytes())
    }

    /// The public key, 32 bytes.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The public key as unpadded base64url (as in a JWK's `x`).
    pub fn public_key_b64(&self) -> String {
        B64.encode(self.verifying_key().as_bytes())
    }

    /// A short identifier of the key (the first 8 bytes of its SHA-256, hex), so scanners
    /// notice a key change.
    pub fn key_id(&self) -> String {
        use sha2::Digest;
        hex::encode(&sha2::Sha256::digest(self.verifying_key().as_bytes())[..8])
    }

    /// The token for ticket `code` of event `event_id`.
    pub fn sign(&self, event_id: i64, code: &str) -> String {
        let payload = payload(event_id, code);
        let sig = self.signing.sign(&signed_bytes(&payload));
        format!(
            "{PREFIX}{}.{}",
            B64.encode(&payload),
            B64.encode(sig.to_bytes())
        )
    }

    /// What `token` says, if this key signed it.
    pub fn verify(&self, token: &str) -> Result<TicketClaim, TokenError> {
        verify_with(&self.verifying_key(), token)
    }
}

/// Verifies `token` with a public key alone (what an offline scanner does).
pub fn verify_with(key: &VerifyingKey, token: &str) -> Result<TicketClaim, TokenError> {
    let token = token.trim();
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let rest = token.strip_prefix(PREFIX).ok_or(TokenError::Malformed)?;
    let (p, s) = rest.split_once('.').ok_or(TokenError::Malformed)?;
    let payload = B64.decode(p).map_err(|_| TokenError::Malformed)?;
    let sig = B64.decode(s).map_err(|_| TokenError::Malformed)?;
    let sig: [u8; 64] = sig.try_into().map_err(|_| TokenError::Malformed)?;
    let claim = parse_payload(&payload)?;
    key.verify_strict(&signed_bytes(&payload), &Signature::from_bytes(&sig))
        .map_err(|_| TokenError::BadSignature)?;
    Ok(claim)
}

/// Whether `text` looks like a token rather than a typed ticket code.
pub fn looks_like_token(text: &str) -> bool {
    text.trim().starts_with(PREFIX)
}

fn payload(event_id: i64, code: &str) -> Vec<u8> {
    let mut p = Vec::with_capacity(9 + code.len());
    p.push(VERSION);
    p.extend_from_slice(&event_id.to_be_bytes());
    p.extend_from_slice(code.as_bytes());
    p
}

fn signed_bytes(payload: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + payload.len());
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(payload);
    m
}

fn parse_payload(p: &[u8]) -> Result<TicketClaim, TokenError> {
    let (&version, rest) = p.split_first().ok_or(TokenError::Malformed)?;
    if version != VERSION || rest.len() < 9 || rest.len() > 8 + 40 {
        return Err(TokenError::Malformed);
    }
    let (id, code) = rest.split_at(8);
    let id: [u8; 8] = id.try_into().map_err(|_| TokenError::Malformed)?;
    let code = std::str::from_utf8(code).map_err(|_| TokenError::Malformed)?;
    if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(TokenError::Malformed);
    }
    Ok(TicketClaim {
        event_id: i64::from_be_bytes(id),
        code: code.to_string(),
    })
}

/// The token format, as published with the public key.
pub const FORMAT_DOC: &str = "T1.<payload>.<signature>, both unpadded base64url. payload = 0x01 || event id (8 bytes, big-endian) || ticket code (ASCII). signature = Ed25519 over \"evently-ticket\\n\" || payload.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_with_the_public_key_and_refuse_any_change() {
        let keys = TicketKeys::from_seed(&[7; 32]);
        let token = keys.sign(42, "K7Q29XPDAB");
        assert!(token.starts_with("T1.") && token.len() < 130, "{token}");
        let claim = verify_with(&keys.verifying_key(), &token).unwrap();
        assert_eq!(
            claim,
            TicketClaim {
                event_id: 42,
                code: "K7Q29XPDAB".into()
            }
        );
        // Another key, a changed payload, a changed signature, garbage: all refused.
        let other = TicketKeys::from_seed(&[8; 32]);
        assert_eq!(other.verify(&token), Err(TokenError::BadSignature));
        let forged = other.sign(42, "K7Q29XPDAB");
        assert_eq!(keys.verify(&forged), Err(TokenError::BadSignature));
        let (head, sig) = token.rsplit_once('.').unwrap();
        let moved = format!(
            "{}.{sig}",
            head.replace(
                &B64.encode(payload(42, "K7Q29XPDAB")),
                &B64.encode(payload(43, "K7Q29XPDAB"))
            )
        );
        assert_eq!(keys.verify(&moved), Err(TokenError::BadSignature));
        let mut bad_sig = token.clone().into_bytes();
        let last = bad_sig.len() - 2;
        bad_sig[last] = if bad_sig[last] == b'A' { b'B' } else { b'A' };
        assert!(keys.verify(std::str::from_utf8(&bad_sig).unwrap()).is_err());
        for junk in [
            "",
            "T1.",
            "T1..",
            "K7Q29XPDAB",
            "T1.!!!.???",
            &"T1.".repeat(100),
        ] {
            assert_eq!(keys.verify(junk), Err(TokenError::Malformed), "{junk}");
        }
        assert!(looks_like_token(&token) && !looks_like_token("K7Q29XPDAB"));
    }
}
