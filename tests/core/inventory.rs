//! The one road for seats: every way seats are taken or come back announces the change
//! after commit, keeps `taken` equal to bookings plus holds, and a refused change says
//! nothing.

use crate::helpers::{fixture, users};
use evently::live::Change;
use evently::testing::TestDb;
use std::time::Duration;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::TryRecvError;

const MIN: i64 = 60_000;

/// The next change announced for `tt`, within a second.
async fn announced(rx: &mut Receiver<Change>, tt: i64, what: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(c)) if c.ticket_type_ids.contains(&tt) => return,
            Ok(Ok(_)) => continue,
            other => panic!("{what}: no live change for ticket type {tt}: {other:?}"),
        }
    }
}

fn quiet(rx: &mut Receiver<Change>, what: &str) {
    assert!(
        matches!(rx.try_recv(), Err(TryRecvError::Empty)),
        "{what}: something was announced"
    );
}

#[tokio::test]
async fn every_road_for_seats_announces_after_commit_and_keeps_the_books() {
    for db in TestDb::all().await {
        let f = fixture(&db, 10).await;
        let mut us = users(&f.core, 2, "inv").await;
        let (a, b) = (us.remove(0), us.remove(0));
        let mut rx = f.core.live().subscribe();
        let bookings = f.core.bookings();

        let (hold, _) = bookings
            .hold(&a, f.event_id, f.tt_id, 3, "h1")
            .await
            .unwrap();
        announced(&mut rx, f.tt_id, "hold").await;
        bookings.release_hold(&a, hold.id).await.unwrap();
        announced(&mut rx, f.tt_id, "release").await;
        assert_eq!(f.available().await, 10);

        let (booking, _) = bookings
            .book(&b, f.event_id, f.tt_id, 2, "b1")
            .await
            .unwrap();
        announced(&mut rx, f.tt_id, "book").await;
        bookings.cancel_booking(&b, booking.id).await.unwrap();
        announced(&mut rx, f.tt_id, "cancel").await;
        assert_eq!(f.available().await, 10);

        bookings
            .hold(&a, f.event_id, f.tt_id, 4, "h2")
            .await
            .unwrap();
        announced(&mut rx, f.tt_id, "second hold").await;
        f.core.clock().advance_ms(10 * MIN + 1);
        assert_eq!(bookings.sweep_expired_holds().await.unwrap(), 1);
        announced(&mut rx, f.tt_id, "expiry").await;
        f.assert_invariants().await;

        let events = f.core.events();
        events
            .set_capacity(&f.organizer, f.tt_id, 12)
            .await
            .unwrap();
        announced(&mut rx, f.tt_id, "capacity raise").await;
        bookings
            .book(&b, f.event_id, f.tt_id, 5, "b2")
            .await
            .unwrap();
        announced(&mut rx, f.tt_id, "second booking").await;
        // Refused: below what is taken. Nothing changes and nothing is announced.
        assert!(events.set_capacity(&f.organizer, f.tt_id, 4).await.is_err());
        quiet(&mut rx, "refused resize");

        bookings
            .hold(&a, f.event_id, f.tt_id, 3, "h3")
            .await
            .unwrap();
        announced(&mut rx, f.tt_id, "third hold").await;
        events.cancel_event(&f.organizer, f.event_id).await.unwrap();
        announced(&mut rx, f.tt_id, "event cancelled").await;
        // The booking and the hold gave their seats back one by one: nothing is taken.
        let tt = evently::store::events::ticket_type(f.core.db(), f.tt_id, 0)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(tt.taken, 0, "[{}]", f.engine);
        f.assert_invariants().await;
    }
}

#[tokio::test]
async fn an_expired_hold_is_given_back_before_its_seats_are_sold_again() {
    for db in TestDb::all().await {
        let f = fixture(&db, 4).await;
        let mut us = users(&f.core, 2, "re").await;
        let (a, b) = (us.remove(0), us.remove(0));
        let bookings = f.core.bookings();
        bookings
            .hold(&a, f.event_id, f.tt_id, 4, "h")
            .await
            .unwrap();
        f.core.clock().advance_ms(10 * MIN + 1);
        // The engine expires the hold and returns its seats by the inventory's road in the
        // same transaction that sells them again.
        bookings
            .book(&b, f.event_id, f.tt_id, 4, "b")
            .await
            .unwrap();
        let report = f.core.invariants().check(Some(f.event_id)).await.unwrap();
        assert!(report.ok(), "[{}] {:?}", f.engine, report.violations);
        assert_eq!(f.available().await, 0);
    }
}
