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

/// What an account link (reset, verification) is made from: its row.
#[derive(Clone, Copy)]
pub struct AccountLinkParts<'a> {
    pub id: i64,
    pub purpose: &'a str,
    pub user_id: i64,
    pub email: &'a str,
    pub nonce: &'a str,
}

impl LinkKey {
    fn account_mac(&self, l: &AccountLinkParts<'_>) -> Hmac<Sha256> {
        let mut m = self.mac("account-link", l.id);
        for part in [l.purpose, &l.user_id.to_string(), l.email, l.nonce] {
            m.update(part.as_bytes());
            m.update(b"\n");
        }
        m
    }

    /// The token of an account link: `<link id>.<MAC, base64url>`.
    pub fn account_token(&self, l: &AccountLinkParts<'_>) -> String {
        let tag = self.account_mac(l).finalize().into_bytes();
        format!("{}.{}", l.id, URL_SAFE_NO_PAD.encode(&tag[..MAC_LEN]))
    }

    /// The link id a token names, if it has the right shape (check it with
    /// [`LinkKey::account_token_matches`] against the row).
    pub fn account_token_id(token: &str) -> Option<i64> {
        let (id, tag) = token.split_once('.')?;
        if id.is_empty() || id.len() > 19 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if tag.len() != 27 {
            return None;
        }
        id.parse().ok()
    }

    /// Whether `token` is the genuine token of the link `l` (in constant time).
    pub fn account_token_matches(&self, l: &AccountLinkParts<'_>, token: &str) -> bool {
        let Some((id, tag)) = token.split_once('.') else {
            return false;
        };
        if id != l.id.to_string() {
            return false;
        }
        let Ok(tag) = URL_SAFE_NO_PAD.decode(tag) else {
            return false;
        };
        tag.len() == MAC_LEN && self.account_mac(l).verify_truncated_left(&tag).is_ok()
    }
}

/// A fresh random nonce for a link row.
pub fn new_nonce() -> String {
    let bytes: [u8; 16] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
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

    #[test]
    fn account_links_verify_only_for_their_own_row() {
        let k = LinkKey::derive(b"a secret of the server");
        let nonce = new_nonce();
        let l = AccountLinkParts {
            id: 9,
            purpose: "password_reset",
            user_id: 4,
            email: "a@b.test",
            nonce: &nonce,
        };
        let t = k.account_token(&l);
        assert_eq!(LinkKey::account_token_id(&t), Some(9));
        assert!(k.account_token_matches(&l, &t));
        // The same row for another purpose, address or nonce, or another key: refused.
        for other in [
            AccountLinkParts {
                purpose: "verify_email",
                ..l
            },
            AccountLinkParts {
                email: "c@b.test",
                ..l
            },
            AccountLinkParts { nonce: "x", ..l },
            AccountLinkParts { id: 10, ..l },
        ] {
            assert!(!k.account_token_matches(&other, &t));
        }
        assert!(!LinkKey::derive(b"other").account_token_matches(&l, &t));
        assert_eq!(LinkKey::account_token_id("9"), None);
        assert_eq!(LinkKey::account_token_id("9.short"), None);
    }
}
