//! Live availability over WebSocket: within a second, across instances, through a Redis outage.

use crate::helpers::{TestApp, spawn_with, two_instances};
use evently::clock::Clock;
use evently::live_protocol::ServerMessage;
use evently::testing::TestDb;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, events: &[i64]) -> Ws {
    let url = format!("{}/api/v1/live", app.url.replace("http://", "ws://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects");
    ws.send(Message::Text(
        json!({"type": "subscribe", "event_ids": events})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    ws
}

async fn next(ws: &mut Ws, within: Duration) -> Option<ServerMessage> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                return Some(serde_json::from_str(&t).expect("typed server message"));
            }
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

/// Waits for a snapshot or update of `tt` saying `available`; returns how long it took.
async fn expect_available(ws: &mut Ws, tt: i64, available: i64, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        match next(ws, within.saturating_sub(start.elapsed())).await {
            Some(ServerMessage::Update(a) | ServerMessage::Snapshot(a))
                if a.ticket_type_id == tt && a.available == available =>
            {
                return start.elapsed();
            }
            Some(_) => continue,
            None => {
                panic!("no message with {available} seats for ticket type {tt} within {within:?}")
            }
        }
    }
}

async fn event(app: &TestApp, capacity: i64) -> (crate::helpers::User, i64, i64) {
    let org = app.user("org", "organizer").await;
    let ev = app
        .published_event(
            &org,
            json!([{"name": "GA", "price_cents": 1000, "capacity": capacity}]),
        )
        .await;
    (
        org,
        ev["id"].as_i64().unwrap(),
        ev["ticket_types"][0]["id"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn subscribers_see_bookings_cancellations_and_hold_expiry_within_a_second() {
    let app = spawn_with(
        TestDb::sqlite().await,
        Clock::manual(chrono::Utc::now().timestamp_millis()),
        &[],
    )
    .await;
    let (_org, id, tt) = event(&app, 10).await;
    let mut ws = connect(&app, &[id]).await;
    assert!(
        matches!(next(&mut ws, Duration::from_secs(2)).await, Some(ServerMessage::Subscribed { event_ids }) if event_ids == vec![id])
    );
    expect_available(&mut ws, tt, 10, Duration::from_secs(2)).await;
    let buyer = app.user("buyer", "attendee").await;
    let r = app
        .book(
            &buyer.token,
            id,
            json!({"ticket_type_id": tt, "quantity": 3}),
            "b1",
        )
        .await;
    assert_eq!(r.status(), 201);
    let booking: Value = r.json().await.unwrap();
    let took = expect_available(&mut ws, tt, 7, Duration::from_secs(1)).await;
    eprintln!("booking reached the subscriber in {took:?}");
    let r = app
        .post(
            &format!("/api/v1/bookings/{}/cancel", booking["id"]),
            Some(&buyer.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    expect_available(&mut ws, tt, 10, Duration::from_secs(1)).await;
    let r = app
        .http
        .post(app.at(&format!("/api/v1/events/{id}/holds")))
        .bearer_auth(&buyer.token)
        .header("Idempotency-Key", "h")
        .json(&json!({"ticket_type_id": tt, "quantity": 4}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    expect_available(&mut ws, tt, 6, Duration::from_secs(1)).await;
    // The hold runs out (the clock moves; no request is made): every page hears of it.
    app.core.clock().advance_ms(11 * 60_000);
    expect_available(&mut ws, tt, 10, Duration::from_secs(1)).await;
    // The metrics count the connection and what was sent.
    let text = app.get("/metrics", None).await.text().await.unwrap();
    assert!(text.contains("evently_ws_connections 1"), "{text}");
    assert!(text.contains("evently_ws_messages_sent_total"));
    // Bad messages are refused with a typed error; the connection stays usable.
    ws.send(Message::Text("{\"type\": \"dance\"}".into()))
        .await
        .unwrap();
    assert!(
        matches!(next(&mut ws, Duration::from_secs(1)).await, Some(ServerMessage::Error { code, .. }) if code == "invalid_message")
    );
    let many: Vec<i64> = (1..=101).collect();
    ws.send(Message::Text(
        json!({"type": "subscribe", "event_ids": many})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    assert!(
        matches!(next(&mut ws, Duration::from_secs(1)).await, Some(ServerMessage::Error { code, .. }) if code == "too_many_subscriptions")
    );
    ws.send(Message::Text("{\"type\": \"ping\"}".into()))
        .await
        .unwrap();
    assert_eq!(
        next(&mut ws, Duration::from_secs(1)).await,
        Some(ServerMessage::Pong)
    );
    // Too large a message closes the connection.
    ws.send(Message::Text("x".repeat(10_000).into()))
        .await
        .unwrap();
    assert!(next(&mut ws, Duration::from_secs(2)).await.is_none());
}

#[tokio::test]
async fn a_cancelled_event_and_a_capacity_change_are_pushed_too() {
    let app = spawn_with(TestDb::sqlite().await, Clock::System, &[]).await;
    let (org, id, tt) = event(&app, 5).await;
    let mut ws = connect(&app, &[id]).await;
    expect_available(&mut ws, tt, 5, Duration::from_secs(2)).await;
    app.post(
        &format!("/api/v1/ticket-types/{tt}/capacity"),
        Some(&org.token),
        json!({"capacity": 8}),
    )
    .await;
    expect_available(&mut ws, tt, 8, Duration::from_secs(1)).await;
    app.post(
        &format!("/api/v1/events/{id}/cancel"),
        Some(&org.token),
        json!({}),
    )
    .await;
    loop {
        match next(&mut ws, Duration::from_secs(1)).await {
            Some(ServerMessage::Update(a))
                if a.event_status == evently::domain::EventStatus::Cancelled =>
            {
                assert_eq!(a.available, 0);
                break;
            }
            Some(_) => continue,
            None => panic!("no cancellation update"),
        }
    }
}

#[tokio::test]
async fn a_booking_on_one_instance_reaches_a_client_of_another() {
    let Some((a, b)) = two_instances("live").await else {
        return;
    };
    let (_org, id, tt) = event(&a, 20).await;
    let mut on_b = connect(&b, &[id]).await;
    expect_available(&mut on_b, tt, 20, Duration::from_secs(2)).await;
    let buyer = a.user("buyer", "attendee").await;
    assert_eq!(
        a.book(
            &buyer.token,
            id,
            json!({"ticket_type_id": tt, "quantity": 2}),
            "x"
        )
        .await
        .status(),
        201
    );
    let took = expect_available(&mut on_b, tt, 18, Duration::from_secs(1)).await;
    eprintln!("instance A -> client on B in {took:?}");
}

/// A Redis server of our own, so it can be stopped and started.
struct PrivateRedis {
    port: u16,
    child: Option<std::process::Child>,
}

impl PrivateRedis {
    fn start(port: u16) -> Option<PrivateRedis> {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..50 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(PrivateRedis {
                    port,
                    child: Some(child),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn a_redis_outage_keeps_local_updates_flowing_and_cross_instance_updates_resume() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let Some(mut redis) = PrivateRedis::start(port) else {
        assert!(
            !evently::testing::in_ci(),
            "CI=true but redis-server cannot be started"
        );
        eprintln!("\n*** SKIPPING Redis outage test: no redis-server binary ***\n");
        return;
    };
    let Some(pg) = TestDb::postgres().await else {
        return;
    };
    let url = pg.url.clone();
    let redis_url = format!("redis://127.0.0.1:{}", redis.port);
    let env = [
        ("REDIS_URL", redis_url.as_str()),
        ("DATABASE_URL", url.as_str()),
    ];
    let a = spawn_with(pg, Clock::System, &env).await;
    let b = spawn_with(TestDb::sqlite().await, Clock::System, &env).await;
    let (_org, id, tt) = event(&a, 50).await;
    let buyer = a.user("buyer", "attendee").await;
    let mut on_a = connect(&a, &[id]).await;
    let mut on_b = connect(&b, &[id]).await;
    expect_available(&mut on_a, tt, 50, Duration::from_secs(2)).await;
    expect_available(&mut on_b, tt, 50, Duration::from_secs(2)).await;

    redis.stop();
    // Bookings still succeed, and the instance that took them still pushes its own changes.
    assert_eq!(
        a.book(
            &buyer.token,
            id,
            json!({"ticket_type_id": tt, "quantity": 1}),
            "o1"
        )
        .await
        .status(),
        201
    );
    expect_available(&mut on_a, tt, 49, Duration::from_secs(1)).await;
    let health: Value = a.get("/health", None).await.json().await.unwrap();
    assert_eq!(health["status"], "ok", "Redis is not needed to be healthy");

    // Redis comes back: B subscribes again and sends a fresh snapshot, then updates flow.
    let mut redis = PrivateRedis::start(port).expect("redis restarts on the same port");
    expect_available(&mut on_b, tt, 49, Duration::from_secs(10)).await;
    // Give A's publisher connection a moment to notice Redis is back, then book again.
    let mut delivered = false;
    for attempt in 0..10 {
        assert_eq!(
            a.book(
                &buyer.token,
                id,
                json!({"ticket_type_id": tt, "quantity": 1}),
                &format!("r{attempt}")
            )
            .await
            .status(),
            201
        );
        let expect = 48 - attempt;
        let start = Instant::now();
        while let Some(msg) = next(
            &mut on_b,
            Duration::from_secs(1).saturating_sub(start.elapsed()),
        )
        .await
        {
            if let ServerMessage::Update(av) | ServerMessage::Snapshot(av) = msg
                && av.ticket_type_id == tt
                && av.available == expect
            {
                delivered = true;
                break;
            }
        }
        if delivered {
            break;
        }
    }
    assert!(
        delivered,
        "cross-instance updates resumed after Redis returned"
    );
    redis.stop();
}
