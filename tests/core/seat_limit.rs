//! One person cannot hold every seat: a per-person limit per event, across ticket types,
//! enforced in the transaction that takes the seats.

use crate::helpers::{event_request, fixture_with, users};
use evently::bookings::BookingError;
use evently::dto::TicketTypeInput;
use evently::events::EventError;
use evently::testing::TestDb;
use std::sync::Arc;

fn two_ticket_types(r: &mut evently::dto::CreateEventRequest) {
    r.ticket_types.push(TicketTypeInput {
        name: "Balcony".into(),
        price_cents: 4000,
        capacity: 200,
        ..Default::default()
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_on_two_ticket_types_stop_at_the_limit() {
    for db in TestDb::all().await {
        let f = Arc::new(fixture_with(&db, 200, two_ticket_types).await);
        let balcony = f
            .core
            .events()
            .event_for(None, f.event_id)
            .await
            .unwrap()
            .ticket_types[1]
            .id;
        let u = users(&f.core, 1, "hoarder").await.remove(0);
        // 40 requests of one seat each, at once, alternating ticket types, holds and bookings.
        let mut tasks = Vec::new();
        for i in 0..40 {
            let (f, u) = (f.clone(), u.clone());
            let tt = if i % 2 == 0 { f.tt_id } else { balcony };
            tasks.push(tokio::spawn(async move {
                let key = format!("k{i}");
                if i % 4 < 2 {
                    f.core
                        .bookings()
                        .hold(&u, f.event_id, tt, 1, &key)
                        .await
                        .map(|_| ())
                } else {
                    f.core
                        .bookings()
                        .book(&u, f.event_id, tt, 1, &key)
                        .await
                        .map(|_| ())
                }
            }));
        }
        let (mut ok, mut limited) = (0, 0);
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => ok += 1,
                Err(BookingError::SeatLimit { limit: 10, .. }) => limited += 1,
                Err(e) => panic!("[{}] unexpected: {e:?}", f.engine),
            }
        }
        assert_eq!((ok, limited), (10, 30), "[{}]", f.engine);
        f.assert_invariants().await;
    }
}

#[tokio::test]
async fn the_limit_counts_holds_and_bookings_and_frees_with_them() {
    for db in TestDb::all().await {
        let f = fixture_with(&db, 100, |r| r.max_seats_per_user = Some(12)).await;
        let u = users(&f.core, 1, "lim").await.remove(0);
        let b = f.core.bookings();
        let (hold, _) = b.hold(&u, f.event_id, f.tt_id, 10, "h").await.unwrap();
        let err = b.book(&u, f.event_id, f.tt_id, 3, "b").await.unwrap_err();
        assert!(
            matches!(err, BookingError::SeatLimit { limit: 12, has: 10 }),
            "{err:?}"
        );
        let api: evently::ApiError = err.into();
        assert_eq!((api.status(), api.code.as_str()), (409, "seat_limit"));
        b.book(&u, f.event_id, f.tt_id, 2, "b2").await.unwrap();
        // Releasing the hold gives the allowance back with the seats.
        b.release_hold(&u, hold.id).await.unwrap();
        b.book(&u, f.event_id, f.tt_id, 10, "b3").await.unwrap();
        // Other people are not affected.
        let v = users(&f.core, 1, "other").await.remove(0);
        b.book(&v, f.event_id, f.tt_id, 10, "v").await.unwrap();
        f.assert_invariants().await;
    }
}

#[tokio::test]
async fn the_limit_is_never_below_one_bookings_maximum() {
    for db in TestDb::all().await {
        let f = fixture_with(&db, 10, |_| {}).await;
        let mut r = event_request(50);
        r.ticket_types[0].max_per_booking = Some(20);
        // Unset: raised to the largest per-booking maximum.
        let e = f
            .core
            .events()
            .create_event(&f.organizer, &r)
            .await
            .unwrap();
        assert_eq!(e.max_seats_per_user, 20);
        r.max_seats_per_user = Some(19);
        let err = f
            .core
            .events()
            .create_event(&f.organizer, &r)
            .await
            .unwrap_err();
        match err {
            EventError::Invalid(api) => {
                assert_eq!(api.field.as_deref(), Some("max_seats_per_user"))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            f.core
                .events()
                .event_for(None, f.event_id)
                .await
                .unwrap()
                .max_seats_per_user,
            10,
            "the default"
        );
    }
}
