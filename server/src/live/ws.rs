//! `GET /api/v1/live`: one WebSocket per page. Small buffers (an idle connection costs a few
//! KiB), a cap on message size and subscriptions, a ping every 30 s, and a client that cannot
//! keep up is closed rather than allowed to pile up memory. Connections are capped per client
//! and in all (refused with 429 before the upgrade), and a connection that sends faster than
//! its budget is closed with 1008.

use super::limits::{MessageBudget, Permit, RETRY_AFTER_SECS};
use super::{Hub, SubscribeError, encode};
use crate::auth::MaybeUser;
use crate::client::ClientKey;
use crate::error::HttpError;
use crate::metrics::{WS_CONNECTIONS, WS_MESSAGES_SENT, WS_REFUSED};
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use evently::live_protocol::{ClientMessage, MAX_CLIENT_MESSAGE, MAX_SUBSCRIPTIONS, ServerMessage};
use metrics::{counter, gauge};
use std::time::{Duration, Instant};

/// Upgrades the request to a live connection, which runs as its own task in this server's
/// metrics scope. Over the per-client or total cap: 429 with `Retry-After`, no upgrade.
pub async fn live(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    client: Option<Extension<ClientKey>>,
    MaybeUser(actor): MaybeUser,
) -> Response {
    // The session cookie (browsers) or a Bearer access token (API clients) opens the
    // person's own channel; the token is checked once, at the upgrade.
    let user = actor.map(|a| a.user_id);
    let client = client.map_or_else(|| ClientKey::of(None, 128), |Extension(k)| k);
    let permit = match state.hub.admit(&client) {
        Ok(p) => p,
        Err(refused) => {
            counter!(WS_REFUSED, "reason" => refused.label()).increment(1);
            tracing::info!(client = %client, reason = refused.label(), "live connection refused");
            return HttpError(evently::ratelimit::too_many(
                RETRY_AFTER_SECS,
                "live connections",
            ))
            .into_response();
        }
    };
    let (hub, metrics) = (state.hub.clone(), state.metrics.clone());
    ws.read_buffer_size(2048)
        .write_buffer_size(0)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| metrics.scope(connection(socket, hub, permit, user)))
}

fn error(code: &str, message: &str) -> Message {
    Message::Text(encode(&ServerMessage::Error {
        code: code.into(),
        message: message.into(),
    }))
}

/// Serves one connection; `_permit` holds its place under the caps until it ends.
async fn connection(mut socket: WebSocket, hub: Hub, _permit: Permit, user: Option<i64>) {
    let (id, mut queue) = hub.register(user);
    gauge!(WS_CONNECTIONS).increment(1.0);
    let mut ping = tokio::time::interval(Duration::from_secs(30));
    ping.tick().await;
    let mut budget = MessageBudget::default();
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                // Every frame counts, pings too: each one costs the server work.
                if matches!(incoming, Some(Ok(_))) && !budget.spend(Instant::now()) {
                    counter!(WS_REFUSED, "reason" => "messages").increment(1);
                    close(&mut socket, 1008, "too many messages; reconnect more slowly").await;
                    break;
                }
                let reply = match incoming {
                    Some(Ok(Message::Text(text))) => handle(&hub, id, text.as_str()),
                    Some(Ok(Message::Binary(_))) => Some(error("unsupported", "send JSON text messages")),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                };
                if let Some(reply) = reply {
                    if socket.send(reply).await.is_err() {
                        break;
                    }
                    counter!(WS_MESSAGES_SENT).increment(1);
                }
            }
            outgoing = queue.recv() => match outgoing {
                Some(text) => {
                    if socket.send(Message::Text(text)).await.is_err() {
                        break;
                    }
                    counter!(WS_MESSAGES_SENT).increment(1);
                }
                // The hub let go of us: this client fell too far behind.
                None => {
                    close(&mut socket, 1013, "too slow; reconnect").await;
                    break;
                }
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
    hub.unregister(id);
    gauge!(WS_CONNECTIONS).decrement(1.0);
}

/// Closes with `code`, then reads (and ignores) what the client still sends until it
/// answers the close, for at most two seconds: closing with unread data would reset the
/// connection, and the client could lose the close frame and its reason.
async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    if socket.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    let drain = async {
        while let Some(Ok(msg)) = socket.recv().await {
            if matches!(msg, Message::Close(_)) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
}

fn handle(hub: &Hub, id: u64, text: &str) -> Option<Message> {
    let msg: ClientMessage = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(e) => {
            return Some(error(
                "invalid_message",
                &format!("not a message this server understands: {e}"),
            ));
        }
    };
    match msg {
        ClientMessage::Subscribe { event_ids } => {
            if event_ids.len() > MAX_SUBSCRIPTIONS {
                return Some(error(
                    "too_many_subscriptions",
                    &format!("follow at most {MAX_SUBSCRIPTIONS} events per connection"),
                ));
            }
            match hub.subscribe(id, &event_ids) {
                Ok(all) => Some(Message::Text(encode(&ServerMessage::Subscribed {
                    event_ids: all,
                }))),
                Err(SubscribeError::TooMany) => Some(error(
                    "too_many_subscriptions",
                    &format!("follow at most {MAX_SUBSCRIPTIONS} events per connection"),
                )),
            }
        }
        ClientMessage::Unsubscribe { event_ids } => {
            let all = hub.unsubscribe(id, &event_ids);
            Some(Message::Text(encode(&ServerMessage::Subscribed {
                event_ids: all,
            })))
        }
        ClientMessage::Ping => Some(Message::Text(encode(&ServerMessage::Pong))),
    }
}
