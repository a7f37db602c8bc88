//! Roles, ownership, admin tools, password change, and privacy (export, erasure).

use crate::helpers::{PASSWORD, error_of, spawn, spawn_all};
use evently::clock::Clock;
use evently::testing::TestDb;
use serde_json::{Value, json};

#[tokio::test]
async fn organizers_cannot_touch_each_others_events() {
    for app in spawn_all().await {
        let a = app.user("org-a", "organizer").await;
        let b = app.user("org-b", "organizer").await;
        let ev = app
            .published_event(
                &a,
                json!([{"name": "GA", "price_cents": 1000, "capacity": 10}]),
            )
            .await;
        let (id, tt) = crate::helpers::event_ids(&ev);
        error_of(
            app.post(
                &format!("/api/v1/events/{id}/cancel"),
                Some(&b.token),
                json!({}),
            )
            .await,
            404,
        )
        .await;
        error_of(
            app.post(
                &format!("/api/v1/ticket-types/{tt}/capacity"),
                Some(&b.token),
                json!({"capacity": 1}),
            )
            .await,
            404,
        )
        .await;
        let ev: Value = app
            .get(&format!("/api/v1/events/{id}"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (
                ev["status"].as_str(),
                ev["ticket_types"][0]["capacity"].as_i64()
            ),
            (Some("published"), Some(10))
        );
        // Their own is fine, and it is audited.
        assert_eq!(
            app.post(
                &format!("/api/v1/ticket-types/{tt}/capacity"),
                Some(&a.token),
                json!({"capacity": 12})
            )
            .await
            .status(),
            200
        );
    }
}

#[tokio::test]
async fn admins_manage_roles_and_disable_accounts_and_see_the_audit_log() {
    let app = spawn(TestDb::sqlite().await, Clock::System).await;
    let admin = app.user("admin", "admin").await;
    let user = app.user("ada", "attendee").await;
    // Not for attendees.
    error_of(app.get("/api/v1/admin/users", Some(&user.token)).await, 403).await;
    error_of(app.get("/api/v1/admin/audit", Some(&user.token)).await, 403).await;
    let list: Vec<Value> = app
        .get(
            &format!("/api/v1/admin/users?q={}", &user.email[..8]),
            Some(&admin.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(list.iter().any(|u| u["id"] == user.id));
    // Promote: takes effect at once, on the same token.
    let r = app
        .post(
            &format!("/api/v1/admin/users/{}/role", user.id),
            Some(&admin.token),
            json!({"role": "organizer"}),
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["role"], "organizer");
    let ev = app
        .published_event(
            &user,
            json!([{"name": "GA", "price_cents": 0, "capacity": 5}]),
        )
        .await;
    assert!(ev["id"].is_number());
    error_of(
        app.post(
            &format!("/api/v1/admin/users/{}/role", user.id),
            Some(&admin.token),
            json!({"role": "king"}),
        )
        .await,
        422,
    )
    .await;
    // Disable: the live session ends, and sign-in is refused.
    let r = app
        .post(
            &format!("/api/v1/admin/users/{}/disable", user.id),
            Some(&admin.token),
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["disabled"], true);
    error_of(app.get("/api/v1/me", Some(&user.token)).await, 401).await;
    error_of(
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": user.email, "password": PASSWORD}),
        )
        .await,
        401,
    )
    .await;
    // The audit log has all of it, with who and from where.
    let log: Vec<Value> = app
        .get("/api/v1/admin/audit", Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().filter_map(|e| e["action"].as_str()).collect();
    for a in [
        "user.disable",
        "user.role",
        "event.create",
        "event.publish",
        "auth.login",
        "auth.login_failed",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let role = log.iter().find(|e| e["action"] == "user.role").unwrap();
    assert_eq!(role["actor_id"], admin.id);
    assert_eq!(role["ip"], "127.0.0.1");
    let only_users: Vec<Value> = app
        .get("/api/v1/admin/audit?action=user.", Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        only_users
            .iter()
            .all(|e| e["action"].as_str().unwrap().starts_with("user."))
    );
}

#[tokio::test]
async fn changing_the_password_signs_out_other_sessions() {
    let app = spawn(TestDb::sqlite().await, Clock::System).await;
    let user = app.user("ada", "attendee").await;
    let other: Value = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": user.email, "password": PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    let other_token = other["access_token"].as_str().unwrap();
    let r = app
        .post(
            "/api/v1/me/password",
            Some(&user.token),
            json!({"current_password": "not it at all", "new_password": "a brand new password"}),
        )
        .await;
    assert_eq!(error_of(r, 422).await["field"], "current_password");
    let r = app
        .post(
            "/api/v1/me/password",
            Some(&user.token),
            json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(error_of(r, 422).await["field"], "new_password");
    let r = app
        .post(
            "/api/v1/me/password",
            Some(&user.token),
            json!({"current_password": PASSWORD, "new_password": "a brand new password"}),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.get("/api/v1/me", Some(&user.token)).await.status(),
        200,
        "this session stays"
    );
    error_of(app.get("/api/v1/me", Some(other_token)).await, 401).await;
    error_of(
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": user.email, "password": PASSWORD}),
        )
        .await,
        401,
    )
    .await;
    assert_eq!(
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": user.email, "password": "a brand new password"})
        )
        .await
        .status(),
        200
    );
}

#[tokio::test]
async fn export_has_my_bookings_and_deletion_keeps_them_anonymous() {
    for app in spawn_all().await {
        let org = app.user("org", "organizer").await;
        let ev = app
            .published_event(
                &org,
                json!([{"name": "GA", "price_cents": 1500, "capacity": 5}]),
            )
            .await;
        let (id, tt) = crate::helpers::event_ids(&ev);
        let user = app.user("ada", "attendee").await;
        let r = app
            .book(
                &user.token,
                id,
                json!({"ticket_type_id": tt, "quantity": 3}),
                "mine",
            )
            .await;
        let booking: Value = r.json().await.unwrap();
        assert_eq!(
            app.http
                .put(app.at("/api/v1/me/marketing"))
                .bearer_auth(&user.token)
                .json(&json!({"opt_in": true}))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );

        let r = app.get("/api/v1/me/export", Some(&user.token)).await;
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("attachment")
        );
        let data: Value = r.json().await.unwrap();
        assert_eq!(data["account"]["email"], user.email.as_str());
        assert_eq!(data["bookings"][0]["booking"]["id"], booking["id"]);
        assert_eq!(data["bookings"][0]["tickets"].as_array().unwrap().len(), 3);
        assert!(
            data["notification_settings"]["marketing_opt_in_at"].is_string(),
            "consent has a timestamp"
        );
        assert!(
            data["audit_log"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "auth.login")
        );
        assert!(!data["sessions"].as_array().unwrap().is_empty());

        // Wrong password: nothing happens.
        let r = app
            .http
            .delete(app.at("/api/v1/me"))
            .bearer_auth(&user.token)
            .json(&json!({"password": "not my password"}))
            .send()
            .await
            .unwrap();
        error_of(r, 422).await;
        let r = app
            .http
            .delete(app.at("/api/v1/me"))
            .bearer_auth(&user.token)
            .json(&json!({"password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        error_of(app.get("/api/v1/me", Some(&user.token)).await, 401).await;
        // The e-mail is free again; the old booking still holds its seats.
        let again = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": user.email, "password": PASSWORD, "name": "Ada again"}),
            )
            .await;
        assert_eq!(again.status(), 202, "[{}]", app.engine);
        let ev: Value = app
            .get(&format!("/api/v1/events/{id}"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(ev["ticket_types"][0]["available"], 2);
        let stored =
            evently::store::bookings::by_id(app.core.db(), booking["id"].as_i64().unwrap())
                .await
                .unwrap()
                .unwrap();
        assert_eq!(stored.status, evently::domain::BookingStatus::Confirmed);
        let old = evently::store::users::by_id(app.core.db(), user.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(old.name, "Deleted user");
        assert!(!old.email.contains("ada-"));
        let report = app.core.invariants().check(None).await.unwrap();
        assert!(report.ok(), "{:?}", report.violations);
    }
}
