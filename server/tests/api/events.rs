use crate::helpers::{error_of, spawn_all};
use serde_json::json;

#[tokio::test]
async fn organizers_create_and_publish_events_and_anyone_reads_them() {
    for app in spawn_all().await {
        let org = app.user("org", "organizer").await;
        let ev = app
            .published_event(&org, json!([{"name": "Standing", "price_cents": 1500, "capacity": 100}, {"name": "VIP", "price_cents": 6000, "capacity": 10, "currency": "EUR"}]))
            .await;
        let id = ev["id"].as_i64().unwrap();
        let r = app.get(&format!("/api/v1/events/{id}"), None).await;
        assert_eq!(r.status(), 200);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["status"], "published");
        assert_eq!(body["organizer_id"], org.id);
        let tts = body["ticket_types"].as_array().unwrap();
        assert_eq!(tts.len(), 2);
        for key in [
            "id",
            "name",
            "price_cents",
            "currency",
            "capacity",
            "available",
        ] {
            assert!(!tts[0][key].is_null(), "ticket type has {key}");
        }
        assert_eq!(tts[1]["available"], 10);
        // Attendees cannot create events.
        let att = app.user("att", "attendee").await;
        let r = app
            .post("/api/v1/events", Some(&att.token), json!({"title": "x"}))
            .await;
        assert!(r.status() == 403 || r.status() == 422);
        // Bad input names the field.
        let r = app.post("/api/v1/events", Some(&org.token), json!({"title": "No tickets", "description": "d", "venue": "v", "city": "c", "category": "music", "starts_at": "2031-01-01T20:00:00Z", "ends_at": "2031-01-01T22:00:00Z", "ticket_types": []})).await;
        let e = error_of(r, 422).await;
        assert_eq!(e["field"], "ticket_types");
        let r = app
            .post(
                "/api/v1/events",
                Some(&org.token),
                json!({"title": "Bad date", "starts_at": "tomorrow"}),
            )
            .await;
        let e = error_of(r, 422).await;
        assert!(e["field"].is_string());
        // Drafts are invisible to others; unknown ids are 404 in the error shape.
        error_of(app.get("/api/v1/events/987654", None).await, 404).await;
        error_of(app.get("/api/v1/events/abc", None).await, 404).await;
        error_of(app.get("/api/v1/nope", None).await, 404).await;
    }
}

#[tokio::test]
async fn events_past_the_year_9999_are_refused_not_a_500() {
    let app = crate::helpers::spawn(
        evently::testing::TestDb::sqlite().await,
        evently::clock::Clock::System,
    )
    .await;
    let org = app.user("org", "organizer").await;
    // Shown in a zone east of UTC, this start would be past the end of chrono's range.
    let body = json!({"title": "Far future", "description": "d", "venue": "v", "city": "c",
        "category": "music", "starts_at": "+262142-12-31T22:00:00Z",
        "ends_at": "+262142-12-31T23:00:00Z", "timezone": "Pacific/Kiritimati",
        "ticket_types": [{"name": "A", "price_cents": 0, "capacity": 1}]});
    let e = error_of(
        app.post("/api/v1/events", Some(&org.token), body).await,
        422,
    )
    .await;
    assert_eq!(e["field"], "ends_at");
}
