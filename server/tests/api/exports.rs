//! CSV exports over HTTP: who may download what (404 for another organizer's event, 403 for
//! users and all bookings), what comes out (a header, one row per booking or ticket, the
//! booked numbers, formulas defused), filters and bad input, the audit log, paging past one
//! page, and the rate limit.

use crate::helpers::{TestApp, User, error_of, spawn_all};
use reqwest::Response;
use serde_json::{Value, json};

const FORMULA: &str = "=HYPERLINK(\"http://evil\",\"x\")";

/// Reads CSV per RFC 4180 (quoted cells, doubled quotes, CRLF rows); written apart from the
/// server's writer so the two check each other.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(
        cell.is_empty() && row.is_empty(),
        "the CSV ends with CRLF: {text:?}"
    );
    rows
}

/// A parsed export: the header, and the rows as column -> value.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    raw: String,
    filename: String,
}

impl Csv {
    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    fn column(&self, name: &str) -> Vec<&str> {
        let i = self.col(name);
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }
}

async fn csv_of(r: Response) -> Csv {
    let status = r.status();
    let headers = r.headers().clone();
    let raw = r.text().await.unwrap();
    assert_eq!(status, 200, "{raw}");
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"].to_str().unwrap().to_string();
    let filename = disposition
        .strip_prefix("attachment; filename=\"")
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{disposition}"))
        .to_string();
    let mut rows = parse_csv(&raw);
    let header = rows.remove(0);
    assert!(rows.iter().all(|r| r.len() == header.len()), "{raw}");
    Csv {
        header,
        rows,
        raw,
        filename,
    }
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

/// A published event titled `title` with one ticket type (12.50 EUR) of `capacity`.
async fn event(app: &TestApp, org: &User, title: &str, capacity: i64) -> (i64, i64, String) {
    let starts = chrono::Utc::now() + chrono::Duration::days(30);
    let body = json!({
        "title": title, "description": "Exports.", "venue": "Loopback Hall",
        "city": "Berlin", "category": "music", "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + chrono::Duration::hours(3)).to_rfc3339(), "timezone": "Europe/Berlin",
        "ticket_types": [{"name": "GA", "price_cents": 1250, "currency": "EUR", "capacity": capacity}],
    });
    let r = app.post("/api/v1/events", Some(&org.token), body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let ev: Value = r.json().await.unwrap();
    let id = ev["id"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/events/{id}/publish"),
            Some(&org.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    (
        id,
        ev["ticket_types"][0]["id"].as_i64().unwrap(),
        ev["slug"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn organizers_export_their_events_and_nothing_else() {
    for app in spawn_all().await {
        let e = app.engine;
        let org = app.user("org", "organizer").await;
        let rival = app.user("rival", "organizer").await;
        let admin = app.user("admin", "admin").await;
        let (id, tt, slug) = event(&app, &org, FORMULA, 5).await;
        let evil = app.user_named("evil", FORMULA, "attendee").await;
        let zoe = app.user_named("zoe", "Zoë \"Z\", Jr.", "attendee").await;
        for (u, qty, key) in [(&evil, 2, "a"), (&zoe, 3, "b")] {
            let r = app
                .book(
                    &u.token,
                    id,
                    json!({"ticket_type_id": tt, "quantity": qty}),
                    key,
                )
                .await;
            assert_eq!(r.status(), 201, "[{e}] {}", r.text().await.unwrap());
        }
        let waiter = app.user("waiter", "attendee").await;
        let r = app
            .post(
                &format!("/api/v1/events/{id}/waitlist"),
                Some(&waiter.token),
                json!({"ticket_type_id": tt, "quantity": 1}),
            )
            .await;
        assert_eq!(r.status(), 201, "[{e}] {}", r.text().await.unwrap());

        // Bookings: a header and one row per booking, the numbers as booked.
        let path = format!("/api/v1/events/{id}/bookings/export.csv");
        let b = csv_of(app.get(&path, Some(&org.token)).await).await;
        assert_eq!(
            b.filename,
            format!("bookings-{slug}-{}.csv", today()),
            "[{e}]"
        );
        assert_eq!(b.rows.len(), 2, "[{e}] {}", b.raw);
        assert_eq!(b.column("quantity"), ["2", "3"]);
        assert_eq!(b.column("unit_price"), ["12.50", "12.50"]);
        assert_eq!(b.column("ticket_value"), ["25.00", "37.50"]);
        assert_eq!(b.column("currency"), ["EUR", "EUR"]);
        assert_eq!(b.column("status"), ["confirmed", "confirmed"]);
        assert_eq!(b.column("booker_email"), [&evil.email, &zoe.email]);
        // Formulas come out inert: a leading quote, then RFC 4180 quoting.
        let defused = format!("'{FORMULA}");
        assert_eq!(
            b.column("booker_name"),
            [defused.as_str(), "Zoë \"Z\", Jr."]
        );
        assert_eq!(
            b.column("event_title"),
            [defused.as_str(), defused.as_str()]
        );
        assert!(
            b.raw
                .contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"")
        );
        assert!(!b.raw.contains(",=HYPERLINK"), "[{e}]");
        assert!(
            !b.header
                .iter()
                .any(|h| h.contains("revenue") || h.contains("paid"))
        );
        let created = b.column("created_at")[0].to_string();
        assert!(
            chrono::NaiveDateTime::parse_from_str(&created, "%Y-%m-%dT%H:%M:%SZ").is_ok(),
            "{created}"
        );

        // Attendees: one row per ticket; checking one in shows in the next export.
        let path = format!("/api/v1/events/{id}/attendees/export.csv");
        let a = csv_of(app.get(&path, Some(&org.token)).await).await;
        assert_eq!(a.filename, format!("attendees-{slug}-{}.csv", today()));
        assert_eq!(a.rows.len(), 5, "[{e}] {}", a.raw);
        assert!(a.column("checked_in").iter().all(|c| *c == "false"));
        assert!(a.column("ticket_value").iter().all(|c| *c == "12.50"));
        let code = a.column("ticket_code")[0].to_string();
        let r = app
            .post(
                &format!("/api/v1/events/{id}/check-ins"),
                Some(&org.token),
                json!({"token": code}),
            )
            .await;
        assert_eq!(r.status(), 200, "[{e}] {}", r.text().await.unwrap());
        let a = csv_of(app.get(&path, Some(&org.token)).await).await;
        let row = &a.rows[a
            .column("ticket_code")
            .iter()
            .position(|c| *c == code)
            .unwrap()];
        assert_eq!(row[a.col("checked_in")], "true");
        assert!(row[a.col("checked_in_at")].ends_with('Z'));
        assert_eq!(row[a.col("checked_in_by")], org.id.to_string());
        assert_eq!(
            a.column("checked_in")
                .iter()
                .filter(|c| **c == "true")
                .count(),
            1
        );

        // Waitlist.
        let path = format!("/api/v1/events/{id}/waitlist/export.csv");
        let w = csv_of(app.get(&path, Some(&org.token)).await).await;
        assert_eq!(w.filename, format!("waitlist-{slug}-{}.csv", today()));
        assert_eq!(w.column("email"), [&waiter.email]);
        assert_eq!(w.column("status"), ["waiting"]);

        // Another organizer's event, or none, is not found; unauthenticated is 401.
        for kind in ["bookings", "attendees", "waitlist"] {
            for event_id in [id, 999_999] {
                let path = format!("/api/v1/events/{event_id}/{kind}/export.csv");
                let err = error_of(app.get(&path, Some(&rival.token)).await, 404).await;
                assert_eq!(err["code"], "not_found", "[{e}] {kind}");
            }
            let path = format!("/api/v1/events/{id}/{kind}/export.csv");
            error_of(app.get(&path, None).await, 401).await;
            let path = format!("/api/v1/events/-1/{kind}/export.csv");
            error_of(app.get(&path, Some(&org.token)).await, 404).await;
        }
        // Users and all bookings are for admins.
        for path in [
            "/api/v1/admin/users/export.csv",
            "/api/v1/admin/bookings/export.csv",
        ] {
            for who in [&org, &rival, &evil] {
                let err = error_of(app.get(path, Some(&who.token)).await, 403).await;
                assert_eq!(err["code"], "forbidden");
            }
            error_of(app.get(path, None).await, 401).await;
        }

        // Admins: any event, every event, users.
        let path = format!("/api/v1/events/{id}/bookings/export.csv");
        assert_eq!(
            csv_of(app.get(&path, Some(&admin.token)).await)
                .await
                .rows
                .len(),
            2
        );
        let all = csv_of(
            app.get(
                "/api/v1/admin/bookings/export.csv?event_id=&from=&to=",
                Some(&admin.token),
            )
            .await,
        )
        .await;
        assert_eq!(all.filename, format!("bookings-all-events-{}.csv", today()));
        assert_eq!(all.rows.len(), 2, "[{e}]");
        let path = format!(
            "/api/v1/admin/bookings/export.csv?event_id={id}&from={0}&to={0}",
            today()
        );
        let one = csv_of(app.get(&path, Some(&admin.token)).await).await;
        assert_eq!(one.filename, format!("bookings-{slug}-{}.csv", today()));
        assert_eq!(one.rows.len(), 2);
        let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d");
        let path = format!("/api/v1/admin/bookings/export.csv?from={tomorrow}");
        let none = csv_of(app.get(&path, Some(&admin.token)).await).await;
        assert!(
            none.rows.is_empty() && none.header[0] == "booking_id",
            "[{e}]"
        );
        let path = "/api/v1/admin/bookings/export.csv?event_id=999999";
        error_of(app.get(path, Some(&admin.token)).await, 404).await;
        let users = csv_of(
            app.get("/api/v1/admin/users/export.csv", Some(&admin.token))
                .await,
        )
        .await;
        assert_eq!(users.filename, format!("users-{}.csv", today()));
        assert_eq!(users.rows.len(), 6, "[{e}] {}", users.raw);
        assert!(!users.raw.contains("argon2"), "no password hashes");
        let q = &zoe.email[..12];
        let path = format!("/api/v1/admin/users/export.csv?q={q}");
        let found = csv_of(app.get(&path, Some(&admin.token)).await).await;
        assert_eq!(found.column("email"), [&zoe.email]);
        assert_eq!(found.column("name"), ["Zoë \"Z\", Jr."]);

        // Bad input names the field; never a 500.
        for (query, field) in [
            ("from=2026-13-01", "from"),
            ("from=yesterday", "from"),
            ("to=2026-02-30", "to"),
            ("from=2026-12-02&to=2026-12-01", "to"),
            ("event_id=-1", "event_id"),
            ("event_id=abc", "event_id"),
        ] {
            let path = format!("/api/v1/admin/bookings/export.csv?{query}");
            let err = error_of(app.get(&path, Some(&admin.token)).await, 422).await;
            assert_eq!(err["code"], "invalid_input", "[{e}] {query}");
            assert_eq!(err["field"], field, "[{e}] {query}");
        }
        let path = format!("/api/v1/events/{id}/bookings/export.csv?from=12/01/2026");
        let err = error_of(app.get(&path, Some(&org.token)).await, 422).await;
        assert_eq!(err["field"], "from");
        let long = "x".repeat(101);
        let path = format!("/api/v1/admin/users/export.csv?q={long}");
        let err = error_of(app.get(&path, Some(&admin.token)).await, 422).await;
        assert_eq!(err["field"], "q");

        // Every export made is in the audit log, with what was exported.
        let log = evently::store::audit::list(app.core.db(), Some("export."), None, 100)
            .await
            .unwrap();
        let by = |actor: i64, action: &str| {
            log.iter()
                .filter(|x| x.actor_id == Some(actor) && x.action == action)
                .count()
        };
        assert_eq!(by(org.id, "export.bookings"), 1, "[{e}]");
        assert_eq!(by(org.id, "export.attendees"), 2);
        assert_eq!(by(org.id, "export.waitlist"), 1);
        assert_eq!(by(admin.id, "export.bookings"), 4);
        assert_eq!(by(admin.id, "export.users"), 2);
        assert_eq!(
            by(rival.id, "export.bookings"),
            0,
            "refusals export nothing"
        );
        let entry = log
            .iter()
            .find(|x| x.actor_id == Some(admin.id) && x.detail.contains("\"to\":\""))
            .expect("the filtered export");
        let detail: Value = serde_json::from_str(&entry.detail).unwrap();
        assert_eq!(detail["event_id"], id);
        assert_eq!(detail["to"], today());
        assert_eq!(entry.target_type, "event");
    }
}

#[tokio::test]
async fn a_users_export_streams_past_one_page() {
    for app in spawn_all().await {
        let admin = app.user("admin", "admin").await;
        // More rows than one page (1000), inserted directly.
        let rows: Vec<_> = (0..1_234)
            .map(|i| {
                (
                    format!("bulk{i}-{}@example.com", uuid::Uuid::new_v4().simple()),
                    format!("Bulk {i}"),
                    "x".to_string(),
                    "attendee".to_string(),
                )
            })
            .collect();
        let mut tx = app.core.db().begin().await.unwrap();
        evently::store::users::insert_many(&mut tx, &rows, 0)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let users = csv_of(
            app.get("/api/v1/admin/users/export.csv", Some(&admin.token))
                .await,
        )
        .await;
        assert_eq!(users.rows.len(), 1_235, "[{}]", app.engine);
        let ids: Vec<i64> = users
            .column("user_id")
            .iter()
            .map(|i| i.parse().unwrap())
            .collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "each row once, in order"
        );
    }
}

#[tokio::test]
async fn exports_are_rate_limited_per_user() {
    for app in spawn_all().await {
        let admin = app.user("admin", "admin").await;
        let other = app.user("admin2", "admin").await;
        let path = "/api/v1/admin/users/export.csv";
        for _ in 0..20 {
            csv_of(app.get(path, Some(&admin.token)).await).await;
        }
        let r = app.get(path, Some(&admin.token)).await;
        let retry: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=600).contains(&retry), "{retry}");
        let err = error_of(r, 429).await;
        assert_eq!(err["code"], "rate_limited", "[{}]", app.engine);
        // Per user: another admin is not held up.
        csv_of(app.get(path, Some(&other.token)).await).await;
    }
}
