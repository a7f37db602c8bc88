//! Rate limits in tiers, answered with 429 and `Retry-After`.
//!
//! Fixed windows counted in Redis when `REDIS_URL` is set (shared by every instance), in
//! process otherwise. If Redis fails mid-flight the in-process counters take over, so limits
//! degrade to per-instance rather than disappearing.

use crate::ApiError;
use crate::error::ErrorCode;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One limit: at most `max` hits per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub name: &'static str,
    pub max: u64,
    pub window: Duration,
}

/// The tiers.
pub mod tiers {
    use super::Limit;
    use std::time::Duration;

    /// Any request from one client address (static files excluded).
    pub const GENERAL: Limit = Limit {
        name: "general",
        max: 600,
        window: Duration::from_secs(60),
    };
    /// Password attempts on one account (sign-in, password change, account deletion): the
    /// first `max` in the window are free, later ones wait growing delays (never a lockout).
    pub const LOGIN_ACCOUNT: Limit = Limit {
        name: "login-account",
        max: 5,
        window: Duration::from_secs(15 * 60),
    };
    /// Wrong passwords on one account (what the delays grow with).
    pub const LOGIN_FAILURES: Limit = Limit {
        name: "login-failures",
        max: u64::MAX,
        window: Duration::from_secs(15 * 60),
    };
    /// Password attempts from one client, on any account, less the ones that succeeded (so
    /// many people behind one address can still sign in).
    pub const LOGIN_CLIENT: Limit = Limit {
        name: "login-client",
        max: 20,
        window: Duration::from_secs(15 * 60),
    };
    /// New accounts from one client address.
    pub const REGISTER: Limit = Limit {
        name: "register",
        max: 20,
        window: Duration::from_secs(60 * 60),
    };
    /// Mail about an account asked for by one client (password reset, confirmation links),
    /// and links tried: a cap on mail bombing and on guessing.
    pub const ACCOUNT_MAIL: Limit = Limit {
        name: "account-mail",
        max: 10,
        window: Duration::from_secs(60 * 60),
    };
    /// Booking, hold and cancellation calls by one user.
    pub const BOOKING: Limit = Limit {
        name: "booking",
        max: 60,
        window: Duration::from_secs(60),
    };
    /// Check-ins by one staff account (a door may run several scanners on one account).
    /// Registering browsers for web push, per person.
    pub const PUSH_SUBSCRIBE: Limit = Limit {
        name: "push-subscribe",
        max: 30,
        window: Duration::from_secs(60 * 60),
    };
    pub const CHECK_IN: Limit = Limit {
        name: "check-in",
        max: 240,
        window: Duration::from_secs(60),
    };
    /// CSV exports (bookings, attendees, waitlist, users) by one user: each streams a whole
    /// table, so a script cannot pull them in a loop.
    pub const EXPORT: Limit = Limit {
        name: "export",
        max: 20,
        window: Duration::from_secs(10 * 60),
    };
}

/// The verdict for one hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Limited { retry_after_secs: u64 },
}

#[derive(Default)]
struct Memory {
    windows: HashMap<String, (Instant, u64)>,
    /// Turns taken: the key is busy until the instant.
    turns: HashMap<String, Instant>,
    sweeps: u64,
}

/// The limiter; cheap to clone.
#[derive(Clone)]
pub struct RateLimiter {
    enabled: bool,
    namespace: String,
    /// Set once Redis is reachable (possibly after start-up); `None` counts in process.
    redis: Arc<std::sync::RwLock<Option<redis::aio::ConnectionManager>>>,
    memory: Arc<Mutex<Memory>>,
}

impl RateLimiter {
    /// A limiter; `redis` shares counts across instances, under keys `evently:rl:...`.
    pub fn new(enabled: bool, redis: Option<redis::aio::ConnectionManager>) -> Self {
        Self::with_namespace(enabled, redis, "evently")
    }

    /// A limiter whose Redis keys start with `{namespace}:rl:`.
    pub fn with_namespace(
        enabled: bool,
        redis: Option<redis::aio::ConnectionManager>,
        namespace: &str,
    ) -> Self {
        RateLimiter {
            enabled,
            namespace: namespace.to_string(),
            redis: Arc::new(std::sync::RwLock::new(redis)),
            memory: Arc::new(Mutex::new(Memory::default())),
        }
    }

    /// Starts sharing counts through Redis (when it became reachable after start-up).
    pub fn set_redis(&self, conn: Option<redis::aio::ConnectionManager>) {
        *self.redis.write().unwrap_or_else(|p| p.into_inner()) = conn;
    }

    /// Counts a hit against `limit` for `subject` and says whether it is allowed.
    pub async fn hit(&self, limit: Limit, subject: &str) -> Verdict {
        self.count(limit, subject, 1).await
    }

    /// Whether `subject` is already over `limit`, without counting a hit.
    pub async fn peek(&self, limit: Limit, subject: &str) -> Verdict {
        self.count(limit, subject, 0).await
    }

    /// How many hits the window holds now (0 when limits are off).
    pub async fn current(&self, limit: Limit, subject: &str) -> u64 {
        if !self.enabled {
            return 0;
        }
        self.count_raw(limit, subject, 0).await.0
    }

    /// Counts one attempt and answers how many the window holds now, this one included
    /// (0 when limits are off). One atomic step: parallel callers get distinct numbers.
    pub async fn count_hit(&self, limit: Limit, subject: &str) -> u64 {
        if !self.enabled {
            return 0;
        }
        self.count_raw(limit, subject, 1).await.0
    }

    /// Takes the one turn a subject gets per `hold`: the first caller succeeds and the key
    /// stays busy for `hold`; callers meanwhile get the seconds until it is free. One atomic
    /// step (Redis `SET NX PX`, or under the in-process lock).
    pub async fn take_turn(&self, name: &str, subject: &str, hold: Duration) -> Result<(), u64> {
        if !self.enabled || hold.is_zero() {
            return Ok(());
        }
        let key = format!("{}:turn:{}:{}", self.namespace, name, subject);
        let conn = self.redis.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(conn) = conn {
            match redis_turn(conn, &key, hold).await {
                Ok(None) => return Ok(()),
                Ok(Some(wait_ms)) => return Err(wait_ms.div_ceil(1000).max(1)),
                Err(e) => tracing::warn!(error = %e, "turn via Redis failed; counting in process"),
            }
        }
        let mut m = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match m.turns.get(&key) {
            Some(until) if *until > now => Err(until.duration_since(now).as_secs().max(1)),
            _ => {
                m.turns.insert(key, now + hold);
                Ok(())
            }
        }
    }

    async fn count(&self, limit: Limit, subject: &str, by: u64) -> Verdict {
        if !self.enabled {
            return Verdict::Allowed;
        }
        let (n, ttl) = self.count_raw(limit, subject, by).await;
        verdict(n, by, limit.max, ttl)
    }

    /// The window's count after adding `by`, and the seconds left in the window.
    async fn count_raw(&self, limit: Limit, subject: &str, by: u64) -> (u64, u64) {
        let key = format!("{}:rl:{}:{}", self.namespace, limit.name, subject);
        let conn = self.redis.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(conn) = conn {
            match redis_count(conn, &key, limit.window, by).await {
                Ok((n, ttl)) => return (n, ttl),
                Err(e) => {
                    tracing::warn!(error = %e, "rate limit via Redis failed; counting in process")
                }
            }
        }
        let mut m = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        m.sweeps += 1;
        if m.sweeps.is_multiple_of(10_000) {
            m.windows
                .retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(3600));
            m.turns.retain(|_, until| *until > now);
        }
        let entry = m.windows.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= limit.window {
            *entry = (now, 0);
        }
        entry.1 += by;
        let ttl = limit
            .window
            .saturating_sub(now.duration_since(entry.0))
            .as_secs()
            .max(1);
        (entry.1, ttl)
    }

    /// Forgets a subject's count (a successful sign-in clears the account's failures).
    /// Takes one hit back (an attempt that turned out fine). Never below zero.
    pub async fn unhit(&self, limit: Limit, subject: &str) {
        if !self.enabled {
            return;
        }
        let key = format!("{}:rl:{}:{}", self.namespace, limit.name, subject);
        let conn = self.redis.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(mut c) = conn {
            let script = redis::Script::new(
                "local n = redis.call('GET', KEYS[1]) if n and tonumber(n) > 0 then return redis.call('DECR', KEYS[1]) end return 0",
            );
            let r: Result<i64, _> = script.key(&key).invoke_async(&mut c).await;
            if r.is_ok() {
                return;
            }
        }
        if let Some(entry) = self
            .memory
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .windows
            .get_mut(&key)
        {
            entry.1 = entry.1.saturating_sub(1);
        }
    }

    pub async fn reset(&self, limit: Limit, subject: &str) {
        let key = format!("{}:rl:{}:{}", self.namespace, limit.name, subject);
        let conn = self.redis.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(mut c) = conn {
            let _: Result<(), _> = redis::cmd("DEL").arg(&key).query_async(&mut c).await;
        }
        self.memory
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .windows
            .remove(&key);
    }
}

fn verdict(n: u64, by: u64, max: u64, ttl_secs: u64) -> Verdict {
    // A peek (by = 0) is limited once the budget is spent; a hit once it goes past it.
    let over = if by == 0 { n >= max } else { n > max };
    if over {
        Verdict::Limited {
            retry_after_secs: ttl_secs.max(1),
        }
    } else {
        Verdict::Allowed
    }
}

/// Runs a Redis call with a short deadline: a slow Redis must not slow every request (the
/// caller then counts in process).
async fn quick<T>(
    call: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> redis::RedisResult<T> {
    tokio::time::timeout(Duration::from_millis(250), call)
        .await
        .map_err(|_| {
            redis::RedisError::from(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "rate limit call timed out",
            ))
        })?
}

async fn redis_count(
    mut conn: redis::aio::ConnectionManager,
    key: &str,
    window: Duration,
    by: u64,
) -> redis::RedisResult<(u64, u64)> {
    let secs = window.as_secs().max(1);
    let (n, ttl): (u64, i64) = quick(
        redis::pipe()
            .cmd("INCRBY")
            .arg(key)
            .arg(by)
            .cmd("EXPIRE")
            .arg(key)
            .arg(secs)
            .arg("NX")
            .ignore()
            .cmd("TTL")
            .arg(key)
            .query_async(&mut conn),
    )
    .await?;
    Ok((n, if ttl > 0 { ttl as u64 } else { secs }))
}

/// `SET key 1 NX PX hold`: `None` when this caller took the turn, else the milliseconds
/// until the key is free.
async fn redis_turn(
    mut conn: redis::aio::ConnectionManager,
    key: &str,
    hold: Duration,
) -> redis::RedisResult<Option<u64>> {
    let ms = u64::try_from(hold.as_millis()).unwrap_or(u64::MAX).max(1);
    let (set, pttl): (Option<String>, i64) = quick(
        redis::pipe()
            .cmd("SET")
            .arg(key)
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(ms)
            .cmd("PTTL")
            .arg(key)
            .query_async(&mut conn),
    )
    .await?;
    Ok(match set {
        Some(_) => None,
        None => Some(u64::try_from(pttl).unwrap_or(1).max(1)),
    })
}

/// The 429 answer for a limited request.
pub fn too_many(retry_after_secs: u64, what: &str) -> ApiError {
    let mut e = ApiError::new(
        ErrorCode::RateLimited,
        format!(
            "Too many {what}. Please wait {} and try again.",
            human(retry_after_secs)
        ),
    );
    e.retry_after = Some(retry_after_secs);
    e
}

fn human(secs: u64) -> String {
    if secs < 90 {
        format!("{secs} seconds")
    } else {
        format!("{} minutes", secs.div_ceil(60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_limits_count_per_subject_and_window() {
        let rl = RateLimiter::new(true, None);
        let lim = Limit {
            name: "t",
            max: 3,
            window: Duration::from_secs(60),
        };
        for _ in 0..3 {
            assert_eq!(rl.hit(lim, "a").await, Verdict::Allowed);
        }
        assert!(
            matches!(rl.hit(lim, "a").await, Verdict::Limited { retry_after_secs } if retry_after_secs > 0)
        );
        assert!(matches!(rl.peek(lim, "a").await, Verdict::Limited { .. }));
        assert_eq!(rl.hit(lim, "b").await, Verdict::Allowed);
        rl.reset(lim, "a").await;
        assert_eq!(rl.hit(lim, "a").await, Verdict::Allowed);
        let off = RateLimiter::new(false, None);
        for _ in 0..10 {
            assert_eq!(off.hit(lim, "a").await, Verdict::Allowed);
        }
    }
}
