//! [`Actor`]: who is asking, and the one rule for who may manage an event.

use crate::domain::Role;

/// Who is making a request: resolved from a verified token and a live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    pub session_id: String,
    /// The client address, for the audit log.
    pub ip: Option<String>,
    /// What rate limits count the client under (see `ClientInfo::rate_subject`).
    pub rate_key: Option<String>,
}

impl Actor {
    /// The subject rate limits count this actor's client under.
    pub fn rate_subject(&self) -> &str {
        self.rate_key
            .as_deref()
            .or(self.ip.as_deref())
            .unwrap_or("unknown")
    }

    /// Whether this actor may manage an event organized by `organizer_id`: admins, and
    /// organizers for their own events. The one rule behind editing, publishing, cancelling,
    /// capacity, attendees, check-in, seeing drafts, staff cancellations and booking lookups.
    /// A user whose organizer role was taken away manages nothing, not even their own events.
    pub fn may_manage(&self, organizer_id: i64) -> bool {
        self.role == Role::Admin || (self.role == Role::Organizer && self.user_id == organizer_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(user_id: i64, role: Role) -> Actor {
        Actor {
            user_id,
            role,
            session_id: String::new(),
            ip: None,
            rate_key: None,
        }
    }

    #[test]
    fn managing_needs_the_role_and_the_event() {
        assert!(actor(1, Role::Organizer).may_manage(1));
        assert!(!actor(1, Role::Organizer).may_manage(2));
        assert!(actor(9, Role::Admin).may_manage(2));
        // The owner without the organizer role: one copy of the rule said yes, three said no.
        assert!(!actor(1, Role::Attendee).may_manage(1));
    }
}
