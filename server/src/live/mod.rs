//! Live availability on every open page: the hub that tracks who follows which event,
//! gathers committed changes (local and, through Redis, from other instances) and sends
//! fresh counts, at most ten times a second per event, the last value always. It shows only
//! what the public event page shows: nothing at all about draft (or unknown) events.
//!
//! A connection opened with a session (cookie or Bearer token) also gets its person's own
//! channel: their waitlist entries, sent again whenever one changes or their position in a
//! queue moves ([`users`]). Nobody else's entries ever reach it.

pub mod docs;
pub mod limits;
pub mod redis_bridge;
mod users;
pub mod ws;

use crate::client::ClientKey;
use crate::metrics::{LIVE_MESSAGES_QUEUED, WS_DROPPED_SLOW};
use axum::extract::ws::Utf8Bytes;
use evently::Core;
use evently::domain::EventStatus;
use evently::live_protocol::{Availability, MAX_SUBSCRIPTIONS, ServerMessage};
use limits::{ConnLimits, Permit, Refused};
use metrics::counter;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc, watch};

/// Messages queued for one connection before it counts as too slow and is dropped.
pub const QUEUE: usize = 256;
/// Least time between two updates of one event.
const MIN_GAP: Duration = Duration::from_millis(100);

struct ConnEntry {
    tx: mpsc::Sender<Utf8Bytes>,
    events: HashSet<i64>,
    /// The signed-in person, if the connection was opened with a session.
    user: Option<i64>,
}

#[derive(Default)]
struct HubState {
    next_id: u64,
    conns: HashMap<u64, ConnEntry>,
    subs: HashMap<i64, HashSet<u64>>,
    /// Events with unsent changes, and when the earliest of those was committed.
    dirty: HashMap<i64, i64>,
    /// Connections waiting for a snapshot of an event.
    snapshot_for: HashMap<i64, HashSet<u64>>,
    last_flush: HashMap<i64, Instant>,
    /// What was last sent per ticket type, to skip updates that change nothing.
    last_sent: HashMap<i64, (i64, i64, EventStatus)>,
    /// The per-person channel: see [`users`].
    people: users::People,
}

/// The hub; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    core: Core,
    limits: ConnLimits,
    state: Mutex<HubState>,
    wake: Notify,
    /// This process, so changes it published through Redis are not counted twice.
    pub instance: String,
}

/// Why a subscription was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SubscribeError {
    TooMany,
}

impl Hub {
    /// A hub with the default connection caps (20 per client, 20,000 in all).
    pub fn new(core: Core) -> Hub {
        Hub::with_limits(core, ConnLimits::new(20, 20_000))
    }

    /// A hub admitting connections within `limits`.
    pub fn with_limits(core: Core, limits: ConnLimits) -> Hub {
        Hub {
            inner: Arc::new(Inner {
                core,
                limits,
                state: Mutex::new(HubState::default()),
                wake: Notify::new(),
                instance: uuid::Uuid::new_v4().simple().to_string(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HubState> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// A place for one more connection of `client`, or which cap refuses it.
    pub fn admit(&self, client: &ClientKey) -> Result<Permit, Refused> {
        self.inner.limits.admit(client)
    }

    /// A new connection (of `user`, if signed in) and the queue it reads its messages
    /// from. A signed-in connection gets its person's waitlist entries at once.
    pub fn register(&self, user: Option<i64>) -> (u64, mpsc::Receiver<Utf8Bytes>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let mut s = self.lock();
        s.next_id += 1;
        let id = s.next_id;
        s.conns.insert(
            id,
            ConnEntry {
                tx,
                events: HashSet::new(),
                user,
            },
        );
        if let Some(u) = user {
            s.people.connect(u, id);
            drop(s);
            self.inner.wake.notify_one();
        }
        (id, rx)
    }

    /// Forgets a connection and its subscriptions.
    pub fn unregister(&self, id: u64) {
        let mut s = self.lock();
        remove_conn(&mut s, id);
    }

    /// Follows events; a snapshot of each newly followed one is on its way (events already
    /// followed get nothing new: updates keep coming anyway). Refuses more than
    /// [`MAX_SUBSCRIPTIONS`] events per connection.
    pub fn subscribe(&self, id: u64, event_ids: &[i64]) -> Result<Vec<i64>, SubscribeError> {
        let mut s = self.lock();
        let Some(conn) = s.conns.get(&id) else {
            return Ok(Vec::new());
        };
        let new: HashSet<i64> = event_ids
            .iter()
            .copied()
            .filter(|e| *e > 0 && !conn.events.contains(e))
            .collect();
        if conn.events.len() + new.len() > MAX_SUBSCRIPTIONS {
            return Err(SubscribeError::TooMany);
        }
        for e in new.iter().copied() {
            s.subs.entry(e).or_default().insert(id);
            s.snapshot_for.entry(e).or_default().insert(id);
        }
        let conn = s.conns.get_mut(&id).map(|c| {
            c.events.extend(new.iter().copied());
            c.events.iter().copied().collect::<Vec<_>>()
        });
        if new.is_empty() {
            return Ok(conn.unwrap_or_default());
        }
        drop(s);
        self.inner.wake.notify_one();
        Ok(conn.unwrap_or_default())
    }

    /// Stops following events.
    pub fn unsubscribe(&self, id: u64, event_ids: &[i64]) -> Vec<i64> {
        let mut s = self.lock();
        for e in event_ids {
            if let Some(set) = s.subs.get_mut(e) {
                set.remove(&id);
                if set.is_empty() {
                    s.subs.remove(e);
                }
            }
        }
        match s.conns.get_mut(&id) {
            Some(c) => {
                for e in event_ids {
                    c.events.remove(e);
                }
                c.events.iter().copied().collect()
            }
            None => Vec::new(),
        }
    }

    /// Notes that an event's seats changed (committed at `at`).
    pub fn mark_dirty(&self, event_id: i64, at: i64) {
        let mut s = self.lock();
        if !s.subs.contains_key(&event_id) && !s.people.watches_event(event_id) {
            return;
        }
        let first = s.dirty.entry(event_id).or_insert(at);
        *first = (*first).min(at);
        drop(s);
        self.inner.wake.notify_one();
    }

    /// Sends every connection a fresh snapshot of everything it follows (after contact with
    /// the other instances was restored: changes made there meanwhile were missed).
    pub fn resnapshot_all(&self) {
        let mut s = self.lock();
        let pairs: Vec<(i64, u64)> = s
            .subs
            .iter()
            .flat_map(|(e, conns)| conns.iter().map(move |c| (*e, *c)))
            .collect();
        for (e, c) in pairs {
            s.snapshot_for.entry(e).or_default().insert(c);
        }
        s.people.all_dirty();
        drop(s);
        self.inner.wake.notify_one();
    }

    /// Notes that something of a person's changed (committed at `at`), if they are here.
    pub fn mark_user_dirty(&self, user_id: i64, at: i64) {
        let mut s = self.lock();
        if !s.people.mark_dirty(user_id, at) {
            return;
        }
        drop(s);
        self.inner.wake.notify_one();
    }

    /// How many connections are open.
    pub fn connections(&self) -> usize {
        self.lock().conns.len()
    }

    /// Feeds this process's committed changes into the hub (and to `forward`, for Redis).
    pub async fn run_local_listener(
        self,
        forward: Option<mpsc::Sender<Forward>>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut rx = self.inner.core.live().subscribe();
        let mut people = self.inner.core.live().subscribe_users();
        loop {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Ok(change) => {
                        self.mark_dirty(change.event_id, change.at);
                        if let Some(f) = &forward {
                            let _ = f.try_send(Forward::Event(change));
                        }
                    }
                    // Missed some: everyone gets fresh numbers.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => self.resnapshot_all(),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                msg = people.recv() => match msg {
                    Ok(change) => {
                        for u in &change.user_ids {
                            self.mark_user_dirty(*u, change.at);
                        }
                        if let Some(f) = &forward {
                            let _ = f.try_send(Forward::Users(change));
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => self.resnapshot_all(),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                _ = stop.changed() => return,
            }
        }
    }

    /// Sends pending snapshots and updates, coalescing each event's changes to at most one
    /// update per [`MIN_GAP`]. Counts are read from the database after the changes committed.
    pub async fn run_flusher(self, mut stop: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = self.inner.wake.notified() => {}
                _ = tokio::time::sleep(MIN_GAP) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
            self.flush_once().await;
        }
    }

    async fn flush_once(&self) {
        let flushed = self.flush_events().await;
        self.flush_people(&flushed).await;
    }

    /// Sends seat snapshots and updates; answers the events it read.
    async fn flush_events(&self) -> Vec<i64> {
        let now = Instant::now();
        let (events, changed_at, snapshots) = {
            let mut s = self.lock();
            let mut events = Vec::new();
            let mut changed_at = HashMap::new();
            let dirty: Vec<(i64, i64)> = s.dirty.iter().map(|(e, at)| (*e, *at)).collect();
            for (e, at) in dirty {
                if !s.subs.contains_key(&e) {
                    s.dirty.remove(&e);
                    continue;
                }
                if s.last_flush
                    .get(&e)
                    .is_none_or(|t| now.duration_since(*t) >= MIN_GAP)
                {
                    s.dirty.remove(&e);
                    events.push(e);
                    changed_at.insert(e, at);
                }
            }
            let snapshots = std::mem::take(&mut s.snapshot_for);
            for e in snapshots.keys() {
                if !events.contains(e) {
                    events.push(*e);
                }
            }
            (events, changed_at, snapshots)
        };
        if events.is_empty() {
            return events;
        }
        let core = &self.inner.core;
        let rows = match core.events().live_seats(&events).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "reading live availability failed; retrying");
                let mut s = self.lock();
                for (ev, at) in changed_at {
                    s.dirty.entry(ev).or_insert(at);
                }
                for (ev, conns) in snapshots {
                    s.snapshot_for.entry(ev).or_default().extend(conns);
                }
                return Vec::new();
            }
        };
        let read_at = chrono::Utc::now().timestamp_millis();
        let mut slow: Vec<u64> = Vec::new();
        let mut queued = 0_u64;
        {
            let mut s = self.lock();
            // Drafts are not public: their numbers, and that they exist, stay private.
            for row in rows.iter().filter(|r| r.event_status != EventStatus::Draft) {
                let available = row.available;
                let state = (available, row.waiting, row.event_status);
                let changed = s.last_sent.get(&row.ticket_type_id) != Some(&state);
                let wants_snapshot = snapshots.get(&row.event_id);
                let subscribers: Vec<u64> = s
                    .subs
                    .get(&row.event_id)
                    .map(|c| c.iter().copied().collect())
                    .unwrap_or_default();
                let body = |at: i64| Availability {
                    event_id: row.event_id,
                    ticket_type_id: row.ticket_type_id,
                    available,
                    capacity: row.capacity,
                    waiting: row.waiting,
                    event_status: row.event_status,
                    at,
                };
                let update = changed.then(|| {
                    encode(&ServerMessage::Update(body(
                        *changed_at.get(&row.event_id).unwrap_or(&read_at),
                    )))
                });
                let snapshot =
                    wants_snapshot.map(|_| encode(&ServerMessage::Snapshot(body(read_at))));
                for c in subscribers {
                    let msg = match (
                        wants_snapshot.is_some_and(|w| w.contains(&c)),
                        &snapshot,
                        &update,
                    ) {
                        (true, Some(m), _) => m.clone(),
                        (false, _, Some(m)) => m.clone(),
                        _ => continue,
                    };
                    if let Some(conn) = s.conns.get(&c) {
                        match conn.tx.try_send(msg) {
                            Ok(()) => queued += 1,
                            Err(mpsc::error::TrySendError::Full(_)) => slow.push(c),
                            Err(mpsc::error::TrySendError::Closed(_)) => slow.push(c),
                        }
                    }
                }
                s.last_sent.insert(row.ticket_type_id, state);
            }
            for e in &events {
                s.last_flush.insert(*e, now);
            }
            slow.sort_unstable();
            slow.dedup();
            for c in &slow {
                remove_conn(&mut s, *c);
            }
        }
        counter!(LIVE_MESSAGES_QUEUED).increment(queued);
        if !slow.is_empty() {
            counter!(WS_DROPPED_SLOW).increment(slow.len() as u64);
            tracing::info!(count = slow.len(), "dropped slow live clients");
        }
        events
    }
}

/// What goes out to the other instances through Redis.
#[derive(Debug, Clone)]
pub enum Forward {
    Event(evently::live::Change),
    Users(evently::live::UserChange),
}

fn remove_conn(s: &mut HubState, id: u64) {
    if let Some(conn) = s.conns.remove(&id) {
        if let Some(u) = conn.user {
            s.people.disconnect(u, id);
        }
        for e in conn.events {
            if let Some(set) = s.subs.get_mut(&e) {
                set.remove(&id);
                if set.is_empty() {
                    s.subs.remove(&e);
                }
            }
        }
    }
}

/// One JSON text frame (encoded once, shared by every recipient).
pub fn encode(msg: &ServerMessage) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(msg).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use evently::accounts::Actor;
    use evently::domain::Role;
    use evently::dto::{CreateEventRequest, TicketTypeInput};

    #[tokio::test]
    async fn a_client_that_does_not_read_is_dropped_not_buffered() {
        let db = evently::testing::TestDb::sqlite().await;
        let now = chrono::Utc::now().timestamp_millis();
        let core = evently::testing::core_with_clock(&db.db, now);
        let mut tx = core.db().begin().await.unwrap();
        let ids = evently::store::users::insert_many(
            &mut tx,
            &[
                (
                    "o@example.com".into(),
                    "Org".into(),
                    "x".into(),
                    "organizer".into(),
                ),
                (
                    "b@example.com".into(),
                    "B".into(),
                    "x".into(),
                    "attendee".into(),
                ),
            ],
            now,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let org = Actor {
            user_id: ids[0],
            role: Role::Organizer,
            session_id: String::new(),
            ip: None,
            rate_key: None,
        };
        let buyer = Actor {
            user_id: ids[1],
            role: Role::Attendee,
            session_id: String::new(),
            ip: None,
            rate_key: None,
        };
        let starts = chrono::Utc::now() + chrono::Duration::days(9);
        let ev = core
            .events()
            .create_event(
                &org,
                &CreateEventRequest {
                    title: "Slow readers".into(),
                    description: "d".into(),
                    venue: "v".into(),
                    city: "c".into(),
                    category: "music".into(),
                    starts_at: starts,
                    ends_at: starts + chrono::Duration::hours(1),
                    timezone: None,
                    image_url: None,
                    hold_minutes: None,
                    cancel_cutoff_minutes: None,
                    max_seats_per_user: Some(1000),
                    payment_note: None,
                    offer_minutes: None,
                    reminder_hours: None,
                    ticket_types: vec![TicketTypeInput {
                        name: "GA".into(),
                        price_cents: 0,
                        capacity: 1000,
                        ..Default::default()
                    }],
                },
            )
            .await
            .unwrap();
        core.events().publish_event(&org, ev.id).await.unwrap();
        let metrics = crate::metrics::Metrics::new();
        let hub = Hub::new(core.clone());
        let (slow, _never_read) = hub.register(None);
        let (fast, mut fast_rx) = hub.register(None);
        hub.subscribe(slow, &[ev.id]).unwrap();
        hub.subscribe(fast, &[ev.id]).unwrap();
        metrics.scope(hub.flush_once()).await;
        for i in 0..(QUEUE + 10) {
            core.bookings()
                .book(&buyer, ev.id, ev.ticket_types[0].id, 1, &format!("k{i}"))
                .await
                .unwrap();
            hub.mark_dirty(ev.id, 0);
            // Past the per-event gap, so every change is its own update.
            hub.lock().last_flush.clear();
            metrics.scope(hub.flush_once()).await;
            while fast_rx.try_recv().is_ok() {}
        }
        assert_eq!(
            hub.connections(),
            1,
            "the slow client was dropped, the fast one kept"
        );
        assert!(metrics.render().contains("evently_ws_dropped_slow_total 1"));
    }
}
