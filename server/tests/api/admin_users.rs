//! The admin's user management: search and paging, one user's page (bookings, waitlist,
//! audit trail) over the REST API and as a server-rendered page, who may see it, and the
//! audit entries of the changes made from it.

use crate::helpers::{TestApp, User, error_of, event_ids, spawn_all};
use reqwest::Response;
use serde_json::{Value, json};

/// `GET` with the session cookie a browser sends (no Bearer header).
async fn page(app: &TestApp, path: &str, user: Option<&User>) -> Response {
    let mut r = app.http.get(app.at(path));
    if let Some(u) = user {
        r = r.header("cookie", format!("evently_at={}", u.token));
    }
    r.send().await.unwrap()
}

/// The `Link` target with `rel`, if any.
fn link(r: &Response, rel: &str) -> Option<String> {
    let header = r.headers().get("link")?.to_str().ok()?.to_string();
    header.split(", ").find_map(|part| {
        let (target, params) = part.split_once("; ")?;
        (params == format!("rel=\"{rel}\""))
            .then(|| target.trim_matches(|c| c == '<' || c == '>').to_string())
    })
}

async fn ids(r: Response) -> Vec<i64> {
    assert_eq!(r.status(), 200);
    let list: Vec<Value> = r.json().await.unwrap();
    list.iter().map(|u| u["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn admins_search_users_by_part_of_email_or_name_and_page_through_them() {
    for app in spawn_all().await {
        let admin = app.user("admin", "admin").await;
        let a = app.user_named("pager", "Alma Ortiz", "attendee").await;
        let b = app.user_named("pager", "Bo 50%_off", "attendee").await;
        let c = app.user_named("pager", "Cy Zoltan", "attendee").await;
        let _other = app.user_named("someone", "Dee", "attendee").await;
        let tag = app.engine;

        // Part of the e-mail: the three, newest first, two a page.
        let r = app
            .get("/api/v1/admin/users?q=PAGER-&limit=2", Some(&admin.token))
            .await;
        let next = link(&r, "next").expect("a next page");
        assert_eq!(link(&r, "prev"), None, "[{tag}] the first page");
        assert_eq!(ids(r).await, vec![c.id, b.id], "[{tag}]");
        assert!(next.contains(&format!("cursor={}", b.id)), "[{tag}] {next}");
        let r = app.get(&next, Some(&admin.token)).await;
        assert_eq!(link(&r, "next"), None, "[{tag}] the last page");
        let prev = link(&r, "prev").expect("a previous page");
        assert_eq!(ids(r).await, vec![a.id], "[{tag}]");
        // Back again: the same first page.
        let r = app.get(&prev, Some(&admin.token)).await;
        assert_eq!(link(&r, "prev"), None, "[{tag}] back on the first page");
        assert_eq!(ids(r).await, vec![c.id, b.id], "[{tag}]");

        // Part of a name, in another case; `%` and `_` are plain characters.
        let r = app
            .get("/api/v1/admin/users?q=zOLTAN", Some(&admin.token))
            .await;
        assert_eq!(ids(r).await, vec![c.id], "[{tag}]");
        let r = app
            .get("/api/v1/admin/users?q=50%25_", Some(&admin.token))
            .await;
        assert_eq!(ids(r).await, vec![b.id], "[{tag}]");
        for q in ["%25", "_"] {
            let r = app
                .get(&format!("/api/v1/admin/users?q={q}"), Some(&admin.token))
                .await;
            assert_eq!(ids(r).await, vec![b.id], "[{tag}] {q} is no wildcard");
        }
        // Nothing found is an empty page, not an error.
        let r = app
            .get("/api/v1/admin/users?q=nobody-at-all", Some(&admin.token))
            .await;
        assert!(link(&r, "next").is_none());
        assert!(ids(r).await.is_empty(), "[{tag}]");
        let long = "x".repeat(101);
        let e = error_of(
            app.get(&format!("/api/v1/admin/users?q={long}"), Some(&admin.token))
                .await,
            422,
        )
        .await;
        assert_eq!(e["field"], "q");

        // Admins only.
        error_of(
            app.get("/api/v1/admin/users?q=pager", Some(&a.token)).await,
            403,
        )
        .await;
        error_of(app.get("/api/v1/admin/users?q=pager", None).await, 401).await;

        // The page: the search in the address, the matches linked to their pages, and
        // "Older users" to the next page.
        let r = page(&app, "/admin?q=pager", Some(&admin)).await;
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        for u in [&a, &b, &c] {
            assert!(html.contains(&u.email), "[{tag}] {} listed", u.email);
            assert!(html.contains(&format!("href=\"/admin/users/{}\"", u.id)));
        }
        assert!(!html.contains("someone-"), "[{tag}] only matches");
        let r = page(&app, "/admin?q=no-such-person", Some(&admin)).await;
        assert!(r.text().await.unwrap().contains("No users match"));
    }
}

#[tokio::test]
async fn a_users_page_shows_their_bookings_waitlist_and_audit_trail() {
    for app in spawn_all().await {
        let tag = app.engine;
        let admin = app.user("admin", "admin").await;
        let org = app.user("org", "organizer").await;
        let ada = app.user_named("ada", "Ada Lovelace", "attendee").await;
        let other = app.user("other", "attendee").await;
        let ev = app
            .published_event(
                &org,
                json!([
                    {"name": "GA", "price_cents": 1000, "capacity": 10},
                    {"name": "VIP", "price_cents": 5000, "capacity": 1},
                ]),
            )
            .await;
        let (id, ga) = event_ids(&ev);
        let vip = ev["ticket_types"][1]["id"].as_i64().unwrap();
        let r = app
            .book(
                &ada.token,
                id,
                json!({"ticket_type_id": ga, "quantity": 2}),
                "a1",
            )
            .await;
        assert_eq!(r.status(), 201);
        let booking: Value = r.json().await.unwrap();
        let r = app
            .book(
                &other.token,
                id,
                json!({"ticket_type_id": vip, "quantity": 1}),
                "o1",
            )
            .await;
        assert_eq!(r.status(), 201);
        let r = app
            .post(
                &format!("/api/v1/events/{id}/waitlist"),
                Some(&ada.token),
                json!({"ticket_type_id": vip, "quantity": 1}),
            )
            .await;
        assert!(r.status().is_success(), "[{tag}] {}", r.status());

        let path = format!("/api/v1/admin/users/{}", ada.id);
        let d: Value = app
            .get(&path, Some(&admin.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(d["user"]["email"], ada.email.as_str(), "[{tag}] {d}");
        assert_eq!(d["user"]["role"], "attendee");
        assert_eq!(d["deleted"], false);
        let bookings = d["bookings"].as_array().unwrap();
        assert_eq!(bookings.len(), 1, "[{tag}] only hers");
        assert_eq!(bookings[0]["code"], booking["code"]);
        assert_eq!(bookings[0]["event_title"], "Black-box Night");
        assert_eq!(bookings[0]["ticket_type_name"], "GA");
        assert_eq!(bookings[0]["quantity"], 2);
        assert_eq!(bookings[0]["status"], "confirmed");
        let waitlist = d["waitlist"].as_array().unwrap();
        assert_eq!(waitlist.len(), 1, "[{tag}] {d}");
        assert_eq!(waitlist[0]["ticket_type_name"], "VIP");
        assert_eq!(waitlist[0]["status"], "waiting");
        assert_eq!(waitlist[0]["position"], 1);
        let audit = d["audit"].as_array().unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e["action"] == "auth.login" && e["actor_id"] == ada.id),
            "[{tag}] her sign-in: {d}"
        );
        assert!(
            audit
                .iter()
                .all(|e| e["actor_id"] == ada.id || e["subject_id"] == ada.id),
            "[{tag}] only entries by or about her"
        );
        assert_eq!(d["shown"], 50);
        assert_eq!(d["more_bookings"], false);

        // Admins only; a user that does not exist is a 404.
        error_of(app.get(&path, Some(&ada.token)).await, 403).await;
        error_of(app.get(&path, Some(&org.token)).await, 403).await;
        error_of(app.get(&path, None).await, 401).await;
        error_of(
            app.get("/api/v1/admin/users/999999", Some(&admin.token))
                .await,
            404,
        )
        .await;
        error_of(
            app.get("/api/v1/admin/users/not-a-number", Some(&admin.token))
                .await,
            404,
        )
        .await;
    }
}

#[tokio::test]
async fn role_changes_and_disabling_through_the_api_are_audited_on_the_users_page() {
    for app in spawn_all().await {
        let tag = app.engine;
        let admin = app.user("admin", "admin").await;
        let bea = app.user("bea", "attendee").await;
        let base = format!("/api/v1/admin/users/{}", bea.id);
        let r = app
            .post(
                &format!("{base}/role"),
                Some(&admin.token),
                json!({"role": "organizer"}),
            )
            .await;
        assert_eq!(r.status(), 200);
        // Refused changes change nothing and record nothing (before disabling ends her session).
        error_of(
            app.post(
                &format!("{base}/role"),
                Some(&bea.token),
                json!({"role": "admin"}),
            )
            .await,
            403,
        )
        .await;
        for disabled in [true, false] {
            let r = app
                .post(
                    &format!("{base}/disable"),
                    Some(&admin.token),
                    json!({"disabled": disabled}),
                )
                .await;
            assert_eq!(r.status(), 200);
        }

        let d: Value = app
            .get(&base, Some(&admin.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(d["user"]["role"], "organizer", "[{tag}]");
        assert_eq!(d["user"]["disabled"], false);
        let audit = d["audit"].as_array().unwrap();
        let actions: Vec<&str> = audit.iter().filter_map(|e| e["action"].as_str()).collect();
        // Newest first.
        assert_eq!(
            actions[..3],
            ["user.enable", "user.disable", "user.role"],
            "[{tag}] {actions:?}"
        );
        let role = &audit[2];
        assert_eq!(role["actor_id"], admin.id);
        assert_eq!(role["actor_email"], admin.email.as_str());
        assert_eq!(role["subject_id"], bea.id);
        assert_eq!(role["ip"], "127.0.0.1");
        let detail: Value = serde_json::from_str(role["detail"].as_str().unwrap()).unwrap();
        assert_eq!(detail, json!({"from": "attendee", "to": "organizer"}));
        assert_eq!(
            actions
                .iter()
                .filter(|a| a.starts_with("user.role"))
                .count(),
            1,
            "[{tag}] the refused change is not recorded"
        );
        // The admin's own trail shows what they did.
        let mine: Value = app
            .get(
                &format!("/api/v1/admin/users/{}", admin.id),
                Some(&admin.token),
            )
            .await
            .json()
            .await
            .unwrap();
        assert!(
            mine["audit"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "user.role" && e["subject_id"] == bea.id),
            "[{tag}]"
        );
    }
}

#[tokio::test]
async fn the_admin_user_page_renders_for_admins_and_unknown_ids_are_404() {
    for app in spawn_all().await {
        let tag = app.engine;
        let admin = app.user("admin", "admin").await;
        let cy = app.user_named("cy", "Cy Twombly", "attendee").await;
        let path = format!("/admin/users/{}", cy.id);

        let r = page(&app, &path, Some(&admin)).await;
        assert_eq!(r.status(), 200, "[{tag}]");
        let cache = r.headers()["cache-control"].to_str().unwrap().to_string();
        assert_eq!(cache, "private, no-store", "[{tag}]");
        let html = r.text().await.unwrap();
        assert!(html.contains(&cy.email), "[{tag}] the e-mail");
        assert!(html.contains("Cy Twombly"));
        assert!(html.contains("aria-current=\"page\""), "the breadcrumb");
        for heading in ["Bookings", "Waitlist", "Audit trail"] {
            assert!(html.contains(heading), "[{tag}] {heading}");
        }
        // The forms post to the same server functions as the list, and come back here.
        assert!(
            html.contains(&format!("name=\"back\" value=\"{path}\"")),
            "[{tag}]"
        );
        assert!(
            html.contains("auth.login"),
            "[{tag}] her sign-in in the trail"
        );

        for unknown in ["/admin/users/999999", "/admin/users/0", "/admin/users/nope"] {
            let r = page(&app, unknown, Some(&admin)).await;
            assert_eq!(r.status(), 404, "[{tag}] {unknown}");
        }
        // Not for other people: no data, and a 403.
        let r = page(&app, &path, Some(&cy)).await;
        assert_eq!(r.status(), 403, "[{tag}]");
        assert!(!r.text().await.unwrap().contains(&cy.email));
        // Signed out: off to sign in, never cached.
        let r = page(&app, &path, None).await;
        assert!(r.status().is_redirection(), "[{tag}] {}", r.status());
        assert_eq!(r.headers()["cache-control"], "private, no-store");
    }
}
