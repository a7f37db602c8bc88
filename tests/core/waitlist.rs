//! The waitlist: joining, positions, offers from returned seats, expiry, set-aside seats,
//! the organizer's controls, and a race where the queue must come first.

use crate::helpers::{Fixture, fixture_with, users};
use evently::accounts::Actor;
use evently::domain::WaitlistStatus;
use evently::dto::WaitlistEntryView;
use evently::testing::TestDb;
use evently::waitlist::WaitlistError;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A sold-out event of `capacity` seats, each booked by its own buyer (returned in order,
/// with their booking ids).
async fn sold_out(db: &TestDb, capacity: i64, offer_minutes: i64) -> (Fixture, Vec<(Actor, i64)>) {
    let f = fixture_with(db, capacity, |r| {
        r.offer_minutes = Some(offer_minutes);
        r.ticket_types[0].max_per_booking = Some(4);
    })
    .await;
    let buyers = users(&f.core, capacity as usize, "holder").await;
    let mut out = Vec::new();
    for (i, b) in buyers.into_iter().enumerate() {
        let (booking, _) = f
            .core
            .bookings()
            .book(&b, f.event_id, f.tt_id, 1, &format!("sold-{i}"))
            .await
            .unwrap();
        out.push((b, booking.id));
    }
    assert_eq!(f.available().await, 0);
    (f, out)
}

async fn join(f: &Fixture, who: &Actor, quantity: i64) -> WaitlistEntryView {
    f.core
        .waitlist()
        .join(who, f.event_id, f.tt_id, quantity)
        .await
        .unwrap_or_else(|e| panic!("[{}] join failed: {e:?}", f.engine))
        .0
}

async fn entry(f: &Fixture, who: &Actor, id: i64) -> WaitlistEntryView {
    f.core.waitlist().entry(who, id).await.unwrap()
}

#[tokio::test]
async fn joining_needs_a_sold_out_ticket_type_and_positions_have_no_gaps() {
    for db in TestDb::all().await {
        let f = fixture_with(&db, 2, |r| r.ticket_types[0].max_per_booking = Some(4)).await;
        let people = users(&f.core, 4, "queue").await;
        let early = f
            .core
            .waitlist()
            .join(&people[0], f.event_id, f.tt_id, 1)
            .await;
        assert!(
            matches!(early, Err(WaitlistError::SeatsAvailable { available: 2 })),
            "[{}] {early:?}",
            f.engine
        );
        for (i, p) in people[..2].iter().enumerate() {
            f.core
                .bookings()
                .book(p, f.event_id, f.tt_id, 1, &format!("b{i}"))
                .await
                .unwrap();
        }
        let a = join(&f, &people[1], 2).await;
        let b = join(&f, &people[2], 1).await;
        let c = join(&f, &people[3], 3).await;
        assert_eq!(
            [a.position, b.position, c.position],
            [Some(1), Some(2), Some(3)],
            "[{}]",
            f.engine
        );
        assert_eq!(a.status, WaitlistStatus::Waiting);
        // The same again: the same entry, not a new one.
        let (again, created) = f
            .core
            .waitlist()
            .join(&people[1], f.event_id, f.tt_id, 2)
            .await
            .unwrap();
        assert!(!created);
        assert_eq!(again.id, a.id);
        // Fewer seats keep the place; more move to the back.
        let fewer = join(&f, &people[1], 1).await;
        assert_eq!(
            (fewer.id, fewer.position, fewer.quantity),
            (a.id, Some(1), 1)
        );
        let more = join(&f, &people[1], 4).await;
        assert_eq!((more.id, more.position), (a.id, Some(3)), "[{}]", f.engine);
        assert_eq!(entry(&f, &people[2], b.id).await.position, Some(1));
        for bad in [0, 5] {
            let r = f
                .core
                .waitlist()
                .join(&people[2], f.event_id, f.tt_id, bad)
                .await;
            assert!(
                matches!(r, Err(WaitlistError::InvalidQuantity { max: 4 })),
                "{r:?}"
            );
        }
        // Somebody else's entry does not exist for you.
        assert!(matches!(
            f.core.waitlist().entry(&people[2], c.id).await,
            Err(WaitlistError::NotFound(_))
        ));
        // Leaving frees the place at once: no gaps.
        let left = f.core.waitlist().leave(&people[2], b.id).await.unwrap();
        assert_eq!((left.status, left.position), (WaitlistStatus::Left, None));
        assert_eq!(entry(&f, &people[3], c.id).await.position, Some(1));
        assert_eq!(entry(&f, &people[1], a.id).await.position, Some(2));
        let detail = f.core.events().event_for(None, f.event_id).await.unwrap();
        assert_eq!(detail.ticket_types[0].waiting, 2, "[{}]", f.engine);
        f.assert_invariants().await;
    }
}

#[tokio::test]
async fn returned_seats_go_to_the_queue_in_order_never_to_the_public() {
    for db in TestDb::all().await {
        let (f, holders) = sold_out(&db, 2, 30).await;
        let people = users(&f.core, 3, "wait").await;
        let w1 = join(&f, &people[0], 1).await;
        let w2 = join(&f, &people[1], 1).await;
        f.core
            .bookings()
            .cancel_booking(&holders[0].0, holders[0].1)
            .await
            .unwrap();
        let offered = entry(&f, &people[0], w1.id).await;
        assert_eq!(offered.status, WaitlistStatus::Offered, "[{}]", f.engine);
        assert_eq!(offered.offered_quantity, 1);
        assert!(offered.hold_id.is_some() && offered.offer_expires_at.is_some());
        assert_eq!(
            entry(&f, &people[1], w2.id).await.status,
            WaitlistStatus::Waiting
        );
        assert_eq!(
            f.available().await,
            0,
            "[{}] the public never sees it",
            f.engine
        );
        let outsider = f
            .core
            .bookings()
            .book(&people[2], f.event_id, f.tt_id, 1, "outside")
            .await;
        assert!(outsider.is_err(), "[{}] {outsider:?}", f.engine);
        // Offers cannot be renewed.
        let renew = f
            .core
            .bookings()
            .renew_hold(&people[0], offered.hold_id.unwrap())
            .await;
        assert!(renew.is_err());
        // Accepting books it; the same key replays; the entry is booked.
        let (booking, replayed) = f
            .core
            .waitlist()
            .accept(&people[0], w1.id, "accept-1", &["Ada".into()])
            .await
            .unwrap();
        assert!(!replayed);
        assert_eq!(booking.quantity, 1);
        let (again, replayed) = f
            .core
            .waitlist()
            .accept(&people[0], w1.id, "accept-1", &[])
            .await
            .unwrap();
        assert!(replayed);
        assert_eq!(again.id, booking.id);
        let done = entry(&f, &people[0], w1.id).await;
        assert_eq!(
            (done.status, done.booking_id),
            (WaitlistStatus::Booked, Some(booking.id))
        );
        // The next seat back goes to the next person; declining passes it on to the public
        // once nobody is left in the queue.
        f.core
            .bookings()
            .cancel_booking(&holders[1].0, holders[1].1)
            .await
            .unwrap();
        assert_eq!(
            entry(&f, &people[1], w2.id).await.status,
            WaitlistStatus::Offered
        );
        let declined = f.core.waitlist().decline(&people[1], w2.id).await.unwrap();
        assert_eq!(declined.status, WaitlistStatus::Left);
        assert_eq!(f.available().await, 1, "[{}]", f.engine);
        f.assert_invariants().await;
    }
}

async fn outbox_rows(f: &Fixture, kind: &str) -> Vec<(String, i64)> {
    let sql = "SELECT dedup_key, next_attempt_at FROM outbox WHERE kind = $1 ORDER BY id";
    match f.core.db() {
        evently::db::Db::Sqlite { reader, .. } => sqlx::query_as(sql)
            .bind(kind)
            .fetch_all(reader)
            .await
            .unwrap(),
        evently::db::Db::Postgres(p) => sqlx::query_as(sql).bind(kind).fetch_all(p).await.unwrap(),
    }
}

#[tokio::test]
async fn an_offer_that_expires_passes_on_and_its_reminder_is_dropped() {
    for db in TestDb::all().await {
        let (f, holders) = sold_out(&db, 1, 20).await;
        let people = users(&f.core, 2, "wait").await;
        let w1 = join(&f, &people[0], 1).await;
        let w2 = join(&f, &people[1], 1).await;
        assert_eq!(outbox_rows(&f, "waitlist.joined").await.len(), 2);
        f.core
            .bookings()
            .cancel_booking(&holders[0].0, holders[0].1)
            .await
            .unwrap();
        let offer = entry(&f, &people[0], w1.id).await;
        let expires = offer.offer_expires_at.unwrap().timestamp_millis();
        assert_eq!(expires, f.core.clock().now_ms() + 20 * 60_000);
        let reminder = outbox_rows(&f, "waitlist.offer_expiring").await;
        assert_eq!(reminder.len(), 1, "[{}]", f.engine);
        assert_eq!(
            reminder[0].1,
            expires - 5 * 60_000,
            "due five minutes before"
        );
        assert_eq!(outbox_rows(&f, "waitlist.offer").await.len(), 1);
        f.core.clock().advance_ms(20 * 60_000 + 1);
        assert_eq!(f.core.bookings().sweep_expired_holds().await.unwrap(), 1);
        assert_eq!(
            entry(&f, &people[0], w1.id).await.status,
            WaitlistStatus::Expired
        );
        assert_eq!(
            entry(&f, &people[1], w2.id).await.status,
            WaitlistStatus::Offered
        );
        assert_eq!(outbox_rows(&f, "waitlist.offer_expired").await.len(), 1);
        // The first reminder was dropped with its offer; the second offer has its own.
        let reminders = outbox_rows(&f, "waitlist.offer_expiring").await;
        assert_eq!(reminders.len(), 1, "[{}] {reminders:?}", f.engine);
        assert_ne!(reminders[0].0, reminder[0].0);
        let late = f
            .core
            .waitlist()
            .accept(&people[0], w1.id, "late", &[])
            .await;
        let api: evently::ApiError = late.unwrap_err().into();
        assert_eq!(api.status(), 410);
        f.assert_invariants().await;
    }
}

#[tokio::test]
async fn seats_are_set_aside_for_a_head_that_wants_more_for_one_lifetime() {
    for db in TestDb::all().await {
        let (f, holders) = sold_out(&db, 3, 10).await;
        let people = users(&f.core, 3, "wait").await;
        let head = join(&f, &people[0], 2).await;
        let next = join(&f, &people[1], 1).await;
        f.core
            .bookings()
            .cancel_booking(&holders[0].0, holders[0].1)
            .await
            .unwrap();
        let set_aside = entry(&f, &people[0], head.id).await;
        assert_eq!(
            (
                set_aside.status,
                set_aside.offered_quantity,
                set_aside.position
            ),
            (WaitlistStatus::Offered, 1, Some(1)),
            "[{}] one seat set aside for the head",
            f.engine
        );
        assert_eq!(
            entry(&f, &people[1], next.id).await.status,
            WaitlistStatus::Waiting
        );
        // No more come back in time: the seat goes to the next entry that fits, and the
        // head keeps its place.
        f.core.clock().advance_ms(10 * 60_000 + 1);
        f.core.bookings().sweep_expired_holds().await.unwrap();
        let head_now = entry(&f, &people[0], head.id).await;
        assert_eq!(
            (head_now.status, head_now.position),
            (WaitlistStatus::Waiting, Some(1))
        );
        let next_now = entry(&f, &people[1], next.id).await;
        assert_eq!(next_now.status, WaitlistStatus::Offered, "[{}]", f.engine);
        // Two more come back: the head gets both, a complete offer with a fresh lifetime.
        for h in &holders[1..3] {
            f.core.bookings().cancel_booking(&h.0, h.1).await.unwrap();
        }
        let full = entry(&f, &people[0], head.id).await;
        assert_eq!(
            (full.status, full.offered_quantity),
            (WaitlistStatus::Offered, 2)
        );
        assert_eq!(
            full.offer_expires_at.unwrap().timestamp_millis(),
            f.core.clock().now_ms() + 10 * 60_000
        );
        // The smaller number may be accepted at once: here the head takes both.
        let (b, _) = f
            .core
            .waitlist()
            .accept(&people[0], head.id, "take-two", &[])
            .await
            .unwrap();
        assert_eq!(b.quantity, 2);
        f.assert_invariants().await;
    }
}

#[tokio::test]
async fn first_fit_order_pause_and_removal_by_the_organizer() {
    for db in TestDb::all().await {
        let (f, holders) = sold_out(&db, 3, 30).await;
        let people = users(&f.core, 3, "wait").await;
        let big = join(&f, &people[0], 2).await;
        let small = join(&f, &people[1], 1).await;
        let w = f.core.waitlist();
        let q = w
            .set_order(&f.organizer, f.event_id, f.tt_id, "first_fit")
            .await
            .unwrap();
        assert_eq!(q.order, "first_fit");
        assert!(
            w.set_order(&f.organizer, f.event_id, f.tt_id, "random")
                .await
                .is_err()
        );
        // Not the organizer: the event does not exist for them.
        assert!(matches!(
            w.queues(&people[2], f.event_id).await,
            Err(WaitlistError::NotFound(_))
        ));
        f.core
            .bookings()
            .cancel_booking(&holders[0].0, holders[0].1)
            .await
            .unwrap();
        assert_eq!(
            entry(&f, &people[0], big.id).await.status,
            WaitlistStatus::Waiting
        );
        assert_eq!(
            entry(&f, &people[1], small.id).await.status,
            WaitlistStatus::Offered
        );
        // Paused: returned seats go on public sale.
        let paused = w
            .set_paused(&f.organizer, f.event_id, f.tt_id, true)
            .await
            .unwrap();
        assert!(paused.paused);
        f.core
            .bookings()
            .cancel_booking(&holders[1].0, holders[1].1)
            .await
            .unwrap();
        assert_eq!(
            entry(&f, &people[0], big.id).await.status,
            WaitlistStatus::Waiting
        );
        assert_eq!(f.available().await, 1, "[{}]", f.engine);
        // Resumed with a seat free and another back: the big entry fits now.
        f.core
            .bookings()
            .cancel_booking(&holders[2].0, holders[2].1)
            .await
            .unwrap();
        w.set_paused(&f.organizer, f.event_id, f.tt_id, false)
            .await
            .unwrap();
        assert_eq!(
            entry(&f, &people[0], big.id).await.status,
            WaitlistStatus::Offered
        );
        let queues = w.queues(&f.organizer, f.event_id).await.unwrap();
        assert_eq!((queues[0].offers_out, queues[0].waiting), (2, 0));
        // The organizer removes an entry: its offer's seat is freed at once.
        let removed = w.remove(&f.organizer, f.event_id, small.id).await.unwrap();
        assert_eq!(removed.status, WaitlistStatus::Removed);
        assert_eq!(f.available().await, 1, "[{}]", f.engine);
        let page = w
            .entries(&f.organizer, f.event_id, None, false, None, 1)
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
        let rest = w
            .entries(
                &f.organizer,
                f.event_id,
                None,
                false,
                page.next_cursor.as_deref(),
                10,
            )
            .await
            .unwrap();
        assert_eq!(rest.items.len(), 1);
        f.assert_invariants().await;
    }
}

#[tokio::test]
async fn a_cancelled_event_closes_its_waitlists_and_tells_everyone() {
    for db in TestDb::all().await {
        let (f, holders) = sold_out(&db, 2, 30).await;
        let people = users(&f.core, 2, "wait").await;
        let a = join(&f, &people[0], 1).await;
        let b = join(&f, &people[1], 1).await;
        f.core
            .bookings()
            .cancel_booking(&holders[0].0, holders[0].1)
            .await
            .unwrap();
        f.core
            .events()
            .cancel_event(&f.organizer, f.event_id)
            .await
            .unwrap();
        for (p, e) in [(&people[0], a.id), (&people[1], b.id)] {
            assert_eq!(
                entry(&f, p, e).await.status,
                WaitlistStatus::Closed,
                "[{}]",
                f.engine
            );
        }
        assert_eq!(outbox_rows(&f, "waitlist.closed").await.len(), 2);
        assert!(outbox_rows(&f, "waitlist.offer_expiring").await.is_empty());
        let again = f
            .core
            .waitlist()
            .join(&people[0], f.event_id, f.tt_id, 1)
            .await;
        assert!(matches!(
            again,
            Err(WaitlistError::EventNotBookable { cancelled: true })
        ));
        f.assert_invariants().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_concurrent_joins_get_positions_one_to_five_hundred() {
    for db in TestDb::all().await {
        let (f, _) = sold_out(&db, 1, 30).await;
        let f = Arc::new(f);
        let people = users(&f.core, 500, "rush").await;
        let mut tasks = Vec::new();
        for p in people {
            let f = f.clone();
            tasks.push(tokio::spawn(async move {
                f.core
                    .waitlist()
                    .join(&p, f.event_id, f.tt_id, 1)
                    .await
                    .map(|r| (p, r.0))
            }));
        }
        let mut joined = Vec::new();
        for t in tasks {
            joined.push(t.await.unwrap().unwrap());
        }
        let mut positions = Vec::new();
        for (p, e) in &joined {
            positions.push(entry(&f, p, e.id).await.position.unwrap());
        }
        positions.sort_unstable();
        assert_eq!(positions, (1..=500).collect::<Vec<i64>>(), "[{}]", f.engine);
        f.assert_invariants().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn in_a_race_the_queue_gets_every_returned_seat_in_order_and_outsiders_none() {
    for db in TestDb::all().await {
        // 200 seats booked and 50 held; 200 people wait for one seat each.
        let f = Arc::new(
            fixture_with(&db, 250, |r| {
                r.offer_minutes = Some(30);
                r.hold_minutes = Some(10);
            })
            .await,
        );
        let holders = users(&f.core, 250, "holder").await;
        let mut bookings = Vec::new();
        for (i, h) in holders.iter().enumerate() {
            if i < 200 {
                let (b, _) = f
                    .core
                    .bookings()
                    .book(h, f.event_id, f.tt_id, 1, &format!("s{i}"))
                    .await
                    .unwrap();
                bookings.push((h.clone(), b.id));
            } else {
                f.core
                    .bookings()
                    .hold(h, f.event_id, f.tt_id, 1, &format!("h{i}"))
                    .await
                    .unwrap();
            }
        }
        let waiting = users(&f.core, 200, "wait").await;
        let mut entries = Vec::new();
        for w in &waiting {
            entries.push(join(&f, w, 1).await);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let outside_wins = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        // 100 outside buyers keep trying.
        for (i, o) in users(&f.core, 100, "outside").await.into_iter().enumerate() {
            let (f, stop, wins) = (f.clone(), stop.clone(), outside_wins.clone());
            tasks.push(tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) && n < 200 {
                    n += 1;
                    if f.core
                        .bookings()
                        .book(&o, f.event_id, f.tt_id, 1, &format!("o{i}-{n}"))
                        .await
                        .is_ok()
                    {
                        wins.fetch_add(1, Ordering::Relaxed);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
                }
            }));
        }
        // People answer their offers: every fifth declines, the rest accept.
        let answered = Arc::new(AtomicUsize::new(0));
        for chunk in waiting.chunks(25).map(|c| c.to_vec()) {
            let (f, stop, answered) = (f.clone(), stop.clone(), answered.clone());
            tasks.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    for w in &chunk {
                        for e in f.core.waitlist().mine(w).await.unwrap() {
                            if e.status != WaitlistStatus::Offered {
                                continue;
                            }
                            let n = answered.fetch_add(1, Ordering::Relaxed);
                            if n % 5 == 4 {
                                let _ = f.core.waitlist().decline(w, e.id).await;
                            } else {
                                let _ = f
                                    .core
                                    .waitlist()
                                    .accept(w, e.id, &format!("a{}", e.id), &[])
                                    .await;
                            }
                        }
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            }));
        }
        // 80 cancellations, and the 50 holds expire (the clock moves) while the sweeper runs.
        let cancels = {
            let f = f.clone();
            tokio::spawn(async move {
                for (i, (who, id)) in bookings.into_iter().take(80).enumerate() {
                    f.core.bookings().cancel_booking(&who, id).await.unwrap();
                    if i == 40 {
                        f.core.clock().advance_ms(10 * 60_000 + 1);
                        f.core.bookings().sweep_expired_holds().await.unwrap();
                    }
                    tokio::task::yield_now().await;
                }
            })
        };
        cancels.await.unwrap();
        // Until every offer is answered.
        for _ in 0..2_000 {
            let queues = f
                .core
                .waitlist()
                .queues(&f.organizer, f.event_id)
                .await
                .unwrap();
            if queues[0].offers_out == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(
            outside_wins.load(Ordering::Relaxed),
            0,
            "[{}] an outsider got a seat",
            f.engine
        );
        // Every seat that came back went to the queue, in order: those who got an offer
        // are exactly the first ones in the queue.
        let mut served = Vec::new();
        let mut unserved = Vec::new();
        for (w, e) in waiting.iter().zip(&entries) {
            let now = entry(&f, w, e.id).await;
            if now.status == WaitlistStatus::Waiting {
                unserved.push(e.position.unwrap());
            } else {
                served.push(e.position.unwrap());
            }
        }
        let booked = f
            .core
            .waitlist()
            .queues(&f.organizer, f.event_id)
            .await
            .unwrap()[0]
            .accepted;
        assert_eq!(
            booked, 130,
            "[{}] all 130 returned seats were booked from the queue",
            f.engine
        );
        assert!(!unserved.is_empty());
        assert!(
            served.iter().max() < unserved.iter().min(),
            "[{}] served out of order: served up to {:?}, waiting from {:?}",
            f.engine,
            served.iter().max(),
            unserved.iter().min()
        );
        assert_eq!(f.available().await, 0);
        f.assert_invariants().await;
    }
}
