//! The live availability bus: committed seat changes, announced to whoever listens, and
//! the per-person channel (a person's waitlist entries changed).
//!
//! Writers call [`LiveBus::publish`] after their transaction commits (never before, so a
//! rolled-back booking announces nothing). Listeners re-read the committed counts, so a
//! late or reordered message can never show a wrong number for long.

use tokio::sync::broadcast;

/// Seats changed for some ticket types of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub event_id: i64,
    pub ticket_type_ids: Vec<i64>,
    /// Wall-clock time of the commit (UTC ms), to measure how long delivery takes.
    pub at: i64,
}

/// Something of these people's changed (a waitlist entry: offered, expired, booked...).
/// Listeners re-read what each may see; the message itself carries nothing private.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChange {
    pub user_ids: Vec<i64>,
    /// Wall-clock time of the commit (UTC ms).
    pub at: i64,
}

/// A fan-out of [`Change`]s and [`UserChange`]s inside this process; cheap to clone.
#[derive(Clone)]
pub struct LiveBus {
    tx: broadcast::Sender<Change>,
    users: broadcast::Sender<UserChange>,
}

impl Default for LiveBus {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveBus {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(16_384);
        let (users, _) = broadcast::channel(16_384);
        LiveBus { tx, users }
    }

    /// Announces a committed change. Never blocks; with no listeners it is dropped.
    pub fn publish(&self, event_id: i64, ticket_type_ids: Vec<i64>) {
        let at = chrono::Utc::now().timestamp_millis();
        let _ = self.tx.send(Change {
            event_id,
            ticket_type_ids,
            at,
        });
    }

    /// Announces that committed changes concern these people. Never blocks.
    pub fn publish_users(&self, user_ids: Vec<i64>) {
        if user_ids.is_empty() {
            return;
        }
        let at = chrono::Utc::now().timestamp_millis();
        let _ = self.users.send(UserChange { user_ids, at });
    }

    /// Listens to every per-person change published from now on.
    pub fn subscribe_users(&self) -> broadcast::Receiver<UserChange> {
        self.users.subscribe()
    }

    /// Listens to every change published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.tx.subscribe()
    }
}
