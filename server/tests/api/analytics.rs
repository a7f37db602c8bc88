//! Analytics over HTTP: who sees which dashboard (an attendee or organizer no platform
//! figures, another organizer's event 404), the figures after real bookings (per ticket type,
//! value per currency never summed), page views counted for people and not for bots, and
//! bad ranges refused with the field named.

use crate::helpers::{error_of, spawn_all};
use serde_json::{Value, json};

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

#[tokio::test]
async fn dashboards_count_what_happened_and_only_for_who_may_see() {
    for app in spawn_all().await {
        let e = app.engine;
        let organizer = app.user("org", "organizer").await;
        let other = app.user("org2", "organizer").await;
        let admin = app.user("admin", "admin").await;
        let buyer = app.user("buyer", "attendee").await;
        let ev = app
            .published_event(
                &organizer,
                json!([
                    {"name": "Floor", "price_cents": 2500, "currency": "EUR", "capacity": 50},
                    {"name": "Balcony", "price_cents": 9900, "currency": "SEK", "capacity": 20}
                ]),
            )
            .await;
        let id = ev["id"].as_i64().unwrap();
        let slug = ev["slug"].as_str().unwrap().to_string();
        let tt: Vec<i64> = ev["ticket_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect();
        for (k, (t, q)) in [(tt[0], 2), (tt[1], 1), (tt[0], 3)].into_iter().enumerate() {
            let r = app
                .book(
                    &buyer.token,
                    id,
                    json!({"ticket_type_id": t, "quantity": q}),
                    &format!("a{k}"),
                )
                .await;
            assert!(
                r.status().is_success(),
                "[{e}] {}",
                r.text().await.unwrap_or_default()
            );
        }

        // Two views by a person, one by a crawler, one of a page that does not exist.
        for ua in [
            BROWSER,
            BROWSER,
            "Googlebot/2.1 (+http://www.google.com/bot.html)",
        ] {
            let r = app
                .http
                .get(app.at(&format!("/events/{slug}")))
                .header("user-agent", ua)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
        let r = app
            .http
            .get(app.at("/events/no-such-event"))
            .header("user-agent", BROWSER)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        app.core.analytics().flush_views().await.unwrap();

        // The organizer's event dashboard.
        let path = format!("/api/v1/events/{id}/analytics");
        let r = app.get(&path, Some(&organizer.token)).await;
        assert_eq!(r.status(), 200, "[{e}]");
        let d: Value = r.json().await.unwrap();
        let stat = |d: &Value, key: &str| {
            d["headline"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["key"] == key)
                .map(|s| s["value"].as_f64().unwrap() as i64)
        };
        assert_eq!(stat(&d, "sold"), Some(6), "[{e}] {d}");
        assert_eq!(
            stat(&d, "page_views"),
            Some(2),
            "[{e}] bots and 404s not counted"
        );
        assert_eq!(d["ticket_types"][0]["sold"], 5);
        assert_eq!(d["ticket_types"][1]["sold"], 1);
        let values: Vec<&str> = d["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["display"].as_str().unwrap())
            .collect();
        assert_eq!(
            values,
            vec!["€125.00", "99.00 SEK"],
            "[{e}] one figure per currency"
        );
        assert_eq!(app.get(&path, Some(&admin.token)).await.status(), 200);
        error_of(app.get(&path, Some(&other.token)).await, 404).await;
        error_of(app.get(&path, Some(&buyer.token)).await, 404).await;
        error_of(app.get(&path, None).await, 401).await;
        error_of(
            app.get("/api/v1/events/999999/analytics", Some(&admin.token))
                .await,
            404,
        )
        .await;

        // The platform, once folded.
        app.core.analytics().fold().await.unwrap();
        let r = app
            .get(
                "/api/v1/admin/analytics/platform?range=today",
                Some(&admin.token),
            )
            .await;
        assert_eq!(r.status(), 200, "[{e}]");
        let p: Value = r.json().await.unwrap();
        assert_eq!(stat(&p, "tickets"), Some(6), "[{e}] {p}");
        assert_eq!(stat(&p, "bookings"), Some(3), "[{e}]");
        assert_eq!(stat(&p, "page_views"), Some(2), "[{e}]");
        let keys: Vec<&str> = p["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, vec!["value_EUR", "value_SEK"], "[{e}]");
        assert_eq!(p["top_by_tickets"]["rows"][0]["value"], 6.0);
        assert_eq!(p["range"]["granularity"], "hour");
        assert_eq!(
            p["tickets_over_time"]["labels"].as_array().unwrap().len(),
            24
        );
        for who in [&organizer, &buyer] {
            error_of(
                app.get("/api/v1/admin/analytics/platform", Some(&who.token))
                    .await,
                403,
            )
            .await;
        }
        for (q, field) in [
            ("range=fortnight", "range"),
            ("range=custom&from=2026-12-05&to=2026-12-01", "from"),
            ("range=custom&from=2026-02-30&to=2026-12-01", "from"),
            ("range=custom&to=2026-12-01", "from"),
            ("range=custom&from=2020-01-01&to=2026-12-01", "to"),
            ("range=7d&by=minute", "by"),
        ] {
            let err = error_of(
                app.get(
                    &format!("/api/v1/admin/analytics/platform?{q}"),
                    Some(&admin.token),
                )
                .await,
                422,
            )
            .await;
            assert_eq!(err["field"], field, "[{e}] {q}: {err}");
        }
        // A granularity the range cannot show falls back to the range's own.
        let r = app
            .get(
                "/api/v1/admin/analytics/platform?range=12m&by=hour",
                Some(&admin.token),
            )
            .await;
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["range"]["granularity"], "week");
    }
}
