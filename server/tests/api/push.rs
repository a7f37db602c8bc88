//! Web push through a real push service on loopback (`server::push_sink`), which checks the
//! VAPID signature and decrypts the aes128gcm payload as a browser would; the notification
//! centre over HTTP and its live unread count.

use crate::helpers::{TestApp, User, error_of, event_ids, spawn_with};
use evently::clock::Clock;
use evently::live_protocol::ServerMessage;
use evently::testing::TestDb;
use futures::StreamExt;
use serde_json::{Value, json};
use server::push_sink::{Answer, PushSink, Received, Subscription};
use server::smtp_sink::SmtpSink;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn app_with_sinks(db: TestDb, smtp: &SmtpSink) -> TestApp {
    let url = smtp.url();
    spawn_with(
        db,
        Clock::System,
        &[
            ("SMTP_URL", url.as_str()),
            ("EVENTLY_MAIL_FROM", "Evently <tickets@evently.test>"),
            ("EVENTLY_PUSH_HOSTS", "127.0.0.1"),
            ("EVENTLY_OUTBOX_RETRY_MS", "100"),
        ],
    )
    .await
}

async fn register(app: &TestApp, user: &User, sub: &Subscription, label: Option<&str>) -> Value {
    let r = app
        .http
        .post(app.at("/api/v1/me/push-subscriptions"))
        .bearer_auth(&user.token)
        .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36")
        .json(&json!({"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}, "label": label}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

/// Waits until `pred` holds for what the push service read.
async fn pushes(sink: &PushSink, secs: u64, pred: impl Fn(&[Received]) -> bool) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let got = sink.received();
        if pred(&got) {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "the push service did not get the expected pushes in {secs} s; it read {:?}, refused {:?}",
            got.iter()
                .map(|r| (&r.name, &r.payload.title))
                .collect::<Vec<_>>(),
            sink.refused()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn titled<'a>(got: &'a [Received], name: &str, start: &str) -> Vec<&'a Received> {
    got.iter()
        .filter(|r| r.name == name && r.payload.title.starts_with(start))
        .collect()
}

#[tokio::test]
async fn pushes_reach_every_device_encrypted_and_signed_and_gone_devices_are_forgotten() {
    for db in TestDb::all().await {
        let smtp = SmtpSink::start().await;
        let push = PushSink::start().await;
        let app = app_with_sinks(db, &smtp).await;
        let org = app.user("org", "organizer").await;
        let buyer = app.user("buyer", "attendee").await;
        let other = app.user("other", "attendee").await;
        let phone = push.subscribe("phone");
        let laptop = push.subscribe("laptop");

        // The key to subscribe with is published; a device registers with what the browser
        // gives, named after its browser unless named.
        let v: Value = app
            .get("/api/v1/me/push-subscriptions", Some(&buyer.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v["public_key"].as_str().unwrap().len(), 87, "{v}");
        let d = register(&app, &buyer, &phone, Some("My phone")).await;
        assert_eq!(d["label"], "My phone");
        assert_eq!(d["service"], "127.0.0.1");
        let d = register(&app, &buyer, &laptop, None).await;
        assert_eq!(d["label"], "Chrome on Linux");
        let laptop_id = d["id"].as_i64().unwrap();

        // Bad input: a clear 422 and nothing stored; no device of someone else's is reachable.
        let bad = |endpoint: &str, p256dh: &str, auth: &str| json!({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}});
        for (body, field) in [
            (
                bad("https://169.254.169.254/latest", &phone.p256dh, &phone.auth),
                "endpoint",
            ),
            (
                bad(
                    "http://fcm.googleapis.com/fcm/send/x",
                    &phone.p256dh,
                    &phone.auth,
                ),
                "endpoint",
            ),
            (
                bad(
                    "http://user:pw@127.0.0.1:9/push/x",
                    &phone.p256dh,
                    &phone.auth,
                ),
                "endpoint",
            ),
            (
                bad("https://fcm.googleapis.com/fcm/send/x", "AAAA", &phone.auth),
                "keys",
            ),
            (
                bad(
                    "https://fcm.googleapis.com/fcm/send/x",
                    &phone.p256dh,
                    "short",
                ),
                "keys",
            ),
        ] {
            let e = error_of(
                app.post(
                    "/api/v1/me/push-subscriptions",
                    Some(&other.token),
                    body.clone(),
                )
                .await,
                422,
            )
            .await;
            assert_eq!(e["field"], field, "{body} -> {e}");
        }
        error_of(
            app.post(
                "/api/v1/me/push-subscriptions",
                None,
                bad(&phone.endpoint, &phone.p256dh, &phone.auth),
            )
            .await,
            401,
        )
        .await;
        let r = app
            .http
            .delete(app.at(&format!("/api/v1/me/push-subscriptions/{laptop_id}")))
            .bearer_auth(&other.token)
            .send()
            .await
            .unwrap();
        error_of(r, 404).await;
        let none: Value = app
            .get("/api/v1/me/push-subscriptions", Some(&other.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(none["devices"], json!([]));

        // A booking: its confirmation reaches both devices, readable only with each device's
        // keys, signed with the published key, with a TTL and a topic from the outbox row.
        let ev = app
            .published_event(
                &org,
                json!([{"name": "GA", "price_cents": 0, "capacity": 10}]),
            )
            .await;
        let (event_id, tt) = event_ids(&ev);
        let r = app
            .book(
                &buyer.token,
                event_id,
                json!({"ticket_type_id": tt, "quantity": 2}),
                "p1",
            )
            .await;
        assert_eq!(r.status(), 201);
        let booking: Value = r.json().await.unwrap();
        let got = pushes(&push, 20, |g| {
            titled(g, "phone", "You're going").len() == 1
                && titled(g, "laptop", "You're going").len() == 1
        })
        .await;
        let p = titled(&got, "phone", "You're going")[0];
        assert_eq!(
            p.payload.title, "You're going to Black-box Night",
            "[{}]",
            app.engine
        );
        assert_eq!(p.payload.url, format!("/bookings/{}", booking["id"]));
        assert!(
            p.payload.body.contains(booking["code"].as_str().unwrap()),
            "{:?}",
            p.payload
        );
        assert_eq!(p.ttl, 86_400);
        assert_eq!(p.urgency.as_deref(), Some("normal"));
        assert!(
            p.topic.as_deref().is_some_and(|t| t.starts_with("evently")),
            "{:?}",
            p.topic
        );
        assert_eq!(p.subject, "mailto:tickets@evently.test");
        assert!(push.refused().is_empty(), "{:?}", push.refused());

        // The laptop's browser unsubscribed (410): the next push forgets it; the phone gets
        // the news that the organizer cancelled the event.
        push.answer("laptop", Answer::Gone);
        let r = app
            .post(
                &format!("/api/v1/events/{event_id}/cancel"),
                Some(&org.token),
                json!({}),
            )
            .await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        pushes(&push, 20, |g| {
            titled(g, "phone", "Black-box Night is cancelled").len() == 1
        })
        .await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let v: Value = app
                .get("/api/v1/me/push-subscriptions", Some(&buyer.token))
                .await
                .json()
                .await
                .unwrap();
            let labels: Vec<&str> = v["devices"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["label"].as_str().unwrap())
                .collect();
            if labels == ["My phone"] {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the gone laptop is forgotten: {labels:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        // A push service in trouble (500): retried through the outbox until it takes it;
        // the mail went once, and the phone gets the notice once.
        push.answer("phone", Answer::Fail);
        let ev2 = app
            .published_event(
                &org,
                json!([{"name": "GA", "price_cents": 0, "capacity": 10}]),
            )
            .await;
        let (e2, tt2) = event_ids(&ev2);
        let r = app
            .book(
                &buyer.token,
                e2,
                json!({"ticket_type_id": tt2, "quantity": 1}),
                "p2",
            )
            .await;
        assert_eq!(r.status(), 201);
        let deadline = Instant::now() + Duration::from_secs(20);
        while push.failed() < 3 {
            assert!(
                Instant::now() < deadline,
                "the failing push service is retried"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        push.answer("phone", Answer::Accept);
        pushes(&push, 20, |g| titled(g, "phone", "You're going").len() == 2).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let got = push.received();
        assert_eq!(
            titled(&got, "phone", "You're going").len(),
            2,
            "no duplicates"
        );
        let mails = smtp.messages();
        let confirmations = mails
            .iter()
            .filter(|m| String::from_utf8_lossy(m).contains("Subject: Your tickets"))
            .count();
        assert_eq!(
            confirmations, 2,
            "each confirmation mailed once despite push retries"
        );

        // /metrics counts pushes and their failures by channel.
        let metrics = app.get("/metrics", None).await.text().await.unwrap();
        for line in [
            "evently_deliveries_total{channel=\"push\"}",
            "evently_deliveries_total{channel=\"inbox\"}",
            "evently_delivery_failures_total{channel=\"push\"}",
        ] {
            assert!(metrics.contains(line), "{line} in {metrics}");
        }

        // GDPR: the export lists the device.
        let export: Value = app
            .get("/api/v1/me/export", Some(&buyer.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            export["push_devices"][0]["label"], "My phone",
            "{}",
            export["push_devices"]
        );
        assert!(export["notifications"].as_array().unwrap().len() >= 3);
        // Erasure forgets the devices and the notices.
        let r = app
            .http
            .delete(app.at("/api/v1/me"))
            .bearer_auth(&buyer.token)
            .json(&json!({"password": "a long enough password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let db = app.core.db();
        assert!(
            evently::store::inbox::subscriptions(db, buyer.id)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            evently::store::inbox::list(db, buyer.id, None, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_waitlist_offer_is_pushed_urgently_with_its_expiry_as_ttl() {
    let smtp = SmtpSink::start().await;
    let push = PushSink::start().await;
    let app = app_with_sinks(TestDb::sqlite().await, &smtp).await;
    let org = app.user("org", "organizer").await;
    let buyer = app.user("buyer", "attendee").await;
    let waiter = app.user("waiter", "attendee").await;
    register(&app, &waiter, &push.subscribe("w"), None).await;
    let ev = app
        .published_event(
            &org,
            json!([{"name": "GA", "price_cents": 0, "capacity": 1}]),
        )
        .await;
    let (id, tt) = event_ids(&ev);
    let r = app
        .book(
            &buyer.token,
            id,
            json!({"ticket_type_id": tt, "quantity": 1}),
            "w1",
        )
        .await;
    let booking: Value = r.json().await.unwrap();
    let r = app
        .post(
            &format!("/api/v1/events/{id}/waitlist"),
            Some(&waiter.token),
            json!({"ticket_type_id": tt, "quantity": 1}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .post(
            &format!("/api/v1/bookings/{}/cancel", booking["id"]),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let got = pushes(&push, 20, |g| titled(g, "w", "1 seat is held").len() == 1).await;
    let offer = titled(&got, "w", "1 seat is held")[0];
    assert_eq!(offer.urgency.as_deref(), Some("high"));
    assert!(
        (60..=30 * 60).contains(&offer.ttl),
        "the TTL ends with the offer: {}",
        offer.ttl
    );
    assert_eq!(offer.payload.url, "/bookings#waitlist");
    // Joining the waitlist is not pushed (it is in the notification centre and the mail).
    assert!(titled(&got, "w", "You're on the waitlist").is_empty());
}

async fn connect_as(
    app: &TestApp,
    user: &User,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
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

#[tokio::test]
async fn the_notification_centre_lists_notices_marks_them_read_and_counts_unread_live() {
    for db in TestDb::all().await {
        let smtp = SmtpSink::start().await;
        let app = app_with_sinks(db, &smtp).await;
        let org = app.user("org", "organizer").await;
        let buyer = app.user("buyer", "attendee").await;
        let other = app.user("other", "attendee").await;
        let mut live = connect_as(&app, &buyer).await;
        let ev = app
            .published_event(
                &org,
                json!([{"name": "GA", "price_cents": 0, "capacity": 10}]),
            )
            .await;
        let (event_id, tt) = event_ids(&ev);
        for key in ["n1", "n2"] {
            let r = app
                .book(
                    &buyer.token,
                    event_id,
                    json!({"ticket_type_id": tt, "quantity": 1}),
                    key,
                )
                .await;
            assert_eq!(r.status(), 201);
        }
        // The open page hears the unread count go up, without asking.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline
                .checked_duration_since(Instant::now())
                .expect("unread count 2 on the socket");
            match tokio::time::timeout(left, live.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => {
                    if let Ok(ServerMessage::Notifications { unread: 2, .. }) =
                        serde_json::from_str(&t)
                    {
                        break;
                    }
                }
                Ok(Some(Ok(_))) => {}
                other => panic!("the socket ended: {other:?}"),
            }
        }
        let page: Value = app
            .get("/api/v1/me/notifications", Some(&buyer.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["unread"], 2, "[{}] {page}", app.engine);
        let list = page["notifications"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["kind"], "booking.confirmed");
        assert!(list[0]["url"].as_str().unwrap().starts_with("/bookings/"));
        assert!(list[0]["read_at"].is_null());
        let newest = list[0]["id"].as_i64().unwrap();
        // Paging by key.
        let p1: Value = app
            .get("/api/v1/me/notifications?limit=1", Some(&buyer.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(p1["next_before"], newest);
        let p2: Value = app
            .get(
                &format!("/api/v1/me/notifications?limit=1&before={newest}"),
                Some(&buyer.token),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(p2["notifications"][0]["id"], list[1]["id"]);
        assert!(p2["next_before"].is_null());
        // Bad input and other people's notices.
        for q in ["limit=0", "limit=101", "before=0", "limit=x"] {
            let r = app
                .get(&format!("/api/v1/me/notifications?{q}"), Some(&buyer.token))
                .await;
            assert!(
                r.status() == 422 || r.status() == 400,
                "{q}: {}",
                r.status()
            );
        }
        error_of(
            app.post(
                &format!("/api/v1/me/notifications/{newest}/read"),
                Some(&other.token),
                json!({}),
            )
            .await,
            404,
        )
        .await;
        error_of(app.get("/api/v1/me/notifications", None).await, 401).await;
        // Read one, then all.
        let r: Value = app
            .post(
                &format!("/api/v1/me/notifications/{newest}/read"),
                Some(&buyer.token),
                json!({}),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(r["unread"], 1);
        let r: Value = app
            .post(
                "/api/v1/me/notifications/read-all",
                Some(&buyer.token),
                json!({}),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(r["unread"], 0);
        let page: Value = app
            .get("/api/v1/me/notifications", Some(&buyer.token))
            .await
            .json()
            .await
            .unwrap();
        assert!(
            page["notifications"]
                .as_array()
                .unwrap()
                .iter()
                .all(|n| !n["read_at"].is_null())
        );
        let theirs: Value = app
            .get("/api/v1/me/notifications", Some(&other.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            theirs["notifications"],
            json!([]),
            "nobody sees another's notices"
        );
    }
}
