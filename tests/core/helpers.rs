//! Fixtures: a core with a manual clock, users, and an event with one ticket type.

use chrono::{TimeZone, Utc};
use evently::Core;
use evently::accounts::Actor;
use evently::db::Tx;
use evently::domain::Role;
use evently::dto::{CreateEventRequest, TicketTypeInput};
use evently::testing::{TestDb, core_with_clock};

/// 2030-01-01T00:00:00Z: tests run on a clock they control.
pub fn start_ms() -> i64 {
    Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
        .single()
        .map(|d| d.timestamp_millis())
        .unwrap_or(0)
}

pub struct Fixture {
    pub core: Core,
    pub organizer: Actor,
    pub event_id: i64,
    pub tt_id: i64,
    pub engine: &'static str,
}

/// `n` attendees inserted directly (no password hashing), returned as actors.
pub async fn users(core: &Core, n: usize, prefix: &str) -> Vec<Actor> {
    let mut rows = Vec::new();
    for i in 0..n {
        rows.push((
            format!("{prefix}{i}@example.com"),
            format!("User {i}"),
            "x".to_string(),
            "attendee".to_string(),
        ));
    }
    let mut ids = Vec::new();
    for chunk in rows.chunks(500) {
        let mut tx: Tx = core.db().begin().await.unwrap();
        ids.extend(
            evently::store::users::insert_many(&mut tx, chunk, start_ms())
                .await
                .unwrap(),
        );
        tx.commit().await.unwrap();
    }
    ids.into_iter()
        .map(|id| Actor {
            user_id: id,
            role: Role::Attendee,
            session_id: String::new(),
            ip: None,
            rate_key: None,
        })
        .collect()
}

pub async fn organizer(core: &Core, tag: &str) -> Actor {
    let mut a = users(core, 1, &format!("org-{tag}-")).await.remove(0);
    evently::store::users::set_role(core.db(), a.user_id, "organizer", start_ms())
        .await
        .unwrap();
    a.role = Role::Organizer;
    a
}

pub fn event_request(capacity: i64) -> CreateEventRequest {
    let starts = Utc
        .timestamp_millis_opt(start_ms() + 30 * 86_400_000)
        .single()
        .unwrap();
    CreateEventRequest {
        title: "Flash Sale Night".into(),
        description: "A test event.".into(),
        venue: "Test Hall".into(),
        city: "Berlin".into(),
        category: "music".into(),
        starts_at: starts,
        ends_at: starts + chrono::Duration::hours(3),
        timezone: Some("Europe/Berlin".into()),
        image_url: None,
        hold_minutes: Some(10),
        cancel_cutoff_minutes: Some(60),
        max_seats_per_user: None,
        payment_note: None,
        offer_minutes: None,
        reminder_hours: None,
        ticket_types: vec![TicketTypeInput {
            name: "General".into(),
            price_cents: 2500,
            capacity,
            ..Default::default()
        }],
    }
}

/// A published event with one ticket type of `capacity` on `db`.
pub async fn fixture(db: &TestDb, capacity: i64) -> Fixture {
    fixture_with(db, capacity, |_| {}).await
}

/// A published event like [`fixture`]'s, with its request changed by `tweak` first.
pub async fn fixture_with(
    db: &TestDb,
    capacity: i64,
    tweak: impl FnOnce(&mut CreateEventRequest),
) -> Fixture {
    let core = core_with_clock(&db.db, start_ms());
    let organizer = organizer(&core, "main").await;
    let mut request = event_request(capacity);
    tweak(&mut request);
    let event = core
        .events()
        .create_event(&organizer, &request)
        .await
        .unwrap();
    core.events()
        .publish_event(&organizer, event.id)
        .await
        .unwrap();
    Fixture {
        tt_id: event.ticket_types[0].id,
        event_id: event.id,
        core,
        organizer,
        engine: db.engine(),
    }
}

impl Fixture {
    /// Seats bookable now, as the API reports them.
    pub async fn available(&self) -> i64 {
        self.core
            .events()
            .event_for(None, self.event_id)
            .await
            .unwrap()
            .ticket_types[0]
            .available
    }

    pub async fn assert_invariants(&self) {
        let report = self.core.invariants().check(None).await.unwrap();
        assert!(
            report.ok(),
            "[{}] invariants violated: {:#?}",
            self.engine,
            report.violations
        );
        assert!(report.ticket_types_checked >= 1);
    }
}
