//! Links in mail that act without signing in: today one-click unsubscribe from reminders
//! (RFC 8058). The link carries the person and an HMAC-SHA256 over them with a server
//! secret, so it cannot be made up for someone else, and it does one narrow thing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Bytes of the MAC kept in a link (160 bits).
const MAC_LEN: usize = 20;

/// The secret links are signed with. Never printed.
#[derive(Clone)]
pub struct LinkKey([u8; 32]);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(<redacted>)")
    }
}

impl LinkKey {
    /// A key derived from another secret (domain-separated, so it signs nothing else).
    pub fn derive(secret: &[u8]) -> LinkKey {
        let mut h = Sha256::new();
        h.update(b"evently-mail-links\n");
        h.update(secret);
        LinkKey(h.finalize().into())
    }

    fn mac(&self, purpose: &str, subject: i64) -> Hmac<Sha256> {
        // A 32-byte key is always accepted.
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        m.update(purpose.as_bytes());
        m.update(b"\n");
        m.update(&subject.to_be_bytes());
        m
    }

    /// The token of `user_id`'s unsubscribe link: `<user id>.<MAC, base64url>`.
    pub fn unsubscribe_token(&self, user_id: i64) -> String {
        let tag = self
            .mac("unsubscribe-reminders", user_id)
            .finalize()
            .into_bytes();
        format!("{user_id}.{}", URL_SAFE_NO_PAD.encode(&tag[..MAC_LEN]))
    }

    /// The person an unsubscribe token names, if the token is genuine.
    pub fn unsubscribe_user(&self, token: &str) -> Option<i64> {
        let (id, tag) = token.split_once('.')?;
        if id.is_empty() || id.len() > 19 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let user_id: i64 = id.parse().ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if tag.len() != MAC_LEN {
            return None;
        }
        self.mac("unsubscribe-reminders", user_id)
            .verify_truncated_left(&tag)
            .ok()
            .map(|()| user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsubscribe_tokens_name_their_person_and_cannot_be_made_up() {
        let k = LinkKey::derive(b"a secret of the server");
        let t = k.unsubscribe_token(42);
        assert_eq!(k.unsubscribe_user(&t), Some(42));
        assert!(t.len() < 40, "{t}");
        // Another person's id with this MAC, another key, a cut or altered MAC: refused.
        let mac = t.split_once('.').unwrap().1;
        assert_eq!(k.unsubscribe_user(&format!("43.{mac}")), None);
        assert_eq!(
            LinkKey::derive(b"another secret").unsubscribe_user(&t),
            None
        );
        assert_eq!(k.unsubscribe_user(&t[..t.len() - 2]), None);
        let mut flipped = t.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            k.unsubscribe_user(&String::from_utf8(flipped).unwrap()),
            None
        );
        for junk in [
            "",
            ".",
            "42",
            "42.",
            "-1.AAAA",
            "x.y",
            "99999999999999999999.AA",
        ] {
            assert_eq!(k.unsubscribe_user(junk), None, "{junk}");
        }
    }
}
