//! The per-person channel of the live hub: each signed-in connection gets its person's
//! waitlist entries (with positions) when one changes, when their position in a queue
//! moves, and once when it opens. The message carries only that person's own entries.
//!
//! Positions move when anyone ahead leaves, is served or joins behind... so the hub watches
//! the queues its connected people are in: when such a ticket type's event changes, it reads
//! the queue's positions once and refreshes only the people whose position moved.

use super::{Hub, encode};
use crate::metrics::LIVE_MESSAGES_QUEUED;
use evently::live_protocol::ServerMessage;
use metrics::counter;
use std::collections::{HashMap, HashSet};
use tokio::sync::mpsc;

/// Who is connected, which queues they are in, and what they were last told.
#[derive(Default)]
pub(super) struct People {
    conns: HashMap<i64, HashSet<u64>>,
    /// People with unsent changes, and when the earliest was committed.
    dirty: HashMap<i64, i64>,
    /// Ticket type -> connected people with an active entry there.
    queue_people: HashMap<i64, HashSet<i64>>,
    /// Event -> its watched ticket types.
    event_queues: HashMap<i64, HashSet<i64>>,
    /// Person -> (entry -> position last sent).
    sent: HashMap<i64, HashMap<i64, (i64, i64)>>,
}

impl People {
    pub(super) fn connect(&mut self, user: i64, conn: u64) {
        self.conns.entry(user).or_default().insert(conn);
        self.dirty.entry(user).or_insert(0);
    }

    pub(super) fn disconnect(&mut self, user: i64, conn: u64) {
        let gone = match self.conns.get_mut(&user) {
            Some(set) => {
                set.remove(&conn);
                set.is_empty()
            }
            None => false,
        };
        if gone {
            self.conns.remove(&user);
            self.dirty.remove(&user);
            self.forget_queues(user);
            self.sent.remove(&user);
        }
    }

    /// Marks a connected person dirty; false if they are not connected here.
    pub(super) fn mark_dirty(&mut self, user: i64, at: i64) -> bool {
        if !self.conns.contains_key(&user) {
            return false;
        }
        let first = self.dirty.entry(user).or_insert(at);
        if *first == 0 || at < *first {
            *first = at;
        }
        true
    }

    pub(super) fn all_dirty(&mut self) {
        let users: Vec<i64> = self.conns.keys().copied().collect();
        for u in users {
            self.dirty.entry(u).or_insert(0);
        }
    }

    pub(super) fn watches_event(&self, event: i64) -> bool {
        self.event_queues.contains_key(&event)
    }

    fn forget_queues(&mut self, user: i64) {
        let mut empty = Vec::new();
        for (tt, people) in self.queue_people.iter_mut() {
            if people.remove(&user) && people.is_empty() {
                empty.push(*tt);
            }
        }
        for tt in empty {
            self.queue_people.remove(&tt);
            self.event_queues.retain(|_, tts| {
                tts.remove(&tt);
                !tts.is_empty()
            });
        }
    }
}

impl Hub {
    /// Sends people their entries: those marked dirty, and those in the queues of the
    /// `events` just flushed whose position moved.
    pub(super) async fn flush_people(&self, events: &[i64]) {
        let queues: Vec<(i64, HashSet<i64>)> = {
            let s = self.lock();
            events
                .iter()
                .filter_map(|e| s.people.event_queues.get(e))
                .flatten()
                .filter_map(|tt| s.people.queue_people.get(tt).map(|p| (*tt, p.clone())))
                .collect()
        };
        let core = &self.inner.core;
        let mut moved: Vec<i64> = Vec::new();
        for (tt, people) in queues {
            let Ok(positions) = core.waitlist().queue_positions(tt).await else {
                continue;
            };
            let s = self.lock();
            for (entry, user, pos) in positions {
                if people.contains(&user)
                    && s.people
                        .sent
                        .get(&user)
                        .and_then(|m| m.get(&entry))
                        .is_none_or(|(p, _)| *p != pos)
                {
                    moved.push(user);
                }
            }
        }
        let due: Vec<(i64, i64)> = {
            let mut s = self.lock();
            let at = chrono::Utc::now().timestamp_millis();
            for u in moved {
                s.people.dirty.entry(u).or_insert(at);
            }
            s.people.dirty.drain().collect()
        };
        for (user, at) in due {
            let entries = match core.waitlist().mine_for(user).await {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!(error = %e, "reading waitlist entries for a live update failed; retrying");
                    self.lock().people.dirty.entry(user).or_insert(at);
                    continue;
                }
            };
            let at = if at == 0 {
                chrono::Utc::now().timestamp_millis()
            } else {
                at
            };
            let msg = encode(&ServerMessage::Waitlist {
                entries: entries.clone(),
                at,
            });
            let unread = match core.notifications().unread_count(user).await {
                Ok(n) => Some(encode(&ServerMessage::Notifications { unread: n, at })),
                Err(_) => None,
            };
            let mut s = self.lock();
            if !s.people.conns.contains_key(&user) {
                continue;
            }
            s.people.forget_queues(user);
            let mut sent = HashMap::new();
            for e in entries.iter().filter(|e| e.status.is_active()) {
                s.people
                    .queue_people
                    .entry(e.ticket_type_id)
                    .or_default()
                    .insert(user);
                s.people
                    .event_queues
                    .entry(e.event_id)
                    .or_default()
                    .insert(e.ticket_type_id);
                sent.insert(e.id, (e.position.unwrap_or(0), e.offered_quantity));
            }
            s.people.sent.insert(user, sent);
            let conns: Vec<u64> = s
                .people
                .conns
                .get(&user)
                .map(|c| c.iter().copied().collect())
                .unwrap_or_default();
            let mut queued = 0;
            for c in conns {
                if let Some(conn) = s.conns.get(&c) {
                    for m in std::iter::once(&msg).chain(unread.as_ref()) {
                        match conn.tx.try_send(m.clone()) {
                            Ok(()) => queued += 1,
                            Err(
                                mpsc::error::TrySendError::Full(_)
                                | mpsc::error::TrySendError::Closed(_),
                            ) => {}
                        }
                    }
                }
            }
            counter!(LIVE_MESSAGES_QUEUED).increment(queued);
        }
    }
}
