//! Password guessing. Every attempt at a password (sign-in, password change, account
//! deletion) is counted before the password is checked, per account and per client, each in
//! one atomic step, so parallel guesses cannot all slip past a check-then-count.
//!
//! A client gets [`tiers::LOGIN_CLIENT`] attempts per window, successful ones taken back. An
//! account gets
//! [`tiers::LOGIN_ACCOUNT`]'s first few attempts free; after that one attempt at a time may
//! go ahead per growing delay (1, 2, 4 ... up to [`MAX_DELAY`]). There is no lockout: the
//! owner waits at most a minute, while a guesser gets about one try a minute.

use super::AccountError;
use super::tokens::hash_refresh_token;
use crate::ratelimit::{RateLimiter, Verdict, tiers};
use std::time::Duration;

/// The longest wait between two attempts on one account.
pub const MAX_DELAY: Duration = Duration::from_secs(60);

/// The key an account is counted under: a hash of the normalised e-mail (no addresses in
/// Redis), the same for sign-in and for checks of a signed-in user's password.
pub(crate) fn account_key(email: &str) -> String {
    hash_refresh_token(&email.trim().to_lowercase())
}

/// The wait after `failures` wrong passwords on one account before the next attempt: none
/// within the free ones, then 1, 2, 4 ... seconds, at most [`MAX_DELAY`].
pub(crate) fn delay_for(failures: u64) -> Duration {
    let free = tiers::LOGIN_ACCOUNT.max;
    if failures < free {
        return Duration::ZERO;
    }
    let doublings = u32::try_from(failures - free).unwrap_or(u32::MAX).min(6);
    Duration::from_secs(1 << doublings).min(MAX_DELAY)
}

/// Counts an attempt before its password is checked, and lets it go ahead or refuses it
/// with the seconds to wait. Past the free attempts, one attempt at a time gets the
/// account's turn, which lasts at least a second and grows with the wrong passwords.
pub(crate) async fn admit(
    limiter: &RateLimiter,
    account: &str,
    client: &str,
) -> Result<(), AccountError> {
    if let Verdict::Limited { retry_after_secs } = limiter.hit(tiers::LOGIN_CLIENT, client).await {
        return Err(AccountError::RateLimited(retry_after_secs));
    }
    let attempts = limiter.count_hit(tiers::LOGIN_ACCOUNT, account).await;
    if attempts <= tiers::LOGIN_ACCOUNT.max {
        return Ok(());
    }
    let failures = limiter.current(tiers::LOGIN_FAILURES, account).await;
    let hold = delay_for(failures).max(Duration::from_secs(1));
    if let Err(wait) = limiter.take_turn("password-turn", account, hold).await {
        // A refused attempt is not an attempt: only checked ones count.
        limiter.unhit(tiers::LOGIN_ACCOUNT, account).await;
        limiter.unhit(tiers::LOGIN_CLIENT, client).await;
        return Err(AccountError::RateLimited(wait));
    }
    Ok(())
}

/// The password was wrong: the next wait on this account grows.
pub(crate) async fn failed(limiter: &RateLimiter, account: &str) {
    limiter.count_hit(tiers::LOGIN_FAILURES, account).await;
}

/// The password was right: the account's counts start again, and the client's attempt is
/// taken back (people behind one address are not limited by each other's sign-ins).
pub(crate) async fn succeeded(limiter: &RateLimiter, account: &str, client: &str) {
    limiter.reset(tiers::LOGIN_ACCOUNT, account).await;
    limiter.reset(tiers::LOGIN_FAILURES, account).await;
    limiter.unhit(tiers::LOGIN_CLIENT, client).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stop_at_a_minute() {
        assert_eq!(delay_for(0), Duration::ZERO);
        assert_eq!(delay_for(4), Duration::ZERO);
        assert_eq!(delay_for(5), Duration::from_secs(1));
        assert_eq!(delay_for(6), Duration::from_secs(2));
        assert_eq!(delay_for(8), Duration::from_secs(8));
        assert_eq!(delay_for(11), MAX_DELAY);
        assert_eq!(delay_for(u64::MAX), MAX_DELAY);
    }

    #[tokio::test]
    async fn parallel_guesses_beyond_the_free_ones_get_one_turn() {
        let rl = RateLimiter::new(true, None);
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let rl = rl.clone();
                tokio::spawn(async move { admit(&rl, "acct", &format!("client{i}")).await })
            })
            .collect();
        let mut admitted = 0;
        for t in tasks {
            if t.await.unwrap().is_ok() {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 6, "five free attempts and one turn");
    }
}
