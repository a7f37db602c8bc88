//! Analytics rollups against a brute-force count: random bookings, holds, cancellations,
//! check-ins and waitlist joins over many hours, then the dashboards' figures must equal what
//! the test itself counted, and `check` must find level 1 and level 2 in step.

use crate::helpers::{fixture_with, start_ms, users};
use evently::analytics::range::RangeQuery;
use evently::domain::Role;
use evently::dto::CheckInOutcome;
use evently::dto::TicketTypeInput;
use evently::testing::TestDb;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

#[derive(Default, Debug, PartialEq)]
struct Expected {
    bookings: i64,
    tickets: i64,
    cancellations: i64,
    tickets_cancelled: i64,
    checkins: i64,
    holds: i64,
    joins: i64,
    value: HashMap<String, i64>,
}

#[tokio::test]
async fn rollups_equal_a_brute_force_count() {
    for db in TestDb::all().await {
        let f = fixture_with(&db, 9, |r| {
            r.cancel_cutoff_minutes = Some(0);
            r.starts_at += chrono::Duration::days(400);
            r.ends_at += chrono::Duration::days(400);
            r.ticket_types.push(TicketTypeInput {
                name: "Balcony".into(),
                price_cents: 1999,
                currency: Some("SEK".into()),
                capacity: 7,
                ..Default::default()
            });
        })
        .await;
        let core = &f.core;
        let ev = core.events().event_for(None, f.event_id).await.unwrap();
        let tts: Vec<(i64, i64, String)> = ev
            .ticket_types
            .iter()
            .map(|t| (t.id, t.price_cents, t.currency.clone()))
            .collect();
        let people = users(core, 8, "an").await;
        let mut rng = rand::rngs::StdRng::seed_from_u64(17);
        let mut want = Expected::default();
        let mut booked: Vec<(evently::accounts::Actor, i64)> = Vec::new();
        for step in 0..120 {
            core.clock().advance_ms(rng.gen_range(0..3 * 3_600_000));
            // Folds now and then carry a day or two into their month; the last one, over
            // many days, recounts the months; `check` compares both with the days.
            if step % 7 == 6 && step < 80 {
                core.analytics().fold().await.unwrap();
                let check = core.invariants().check(None).await.unwrap();
                assert!(check.ok(), "[{}] {:?}", f.engine, check.violations);
            }
            let who = people[rng.gen_range(0..people.len())].clone();
            let (tt, price, cur) = tts[rng.gen_range(0..tts.len())].clone();
            let q = rng.gen_range(1..=3);
            match rng.gen_range(0..6) {
                0 | 1 => {
                    if let Ok((b, false)) = core
                        .bookings()
                        .book(&who, f.event_id, tt, q, &format!("k{step}"))
                        .await
                    {
                        want.bookings += 1;
                        want.tickets += q;
                        *want.value.entry(cur).or_default() += q * price;
                        booked.push((who, b.id));
                    }
                }
                2 => {
                    if let Ok((h, _)) = core
                        .bookings()
                        .hold(&who, f.event_id, tt, q, &format!("h{step}"))
                        .await
                    {
                        want.holds += 1;
                        if rng.gen_bool(0.6) {
                            let b = core.bookings().confirm_hold(&who, h.id, &[]).await.unwrap();
                            want.bookings += 1;
                            want.tickets += q;
                            *want.value.entry(cur).or_default() += q * price;
                            booked.push((who, b.id));
                        } else {
                            core.bookings().release_hold(&who, h.id).await.unwrap();
                        }
                    }
                }
                3 if !booked.is_empty() => {
                    let (owner, id) = booked.swap_remove(rng.gen_range(0..booked.len()));
                    let b = evently::store::bookings::by_id(core.db(), id)
                        .await
                        .unwrap()
                        .unwrap();
                    core.bookings().cancel_booking(&owner, id).await.unwrap();
                    want.cancellations += 1;
                    want.tickets_cancelled += b.quantity;
                }
                4 if !booked.is_empty() => {
                    let (_, id) = booked[rng.gen_range(0..booked.len())].clone();
                    let tickets = evently::store::bookings::tickets_for(core.db(), &[id])
                        .await
                        .unwrap();
                    let t = &tickets[rng.gen_range(0..tickets.len())];
                    if let CheckInOutcome::CheckedIn { .. } = core
                        .events()
                        .check_in(&f.organizer, f.event_id, &t.code)
                        .await
                        .unwrap()
                    {
                        want.checkins += 1;
                    }
                }
                _ => {
                    if core
                        .waitlist()
                        .join(&who, f.event_id, tt, 1)
                        .await
                        .is_ok_and(|(_, new)| new)
                    {
                        want.joins += 1;
                    }
                }
            }
        }
        assert!(
            want.bookings > 10 && want.cancellations > 2 && want.checkins > 2,
            "[{}] {want:?}",
            f.engine
        );
        core.analytics().fold().await.unwrap();
        let check = core.invariants().check(None).await.unwrap();
        assert!(check.ok(), "[{}] {:?}", f.engine, check.violations);

        // The admin's view over every day of the run.
        let admin = evently::accounts::Actor {
            role: Role::Admin,
            ..f.organizer.clone()
        };
        let day = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms)
                .unwrap()
                .format("%Y-%m-%d")
                .to_string()
        };
        let q = RangeQuery {
            range: Some("custom".into()),
            from: Some(day(start_ms())),
            to: Some(day(core.clock().now_ms())),
            by: None,
        };
        let p = core.analytics().platform(&admin, &q).await.unwrap();
        let stat = |key: &str| p.headline.iter().find(|s| s.key == key).unwrap().value as i64;
        assert_eq!(stat("tickets"), want.tickets, "[{}]", f.engine);
        assert_eq!(stat("bookings"), want.bookings, "[{}]", f.engine);
        assert_eq!(stat("cancellations"), want.cancellations, "[{}]", f.engine);
        assert_eq!(stat("checkins"), want.checkins, "[{}]", f.engine);
        for (cur, cents) in &want.value {
            let v = p
                .value
                .iter()
                .find(|s| s.key == format!("value_{cur}"))
                .unwrap();
            assert_eq!(v.value as i64, *cents, "[{}] value in {cur}", f.engine);
        }
        assert_eq!(
            p.value.len(),
            want.value.len(),
            "[{}] never summed across currencies",
            f.engine
        );
        let joins = p
            .waitlist
            .iter()
            .find(|s| s.key == "waitlist_joins")
            .unwrap()
            .value as i64;
        assert_eq!(joins, want.joins, "[{}]", f.engine);
        // Holds: the checkouts this test started, and the waitlist offers the queue made.
        let mut all_holds = 0;
        for u in &people {
            all_holds += evently::store::holds::for_user(core.db(), u.user_id)
                .await
                .unwrap()
                .len() as i64;
        }
        assert!(all_holds >= want.holds);
        assert_eq!(p.funnel.steps[1].value, all_holds, "[{}]", f.engine);
        let sold_series: f64 = p.tickets_over_time.series[0].values.iter().sum();
        assert_eq!(
            sold_series as i64, want.tickets,
            "[{}] the chart adds up",
            f.engine
        );
        assert_eq!(p.top_by_tickets.rows.len(), 1);
        assert_eq!(p.top_by_tickets.rows[0].value as i64, want.tickets);

        // Capacity sold counts the events taking place in the period.
        assert_eq!(
            stat("capacity_sold"),
            0,
            "[{}] the event is later",
            f.engine
        );
        let on = |d: &str| RangeQuery {
            range: Some("custom".into()),
            from: Some(d.to_string()),
            to: Some(d.to_string()),
            by: None,
        };
        let p2 = core
            .analytics()
            .platform(&admin, &on(&ev.starts_at.format("%Y-%m-%d").to_string()))
            .await
            .unwrap();
        let cap = p2
            .headline
            .iter()
            .find(|s| s.key == "capacity_sold")
            .unwrap();
        let sold_now = want.tickets - want.tickets_cancelled;
        assert!(
            (cap.value - sold_now as f64 * 100.0 / 16.0).abs() < 1e-9,
            "[{}] {} vs {sold_now} of 16",
            f.engine,
            cap.value
        );
        assert!(cap.label.ends_with("(1)"), "{}", cap.label);

        // The organizer's view.
        let e = core
            .analytics()
            .event(&f.organizer, f.event_id)
            .await
            .unwrap();
        let sold: i64 = e.ticket_types.iter().map(|t| t.sold).sum();
        assert_eq!(
            sold,
            want.tickets - want.tickets_cancelled,
            "[{}]",
            f.engine
        );
        let curve_end: f64 = e
            .sales_curve
            .series
            .iter()
            .map(|s| *s.values.last().unwrap())
            .sum();
        assert_eq!(
            curve_end as i64, sold,
            "[{}] the curve ends at the seats sold",
            f.engine
        );
        // Check-ins as they happened (tickets of bookings cancelled later included); the
        // table counts tickets of live bookings that are in.
        let checkins = e
            .headline
            .iter()
            .find(|s| s.key == "checkins")
            .unwrap()
            .value as i64;
        assert_eq!(checkins, want.checkins, "[{}]", f.engine);
        let checked: i64 = e.ticket_types.iter().map(|t| t.checked_in).sum();
        assert!(checked <= want.checkins);

        // Another organizer sees nothing; an attendee sees no platform figures.
        let other = crate::helpers::organizer(core, "other").await;
        assert!(matches!(
            core.analytics().event(&other, f.event_id).await,
            Err(evently::analytics::AnalyticsError::NotFound)
        ));
        assert!(core.analytics().platform(&people[0], &q).await.is_err());

        // The checker agrees, and catches a rollup row that drifted.
        f.assert_invariants().await;
        let tx_db = core.db().clone();
        let mut tx = tx_db.begin().await.unwrap();
        let mut t = evently::store::rollups::Tallies::default();
        t.add(
            evently::store::rollups::Key {
                ticket_type_id: f.tt_id,
                hour: 1,
                currency: "EUR".into(),
                event_id: f.event_id,
            },
            evently::store::rollups::Tally {
                tickets: 1,
                ..Default::default()
            },
        );
        evently::store::rollups::add(&mut tx, t, core.clock().now_ms())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let report = core.invariants().check(None).await.unwrap();
        assert!(
            report
                .violations
                .iter()
                .any(|v| v.rule == "rollups_match_bookings"),
            "[{}] {:?}",
            f.engine,
            report.violations
        );
    }
}

/// The top events, for many ranges, currencies and depths, equal a count over the bookings
/// themselves (on PostgreSQL through the threshold algorithm read from one row deep, so the
/// bound and the deeper reads decide; on SQLite by summing months and days).
#[tokio::test]
async fn top_events_equal_a_count_of_the_bookings() {
    use evently::store::analytics::{Rank, top_events_from};
    for tdb in TestDb::all().await {
        let engine = tdb.engine();
        let db = &tdb.db;
        let core = evently::testing::core_with_clock(db, start_ms());
        evently::seed::seed_demo(&core, 40, &mut |_, _| {})
            .await
            .unwrap();
        evently::seed::seed_history(&core, 1500, &mut |_, _| {})
            .await
            .unwrap();
        core.analytics().fold().await.unwrap();
        let check = core.invariants().check(None).await.unwrap();
        assert!(check.ok(), "[{engine}] {:?}", check.violations);
        let today = start_ms().div_euclid(86_400_000);
        let currencies: Vec<String> = evently::on_pool!(db, |p| sqlx::query_scalar(
            "SELECT DISTINCT currency FROM bookings ORDER BY currency"
        )
        .fetch_all(p)
        .await)
        .unwrap();
        assert!(currencies.len() >= 2, "[{engine}] {currencies:?}");
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut ranked = 0;
        for round in 0..40 {
            let len = [1, 3, 7, 12, 30, 45, 90, 200, 365][round % 9];
            let last = today - rng.gen_range(0..(366 - len).max(1));
            let first = last - len + 1;
            let (from_ms, to_ms) = (first * 86_400_000, (last + 1) * 86_400_000);
            let limit = [1, 3, 10][round % 3];
            let depth = [1, 2, 5, 40][round % 4];
            let mut asks: Vec<(Rank, String)> = vec![(Rank::Tickets, String::new())];
            asks.extend(currencies.iter().map(|c| (Rank::Value, c.clone())));
            for (rank, cur) in asks {
                let got: Vec<(i64, i64)> =
                    top_events_from(db, rank, &cur, first, last, limit, depth)
                        .await
                        .unwrap()
                        .into_iter()
                        .map(|(id, _, a)| (id, a))
                        .collect();
                let sql = match rank {
                    Rank::Tickets => {
                        "SELECT event_id, CAST(SUM(quantity) AS BIGINT) AS a FROM bookings \
                         WHERE created_at >= $1 AND created_at < $2 AND $3 = '' \
                         GROUP BY event_id ORDER BY a DESC, event_id LIMIT $4"
                    }
                    Rank::Value => {
                        "SELECT event_id, CAST(SUM(total_cents) AS BIGINT) AS a FROM bookings \
                         WHERE created_at >= $1 AND created_at < $2 AND currency = $3 \
                         GROUP BY event_id ORDER BY a DESC, event_id LIMIT $4"
                    }
                };
                let want: Vec<(i64, i64)> = evently::on_pool!(db, |p| sqlx::query_as(sql)
                    .bind(from_ms)
                    .bind(to_ms)
                    .bind(&cur)
                    .bind(limit)
                    .fetch_all(p)
                    .await)
                .unwrap()
                .into_iter()
                .filter(|(_, a): &(i64, i64)| *a > 0)
                .collect();
                assert_eq!(
                    got, want,
                    "[{engine}] days {first}..={last}, {rank:?} {cur:?}, top {limit} from depth {depth}"
                );
                ranked += want.len();
            }
        }
        assert!(
            ranked > 100,
            "[{engine}] only {ranked} ranked rows compared"
        );
    }
}
