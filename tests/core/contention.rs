//! Many buyers, few seats: never oversell, never lose a booking.

use crate::helpers::{fixture, fixture_with, users};
use evently::bookings::BookingError;
use evently::domain::BookingStatus;
use evently::testing::TestDb;
use rand::{Rng, SeedableRng};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_thousand_attempts_for_one_hundred_seats_sell_exactly_one_hundred() {
    for db in TestDb::all().await {
        // Buyers here may take any number of seats: the test is about the capacity.
        let f = Arc::new(fixture_with(&db, 100, |r| r.max_seats_per_user = Some(1_000)).await);
        let buyers = users(&f.core, 200, "buyer").await;
        let mut tasks = Vec::new();
        for (t, buyer) in buyers.into_iter().enumerate() {
            let f = f.clone();
            tasks.push(tokio::spawn(async move {
                let mut rng = rand::rngs::StdRng::seed_from_u64(t as u64);
                let mut outcomes = Vec::new();
                for i in 0..10 {
                    let qty = rng.gen_range(1..=4);
                    let key = format!("attempt-{t}-{i}");
                    let r = f
                        .core
                        .bookings()
                        .book(&buyer, f.event_id, f.tt_id, qty, &key)
                        .await;
                    outcomes.push((qty, r));
                }
                outcomes
            }));
        }
        let mut booked_seats = 0;
        let mut successes = Vec::new();
        let mut attempts = 0;
        for t in tasks {
            for (qty, r) in t.await.unwrap() {
                attempts += 1;
                match r {
                    Ok((b, replayed)) => {
                        assert!(!replayed);
                        assert_eq!(b.quantity, qty);
                        assert_eq!(b.total_cents, 2500 * qty);
                        booked_seats += qty;
                        successes.push(b);
                    }
                    Err(BookingError::SoldOut { .. }) => {}
                    Err(other) => panic!("[{}] unexpected failure: {other:?}", f.engine),
                }
            }
        }
        assert_eq!(attempts, 2000);
        assert_eq!(
            booked_seats, 100,
            "[{}] exactly the capacity is sold",
            f.engine
        );
        for b in &successes {
            let stored = evently::store::bookings::by_id(f.core.db(), b.id)
                .await
                .unwrap()
                .expect("stored");
            assert_eq!(stored.status, BookingStatus::Confirmed);
            assert_eq!(stored.quantity, b.quantity);
        }
        assert_eq!(f.available().await, 0);
        f.assert_invariants().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_identical_requests_make_one_booking_and_fifty_identical_answers() {
    for db in TestDb::all().await {
        let f = Arc::new(fixture(&db, 10).await);
        let buyer = users(&f.core, 1, "retry").await.remove(0);
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (f, buyer) = (f.clone(), buyer.clone());
            tasks.push(tokio::spawn(async move {
                f.core
                    .bookings()
                    .book(&buyer, f.event_id, f.tt_id, 3, "same-key-123")
                    .await
            }));
        }
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap().expect("every duplicate succeeds").0);
        }
        assert!(
            answers.iter().all(|a| *a == answers[0]),
            "[{}] answers differ",
            f.engine
        );
        let mine = f.core.bookings().my_bookings(&buyer).await.unwrap();
        assert_eq!(mine.len(), 1, "[{}] one booking", f.engine);
        assert_eq!(f.available().await, 7);
        // A different body under the same key is refused and changes nothing.
        let err = f
            .core
            .bookings()
            .book(&buyer, f.event_id, f.tt_id, 2, "same-key-123")
            .await
            .unwrap_err();
        assert!(matches!(err, BookingError::IdempotencyMismatch));
        assert_eq!(f.available().await, 7);
        f.assert_invariants().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancelling_while_others_book_never_loses_or_duplicates_a_seat() {
    for db in TestDb::all().await {
        let f = Arc::new(fixture(&db, 50).await);
        let holders = users(&f.core, 50, "holder").await;
        let mut first = Vec::new();
        for (i, u) in holders.iter().enumerate() {
            first.push(
                f.core
                    .bookings()
                    .book(u, f.event_id, f.tt_id, 1, &format!("k{i}"))
                    .await
                    .unwrap()
                    .0,
            );
        }
        assert_eq!(f.available().await, 0);
        let newcomers = users(&f.core, 100, "newcomer").await;
        let mut tasks = Vec::new();
        for (i, b) in first.iter().take(25).enumerate() {
            let (f, u, id) = (f.clone(), holders[i].clone(), b.id);
            tasks.push(tokio::spawn(async move {
                let out = f.core.bookings().cancel_booking(&u, id).await.unwrap();
                assert!(!out.already_cancelled);
                // A second cancel is harmless.
                assert!(
                    f.core
                        .bookings()
                        .cancel_booking(&u, id)
                        .await
                        .unwrap()
                        .already_cancelled
                );
                0_i64
            }));
        }
        for (i, u) in newcomers.into_iter().enumerate() {
            let f = f.clone();
            tasks.push(tokio::spawn(async move {
                match f
                    .core
                    .bookings()
                    .book(&u, f.event_id, f.tt_id, 1, &format!("n{i}"))
                    .await
                {
                    Ok(_) => 1,
                    Err(BookingError::SoldOut { .. }) => 0,
                    Err(e) => panic!("unexpected {e:?}"),
                }
            }));
        }
        let mut new_seats = 0;
        for t in tasks {
            new_seats += t.await.unwrap();
        }
        assert!(
            new_seats <= 25,
            "[{}] {new_seats} new seats from 25 freed",
            f.engine
        );
        assert_eq!(f.available().await, 25 - new_seats);
        f.assert_invariants().await;
    }
}
