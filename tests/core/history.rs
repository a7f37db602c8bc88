//! Demo sales history (`seed-demo --bookings`): realistic, and every invariant and rollup holds.

use crate::helpers::start_ms;
use evently::db::Db;
use evently::testing::{TestDb, core_with_clock};

/// One number; `$1` is now.
async fn one(db: &Db, sql: &str) -> i64 {
    evently::on_pool!(db, |p| {
        let mut q = sqlx::query_scalar::<_, i64>(sql);
        if sql.contains("$1") {
            q = q.bind(start_ms());
        }
        q.fetch_one(p)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    })
}

#[tokio::test]
async fn seeded_history_is_plausible_and_keeps_every_invariant() {
    for tdb in TestDb::all().await {
        let engine = tdb.engine();
        let db = &tdb.db;
        let core = core_with_clock(db, start_ms());
        evently::seed::seed_demo(&core, 30, &mut |_, _| {})
            .await
            .unwrap();
        let mut calls = 0;
        let report = evently::seed::seed_history(&core, 600, &mut |d, t| {
            calls += 1;
            assert!(d <= t);
        })
        .await
        .unwrap();
        assert!(calls >= 1, "[{engine}] progress reported");
        assert_eq!(report.bookings, 600, "[{engine}]");
        assert_eq!(
            one(db, "SELECT COUNT(*) FROM bookings").await,
            600,
            "[{engine}]"
        );

        // About 8 % cancelled, each after it was made and not after now.
        let cancelled = one(
            db,
            "SELECT COUNT(*) FROM bookings WHERE status = 'cancelled'",
        )
        .await;
        assert_eq!(cancelled as u64, report.cancelled, "[{engine}]");
        assert!(
            (15..=90).contains(&cancelled),
            "[{engine}] {cancelled} cancelled"
        );
        assert_eq!(
            one(
                db,
                "SELECT COUNT(*) FROM bookings WHERE status = 'cancelled' AND NOT \
                 (cancelled_at > created_at AND cancelled_at <= $1 AND cancel_reason = 'buyer')"
            )
            .await,
            0,
            "[{engine}] cancelled later, by the buyer"
        );
        // Within a year back, never after now, and before the event starts.
        assert_eq!(
            one(db, "SELECT COUNT(*) FROM bookings b JOIN events e ON e.id = b.event_id WHERE \
                 b.created_at > $1 OR b.created_at < $1 - 31536000000 OR b.created_at >= e.starts_at \
                 OR b.created_at < e.published_at OR e.status <> 'published'")
            .await,
            0,
            "[{engine}] bookings fall in their event's sales window"
        );
        // Popularity is skewed: the busiest event has many bookings, the median few.
        let top = one(
            db,
            "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM bookings GROUP BY event_id) c",
        )
        .await;
        assert!(top >= 60, "[{engine}] busiest event has {top} bookings");
        assert!(report.sold_out_types >= 1, "[{engine}] something sold out");

        // Prices come from the ticket type.
        assert_eq!(
            one(
                db,
                "SELECT COUNT(*) FROM bookings b JOIN ticket_types t ON t.id = b.ticket_type_id \
                 WHERE b.unit_price_cents <> t.price_cents OR b.currency <> t.currency \
                 OR b.total_cents <> b.quantity * t.price_cents OR b.idempotency_key IS NOT NULL"
            )
            .await,
            0,
            "[{engine}]"
        );

        // One ticket a seat; check-ins only for confirmed bookings of events that happened.
        assert_eq!(
            one(db, "SELECT COUNT(*) FROM tickets").await,
            one(db, "SELECT CAST(SUM(quantity) AS BIGINT) FROM bookings").await,
            "[{engine}]"
        );
        assert_eq!(
            report.tickets as i64,
            one(db, "SELECT COUNT(*) FROM tickets").await
        );
        assert_eq!(
            one(
                db,
                "SELECT COUNT(*) FROM tickets k JOIN bookings b ON b.id = k.booking_id \
                 JOIN events e ON e.id = b.event_id WHERE k.checked_in_at IS NOT NULL \
                 AND (e.starts_at > $1 OR b.status <> 'confirmed' OR k.checked_in_at > $1 \
                 OR k.checked_in_at <= b.created_at OR k.checked_in_by <> e.organizer_id)"
            )
            .await,
            0,
            "[{engine}] check-ins only for past events"
        );
        let checked_in = one(
            db,
            "SELECT COUNT(*) FROM tickets WHERE checked_in_at IS NOT NULL",
        )
        .await;
        let past_seats = one(
            db,
            "SELECT COUNT(*) FROM tickets k JOIN bookings b ON b.id = k.booking_id \
             JOIN events e ON e.id = b.event_id WHERE e.starts_at <= $1 AND b.status = 'confirmed'",
        )
        .await;
        assert_eq!(checked_in as u64, report.checked_in, "[{engine}]");
        assert!(
            past_seats > 0,
            "[{engine}] some bookings are for past events"
        );
        let share = checked_in as f64 / past_seats as f64;
        assert!(
            (0.7..=0.97).contains(&share),
            "[{engine}] {checked_in}/{past_seats} checked in"
        );

        // Seats: taken = confirmed seats (no holds) <= capacity, for every ticket type.
        assert_eq!(
            one(
                db,
                "SELECT COUNT(*) FROM ticket_types t WHERE t.taken > t.capacity OR t.taken <> \
                 COALESCE((SELECT SUM(b.quantity) FROM bookings b WHERE b.ticket_type_id = t.id \
                 AND b.status = 'confirmed'), 0)"
            )
            .await,
            0,
            "[{engine}]"
        );
        assert!(one(db, "SELECT COUNT(*) FROM ticket_types WHERE taken > 0").await > 0);

        // Level 1 of the rollups agrees with the raw rows; every hour is queued for level 2.
        let mismatches = evently::store::rollups::mismatches(db).await.unwrap();
        assert!(mismatches.is_empty(), "[{engine}] {mismatches:?}");
        assert_eq!(
            report.sales_hourly_rows,
            one(db, "SELECT COUNT(*) FROM sales_hourly").await
        );
        assert!(report.sales_hourly_rows > 0);
        assert_eq!(
            one(
                db,
                "SELECT COUNT(DISTINCT hour) FROM sales_hourly h WHERE NOT EXISTS \
                 (SELECT 1 FROM rollup_dirty d WHERE d.hour = h.hour)"
            )
            .await,
            0,
            "[{engine}] every hour with figures is marked for folding"
        );

        let check = core.invariants().check(None).await.unwrap();
        assert!(check.ok(), "[{engine}] {:?}", check.violations);

        // A second run adds nothing.
        let again = evently::seed::seed_history(&core, 600, &mut |_, _| {})
            .await
            .unwrap();
        assert_eq!(again.existing, Some(600), "[{engine}]");
        assert_eq!(one(db, "SELECT COUNT(*) FROM bookings").await, 600);
        assert!(core.invariants().check(None).await.unwrap().ok());
    }
}
