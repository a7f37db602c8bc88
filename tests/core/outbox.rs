//! The outbox as a queue: concurrent claimers never take one row twice, a lease that runs
//! out gives a row back (and the old claim can no longer settle it), failures back off and
//! end dead after the maximum attempts.

use evently::notifications::Message;
use evently::notifications::outbox::{Attempt, new_claim};
use evently::store::outbox::Settle;
use evently::testing::{TestDb, core_with_clock};
use std::collections::HashSet;

async fn enqueue(core: &evently::Core, n: i64) {
    let now = core.clock().now_ms();
    let msgs: Vec<Message> = (1..=n)
        .map(|i| Message::BookingConfirmed {
            booking_id: i,
            user_id: 1,
            event_id: 1,
        })
        .collect();
    let mut tx = core.db().begin().await.unwrap();
    evently::store::outbox::enqueue(&mut tx, &msgs, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn concurrent_claimers_take_every_row_exactly_once() {
    for db in TestDb::all().await {
        let core = core_with_clock(&db.db, 1_700_000_000_000);
        enqueue(&core, 300).await;
        let claimers = (0..6).map(|_| {
            let core = core.clone();
            tokio::spawn(async move {
                let svc = core.notifications();
                let mut mine = Vec::new();
                loop {
                    let claim = new_claim();
                    let rows = svc.claim(&claim).await.unwrap();
                    if rows.is_empty() {
                        return mine;
                    }
                    for r in rows {
                        let done = Attempt {
                            done: vec!["email".into()],
                            error: None,
                            failed: vec![],
                        };
                        assert_eq!(
                            svc.settle(&r, &claim, &done).await.unwrap(),
                            Some(Settle::Delivered)
                        );
                        mine.push(r.id);
                    }
                }
            })
        });
        let mut all = Vec::new();
        for c in claimers {
            all.extend(c.await.unwrap());
        }
        let distinct: HashSet<_> = all.iter().collect();
        assert_eq!(
            all.len(),
            300,
            "{}: every row delivered once, none twice",
            db.engine()
        );
        assert_eq!(distinct.len(), 300);
        let counts = core.notifications().counts().await.unwrap();
        assert_eq!(
            (counts.delivered, counts.queued, counts.retrying),
            (300, 0, 0)
        );
    }
}

#[tokio::test]
async fn a_lapsed_lease_gives_the_row_back_and_failures_end_dead() {
    for db in TestDb::all().await {
        let core = core_with_clock(&db.db, 1_700_000_000_000);
        enqueue(&core, 1).await;
        let svc = core.notifications();
        let s = svc.settings().clone();
        let first = new_claim();
        let rows = svc.claim(&first).await.unwrap();
        assert_eq!(rows.len(), 1);
        // Held: nobody else gets it while the lease runs.
        assert!(svc.claim(&new_claim()).await.unwrap().is_empty());
        // The worker "dies"; after the lease the row comes back to another claimer.
        core.clock().advance_ms(s.lease_ms + 1);
        let second = new_claim();
        let again = svc.claim(&second).await.unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 2);
        // The dead worker's late settle changes nothing.
        let ok = Attempt {
            done: vec!["email".into()],
            error: None,
            failed: vec![],
        };
        assert_eq!(svc.settle(&rows[0], &first, &ok).await.unwrap(), None);
        // Failures back off, then the row is dead.
        let fail = Attempt {
            done: vec![],
            error: Some("451 try later".into()),
            failed: vec!["email"],
        };
        let mut row = again.into_iter().next().unwrap();
        let mut claim = second;
        loop {
            let outcome = svc.settle(&row, &claim, &fail).await.unwrap().unwrap();
            match outcome {
                Settle::Retry { at, .. } => {
                    let now = core.clock().now_ms();
                    assert!(at > now, "a retry waits");
                    assert!(
                        svc.claim(&new_claim()).await.unwrap().is_empty(),
                        "not before it is due"
                    );
                    core.clock().advance_ms(at - now);
                    claim = new_claim();
                    row = svc.claim(&claim).await.unwrap().pop().expect("due again");
                }
                Settle::Dead { error } => {
                    assert_eq!(row.attempts, s.max_attempts);
                    assert!(error.contains("451"));
                    break;
                }
                Settle::Delivered => panic!("a failure is not a delivery"),
            }
        }
        core.clock().advance_ms(10 * s.retry_cap_ms);
        assert!(
            svc.claim(&new_claim()).await.unwrap().is_empty(),
            "{}: dead rows are not claimed",
            db.engine()
        );
        assert_eq!(svc.counts().await.unwrap().dead, 1);
    }
}
