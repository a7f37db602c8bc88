//! `GET /api/v1/live`: one WebSocket per page. Small buffers (an idle connection costs a few
//! KiB), a cap on message size and subscriptions, a ping every 30 s, and a client that cannot
//! keep up is closed rather than allowed to pile up memory.

use super::{Hub, SubscribeError, encode};
use crate::metrics::{WS_CONNECTIONS, WS_MESSAGES_SENT};
use crate::state::AppState;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use evently::live_protocol::{ClientMessage, MAX_CLIENT_MESSAGE, MAX_SUBSCRIPTIONS, ServerMessage};
use metrics::{counter, gauge};
use std::time::Duration;

/// Upgrades the request to a live connection, which runs as its own task in this server's
/// metrics scope.
pub async fn live(ws: WebSocketUpgrade, State(state): State<AppState>) -> Response {
    let (hub, metrics) = (state.hub.clone(), state.metrics.clone());
    ws.read_buffer_size(2048)
        .write_buffer_size(0)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| metrics.scope(connection(socket, hub)))
}

fn error(code: &str, message: &str) -> Message {
    Message::Text(encode(&ServerMessage::Error {
        code: code.into(),
        message: message.into(),
    }))
}

async fn connection(mut socket: WebSocket, hub: Hub) {
    let (id, mut queue) = hub.register();
    gauge!(WS_CONNECTIONS).increment(1.0);
    let mut ping = tokio::time::interval(Duration::from_secs(30));
    ping.tick().await;
    loop {
        tokio::select! {
            incoming = socket.recv() => {
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
                    let _ = socket
                        .send(Message::Close(Some(CloseFrame { code: 1013, reason: "too slow; reconnect".into() })))
                        .await;
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
