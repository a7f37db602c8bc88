//! Sharing changes between instances through Redis pub/sub.
//!
//! Each instance publishes its committed changes (gathered for a few milliseconds) on one
//! channel and listens to the others'. Redis is never needed for correctness: if it goes
//! away, bookings go on and each instance keeps pushing its own changes; when it returns,
//! the instance subscribes again and every client gets a fresh snapshot (changes made
//! elsewhere meanwhile were missed).

use super::{Forward, Hub};
use crate::metrics::LIVE_REDIS_CONNECTED;
use crate::redis_link::RedisLink;
use metrics::gauge;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

#[derive(Debug, Serialize, Deserialize)]
struct Wire {
    /// The publishing instance.
    i: String,
    /// (event id, earliest change time) pairs.
    e: Vec<(i64, i64)>,
    /// (person, earliest change time) pairs: their waitlist entries changed.
    #[serde(default)]
    u: Vec<(i64, i64)>,
}

/// Publishes this instance's changes, batched every 20 ms.
pub async fn publisher(
    hub: Hub,
    link: RedisLink,
    channel: String,
    mut rx: mpsc::Receiver<Forward>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let first = tokio::select! {
            c = rx.recv() => match c { Some(c) => c, None => return },
            _ = stop.changed() => return,
        };
        let mut batch: HashMap<i64, i64> = HashMap::new();
        let mut people: HashMap<i64, i64> = HashMap::new();
        let mut add = |f: Forward| match f {
            Forward::Event(c) => {
                let at = batch.entry(c.event_id).or_insert(c.at);
                *at = (*at).min(c.at);
            }
            Forward::Users(u) => {
                for id in u.user_ids {
                    let at = people.entry(id).or_insert(u.at);
                    *at = (*at).min(u.at);
                }
            }
        };
        add(first);
        let deadline = tokio::time::Instant::now() + Duration::from_millis(20);
        while let Ok(Some(c)) = tokio::time::timeout_at(deadline, rx.recv()).await {
            add(c);
        }
        let Some(mut conn) = link.get() else { continue };
        let payload = serde_json::to_string(&Wire {
            i: hub.instance().to_string(),
            e: batch.into_iter().collect(),
            u: people.into_iter().collect(),
        })
        .unwrap_or_default();
        let sent = tokio::time::timeout(
            Duration::from_millis(500),
            redis::cmd("PUBLISH")
                .arg(&channel)
                .arg(payload)
                .query_async::<i64>(&mut conn),
        )
        .await;
        if !matches!(sent, Ok(Ok(_))) {
            tracing::debug!(
                "publishing a live change to Redis failed; other instances will catch up on reconnect"
            );
        }
    }
}

/// Listens to the other instances' changes, reconnecting with backoff; on every
/// (re)connection, all local clients get a fresh snapshot.
pub async fn subscriber(hub: Hub, url: String, channel: String, mut stop: watch::Receiver<bool>) {
    use futures::StreamExt;
    let mut backoff = Duration::from_millis(250);
    let mut first = true;
    loop {
        let client = redis::Client::open(url.as_str());
        let pubsub = match client {
            Ok(c) => tokio::time::timeout(Duration::from_secs(3), c.get_async_pubsub())
                .await
                .ok()
                .and_then(Result::ok),
            Err(_) => None,
        };
        if let Some(mut pubsub) = pubsub
            && pubsub.subscribe(&channel).await.is_ok()
        {
            gauge!(LIVE_REDIS_CONNECTED).set(1.0);
            if !first {
                tracing::info!("live fan-out through Redis restored; sending fresh snapshots");
            }
            first = false;
            backoff = Duration::from_millis(250);
            hub.resnapshot_all();
            let mut stream = pubsub.into_on_message();
            loop {
                tokio::select! {
                    msg = stream.next() => match msg {
                        Some(m) => {
                            if let Ok(w) = serde_json::from_slice::<Wire>(m.get_payload_bytes())
                                && w.i != hub.instance()
                            {
                                for (event, at) in w.e {
                                    hub.mark_dirty(event, at);
                                }
                                for (user, at) in w.u {
                                    hub.mark_user_dirty(user, at);
                                }
                            }
                        }
                        None => break,
                    },
                    _ = stop.changed() => return,
                }
            }
            gauge!(LIVE_REDIS_CONNECTED).set(0.0);
            tracing::warn!(
                "lost the Redis connection for live fan-out; local updates continue, retrying"
            );
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = stop.changed() => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}
