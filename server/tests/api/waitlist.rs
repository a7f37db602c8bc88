//! The waitlist over HTTP and the live socket: joining, errors, offers reaching the person
//! (and nobody else) live, accepting with an idempotency key, the organizer's view, GDPR.

use crate::helpers::{TestApp, User, error_of, event_ids, spawn_all, two_instances};
use evently::live_protocol::ServerMessage;
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A live connection opened as `user` (Bearer token at the upgrade).
async fn connect_as(app: &TestApp, user: &User) -> Ws {
    let url = format!("{}/api/v1/live", app.url.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {}", user.token).parse().unwrap(),
    );
    tokio_tungstenite::connect_async(req)
        .await
        .expect("websocket connects")
        .0
}

/// The next `waitlist` message within `within`.
async fn next_waitlist(
    ws: &mut Ws,
    within: Duration,
) -> Option<Vec<evently::dto::WaitlistEntryView>> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                if let ServerMessage::Waitlist { entries, .. } = serde_json::from_str(&t).unwrap() {
                    return Some(entries);
                }
            }
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

/// Waits for a `waitlist` message in which entry `id` has `status`.
async fn expect_entry(
    ws: &mut Ws,
    id: i64,
    status: &str,
    within: Duration,
) -> evently::dto::WaitlistEntryView {
    let start = Instant::now();
    loop {
        let Some(entries) = next_waitlist(ws, within.saturating_sub(start.elapsed())).await else {
            panic!("no live waitlist message with entry {id} {status} within {within:?}");
        };
        if let Some(e) = entries
            .into_iter()
            .find(|e| e.id == id && e.status.as_str() == status)
        {
            return e;
        }
    }
}

async fn sold_out_event(app: &TestApp) -> (User, i64, i64, User, i64) {
    let org = app.user("org", "organizer").await;
    let ev = app
        .published_event(
            &org,
            json!([{"name": "GA", "price_cents": 1000, "capacity": 1, "max_per_booking": 4}]),
        )
        .await;
    let (id, tt) = event_ids(&ev);
    let buyer = app.user("buyer", "attendee").await;
    let r = app
        .book(
            &buyer.token,
            id,
            json!({"ticket_type_id": tt, "quantity": 1}),
            "first",
        )
        .await;
    assert_eq!(r.status(), 201);
    let booking = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    (org, id, tt, buyer, booking)
}

#[tokio::test]
async fn a_waiting_person_sees_their_offer_live_and_books_it_with_a_key() {
    for app in spawn_all().await {
        let (org, id, tt, buyer, booking) = sold_out_event(&app).await;
        let waiter = app.user("waiter", "attendee").await;
        let other = app.user("other", "attendee").await;
        let path = format!("/api/v1/events/{id}/waitlist");
        // Bad input changes nothing.
        for q in [0, 5] {
            let e = error_of(
                app.post(
                    &path,
                    Some(&waiter.token),
                    json!({"ticket_type_id": tt, "quantity": q}),
                )
                .await,
                422,
            )
            .await;
            assert_eq!(e["field"], "quantity", "[{}] {e}", app.engine);
        }
        error_of(
            app.post(
                &path,
                Some(&waiter.token),
                json!({"ticket_type_id": 999_999, "quantity": 1}),
            )
            .await,
            404,
        )
        .await;
        error_of(
            app.post(&path, None, json!({"ticket_type_id": tt, "quantity": 1}))
                .await,
            401,
        )
        .await;
        let r = app
            .post(
                &path,
                Some(&waiter.token),
                json!({"ticket_type_id": tt, "quantity": 1}),
            )
            .await;
        assert_eq!(r.status(), 201, "[{}]", app.engine);
        let entry: Value = r.json().await.unwrap();
        let entry_id = entry["id"].as_i64().unwrap();
        assert_eq!(
            (entry["position"].as_i64(), entry["status"].as_str()),
            (Some(1), Some("waiting"))
        );
        let again = app
            .post(
                &path,
                Some(&waiter.token),
                json!({"ticket_type_id": tt, "quantity": 1}),
            )
            .await;
        assert_eq!(again.status(), 200);
        assert_eq!(again.json::<Value>().await.unwrap()["id"], entry_id);
        // Nobody else can see or touch it: 404, never 403.
        let theirs = format!("/api/v1/waitlist/{entry_id}");
        error_of(app.get(&theirs, Some(&other.token)).await, 404).await;
        let r = app
            .http
            .delete(app.at(&theirs))
            .bearer_auth(&other.token)
            .send()
            .await
            .unwrap();
        error_of(r, 404).await;
        error_of(app.get(&path, Some(&other.token)).await, 404).await;
        // The live socket: the waiter gets their entry; the other person gets only theirs.
        let mut live = connect_as(&app, &waiter).await;
        let first = next_waitlist(&mut live, Duration::from_secs(2))
            .await
            .expect("entries on connect");
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].position, Some(1));
        let mut nosy = connect_as(&app, &other).await;
        assert_eq!(
            next_waitlist(&mut nosy, Duration::from_secs(2)).await,
            Some(Vec::new())
        );
        // A cancellation: the seat becomes the waiter's offer, on their page within a second.
        let started = Instant::now();
        let r = app
            .post(
                &format!("/api/v1/bookings/{booking}/cancel"),
                Some(&buyer.token),
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let offer = expect_entry(&mut live, entry_id, "offered", Duration::from_secs(1)).await;
        eprintln!(
            "[{}] cancellation -> offer on the socket in {:?}",
            app.engine,
            started.elapsed()
        );
        assert_eq!(offer.offered_quantity, 1);
        assert!(offer.offer_expires_at.is_some() && offer.hold_id.is_some());
        assert_eq!(
            next_waitlist(&mut nosy, Duration::from_millis(500)).await,
            None,
            "nobody else hears of it"
        );
        let ev: Value = app
            .get(&format!("/api/v1/events/{id}"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            ev["ticket_types"][0]["available"], 0,
            "the public never sees the seat"
        );
        // Accepting needs a key; the same key replays the same booking.
        let accept = format!("/api/v1/waitlist/{entry_id}/accept");
        error_of(app.post(&accept, Some(&waiter.token), json!({})).await, 400).await;
        let send = |key: &'static str| {
            app.http
                .post(app.at(&accept))
                .bearer_auth(&waiter.token)
                .header("Idempotency-Key", key)
                .json(&json!({"attendee_names": ["Grace Hopper"]}))
                .send()
        };
        let r = send("accept-1").await.unwrap();
        assert_eq!(r.status(), 201, "[{}]", app.engine);
        let b: Value = r.json().await.unwrap();
        let r = send("accept-1").await.unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["idempotent-replayed"], "true");
        assert_eq!(r.json::<Value>().await.unwrap()["id"], b["id"]);
        expect_entry(&mut live, entry_id, "booked", Duration::from_secs(1)).await;
        let mine: Value = app
            .get("/api/v1/me/bookings", Some(&waiter.token))
            .await
            .json()
            .await
            .unwrap();
        assert!(
            mine.as_array()
                .unwrap()
                .iter()
                .any(|m| m["booking"]["id"] == b["id"] || m["id"] == b["id"]),
            "{mine}"
        );
        // The organizer's view.
        let queues: Value = app
            .get(&format!("{path}/queues"), Some(&org.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(queues[0]["accepted"], 1, "{queues}");
        let list: Value = app.get(&path, Some(&org.token)).await.json().await.unwrap();
        assert_eq!(list["items"][0]["status"], "booked");
        // GDPR: the export lists the entry.
        let export: Value = app
            .get("/api/v1/me/export", Some(&waiter.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(export["waitlist_entries"][0]["id"], entry_id, "{export}");
        let report = app.core.invariants().check(None).await.unwrap();
        assert!(report.ok(), "{:?}", report.violations);
    }
}

#[tokio::test]
async fn joining_with_seats_left_is_refused_and_the_organizer_controls_the_queue() {
    for app in spawn_all().await {
        let org = app.user("org", "organizer").await;
        let ev = app
            .published_event(
                &org,
                json!([{"name": "GA", "price_cents": 0, "capacity": 2}]),
            )
            .await;
        let (id, tt) = event_ids(&ev);
        let p = app.user("p", "attendee").await;
        let path = format!("/api/v1/events/{id}/waitlist");
        let e = error_of(
            app.post(
                &path,
                Some(&p.token),
                json!({"ticket_type_id": tt, "quantity": 1}),
            )
            .await,
            409,
        )
        .await;
        assert_eq!(e["code"], "seats_available", "[{}] {e}", app.engine);
        for (what, body) in [
            ("pause", json!({"ticket_type_id": tt})),
            ("resume", json!({"ticket_type_id": tt})),
            ("order", json!({"ticket_type_id": tt, "order": "first_fit"})),
        ] {
            let r = app
                .post(&format!("{path}/{what}"), Some(&org.token), body.clone())
                .await;
            assert_eq!(r.status(), 200, "[{}] {what}", app.engine);
            error_of(
                app.post(&format!("{path}/{what}"), Some(&p.token), body)
                    .await,
                404,
            )
            .await;
        }
        let q: Value = app
            .get(&format!("{path}/queues"), Some(&org.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (q[0]["order"].as_str(), q[0]["paused"].as_bool()),
            (Some("first_fit"), Some(false))
        );
        error_of(
            app.post(
                &format!("{path}/order"),
                Some(&org.token),
                json!({"ticket_type_id": tt, "order": "lottery"}),
            )
            .await,
            422,
        )
        .await;
        error_of(
            app.get(&format!("{path}?cursor=nonsense"), Some(&org.token))
                .await,
            422,
        )
        .await;
        let r = app
            .http
            .delete(app.at(&format!("{path}/123456")))
            .bearer_auth(&org.token)
            .send()
            .await
            .unwrap();
        error_of(r, 404).await;
    }
}

#[tokio::test]
async fn an_offer_made_on_one_instance_reaches_the_person_on_another() {
    let Some((a, b)) = two_instances("wl").await else {
        return;
    };
    let (_org, id, tt, buyer, booking) = sold_out_event(&a).await;
    let waiter = a.user("waiter", "attendee").await;
    let r = a
        .post(
            &format!("/api/v1/events/{id}/waitlist"),
            Some(&waiter.token),
            json!({"ticket_type_id": tt, "quantity": 1}),
        )
        .await;
    let entry_id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let mut on_b = connect_as(&b, &waiter).await;
    expect_entry(&mut on_b, entry_id, "waiting", Duration::from_secs(2)).await;
    let started = Instant::now();
    let r = a
        .post(
            &format!("/api/v1/bookings/{booking}/cancel"),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    expect_entry(&mut on_b, entry_id, "offered", Duration::from_secs(1)).await;
    eprintln!(
        "offer on instance A -> the person's socket on B in {:?}",
        started.elapsed()
    );
}
