//! Delivery through a real SMTP server on loopback: the confirmation with its PDF tickets,
//! whose QR codes decode and verify with the published key and check people in; retries
//! after temporary refusals; a dead letter that blocks nothing and an admin can revive.

use crate::helpers::{TestApp, error_of, event_ids, spawn_with};
use base64::Engine;
use evently::clock::Clock;
use evently::testing::TestDb;
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Value, json};
use server::smtp_sink::SmtpSink;
use std::process::Command;

/// Whether the PDF tools (poppler-utils, zbar-tools) are here; in CI they must be.
fn pdf_tools() -> bool {
    let ok = ["pdftoppm", "zbarimg", "pdftotext"]
        .iter()
        .all(|t| Command::new(t).arg("-v").output().is_ok());
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "CI needs pdftoppm, pdftotext and zbarimg (apt-get install poppler-utils zbar-tools; scripts/setup.sh does it)"
        );
        eprintln!("skipping the QR decoding: install poppler-utils and zbar-tools");
    }
    ok
}

async fn app_with_sink(db: TestDb, sink: &SmtpSink, extra: &[(&str, &str)]) -> TestApp {
    let url = sink.url();
    let mut env = vec![
        ("SMTP_URL", url.as_str()),
        (
            "EVENTLY_MAIL_FROM",
            "Evently Tickets <tickets@evently.test>",
        ),
    ];
    env.extend_from_slice(extra);
    spawn_with(db, Clock::System, &env).await
}

/// Holds `names.len()` seats and confirms them with those attendee names.
async fn book_named(app: &TestApp, token: &str, event_id: i64, tt: i64, names: &[&str]) -> Value {
    let r = app
        .http
        .post(app.at(&format!("/api/v1/events/{event_id}/holds")))
        .bearer_auth(token)
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&json!({"ticket_type_id": tt, "quantity": names.len()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let hold: Value = r.json().await.unwrap();
    let r = app
        .http
        .post(app.at(&format!("/api/v1/holds/{}/confirm", hold["id"])))
        .bearer_auth(token)
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&json!({"attendee_names": names}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

/// The QR codes of a PDF's pages, decoded from the rendered pages by zbarimg.
fn qr_codes(pdf: &[u8]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("evently-pdf-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("t.pdf");
    std::fs::write(&file, pdf).unwrap();
    let st = Command::new("pdftoppm")
        .args(["-r", "150", "-png"])
        .arg(&file)
        .arg(dir.join("page"))
        .status()
        .unwrap();
    assert!(st.success(), "pdftoppm renders the PDF");
    let mut pages: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    pages.sort();
    let codes = pages
        .iter()
        .map(|p| {
            let out = Command::new("zbarimg")
                .args(["--raw", "-q"])
                .arg(p)
                .output()
                .unwrap();
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    codes
}

fn pdf_text(pdf: &[u8]) -> String {
    let file =
        std::env::temp_dir().join(format!("evently-pdf-{}.pdf", uuid::Uuid::new_v4().simple()));
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_confirmation_mail_carries_pdf_tickets_whose_qr_codes_verify_and_check_in_once() {
    let tools = pdf_tools();
    for db in TestDb::all().await {
        let sink = SmtpSink::start().await;
        let app = app_with_sink(db, &sink, &[]).await;
        let org = app.user("org", "organizer").await;
        let buyer = app.user_named("buyer", "Zoë O'Brien <b>", "attendee").await;
        let ev = app
            .published_event(
                &org,
                json!([{"name": "Standing", "price_cents": 0, "capacity": 10}]),
            )
            .await;
        let (event_id, tt) = event_ids(&ev);
        let booking = book_named(
            &app,
            &buyer.token,
            event_id,
            tt,
            &["Дмитрий Иванов", "Αλέξανδρος"],
        )
        .await;
        let booking_id = booking["id"].as_i64().unwrap();

        // One confirmation arrives, to the buyer, with a stable Message-ID derived from the
        // outbox row. (New accounts also get their address confirmation links.)
        let msgs = sink
            .wait_for(20, |m| count_subject(m, "Your tickets") >= 1)
            .await;
        assert_eq!(
            count_subject(&msgs, "Your tickets"),
            1,
            "{}: one confirmation",
            app.engine
        );
        let mail = msgs
            .iter()
            .map(|raw| MessageParser::default().parse(raw).unwrap())
            .find(|m| m.subject().is_some_and(|s| s.starts_with("Your tickets")))
            .unwrap();
        assert_eq!(
            mail.to().unwrap().first().unwrap().address().unwrap(),
            buyer.email
        );
        assert!(
            mail.subject()
                .unwrap()
                .starts_with("Your tickets for Black-box Night")
        );
        let id = mail.message_id().unwrap();
        assert!(
            id.starts_with("evently.") && id.contains(&format!("booking.confirmed-{booking_id}")),
            "{id}"
        );
        let html = mail.body_html(0).unwrap();
        assert!(
            html.contains("Zoë O&#39;Brien &#60;b&#62;")
                || html.contains("Zoë O&#39;Brien &lt;b&gt;"),
            "the name is escaped: {html}"
        );
        assert!(!html.contains("<b>,"), "no raw markup from a user's name");
        assert!(mail.body_text(0).unwrap().contains("View your booking:"));
        assert!(
            !html.to_lowercase().contains("paid"),
            "no payment is claimed"
        );
        let pdf = mail
            .attachments()
            .find(|a| a.content_type().is_some_and(|c| c.subtype() == Some("pdf")))
            .expect("a PDF attachment");
        assert_eq!(
            pdf.attachment_name(),
            Some(format!("tickets-{}.pdf", booking["code"].as_str().unwrap()).as_str())
        );
        let ics = mail
            .attachments()
            .find(|a| a.attachment_name() == Some("event.ics"))
            .expect("a calendar attachment");
        let ics = String::from_utf8_lossy(ics.contents());
        assert!(
            ics.contains("BEGIN:VEVENT") && ics.contains("SUMMARY:Black-box Night"),
            "{ics}"
        );

        // The PDF is the same one My bookings offers, for its owner only.
        let r = app
            .get(
                &format!("/api/v1/bookings/{booking_id}/tickets.pdf"),
                Some(&buyer.token),
            )
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let stranger = app.user("stranger", "attendee").await;
        let r = app
            .get(
                &format!("/api/v1/bookings/{booking_id}/tickets.pdf"),
                Some(&stranger.token),
            )
            .await;
        error_of(r, 404).await;

        // The published key.
        let key: Value = app
            .get("/api/v1/tickets/public-key", None)
            .await
            .json()
            .await
            .unwrap();
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(key["x"].as_str().unwrap())
            .unwrap();
        let public = ed25519_dalek::VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap();

        let tokens: Vec<String> = if tools {
            let text = pdf_text(pdf.contents());
            assert!(
                text.contains("Дмитрий Иванов") && text.contains("Αλέξανδρος"),
                "{text}"
            );
            let codes = qr_codes(pdf.contents());
            assert_eq!(codes.len(), 2, "one QR code per page: {codes:?}");
            codes
        } else {
            // Without the tools, take the tokens the server would print.
            let list: Value = app
                .get(
                    &format!("/api/v1/events/{event_id}/scanner-list"),
                    Some(&org.token),
                )
                .await
                .json()
                .await
                .unwrap();
            list["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    app.core
                        .tickets()
                        .token(event_id, t["code"].as_str().unwrap())
                })
                .collect()
        };
        for t in &tokens {
            let claim = evently::tickets::token::verify_with(&public, t)
                .expect("the QR token verifies with the public key alone");
            assert_eq!(claim.event_id, event_id);
        }

        // Check-in: exactly one of ten concurrent scans wins; the rest hear when and by whom.
        let scans = (0..10).map(|_| {
            app.http
                .post(app.at(&format!("/api/v1/events/{event_id}/check-ins")))
                .bearer_auth(&org.token)
                .json(&json!({"token": tokens[0]}))
                .send()
        });
        let results = futures::future::join_all(scans).await;
        let mut ok = 0;
        for r in results {
            let r = r.unwrap();
            match r.status().as_u16() {
                200 => ok += 1,
                409 => {
                    let body: Value = r.json().await.unwrap();
                    assert_eq!(body["error"]["code"], "already_checked_in");
                    assert_eq!(body["checked_in_by"], "org");
                    assert!(body["checked_in_at"].is_string());
                }
                s => panic!("unexpected {s}"),
            }
        }
        assert_eq!(ok, 1, "{}: one scan checks the ticket in", app.engine);

        // A forged token, another event's ticket, garbage: clear 4xx, nothing checked in.
        let forged = evently::tickets::TicketKeys::from_seed(&[9; 32]).sign(event_id, "ABCDEFGHJK");
        let other = app
            .published_event(
                &org,
                json!([{"name": "B", "price_cents": 0, "capacity": 5}]),
            )
            .await;
        let (other_id, _) = event_ids(&other);
        for (event, token, status, code) in [
            (event_id, forged.as_str(), 422, "invalid_ticket"),
            (other_id, tokens[1].as_str(), 422, "wrong_event"),
            (event_id, "T1.garbage", 422, "invalid_ticket"),
            (event_id, "NOSUCHCODE", 404, "not_found"),
        ] {
            let r = app
                .post(
                    &format!("/api/v1/events/{event}/check-ins"),
                    Some(&org.token),
                    json!({"token": token}),
                )
                .await;
            assert_eq!(error_of(r, status).await["code"], code, "{token}");
        }
        // A cancelled booking's tickets are revoked: refused at the door, listed for scanners.
        let r = app
            .post(
                &format!("/api/v1/bookings/{booking_id}/cancel"),
                Some(&buyer.token),
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let r = app
            .post(
                &format!("/api/v1/events/{event_id}/check-ins"),
                Some(&org.token),
                json!({"token": tokens[1]}),
            )
            .await;
        assert_eq!(error_of(r, 410).await["code"], "ticket_revoked");
        let list: Value = app
            .get(
                &format!("/api/v1/events/{event_id}/scanner-list"),
                Some(&org.token),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["revoked"].as_array().unwrap().len(), 2, "{list}");
        assert_eq!(list["public_key"]["x"], key["x"]);
        // The cancellation is mailed too.
        sink.wait_for(20, |m| count_subject(m, "Booking cancelled") == 1)
            .await;
    }
}

#[tokio::test]
async fn temporary_refusals_are_retried_and_a_dead_letter_blocks_nothing() {
    let sink = SmtpSink::start().await;
    sink.reject_recipient("bounce-");
    let app = app_with_sink(
        TestDb::sqlite().await,
        &sink,
        &[
            ("EVENTLY_OUTBOX_RETRY_MS", "100"),
            ("EVENTLY_OUTBOX_MAX_ATTEMPTS", "3"),
        ],
    )
    .await;
    let org = app.user("org", "organizer").await;
    let admin = app.user("admin", "admin").await;
    let ev = app
        .published_event(
            &org,
            json!([{"name": "GA", "price_cents": 0, "capacity": 10}]),
        )
        .await;
    let (event_id, tt) = event_ids(&ev);

    // Two 451s, then accepted: delivered on the third attempt. (The accounts' address
    // confirmations go out first.)
    let good = app.user("good", "attendee").await;
    sink.wait_for(20, |m| count_subject(m, "Confirm your e-mail") == 3)
        .await;
    sink.fail_first(2);
    book_named(&app, &good.token, event_id, tt, &["A"]).await;
    let msgs = sink
        .wait_for(20, |m| count_subject(m, "Your tickets") >= 1)
        .await;
    assert_eq!(count_subject(&msgs, "Your tickets"), 1);
    let delivered: Value = app
        .get("/api/v1/admin/outbox?state=delivered", Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    let row = delivered["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "booking.confirmed")
        .expect("the confirmation is delivered");
    assert_eq!(row["attempts"], 3, "{delivered}");

    // A permanently refused address goes dead after three attempts; mail after it still flows.
    let bounce = app.user("bounce", "attendee").await;
    book_named(&app, &bounce.token, event_id, tt, &["B"]).await;
    let later = app.user("later", "attendee").await;
    book_named(&app, &later.token, event_id, tt, &["C"]).await;
    sink.wait_for(20, |m| count_subject(m, "Your tickets") >= 2)
        .await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    // The bounced address's confirmation link dies too; the booking's is the one followed.
    let row = loop {
        let v: Value = app
            .get("/api/v1/admin/outbox?state=dead", Some(&admin.token))
            .await
            .json()
            .await
            .unwrap();
        if let Some(r) = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "booking.confirmed")
        {
            break r.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never went dead: {v}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let row = &row;
    assert_eq!(row["attempts"], 3);
    assert!(row["last_error"].as_str().unwrap().contains("550"), "{row}");
    let to: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| {
            MessageParser::default()
                .parse(m)
                .unwrap()
                .to()
                .unwrap()
                .first()
                .unwrap()
                .address()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        to.contains(&later.email) && !to.contains(&bounce.email),
        "{to:?}"
    );

    // Admins only; an admin sends it again and it is pending (and retried) once more.
    let id = row["id"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/admin/outbox/{id}/retry"),
            Some(&org.token),
            json!({}),
        )
        .await;
    error_of(r, 403).await;
    let r = app
        .post(
            &format!("/api/v1/admin/outbox/{id}/retry"),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = app
        .post(
            &format!("/api/v1/admin/outbox/{id}/retry"),
            Some(&admin.token),
            json!({}),
        )
        .await;
    let v: Value = app
        .get("/api/v1/admin/outbox?state=dead", Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        r.status() == 204 || r.status() == 404,
        "retrying a live message is not found"
    );
    assert!(v["dead"].as_i64().unwrap() <= 2, "{v}");
    let r = app
        .get("/api/v1/admin/outbox?state=nonsense", Some(&admin.token))
        .await;
    error_of(r, 422).await;

    // /metrics and /health report the outbox and the mail transport.
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains("evently_deliveries_total{channel=\"email\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("evently_delivery_failures_total{channel=\"email\"}"));
    assert!(metrics.contains("evently_outbox_depth"));
    let health: Value = app.get("/health", None).await.json().await.unwrap();
    assert_eq!(health["mail"]["status"], "ok", "{health}");
    assert_eq!(health["mail"]["transport"], sink.url());
}

/// How many of `msgs` have a subject starting with `prefix`.
fn count_subject(msgs: &[Vec<u8>], prefix: &str) -> usize {
    msgs.iter()
        .filter(|raw| envelope(raw).1.starts_with(prefix))
        .count()
}

/// A parsed mail's recipient, subject and Message-ID.
fn envelope(raw: &[u8]) -> (String, String, String) {
    let m = MessageParser::default().parse(raw).unwrap();
    (
        m.to()
            .and_then(|t| t.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_string(),
        m.subject().unwrap_or_default().to_string(),
        m.message_id().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn reminders_follow_the_event_skip_who_opted_out_and_stop_with_one_click() {
    for db in TestDb::all().await {
        let sink = SmtpSink::start().await;
        let app = app_with_sink(db, &sink, &[]).await;
        let org = app.user("org", "organizer").await;
        let (a, b, c) = (
            app.user("ann", "attendee").await,
            app.user("bob", "attendee").await,
            app.user("cy", "attendee").await,
        );
        // The reminder is due an hour before the start: 20 s from now.
        let starts = chrono::Utc::now() + chrono::Duration::seconds(3600 + 20);
        let mut body = json!({
            "title": "Reminder Night", "description": "d", "venue": "Old Hall", "city": "Berlin",
            "category": "music", "starts_at": starts.to_rfc3339(),
            "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(), "timezone": "Europe/Berlin",
            "reminder_hours": 1, "cancel_cutoff_minutes": 0,
            "ticket_types": [{"name": "GA", "price_cents": 0, "capacity": 10}],
        });
        let mut too_early = body.clone();
        too_early["reminder_hours"] = json!(400);
        let bad = app
            .post("/api/v1/events", Some(&org.token), too_early)
            .await;
        assert_eq!(error_of(bad, 422).await["field"], "reminder_hours");
        let ev: Value = app
            .post("/api/v1/events", Some(&org.token), body.clone())
            .await
            .json()
            .await
            .unwrap();
        let (event_id, tt) = event_ids(&ev);
        assert_eq!(ev["reminder_hours"], 1);
        app.post(
            &format!("/api/v1/events/{event_id}/publish"),
            Some(&org.token),
            json!({}),
        )
        .await;
        let mut booking = std::collections::HashMap::new();
        for (u, k) in [(&a, "a"), (&b, "b"), (&c, "c")] {
            let r = app
                .book(
                    &u.token,
                    event_id,
                    json!({"ticket_type_id": tt, "quantity": 1}),
                    k,
                )
                .await;
            assert_eq!(r.status(), 201);
            let v: Value = r.json().await.unwrap();
            booking.insert(u.email.clone(), v["id"].as_i64().unwrap());
        }
        // Bob turns reminders off; Cy cancels.
        let r = app
            .http
            .put(app.at("/api/v1/me/reminders"))
            .bearer_auth(&b.token)
            .json(&json!({"email": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["email_reminders"], false);
        let r = app
            .post(
                &format!("/api/v1/bookings/{}/cancel", booking[&c.email]),
                Some(&c.token),
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        // Confirmations (which write the reminders) first, then the organizer moves the
        // event 4 s later and to another hall.
        sink.wait_for(30, |m| {
            m.iter()
                .filter(|raw| envelope(raw).1.starts_with("Your tickets"))
                .count()
                == 3
        })
        .await;
        // Admins see the reminders waiting as scheduled, not as due.
        let admin = app.user("admin", "admin").await;
        let o: Value = app
            .get("/api/v1/admin/outbox?state=scheduled", Some(&admin.token))
            .await
            .json()
            .await
            .unwrap();
        assert!(o["scheduled"].as_i64().unwrap() >= 2, "{o}");
        assert!(
            o["rows"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["kind"] == "booking.reminder"),
            "{o}"
        );
        let moved = starts + chrono::Duration::seconds(4);
        body["starts_at"] = json!(moved.to_rfc3339());
        body["ends_at"] = json!((moved + chrono::Duration::hours(2)).to_rfc3339());
        body["venue"] = json!("New Hall");
        body["ticket_types"][0]["id"] = json!(tt);
        let r = app
            .http
            .put(app.at(&format!("/api/v1/events/{event_id}")))
            .bearer_auth(&org.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

        // Ann (reminders on, booked) gets one reminder, for the new start; Bob (off) and Cy
        // (cancelled) none. Ann and Bob hear of the change; Cy does not.
        let msgs = sink
            .wait_for(60, |m| {
                m.iter()
                    .any(|raw| envelope(raw).1.starts_with("Reminder: Reminder Night"))
            })
            .await;
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        let msgs: Vec<_> = sink.messages().into_iter().chain(msgs).collect();
        let mut seen = std::collections::HashSet::new();
        let all: Vec<(String, String, String)> = msgs
            .iter()
            .map(|raw| envelope(raw))
            .filter(|e| seen.insert(e.2.clone()))
            .collect();
        let reminders: Vec<_> = all
            .iter()
            .filter(|e| e.1.starts_with("Reminder:"))
            .collect();
        assert_eq!(reminders.len(), 1, "{}: {all:?}", app.engine);
        assert_eq!(reminders[0].0, a.email);
        assert!(
            reminders[0].2.contains(&format!(
                "booking.reminder-{}-{}",
                booking[&a.email],
                moved.timestamp_millis()
            )),
            "the reminder for the new start: {}",
            reminders[0].2
        );
        let changed: Vec<&String> = all
            .iter()
            .filter(|e| e.1 == "Changed: Reminder Night")
            .map(|e| &e.0)
            .collect();
        assert_eq!(changed.len(), 2, "{all:?}");
        assert!(changed.contains(&&a.email) && changed.contains(&&b.email));
        let change_mail = msgs
            .iter()
            .map(|raw| MessageParser::default().parse(raw).unwrap())
            .find(|m| m.subject() == Some("Changed: Reminder Night"))
            .unwrap();
        let text = change_mail.body_text(0).unwrap();
        assert!(
            text.contains("it was Old Hall, Berlin; it is now New Hall, Berlin"),
            "{text}"
        );
        assert!(text.contains("The time: it was"), "{text}");

        // The reminder's one-click unsubscribe (RFC 8058), posted as a mail client does:
        // a form, from another origin, without a session.
        let reminder = msgs
            .iter()
            .map(|raw| MessageParser::default().parse(raw).unwrap())
            .find(|m| m.subject().is_some_and(|s| s.starts_with("Reminder:")))
            .unwrap();
        let header = |name: &str| {
            reminder
                .header_raw(name)
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        assert_eq!(
            header("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click"
        );
        let link = header("List-Unsubscribe");
        let link = link
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_string();
        assert!(
            link.starts_with(&format!("{}/unsubscribe/", app.url)),
            "{link}"
        );
        // A link made up for someone else changes nothing.
        let (_, mac) = link.rsplit_once('/').unwrap().1.split_once('.').unwrap();
        let forged = format!("{}/unsubscribe/{}.{mac}", app.url, c.id);
        let r = app
            .http
            .post(&forged)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", "https://mail.example")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        error_of(r, 404).await;
        let me: Value = app
            .get("/api/v1/me", Some(&c.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me["email_reminders"], true, "a forged link changes nothing");
        // Opening the link only asks.
        let page = app.http.get(&link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("Stop reminder e-mails?") && html.contains("noindex"));
        let me: Value = app
            .get("/api/v1/me", Some(&a.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me["email_reminders"], true, "a GET changes nothing");
        let r = app
            .http
            .post(&link)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", "https://mail.example")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let me: Value = app
            .get("/api/v1/me", Some(&a.token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            me["email_reminders"], false,
            "one click turned reminders off"
        );
        // The page's own button comes back to the page, which says so.
        let r = app
            .http
            .post(&link)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("from=page")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let back = r.headers()["location"].to_str().unwrap().to_string();
        assert!(back.ends_with("?done=1"), "{back}");
        let html = app
            .http
            .get(app.at(&back))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Reminders are off"), "{html}");
    }
}

/// The first link in a mail's text part that contains `part`.
fn link_in(raw: &[u8], part: &str) -> String {
    let m = MessageParser::default().parse(raw).unwrap();
    let text = m.body_text(0).unwrap().to_string();
    text.split_whitespace()
        .find(|w| w.contains(part))
        .unwrap_or_else(|| panic!("no {part} link in: {text}"))
        .trim_end_matches(['.', ',', ')'])
        .to_string()
}

#[tokio::test]
async fn mailed_links_confirm_an_address_and_set_a_new_password_once() {
    for db in TestDb::all().await {
        let sink = SmtpSink::start().await;
        let app = app_with_sink(db, &sink, &[]).await;
        let pat = app.user("pat", "attendee").await;
        let me: Value = app
            .get("/api/v1/me", Some(&pat.token))
            .await
            .json()
            .await
            .unwrap();
        assert!(me["email_verified_at"].is_null(), "{me}");

        // Sign-up mails a confirmation link; the mailed page only asks, the API confirms once.
        let msgs = sink
            .wait_for(20, |m| count_subject(m, "Confirm your e-mail") == 1)
            .await;
        let mail = msgs
            .iter()
            .find(|raw| envelope(raw).1.starts_with("Confirm your e-mail"))
            .unwrap();
        assert_eq!(envelope(mail).0, pat.email);
        let link = link_in(mail, "/verify-email/");
        let token = link.rsplit('/').next().unwrap().to_string();
        let page = app.http.get(&link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("Confirm my address"));
        let me: Value = app
            .get("/api/v1/me", Some(&pat.token))
            .await
            .json()
            .await
            .unwrap();
        assert!(
            me["email_verified_at"].is_null(),
            "opening the page changes nothing"
        );
        let r = app
            .post("/api/v1/auth/verify-email", None, json!({ "token": token }))
            .await;
        assert_eq!(r.status(), 204);
        let me: Value = app
            .get("/api/v1/me", Some(&pat.token))
            .await
            .json()
            .await
            .unwrap();
        assert!(me["email_verified_at"].is_string(), "{me}");
        let r = app
            .post("/api/v1/auth/verify-email", None, json!({ "token": token }))
            .await;
        assert_eq!(
            error_of(r, 422).await["field"],
            "token",
            "a link works once"
        );

        // "Forgot password" answers the same for a known and an unknown address.
        let known = app
            .post(
                "/api/v1/auth/password-reset",
                None,
                json!({ "email": pat.email }),
            )
            .await;
        assert_eq!(known.status(), 202);
        let known = known.text().await.unwrap();
        let unknown = app
            .post(
                "/api/v1/auth/password-reset",
                None,
                json!({ "email": "nobody-here@example.com" }),
            )
            .await;
        assert_eq!(unknown.status(), 202);
        assert_eq!(unknown.text().await.unwrap(), known);
        let r = app
            .post(
                "/api/v1/auth/password-reset",
                None,
                json!({ "email": "not an address" }),
            )
            .await;
        error_of(r, 422).await;
        let msgs = sink
            .wait_for(20, |m| count_subject(m, "Set a new password") == 1)
            .await;
        let mail = msgs
            .iter()
            .find(|raw| envelope(raw).1.starts_with("Set a new password"))
            .unwrap();
        assert_eq!(
            envelope(mail).0,
            pat.email,
            "only the known address got mail"
        );
        let link = link_in(mail, "/reset-password/");
        let token = link.rsplit('/').next().unwrap().to_string();
        assert!(
            !token.contains(&pat.id.to_string()) || token.len() > 20,
            "{token}"
        );

        // A weak password or a forged link changes nothing; the real link sets it once.
        let confirm = |token: String, pw: &str| {
            app.post(
                "/api/v1/auth/password-reset/confirm",
                None,
                json!({ "token": token, "new_password": pw }),
            )
        };
        let r = confirm(token.clone(), "password123").await;
        assert_eq!(error_of(r, 422).await["field"], "new_password");
        let mut forged = token.clone();
        let last = forged.pop().unwrap();
        forged.push(if last == 'A' { 'B' } else { 'A' });
        let r = confirm(forged, "a brand new passphrase 2026").await;
        assert_eq!(error_of(r, 422).await["field"], "token");
        let r = confirm(token.clone(), "a brand new passphrase 2026").await;
        assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());
        let r = confirm(token.clone(), "another new passphrase 2027").await;
        assert_eq!(
            error_of(r, 422).await["field"],
            "token",
            "a link works once"
        );

        // Every session ended; only the new password signs in.
        let r = app.get("/api/v1/me", Some(&pat.token)).await;
        assert_eq!(r.status(), 401, "the old session is over");
        let login = |pw: &str| {
            app.post(
                "/api/v1/auth/login",
                None,
                json!({ "email": pat.email, "password": pw }),
            )
        };
        assert_eq!(login(crate::helpers::PASSWORD).await.status(), 401);
        assert_eq!(login("a brand new passphrase 2026").await.status(), 200);
    }
}

#[tokio::test]
async fn dropped_connections_lose_no_confirmation_and_a_resend_keeps_its_message_id() {
    use server::smtp_sink::Fault;
    let sink = SmtpSink::start().await;
    let app = app_with_sink(
        TestDb::sqlite().await,
        &sink,
        &[("EVENTLY_OUTBOX_RETRY_MS", "100")],
    )
    .await;
    let org = app.user("org", "organizer").await;
    let ev = app
        .published_event(
            &org,
            json!([{"name": "GA", "price_cents": 0, "capacity": 50}]),
        )
        .await;
    let (event_id, tt) = event_ids(&ev);
    let mut buyers = Vec::new();
    for i in 0..6 {
        buyers.push(app.user(&format!("b{i}"), "attendee").await);
    }
    sink.wait_for(20, |m| count_subject(m, "Confirm your e-mail") == 7)
        .await;
    // The next six messages: three connections drop mid-message, three after the message
    // arrived but before the sink answered.
    sink.faults(&[
        Fault::DropMidMessage,
        Fault::LoseReply,
        Fault::DropMidMessage,
        Fault::LoseReply,
        Fault::DropMidMessage,
        Fault::LoseReply,
    ]);
    let mut bookings = Vec::new();
    for (i, b) in buyers.iter().enumerate() {
        let r = app
            .book(
                &b.token,
                event_id,
                json!({"ticket_type_id": tt, "quantity": 1}),
                &format!("k{i}"),
            )
            .await;
        assert_eq!(r.status(), 201);
        bookings.push(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let distinct = |msgs: &[Vec<u8>]| {
        msgs.iter()
            .map(|raw| envelope(raw))
            .filter(|e| e.1.starts_with("Your tickets"))
            .map(|e| e.2)
            .collect::<std::collections::HashSet<_>>()
    };
    // Six confirmations, three of them twice; then a moment for anything more to show up.
    sink.wait_for(30, |m| {
        distinct(m).len() == 6 && count_subject(m, "Your tickets") >= 9
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let msgs = sink.messages();
    let ids = distinct(&msgs);
    for b in &bookings {
        assert!(
            ids.iter()
                .any(|id| id.contains(&format!("booking.confirmed-{b}@"))),
            "booking {b} was confirmed: {ids:?}"
        );
    }
    let raw = count_subject(&msgs, "Your tickets");
    eprintln!(
        "dropped connections: {} confirmations, {raw} messages received, {} raw duplicates (same Message-ID)",
        ids.len(),
        raw - ids.len()
    );
    assert_eq!(
        raw - ids.len(),
        3,
        "each lost reply is one resend with the same Message-ID, and nothing else is doubled"
    );
}

#[tokio::test]
async fn with_the_switch_on_only_confirmed_addresses_hold_seats() {
    let sink = SmtpSink::start().await;
    let app = app_with_sink(
        TestDb::sqlite().await,
        &sink,
        &[("EVENTLY_REQUIRE_VERIFIED_EMAIL", "on")],
    )
    .await;
    let org = app.user("org", "organizer").await;
    let ev = app
        .published_event(
            &org,
            json!([{"name": "GA", "price_cents": 0, "capacity": 5}]),
        )
        .await;
    let (event_id, tt) = event_ids(&ev);
    let kim = app.user("kim", "attendee").await;
    let r = app
        .book(
            &kim.token,
            event_id,
            json!({"ticket_type_id": tt, "quantity": 1}),
            "first",
        )
        .await;
    let err = error_of(r, 403).await;
    assert_eq!(err["code"], "email_unverified", "{err}");
    let msgs = sink
        .wait_for(20, |m| {
            m.iter().any(|raw| {
                let e = envelope(raw);
                e.0 == kim.email && e.1.starts_with("Confirm your e-mail")
            })
        })
        .await;
    let mail = msgs
        .iter()
        .find(|raw| envelope(raw).0 == kim.email)
        .unwrap();
    let link = link_in(mail, "/verify-email/");
    let token = link.rsplit('/').next().unwrap();
    let r = app
        .post("/api/v1/auth/verify-email", None, json!({ "token": token }))
        .await;
    assert_eq!(r.status(), 204);
    let r = app
        .book(
            &kim.token,
            event_id,
            json!({"ticket_type_id": tt, "quantity": 1}),
            "second",
        )
        .await;
    assert_eq!(r.status(), 201, "confirmed: booking works");
}

#[tokio::test]
async fn sign_up_answers_the_same_for_a_registered_address_and_tells_its_owner() {
    let sink = SmtpSink::start().await;
    let app = app_with_sink(TestDb::sqlite().await, &sink, &[]).await;
    let owner = app.user("owner", "attendee").await;
    let register = |email: String| {
        let app = &app;
        async move {
            let started = std::time::Instant::now();
            let r = app
                .post(
                    "/api/v1/auth/register",
                    None,
                    json!({"email": email, "password": "another long enough password", "name": "Somebody"}),
                )
                .await;
            let took = started.elapsed();
            (r.status().as_u16(), r.text().await.unwrap(), took)
        }
    };
    // The same status and body, new address or registered one.
    let (new_status, new_body, _) = register(format!(
        "fresh-{}@example.com",
        uuid::Uuid::new_v4().simple()
    ))
    .await;
    let (old_status, old_body, _) = register(owner.email.clone()).await;
    assert_eq!((new_status, &new_body), (old_status, &old_body));
    assert_eq!(new_status, 202);
    // No second account, the owner's password unchanged; the owner is told, once an hour.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": owner.email, "password": "another long enough password"}),
        )
        .await;
    assert_eq!(r.status(), 401, "the attempt changed nothing");
    let msgs = sink
        .wait_for(20, |m| count_subject(m, "Someone tried to sign up") >= 1)
        .await;
    let attempt = msgs
        .iter()
        .find(|m| envelope(m).1.starts_with("Someone tried to sign up"))
        .unwrap();
    assert_eq!(envelope(attempt).0, owner.email);
    let (_, _, _) = register(owner.email.clone()).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(
        count_subject(&sink.messages(), "Someone tried to sign up"),
        1,
        "at most one such mail an hour"
    );
    // The same work either way: medians of five (each a password hash and one write).
    let mut fresh = Vec::new();
    let mut taken = Vec::new();
    for _ in 0..5 {
        fresh.push(
            register(format!(
                "fresh-{}@example.com",
                uuid::Uuid::new_v4().simple()
            ))
            .await
            .2,
        );
        taken.push(register(owner.email.clone()).await.2);
    }
    fresh.sort();
    taken.sort();
    let (f, t) = (fresh[2].as_secs_f64() * 1e3, taken[2].as_secs_f64() * 1e3);
    eprintln!("sign-up median: new address {f:.1} ms, registered address {t:.1} ms");
    assert!(
        f / t < 2.0 && t / f < 2.0,
        "sign-up takes about as long either way: new {f:.1} ms, registered {t:.1} ms"
    );
}
