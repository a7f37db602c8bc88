use crate::helpers::{error_of, spawn, spawn_all};
use evently::clock::Clock;
use evently::testing::TestDb;
use serde_json::{Value, json};

#[tokio::test]
async fn booking_over_http_follows_the_contract() {
    for app in spawn_all().await {
        let org = app.user("org", "organizer").await;
        let ev = app
            .published_event(
                &org,
                json!([{"name": "General", "price_cents": 2000, "capacity": 5}]),
            )
            .await;
        let (id, tt) = crate::helpers::event_ids(&ev);
        let buyer = app.user("buyer", "attendee").await;

        // 401 without a token, in the error shape.
        let r = app
            .http
            .post(app.at(&format!("/api/v1/events/{id}/bookings")))
            .header("Idempotency-Key", "k0")
            .json(&json!({"ticket_type_id": tt, "quantity": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(error_of(r, 401).await["code"], "unauthenticated");
        let r = app
            .book(
                "not-a-jwt",
                id,
                json!({"ticket_type_id": tt, "quantity": 1}),
                "k0",
            )
            .await;
        error_of(r, 401).await;
        // 400 without an idempotency key.
        let r = app
            .post(
                &format!("/api/v1/events/{id}/bookings"),
                Some(&buyer.token),
                json!({"ticket_type_id": tt, "quantity": 1}),
            )
            .await;
        assert_eq!(error_of(r, 400).await["code"], "missing_idempotency_key");
        // A key of 256 characters is refused with the rule the check applies (1 to 255);
        // the message used to say 8 to 200.
        let long = "k".repeat(256);
        let r = app
            .book(
                &buyer.token,
                id,
                json!({"ticket_type_id": tt, "quantity": 1}),
                &long,
            )
            .await;
        let e = error_of(r, 422).await;
        assert_eq!(e["field"], "Idempotency-Key");
        assert!(
            e["message"].as_str().unwrap_or("").contains("1 to 255"),
            "{e}"
        );
        // 422 for bad quantities, naming the field; nothing changes.
        for q in [
            json!(0),
            json!(11),
            json!(-1),
            json!("two"),
            json!(1.5),
            json!(null),
        ] {
            let r = app
                .book(
                    &buyer.token,
                    id,
                    json!({"ticket_type_id": tt, "quantity": q}),
                    "kq",
                )
                .await;
            let e = error_of(r, 422).await;
            assert_eq!(e["field"], "quantity", "[{}] quantity {q}: {e}", app.engine);
        }
        let r = app
            .book(&buyer.token, id, json!({"quantity": 1}), "kq")
            .await;
        assert_eq!(error_of(r, 422).await["field"], "ticket_type_id");
        let r = app
            .book(
                &buyer.token,
                id,
                json!({"ticket_type_id": 424242, "quantity": 1}),
                "kq",
            )
            .await;
        error_of(r, 404).await;
        let r = app
            .http
            .post(app.at(&format!("/api/v1/events/{id}/bookings")))
            .bearer_auth(&buyer.token)
            .header("Idempotency-Key", "kq")
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        error_of(r, 422).await;

        // 201 with the booking.
        let r = app
            .book(
                &buyer.token,
                id,
                json!({"ticket_type_id": tt, "quantity": 3}),
                "first",
            )
            .await;
        assert_eq!(r.status(), 201);
        let first: Value = r.json().await.unwrap();
        for key in ["id", "status", "quantity", "ticket_type_id", "total_cents"] {
            assert!(!first[key].is_null(), "booking has {key}");
        }
        assert_eq!(first["status"], "confirmed");
        assert_eq!(first["total_cents"], 6000);
        // A retry returns the first answer; a different body under the key is 422.
        let r = app
            .book(
                &buyer.token,
                id,
                json!({"ticket_type_id": tt, "quantity": 3}),
                "first",
            )
            .await;
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["idempotent-replayed"], "true");
        assert_eq!(r.json::<Value>().await.unwrap(), first);
        let r = app
            .book(
                &buyer.token,
                id,
                json!({"ticket_type_id": tt, "quantity": 1}),
                "first",
            )
            .await;
        assert_eq!(error_of(r, 422).await["code"], "idempotency_mismatch");
        // 409 sold_out when not enough seats are left.
        let r = app
            .book(
                &buyer.token,
                id,
                json!({"ticket_type_id": tt, "quantity": 3}),
                "second",
            )
            .await;
        let e = error_of(r, 409).await;
        assert_eq!(e["code"], "sold_out");
        assert_eq!(e["message"], "Only 2 seats left for General");

        // Listing, ownership, cancellation.
        let mine: Value = app
            .get("/api/v1/me/bookings", Some(&buyer.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(mine.as_array().unwrap().len(), 1);
        assert_eq!(mine[0]["tickets"].as_array().unwrap().len(), 3);
        let bid = first["id"].as_i64().unwrap();
        let other = app.user("other", "attendee").await;
        error_of(
            app.get(&format!("/api/v1/bookings/{bid}"), Some(&other.token))
                .await,
            404,
        )
        .await;
        error_of(
            app.post(
                &format!("/api/v1/bookings/{bid}/cancel"),
                Some(&other.token),
                json!({}),
            )
            .await,
            404,
        )
        .await;
        let r = app
            .post(
                &format!("/api/v1/bookings/{bid}/cancel"),
                Some(&buyer.token),
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let c: Value = r.json().await.unwrap();
        assert_eq!(
            (
                c["booking"]["status"].as_str(),
                c["already_cancelled"].as_bool()
            ),
            (Some("cancelled"), Some(false))
        );
        let c: Value = app
            .post(
                &format!("/api/v1/bookings/{bid}/cancel"),
                Some(&buyer.token),
                json!({}),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(c["already_cancelled"], true);
        let ev: Value = app
            .get(&format!("/api/v1/events/{id}"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            ev["ticket_types"][0]["available"], 5,
            "seats are back at once"
        );
        let report = app.core.invariants().check(None).await.unwrap();
        assert!(report.ok(), "{:?}", report.violations);
    }
}

#[tokio::test]
async fn the_two_step_checkout_holds_then_confirms() {
    let app = spawn(
        TestDb::sqlite().await,
        Clock::manual(chrono::Utc::now().timestamp_millis()),
    )
    .await;
    let org = app.user("org", "organizer").await;
    let ev = app
        .published_event(
            &org,
            json!([{"name": "General", "price_cents": 0, "capacity": 4}]),
        )
        .await;
    let (id, tt) = crate::helpers::event_ids(&ev);
    let buyer = app.user("buyer", "attendee").await;
    let hold = |key: &'static str, q: i64| {
        let (app, token) = (&app, buyer.token.clone());
        async move {
            app.http
                .post(app.at(&format!("/api/v1/events/{id}/holds")))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&json!({"ticket_type_id": tt, "quantity": q}))
                .send()
                .await
                .unwrap()
        }
    };
    let r = hold("h1", 4).await;
    assert_eq!(r.status(), 201);
    let h: Value = r.json().await.unwrap();
    let hid = h["id"].as_i64().unwrap();
    assert_eq!(h["status"], "active");
    let ev: Value = app
        .get(&format!("/api/v1/events/{id}"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ev["ticket_types"][0]["available"], 0);
    let r = app
        .post(
            &format!("/api/v1/holds/{hid}/renew"),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    // Release gives the seats back; hold again and confirm.
    let r = app
        .http
        .delete(app.at(&format!("/api/v1/holds/{hid}")))
        .bearer_auth(&buyer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "released");
    let h2: Value = hold("h2", 2).await.json().await.unwrap();
    let hid2 = h2["id"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/holds/{hid2}/confirm"),
            Some(&buyer.token),
            json!({"attendee_names": ["Ada", "Grace"]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let b: Value = r.json().await.unwrap();
    assert_eq!(
        (b["quantity"].as_i64(), b["status"].as_str()),
        (Some(2), Some("confirmed"))
    );
    // An expired hold cannot be confirmed: 410.
    let h3: Value = hold("h3", 2).await.json().await.unwrap();
    app.core.clock().advance_ms(11 * 60_000);
    let r = app
        .post(
            &format!("/api/v1/holds/{}/confirm", h3["id"]),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    assert_eq!(error_of(r, 410).await["code"], "hold_expired");
    let report = app.core.invariants().check(None).await.unwrap();
    assert!(report.ok(), "{:?}", report.violations);
}

#[tokio::test]
async fn an_oversized_confirm_body_is_a_413_in_the_error_shape() {
    let app = spawn(TestDb::sqlite().await, Clock::System).await;
    let buyer = app.user("buyer", "attendee").await;
    let r = app
        .http
        .post(app.at("/api/v1/holds/1/confirm"))
        .bearer_auth(&buyer.token)
        .header("content-type", "application/json")
        .body(vec![b' '; 100 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r, 413).await["code"], "payload_too_large");
}
