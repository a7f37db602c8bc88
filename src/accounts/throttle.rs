//! Password guessing. Every attempt at a password (sign-in, password change, account
//! deletion) is counted before the password is checked, per account and per client, each in
//! one atomic step, so parallel guesses cannot all slip past a check-then-count.
//!
//! A client gets [`tiers::LOGIN_CLIENT`] attempts per window. An account gets
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

/// The delay before attempt `n` on one account may go ahead.
pub(crate) fn delay_for(n: u64) -> Duration {
    let free = tiers::LOGIN_ACCOUNT.max;
    if n <= free {
        return Duration::ZERO;
    }
    let doublings = u32::try_from(n - free - 1).unwrap_or(u32::MAX).min(6);
    Duration::from_secs(1 << doublings).min(MAX_DELAY)
}

/// Counts an attempt and lets it go ahead, or refuses it with the seconds to wait.
pub(crate) async fn admit(
    limiter: &RateLimiter,
    account: &str,
    client: &str,
) -> Result<(), AccountError> {
    if let Verdict::Limited { retry_after_secs } = limiter.hit(tiers::LOGIN_CLIENT, client).await {
        return Err(AccountError::RateLimited(retry_after_secs));
    }
    let n = limiter.count_hit(tiers::LOGIN_ACCOUNT, account).await;
    limiter
        .take_turn("password-turn", account, delay_for(n))
        .await
        .map_err(AccountError::RateLimited)
}

/// The owner proved the password: the account's count starts again.
pub(crate) async fn succeeded(limiter: &RateLimiter, account: &str) {
    limiter.reset(tiers::LOGIN_ACCOUNT, account).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stop_at_a_minute() {
        assert_eq!(delay_for(1), Duration::ZERO);
        assert_eq!(delay_for(5), Duration::ZERO);
        assert_eq!(delay_for(6), Duration::from_secs(1));
        assert_eq!(delay_for(7), Duration::from_secs(2));
        assert_eq!(delay_for(9), Duration::from_secs(8));
        assert_eq!(delay_for(12), MAX_DELAY);
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
