//! The shared Redis connection (rate limits, live fan-out, health). Optional at every
//! moment: it may come up after the server started, and the connection manager reconnects
//! on its own after Redis went away.

use redis::aio::ConnectionManager;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A Redis connection that may not exist yet; cheap to clone.
#[derive(Clone, Default)]
pub struct RedisLink(Arc<RwLock<Option<ConnectionManager>>>);

impl RedisLink {
    pub fn get(&self) -> Option<ConnectionManager> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set(&self, conn: Option<ConnectionManager>) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = conn;
    }
}

/// One attempt to connect, bounded in time.
pub async fn connect(url: &str) -> anyhow::Result<ConnectionManager> {
    let client = redis::Client::open(url)?;
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)));
    let conn = tokio::time::timeout(
        Duration::from_secs(3),
        ConnectionManager::new_with_config(client, config),
    )
    .await??;
    Ok(conn)
}
