//! One-step booking: rules, bad input, cancellation.

use crate::helpers::{event_request, fixture, organizer, start_ms, users};
use evently::bookings::BookingError;
use evently::domain::{BookingStatus, EventStatus};
use evently::testing::TestDb;

#[tokio::test]
async fn every_invalid_request_is_refused_and_changes_nothing() {
    for db in TestDb::all().await {
        let f = fixture(&db, 20).await;
        let u = users(&f.core, 1, "bad").await.remove(0);
        let book = |q: i64, tt: i64, ev: i64, key: &'static str| {
            let (core, u) = (f.core.clone(), u.clone());
            async move { core.bookings().book(&u, ev, tt, q, key).await }
        };
        for q in [0, 11, -1, i64::MIN, i64::MAX] {
            let e = book(q, f.tt_id, f.event_id, "q").await.unwrap_err();
            assert!(
                matches!(e, BookingError::InvalidQuantity { max: 10 }),
                "[{}] quantity {q}: {e:?}",
                f.engine
            );
        }
        assert!(matches!(
            book(1, 999_999, f.event_id, "a").await.unwrap_err(),
            BookingError::NotFound("ticket type")
        ));
        assert!(matches!(
            book(1, f.tt_id, 999_999, "b").await.unwrap_err(),
            BookingError::NotFound(_)
        ));
        assert!(matches!(
            f.core
                .bookings()
                .book(&u, f.event_id, f.tt_id, 1, "")
                .await
                .unwrap_err(),
            BookingError::BadIdempotencyKey
        ));
        assert!(matches!(
            f.core
                .bookings()
                .book(&u, f.event_id, f.tt_id, 1, "has space")
                .await
                .unwrap_err(),
            BookingError::BadIdempotencyKey
        ));
        // A ticket type of another event is not found through this event.
        let other = f
            .core
            .events()
            .create_event(&f.organizer, &event_request(5))
            .await
            .unwrap();
        f.core
            .events()
            .publish_event(&f.organizer, other.id)
            .await
            .unwrap();
        let e = book(1, other.ticket_types[0].id, f.event_id, "c")
            .await
            .unwrap_err();
        assert!(matches!(e, BookingError::NotFound("ticket type")));
        // A draft event does not exist for buyers.
        let draft = f
            .core
            .events()
            .create_event(&f.organizer, &event_request(5))
            .await
            .unwrap();
        let e = book(1, draft.ticket_types[0].id, draft.id, "d")
            .await
            .unwrap_err();
        assert!(matches!(e, BookingError::NotFound("event")), "{e:?}");
        // Sales that have not opened yet, or have closed.
        let mut req = event_request(5);
        req.ticket_types[0].sale_starts_at = Some(req.starts_at - chrono::Duration::days(1));
        let later = f
            .core
            .events()
            .create_event(&f.organizer, &req)
            .await
            .unwrap();
        f.core
            .events()
            .publish_event(&f.organizer, later.id)
            .await
            .unwrap();
        let e = book(1, later.ticket_types[0].id, later.id, "e")
            .await
            .unwrap_err();
        assert!(matches!(e, BookingError::SaleClosed { not_yet: true }));
        f.core.clock().advance_ms(40 * 86_400_000);
        let e = book(1, f.tt_id, f.event_id, "f").await.unwrap_err();
        assert!(
            matches!(e, BookingError::SaleClosed { not_yet: false }),
            "event is over: {e:?}"
        );
        f.core.clock().advance_ms(-40 * 86_400_000);
        // A cancelled event.
        f.core
            .events()
            .cancel_event(&f.organizer, other.id)
            .await
            .unwrap();
        let e = book(1, other.ticket_types[0].id, other.id, "g")
            .await
            .unwrap_err();
        assert!(matches!(
            e,
            BookingError::EventNotBookable { cancelled: true }
        ));
        // Nothing changed anywhere.
        assert_eq!(f.available().await, 20);
        assert!(f.core.bookings().my_bookings(&u).await.unwrap().is_empty());
        f.assert_invariants().await;
    }
}

#[tokio::test]
async fn sold_out_says_how_many_are_left() {
    for db in TestDb::all().await {
        let f = fixture(&db, 3).await;
        let u = users(&f.core, 1, "so").await.remove(0);
        f.core
            .bookings()
            .book(&u, f.event_id, f.tt_id, 2, "one")
            .await
            .unwrap();
        match f
            .core
            .bookings()
            .book(&u, f.event_id, f.tt_id, 2, "two")
            .await
            .unwrap_err()
        {
            BookingError::SoldOut { available, .. } => assert_eq!(available, 1),
            e => panic!("{e:?}"),
        }
        let api: evently::ApiError = BookingError::SoldOut {
            available: 1,
            ticket_type: "General".into(),
        }
        .into();
        assert_eq!(api.status(), 409);
        assert_eq!(api.message, "Only 1 seat left for General");
    }
}

#[tokio::test]
async fn cancellation_frees_seats_at_once_and_respects_ownership_and_cutoff() {
    for db in TestDb::all().await {
        let f = fixture(&db, 4).await;
        let mut us = users(&f.core, 2, "cx").await;
        let (a, b) = (us.remove(0), us.remove(0));
        let booking = f
            .core
            .bookings()
            .book(&a, f.event_id, f.tt_id, 4, "mine")
            .await
            .unwrap()
            .0;
        assert_eq!(f.available().await, 0);
        // Someone else's booking does not exist for them.
        assert!(matches!(
            f.core
                .bookings()
                .cancel_booking(&b, booking.id)
                .await
                .unwrap_err(),
            BookingError::NotFound("booking")
        ));
        assert!(matches!(
            f.core
                .bookings()
                .booking_for(&b, booking.id)
                .await
                .unwrap_err(),
            BookingError::NotFound("booking")
        ));
        let out = f
            .core
            .bookings()
            .cancel_booking(&a, booking.id)
            .await
            .unwrap();
        assert_eq!(out.booking.status, BookingStatus::Cancelled);
        assert!(!out.already_cancelled);
        assert_eq!(f.available().await, 4, "seats are back at once");
        assert!(
            f.core
                .bookings()
                .cancel_booking(&a, booking.id)
                .await
                .unwrap()
                .already_cancelled
        );
        // Past the organizer's cut-off (60 min before the start) the buyer can no longer cancel.
        let late = f
            .core
            .bookings()
            .book(&b, f.event_id, f.tt_id, 1, "late")
            .await
            .unwrap()
            .0;
        f.core.clock().advance_ms(30 * 86_400_000 - 30 * 60_000);
        assert!(matches!(
            f.core
                .bookings()
                .cancel_booking(&b, late.id)
                .await
                .unwrap_err(),
            BookingError::CancellationClosed
        ));
        // The organizer still can.
        assert!(
            !f.core
                .bookings()
                .cancel_booking(&f.organizer, late.id)
                .await
                .unwrap()
                .already_cancelled
        );
        f.assert_invariants().await;
    }
}

#[tokio::test]
async fn cancelling_an_event_cancels_every_booking_and_hold() {
    for db in TestDb::all().await {
        let f = fixture(&db, 10).await;
        let u = users(&f.core, 2, "ev").await;
        f.core
            .bookings()
            .book(&u[0], f.event_id, f.tt_id, 3, "b1")
            .await
            .unwrap();
        let (hold, _) = f
            .core
            .bookings()
            .hold(&u[1], f.event_id, f.tt_id, 2, "h1")
            .await
            .unwrap();
        let stranger = organizer(&f.core, "stranger").await;
        assert!(
            f.core
                .events()
                .cancel_event(&stranger, f.event_id)
                .await
                .is_err(),
            "another organizer cannot cancel it"
        );
        let ev = f
            .core
            .events()
            .cancel_event(&f.organizer, f.event_id)
            .await
            .unwrap();
        assert_eq!(ev.status, EventStatus::Cancelled);
        let mine = f.core.bookings().my_bookings(&u[0]).await.unwrap();
        assert_eq!(mine[0].booking.status, BookingStatus::Cancelled);
        assert!(matches!(
            f.core
                .bookings()
                .confirm_hold(&u[1], hold.id, &[])
                .await
                .unwrap_err(),
            BookingError::HoldNotActive(_)
        ));
        f.assert_invariants().await;
        let _ = start_ms();
    }
}

#[tokio::test]
async fn one_booking_of_its_owner_and_nobody_else() {
    for db in TestDb::all().await {
        let f = fixture(&db, 10).await;
        let mut us = users(&f.core, 2, "one").await;
        let (a, b) = (us.remove(0), us.remove(0));
        let (booking, _) = f
            .core
            .bookings()
            .book(&a, f.event_id, f.tt_id, 2, "k")
            .await
            .unwrap();
        let mine = f.core.bookings().my_booking(&a, booking.id).await.unwrap();
        assert_eq!(mine.booking.id, booking.id);
        assert_eq!(mine.tickets.len(), 2);
        assert!(mine.cancellable);
        for other in [&b, &f.organizer] {
            assert!(matches!(
                f.core
                    .bookings()
                    .my_booking(other, booking.id)
                    .await
                    .unwrap_err(),
                BookingError::NotFound(_)
            ));
        }
    }
}
