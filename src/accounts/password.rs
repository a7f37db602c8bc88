//! Password hashing: argon2id with at least OWASP's parameters, run off the async runtime.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;
use tokio::sync::Semaphore;

/// Shortest password accepted.
pub const MIN_LEN: usize = 10;
/// Longest password accepted (characters), so nobody can make us hash a megabyte.
pub const MAX_LEN: usize = 128;

/// OWASP (2023): argon2id, m = 19 MiB, t = 2, p = 1.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, Some(32)).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (blocking; call from `spawn_blocking`).
pub fn hash_blocking(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// How many argon2 computations (19 MiB each) may run at once in this process; a flood of
/// password checks queues here instead of exhausting memory.
pub const CONCURRENT_HASHES: usize = 4;
static HASH_SLOTS: Semaphore = Semaphore::const_new(CONCURRENT_HASHES);

/// Hashes on the blocking pool, one of [`CONCURRENT_HASHES`] at a time.
pub async fn hash(password: String) -> Result<String, String> {
    let _slot = HASH_SLOTS.acquire().await.map_err(|e| e.to_string())?;
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| e.to_string())?
}

/// Verifies on the blocking pool, one of [`CONCURRENT_HASHES`] at a time. A malformed
/// stored hash counts as a mismatch.
pub async fn verify(password: String, stored: String) -> bool {
    let Ok(_slot) = HASH_SLOTS.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || match PasswordHash::new(&stored) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    })
    .await
    .unwrap_or(false)
}

/// Refuses a guessable password with a reason a person can act on. `about_user` holds
/// words that must not make up the password (the e-mail address, the name).
pub fn check_strength(password: &str, about_user: &[&str]) -> Result<(), String> {
    let estimate = zxcvbn::zxcvbn(password, about_user);
    if estimate.score() >= zxcvbn::Score::Three {
        return Ok(());
    }
    let feedback = estimate.feedback();
    let warning = feedback.and_then(|f| f.warning()).map(|w| w.to_string());
    let hint = feedback
        .and_then(|f| f.suggestions().first())
        .map(|s| s.to_string())
        .unwrap_or_else(|| "Add another word or two that are not easy to guess.".to_string());
    Err(match warning {
        Some(w) => format!("this password is too easy to guess: {w} {hint}"),
        None => format!("this password is too easy to guess. {hint}"),
    })
}

/// A real hash of a random password, verified against when the e-mail is unknown so that a
/// failed sign-in costs the same time whether or not the account exists.
pub fn dummy_hash() -> String {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let pw: String = (0..24).map(|_| rand::random::<char>()).collect();
            hash_blocking(&pw).unwrap_or_default()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_with_owasp_parameters_and_verifies() {
        let h = super::hash_blocking("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(rt.block_on(super::verify("correct horse battery".into(), h.clone())));
        assert!(!rt.block_on(super::verify("wrong horse battery".into(), h)));
    }

    #[test]
    fn common_and_personal_passwords_are_refused_with_a_reason() {
        for weak in [
            "Password123",
            "password1234",
            "qwertyuiop",
            "1234567890",
            "iloveyou2026",
        ] {
            let why = super::check_strength(weak, &[]).unwrap_err();
            assert!(
                why.starts_with("this password is too easy to guess"),
                "{weak}: {why}"
            );
        }
        assert!(
            super::check_strength("ada.lovelace@example.com", &["ada.lovelace@example.com"])
                .is_err()
        );
        assert!(super::check_strength("violet-harbour-tram-1789", &[]).is_ok());
    }
}
