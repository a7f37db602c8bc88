//! Holds: expiry on a controllable clock, renewal limits, release, confirmation.

use crate::helpers::{fixture, users};
use evently::bookings::BookingError;
use evently::domain::HoldStatus;
use evently::testing::TestDb;

const MIN: i64 = 60_000;

#[tokio::test]
async fn an_expired_hold_stops_counting_at_once_and_cannot_be_confirmed() {
    for db in TestDb::all().await {
        let f = fixture(&db, 5).await;
        let mut us = users(&f.core, 2, "hx").await;
        let (a, b) = (us.remove(0), us.remove(0));
        let (hold, _) = f
            .core
            .bookings()
            .hold(&a, f.event_id, f.tt_id, 5, "h")
            .await
            .unwrap();
        assert_eq!(hold.status, HoldStatus::Active);
        assert_eq!(f.available().await, 0);
        assert!(matches!(
            f.core
                .bookings()
                .book(&b, f.event_id, f.tt_id, 1, "x")
                .await
                .unwrap_err(),
            BookingError::SoldOut { .. }
        ));
        f.core.clock().advance_ms(10 * MIN + 1);
        // No sweeper has run: the seats are bookable anyway.
        assert_eq!(f.available().await, 5, "[{}]", f.engine);
        assert!(matches!(
            f.core
                .bookings()
                .confirm_hold(&a, hold.id, &[])
                .await
                .unwrap_err(),
            BookingError::HoldExpired
        ));
        assert!(matches!(
            f.core.bookings().renew_hold(&a, hold.id).await.unwrap_err(),
            BookingError::HoldExpired
        ));
        let booked = f
            .core
            .bookings()
            .book(&b, f.event_id, f.tt_id, 5, "y")
            .await
            .unwrap()
            .0;
        assert_eq!(booked.quantity, 5);
        f.assert_invariants().await;
    }
}

#[tokio::test]
async fn the_sweeper_releases_expired_holds() {
    for db in TestDb::all().await {
        let f = fixture(&db, 5).await;
        let a = users(&f.core, 1, "sw").await.remove(0);
        f.core
            .bookings()
            .hold(&a, f.event_id, f.tt_id, 3, "h")
            .await
            .unwrap();
        assert_eq!(f.core.bookings().sweep_expired_holds().await.unwrap(), 0);
        f.core.clock().advance_ms(11 * MIN);
        assert_eq!(f.core.bookings().sweep_expired_holds().await.unwrap(), 1);
        assert_eq!(f.core.bookings().sweep_expired_holds().await.unwrap(), 0);
        let tt = evently::store::events::ticket_type(f.core.db(), f.tt_id, f.core.clock().now_ms())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(tt.taken, 0);
        f.assert_invariants().await;
    }
}

#[tokio::test]
async fn renewals_are_bounded_and_extend_the_hold() {
    for db in TestDb::all().await {
        let f = fixture(&db, 5).await;
        let a = users(&f.core, 1, "rn").await.remove(0);
        let (hold, _) = f
            .core
            .bookings()
            .hold(&a, f.event_id, f.tt_id, 1, "h")
            .await
            .unwrap();
        f.core.clock().advance_ms(9 * MIN);
        let r1 = f.core.bookings().renew_hold(&a, hold.id).await.unwrap();
        assert!(r1.expires_at > hold.expires_at);
        assert_eq!(r1.renewals_left, 1);
        f.core.clock().advance_ms(9 * MIN);
        // Without the renewal this hold would have expired by now.
        let r2 = f.core.bookings().renew_hold(&a, hold.id).await.unwrap();
        assert_eq!(r2.renewals_left, 0);
        assert!(matches!(
            f.core.bookings().renew_hold(&a, hold.id).await.unwrap_err(),
            BookingError::RenewLimit { max: 2 }
        ));
        let b = f
            .core
            .bookings()
            .confirm_hold(&a, hold.id, &["Ada Lovelace".to_string()])
            .await
            .unwrap();
        assert_eq!(b.hold_id, Some(hold.id));
        // Confirming again returns the same booking.
        assert_eq!(
            f.core
                .bookings()
                .confirm_hold(&a, hold.id, &[])
                .await
                .unwrap()
                .id,
            b.id
        );
        let mine = f.core.bookings().my_bookings(&a).await.unwrap();
        assert_eq!(
            mine[0].tickets[0].attendee_name.as_deref(),
            Some("Ada Lovelace")
        );
        f.assert_invariants().await;
    }
}

#[tokio::test]
async fn a_released_hold_frees_its_seats_at_once() {
    for db in TestDb::all().await {
        let f = fixture(&db, 2).await;
        let mut us = users(&f.core, 2, "rl").await;
        let (a, b) = (us.remove(0), us.remove(0));
        let (hold, _) = f
            .core
            .bookings()
            .hold(&a, f.event_id, f.tt_id, 2, "h")
            .await
            .unwrap();
        // Someone else cannot see or release it.
        assert!(matches!(
            f.core
                .bookings()
                .release_hold(&b, hold.id)
                .await
                .unwrap_err(),
            BookingError::NotFound("hold")
        ));
        let released = f.core.bookings().release_hold(&a, hold.id).await.unwrap();
        assert_eq!(released.status, HoldStatus::Released);
        assert_eq!(f.available().await, 2);
        assert_eq!(
            f.core
                .bookings()
                .release_hold(&a, hold.id)
                .await
                .unwrap()
                .status,
            HoldStatus::Released,
            "harmless twice"
        );
        assert!(matches!(
            f.core
                .bookings()
                .confirm_hold(&a, hold.id, &[])
                .await
                .unwrap_err(),
            BookingError::HoldNotActive(_)
        ));
        f.core
            .bookings()
            .book(&b, f.event_id, f.tt_id, 2, "b")
            .await
            .unwrap();
        f.assert_invariants().await;
    }
}

#[tokio::test]
async fn hold_keys_are_idempotent_too() {
    for db in TestDb::all().await {
        let f = fixture(&db, 5).await;
        let a = users(&f.core, 1, "hk").await.remove(0);
        let (h1, r1) = f
            .core
            .bookings()
            .hold(&a, f.event_id, f.tt_id, 2, "checkout-1")
            .await
            .unwrap();
        let (h2, r2) = f
            .core
            .bookings()
            .hold(&a, f.event_id, f.tt_id, 2, "checkout-1")
            .await
            .unwrap();
        assert!(!r1 && r2);
        assert_eq!(h1.id, h2.id);
        assert_eq!(f.available().await, 3);
        assert!(matches!(
            f.core
                .bookings()
                .book(&a, f.event_id, f.tt_id, 2, "checkout-1")
                .await
                .unwrap_err(),
            BookingError::IdempotencyMismatch
        ));
        f.assert_invariants().await;
    }
}
