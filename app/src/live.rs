//! Live seat counts in the browser: one WebSocket per page to `/api/v1/live`, shared by all
//! the islands on the page ([`use_live`]), following the events on screen. Components read counts from here and fall back to the server-rendered
//! numbers, so pages work the same without JavaScript, and hydration renders what the server
//! did. The connection comes back by itself after a drop (exponential backoff with jitter)
//! and every reconnection starts with a fresh snapshot.

use evently::domain::EventStatus;
use evently::domain::WaitlistStatus;
use evently::dto::WaitlistEntryView;
use serde::{Deserialize, Serialize};

/// One of the signed-in person's waitlist entries, as pages need it: a slim copy of
/// [`WaitlistEntryView`] (the server sends more; the rest stays out of the wasm bundle).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyEntry {
    pub id: i64,
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub quantity: i64,
    pub position: Option<i64>,
    pub status: WaitlistStatus,
    pub offered_quantity: i64,
}

impl From<&WaitlistEntryView> for MyEntry {
    fn from(e: &WaitlistEntryView) -> Self {
        MyEntry {
            id: e.id,
            event_id: e.event_id,
            ticket_type_id: e.ticket_type_id,
            quantity: e.quantity,
            position: e.position,
            status: e.status,
            offered_quantity: e.offered_quantity,
        }
    }
}

/// What the browser reads of the server's messages (`live_protocol::ServerMessage`), with
/// waitlist entries in their slim form.
#[cfg(feature = "hydrate")]
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Incoming {
    Snapshot(evently::live_protocol::Availability),
    Update(evently::live_protocol::Availability),
    Waitlist {
        entries: Vec<MyEntry>,
    },
    Notifications {
        unread: i64,
    },
    #[serde(other)]
    Other,
}
use leptos::prelude::*;
use std::collections::HashMap;

/// Whether the counts on screen are live.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LiveState {
    Connecting,
    Live,
    Offline,
}

/// The page's live connection; cheap to copy.
#[derive(Clone, Copy)]
pub struct Live {
    /// ticket type -> (event, seats available)
    seats: RwSignal<HashMap<i64, (i64, i64)>>,
    /// event -> status, once known
    statuses: RwSignal<HashMap<i64, EventStatus>>,
    /// ticket type -> people in its waitlist
    waiting: RwSignal<HashMap<i64, i64>>,
    /// The signed-in person's waitlist entries, once the server sent them.
    mine: RwSignal<Option<Vec<MyEntry>>>,
    /// The signed-in person's unread notifications, once the server said.
    unread: RwSignal<Option<i64>>,
    state: RwSignal<LiveState>,
    /// event -> how many components on the page show it
    wanted: RwSignal<HashMap<i64, u32>>,
    #[cfg(feature = "hydrate")]
    outbox: StoredValue<Option<futures::channel::mpsc::UnboundedSender<String>>>,
}

impl Live {
    /// Seats bookable now for a ticket type, if a live count has arrived.
    pub fn available(&self, ticket_type_id: i64) -> Option<i64> {
        self.seats.with(|m| m.get(&ticket_type_id).map(|(_, a)| *a))
    }

    /// Seats bookable now across an event's ticket types, if live counts have arrived.
    pub fn event_available(&self, event_id: i64) -> Option<i64> {
        self.seats.with(|m| {
            let mut any = false;
            let total = m
                .values()
                .filter(|(e, _)| *e == event_id)
                .map(|(_, a)| *a)
                .inspect(|_| any = true)
                .sum();
            any.then_some(total)
        })
    }

    /// People in a ticket type's waitlist, if a live count has arrived.
    pub fn waiting(&self, ticket_type_id: i64) -> Option<i64> {
        self.waiting.with(|m| m.get(&ticket_type_id).copied())
    }

    /// The signed-in person's waitlist entries as last pushed (None before the first).
    pub fn my_entries(&self) -> Option<Vec<MyEntry>> {
        self.mine.get()
    }

    /// The signed-in person's unread notifications as last pushed (None before the first).
    pub fn unread(&self) -> Option<i64> {
        self.unread.get()
    }

    /// The event's status as last pushed (`cancelled` after a cancellation).
    pub fn event_status(&self, event_id: i64) -> Option<EventStatus> {
        self.statuses.with(|m| m.get(&event_id).copied())
    }

    pub fn state(&self) -> LiveState {
        self.state.get()
    }

    /// Starts following an event (while a component shows it).
    pub fn watch(&self, event_id: i64) {
        let first = self.wanted.try_update(|w| {
            let n = w.entry(event_id).or_insert(0);
            *n += 1;
            *n == 1
        });
        if first == Some(true) {
            self.send(format!(
                "{{\"type\":\"subscribe\",\"event_ids\":[{event_id}]}}"
            ));
        }
    }

    /// Stops following an event once no component shows it.
    pub fn unwatch(&self, event_id: i64) {
        let last = self.wanted.try_update(|w| match w.get_mut(&event_id) {
            Some(n) if *n > 1 => {
                *n -= 1;
                false
            }
            Some(_) => {
                w.remove(&event_id);
                true
            }
            None => false,
        });
        if last == Some(true) {
            self.send(format!(
                "{{\"type\":\"unsubscribe\",\"event_ids\":[{event_id}]}}"
            ));
        }
    }

    #[cfg(feature = "hydrate")]
    fn send(&self, text: String) {
        if let Some(Some(tx)) = self.outbox.try_get_value() {
            let _ = tx.unbounded_send(text);
        }
    }

    #[cfg(not(feature = "hydrate"))]
    fn send(&self, _text: String) {}

    #[cfg(feature = "hydrate")]
    fn apply(&self, text: &str) {
        // Signals change only when a value does: every update re-renders what reads them.
        let msg = serde_json::from_str::<Incoming>(text);
        if let Ok(Incoming::Notifications { unread }) = msg {
            if self.unread.get_untracked() != Some(unread) {
                self.unread.set(Some(unread));
            }
            return;
        }
        if let Ok(Incoming::Waitlist { entries }) = msg {
            if self.mine.with_untracked(|m| m.as_ref() != Some(&entries)) {
                self.mine.set(Some(entries));
            }
            return;
        }
        if let Ok(Incoming::Snapshot(a) | Incoming::Update(a)) = msg {
            let seats = (a.event_id, a.available);
            if self
                .seats
                .with_untracked(|m| m.get(&a.ticket_type_id) != Some(&seats))
            {
                self.seats.update(|m| {
                    m.insert(a.ticket_type_id, seats);
                });
            }
            if self
                .waiting
                .with_untracked(|w| w.get(&a.ticket_type_id) != Some(&a.waiting))
            {
                self.waiting.update(|w| {
                    w.insert(a.ticket_type_id, a.waiting);
                });
            }
            if self
                .statuses
                .with_untracked(|s| s.get(&a.event_id) != Some(&a.event_status))
            {
                self.statuses.update(|s| {
                    s.insert(a.event_id, a.event_status);
                });
            }
        }
    }
}

/// The page's one live connection, shared by every island on it (browser only).
///
/// Islands are hydrated one by one, each under its own reactive owner, so the connection is
/// not a context value: it is a per-page singleton, created (and connected) by the first
/// island that asks, and kept for the life of the page. On the server there is no
/// connection: components render the seat counts they were given.
#[cfg(feature = "hydrate")]
pub fn use_live() -> Option<Live> {
    thread_local! {
        static LIVE: std::cell::OnceCell<Live> = const { std::cell::OnceCell::new() };
    }
    Some(LIVE.with(|cell| {
        *cell.get_or_init(|| {
            // Owned by a root that is never dropped: the signals outlive every island.
            // `new_root` makes itself the current owner; the island that asked must stay
            // current, or what it creates next would belong to this root and its own
            // owner would be dropped (disposing what it created before).
            let island = Owner::current();
            let owner = Owner::new_root(None);
            let live = owner.with(|| Live {
                seats: RwSignal::new(HashMap::new()),
                statuses: RwSignal::new(HashMap::new()),
                waiting: RwSignal::new(HashMap::new()),
                mine: RwSignal::new(None),
                unread: RwSignal::new(None),
                state: RwSignal::new(LiveState::Connecting),
                wanted: RwSignal::new(HashMap::new()),
                outbox: StoredValue::new(None),
            });
            std::mem::forget(owner);
            if let Some(island) = island {
                island.set();
            }
            leptos::task::spawn_local(run(live));
            live
        })
    }))
}

/// On the server there is no live connection.
#[cfg(not(feature = "hydrate"))]
pub fn use_live() -> Option<Live> {
    None
}

/// Follows `event_id` while the calling component is on the page (browser only).
pub fn watch_event(event_id: i64) {
    #[cfg(feature = "hydrate")]
    if let Some(live) = use_live() {
        live.watch(event_id);
        on_cleanup(move || live.unwatch(event_id));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = event_id;
}

#[cfg(feature = "hydrate")]
async fn run(live: Live) {
    use futures::{FutureExt, SinkExt, StreamExt};
    use gloo_net::websocket::Message;
    use gloo_net::websocket::futures::WebSocket;

    enum Ev {
        In(Option<Result<Message, gloo_net::websocket::WebSocketError>>),
        Out(Option<String>),
    }

    let mut attempt: u32 = 0;
    loop {
        let url = {
            let loc = window().location();
            let proto = if loc.protocol().unwrap_or_default() == "https:" {
                "wss"
            } else {
                "ws"
            };
            format!("{proto}://{}/api/v1/live", loc.host().unwrap_or_default())
        };
        if let Ok(ws) = WebSocket::open(&url) {
            let (mut write, mut read) = ws.split();
            let (tx, mut rx) = futures::channel::mpsc::unbounded::<String>();
            live.outbox.set_value(Some(tx.clone()));
            let _ = tx.unbounded_send("{\"type\":\"ping\"}".into());
            let ids: Vec<String> = live
                .wanted
                .get_untracked()
                .keys()
                .map(|e| e.to_string())
                .collect();
            if !ids.is_empty() {
                let _ = tx.unbounded_send(format!(
                    "{{\"type\":\"subscribe\",\"event_ids\":[{}]}}",
                    ids.join(",")
                ));
            }
            loop {
                let ev = futures::select! {
                    m = read.next().fuse() => Ev::In(m),
                    o = rx.next().fuse() => Ev::Out(o),
                };
                match ev {
                    Ev::In(Some(Ok(Message::Text(t)))) => {
                        if live.state.get_untracked() != LiveState::Live {
                            live.state.set(LiveState::Live);
                        }
                        attempt = 0;
                        live.apply(&t);
                    }
                    Ev::In(Some(Ok(_))) => {}
                    Ev::In(_) => break,
                    Ev::Out(Some(text)) => {
                        if write.send(Message::Text(text)).await.is_err() {
                            break;
                        }
                    }
                    Ev::Out(None) => break,
                }
            }
            live.outbox.set_value(None);
        }
        live.state.set(LiveState::Offline);
        attempt = attempt.saturating_add(1);
        // 1 s, 2 s, 4 s ... at most 30 s, each within ±30 % so pages do not reconnect in step.
        let base = (1000_f64 * 2_f64.powi(attempt.min(5) as i32 - 1)).min(30_000.0);
        let wait = base * (0.7 + 0.6 * js_sys::Math::random());
        gloo_timers::future::TimeoutFuture::new(wait as u32).await;
    }
}

/// A small "live" badge: counts on this page update by themselves. A plain component, for
/// use inside islands; [`LiveStatus`] is the same badge as an island of its own.
#[component]
pub fn LiveIndicator() -> impl IntoView {
    let live = use_live();
    let state = move || live.map(|l| l.state()).unwrap_or(LiveState::Connecting);
    view! {
        <span
            class=move || match state() { LiveState::Live => "live-indicator", _ => "live-indicator offline" }
            title=move || match state() {
                LiveState::Live => "Seat counts update live",
                LiveState::Connecting => "Connecting for live seat counts",
                LiveState::Offline => "Live updates paused; reconnecting",
            }
        >
            {move || match state() { LiveState::Live => "Live", LiveState::Connecting => "Live", LiveState::Offline => "Reconnecting…" }}
        </span>
    }
}

/// The live badge as an island, for pages whose other parts are static (search results).
#[island]
pub fn LiveStatus() -> impl IntoView {
    view! { <LiveIndicator/> }
}
