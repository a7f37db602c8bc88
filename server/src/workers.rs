//! Background workers. Each stops when the shutdown flag flips.

use evently::Core;
use std::time::Duration;
use tokio::sync::watch;

/// Expires holds as they run out, waking exactly at the next expiry (at most a second
/// apart), so live pages hear about freed seats promptly.
pub async fn hold_sweeper(core: Core, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = core.bookings().sweep_expired_holds().await {
            tracing::warn!(error = %e, "hold sweep failed");
        }
        let now = core.clock().now_ms();
        let wait_ms = match core.bookings().next_hold_expiry().await {
            Ok(Some(at)) => (at - now + 5).clamp(20, 500),
            _ => 500,
        };
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(wait_ms as u64)) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}
