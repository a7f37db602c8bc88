//! Search, event pages for search engines, sitemaps.

use crate::helpers::{TestApp, User, error_of, spawn, spawn_all};
use evently::clock::Clock;
use evently::testing::TestDb;
use serde_json::{Value, json};
use std::collections::HashSet;

#[allow(clippy::too_many_arguments)] // a test fixture: every field is a knob
async fn event(
    app: &TestApp,
    org: &User,
    title: &str,
    city: &str,
    category: &str,
    days: i64,
    price: i64,
    capacity: i64,
) -> Value {
    let starts = chrono::Utc::now() + chrono::Duration::days(days);
    let body = json!({
        "title": title, "description": format!("{title}: a night to remember."), "venue": "Hall One", "city": city,
        "category": category, "starts_at": starts.to_rfc3339(), "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
        "timezone": "Europe/Berlin", "ticket_types": [{"name": "GA", "price_cents": price, "capacity": capacity}],
        // One buyer may take every seat here (the availability tests sell out alone).
        "max_seats_per_user": 1000,
    });
    let ev: Value = app
        .post("/api/v1/events", Some(&org.token), body)
        .await
        .json()
        .await
        .unwrap();
    let id = ev["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/events/{id}/publish"),
        Some(&org.token),
        json!({}),
    )
    .await
    .json()
    .await
    .unwrap()
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn every_filter_narrows_and_pages_return_each_match_exactly_once() {
    for app in spawn_all().await {
        let org = app.user("org", "organizer").await;
        let mut all = Vec::new();
        for i in 0..24 {
            let (city, cat, price) = match i % 4 {
                0 => ("Berlin", "music", 0),
                1 => ("Lisbon", "music", 2500),
                2 => ("Berlin", "tech", 9900),
                _ => ("Paris", "food", 1500),
            };
            let title = if i % 6 == 0 {
                format!("Jazz Evening {i}")
            } else {
                format!("Gathering {i}")
            };
            all.push(event(&app, &org, &title, city, cat, 5 + i, price, 10).await);
        }
        // A draft never shows up.
        let starts = chrono::Utc::now() + chrono::Duration::days(3);
        app.post("/api/v1/events", Some(&org.token), json!({"title": "Jazz Draft", "description": "d", "venue": "v", "city": "Berlin", "category": "music",
            "starts_at": starts.to_rfc3339(), "ends_at": (starts + chrono::Duration::hours(1)).to_rfc3339(), "ticket_types": [{"name": "GA", "price_cents": 0, "capacity": 1}]})).await;
        let search = |qs: String| {
            let app = &app;
            async move {
                let r = app.get(&format!("/api/v1/events?{qs}"), None).await;
                assert_eq!(r.status(), 200, "{qs}");
                r.json::<Value>().await.unwrap()
            }
        };
        let check = |page: &Value, pred: &dyn Fn(&Value) -> bool, expected: usize, what: &str| {
            let items = page["items"].as_array().unwrap();
            assert_eq!(items.len(), expected, "[{}] {what}", app.engine);
            assert!(items.iter().all(pred), "[{}] {what}: {page}", app.engine);
        };
        check(
            &search("limit=50".into()).await,
            &|_| true,
            24,
            "everything published",
        );
        check(
            &search("category=music&limit=50".into()).await,
            &|e| e["category"] == "music",
            12,
            "category",
        );
        check(
            &search("city=berlin&limit=50".into()).await,
            &|e| e["city"] == "Berlin",
            12,
            "city, any case",
        );
        check(
            &search("free=1&limit=50".into()).await,
            &|e| e["min_price_cents"] == 0,
            6,
            "free",
        );
        check(
            &search("min_price=20&max_price=30&limit=50".into()).await,
            &|e| e["min_price_cents"] == 2500,
            6,
            "price range",
        );
        check(
            &search("q=jazz&limit=50".into()).await,
            &|e| e["title"].as_str().unwrap().contains("Jazz"),
            4,
            "full text",
        );
        check(
            &search("q=jazz&city=Berlin&limit=50".into()).await,
            &|e| e["city"] == "Berlin",
            4,
            "text and city",
        );
        let from = (chrono::Utc::now() + chrono::Duration::days(10)).format("%Y-%m-%d");
        let to = (chrono::Utc::now() + chrono::Duration::days(14)).format("%Y-%m-%d");
        let dated = search(format!("from={from}&to={to}&limit=50")).await;
        assert!(
            (4..=6).contains(&dated["items"].as_array().unwrap().len()),
            "[{}] dates: {dated}",
            app.engine
        );
        // Seats left: sell one event out.
        let sold = &all[1];
        let buyer = app.user("buyer", "attendee").await;
        let r = app
            .book(
                &buyer.token,
                sold["id"].as_i64().unwrap(),
                json!({"ticket_type_id": sold["ticket_types"][0]["id"], "quantity": 10}),
                "all",
            )
            .await;
        assert_eq!(r.status(), 201);
        let avail = ids(&search("available=1&limit=50".into()).await);
        assert_eq!(avail.len(), 23);
        assert!(!avail.contains(&sold["id"].as_i64().unwrap()));
        // Each sort, in pages of 5: every match exactly once, in order.
        for sort in ["soonest", "newest", "cheapest"] {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            let mut pages = 0;
            loop {
                let qs = format!(
                    "sort={sort}&limit=5{}",
                    cursor
                        .as_ref()
                        .map(|c| format!("&cursor={c}"))
                        .unwrap_or_default()
                );
                let page = search(qs).await;
                seen.extend(ids(&page));
                pages += 1;
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_string()),
                    None => break,
                }
                assert!(pages < 20);
            }
            assert_eq!(seen.len(), 24, "[{}] {sort}", app.engine);
            assert_eq!(
                seen.iter().collect::<HashSet<_>>().len(),
                24,
                "[{}] {sort}: duplicates",
                app.engine
            );
            assert_eq!(pages, 5);
        }
        // Bad parameters are 422s naming the field.
        for (qs, field) in [
            ("sort=random", "sort"),
            ("from=yesterday", "from"),
            ("min_price=abc", "min_price"),
            ("cursor=%21%21", "cursor"),
            ("limit=0", "limit"),
        ] {
            let e = error_of(app.get(&format!("/api/v1/events?{qs}"), None).await, 422).await;
            assert_eq!(e["field"], field, "{qs}");
        }
    }
}

#[tokio::test]
async fn whole_words_first_and_unfinished_words_as_prefixes_on_every_page() {
    for app in spawn_all().await {
        let org = app.user("org", "organizer").await;
        for i in 0..7 {
            let title = if i < 5 {
                format!("Symphony Evening {i}")
            } else {
                format!("Symposium on Sound {i}")
            };
            event(&app, &org, &title, "Vienna", "music", 3 + i, 1000, 10).await;
        }
        event(&app, &org, "Sym Night", "Vienna", "music", 20, 1000, 10).await;
        let get = |qs: String| {
            let app = &app;
            async move {
                let r = app.get(&format!("/api/v1/events?{qs}"), None).await;
                assert_eq!(r.status(), 200, "{qs}");
                r.json::<Value>().await.unwrap()
            }
        };
        let titles = |page: &Value| -> Vec<String> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["title"].as_str().unwrap().to_string())
                .collect()
        };
        // A whole word (stemmed: "symphonies" is "symphony") finds only that word.
        let whole = get("q=symphonies&limit=50".into()).await;
        assert_eq!(titles(&whole).len(), 5, "[{}] {whole}", app.engine);
        assert!(titles(&whole).iter().all(|t| t.starts_with("Symphony")));
        // "sym" is a word of one event: whole words, no prefixes.
        assert_eq!(titles(&get("q=sym".into()).await), vec!["Sym Night"]);
        // "symp" is nobody's word: every event with a word that starts with it, page by page.
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..10 {
            let qs = format!(
                "q=symp&limit=3{}",
                cursor
                    .as_ref()
                    .map(|c| format!("&cursor={c}"))
                    .unwrap_or_default()
            );
            let page = get(qs).await;
            seen.extend(titles(&page));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 7, "[{}] {seen:?}", app.engine);
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7);
        assert!(seen.iter().all(|t| t.starts_with("Symp")), "{seen:?}");
        // A real word that matches nothing with the filters stays empty: no prefix guessing.
        assert!(titles(&get("q=symphony&city=Berlin".into()).await).is_empty());
    }
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in page"))
        + start.len();
    let j = html[i..].find(end).unwrap() + i;
    &html[i..j]
}

#[tokio::test]
async fn event_pages_carry_json_ld_canonical_and_open_graph_without_scripts() {
    let app = spawn(TestDb::sqlite().await, Clock::System).await;
    let org = app.user("org", "organizer").await;
    let ev = event(
        &app,
        &org,
        "Late Jazz </script><b>",
        "Berlin",
        "music",
        20,
        2550,
        100,
    )
    .await;
    let (id, tt, slug) = (
        ev["id"].as_i64().unwrap(),
        ev["ticket_types"][0]["id"].as_i64().unwrap(),
        ev["slug"].as_str().unwrap().to_string(),
    );
    // A new address each time: the page cache serves an anonymous page for up to 5 s (seat
    // counts arrive live), and this test reads what a fresh rendering says.
    let fetches = std::sync::atomic::AtomicUsize::new(0);
    let page = |app: &TestApp| {
        let n = fetches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let url = app.at(&format!("/events/{slug}?fetch={n}"));
        async move { reqwest::get(url).await.unwrap() }
    };
    let ld = |html: &str| -> Value {
        let raw = between(html, "<script type=\"application/ld+json\"", "</script>");
        serde_json::from_str(&raw[raw.find('>').unwrap() + 1..]).unwrap()
    };
    let r = page(&app).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        !html.contains("</script><b>"),
        "user text cannot break out of the JSON-LD"
    );
    let doc = ld(&html);
    assert_eq!(doc["@type"], "Event");
    assert_eq!(doc["name"], "Late Jazz </script><b>");
    assert_eq!(doc["eventStatus"], "https://schema.org/EventScheduled");
    assert_eq!(doc["location"]["address"]["addressLocality"], "Berlin");
    assert!(
        doc["startDate"].as_str().unwrap().ends_with("+01:00")
            || doc["startDate"].as_str().unwrap().ends_with("+02:00")
    );
    assert_eq!(doc["offers"][0]["price"], "25.50");
    assert_eq!(doc["offers"][0]["priceCurrency"], "EUR");
    assert_eq!(
        doc["offers"][0]["availability"],
        "https://schema.org/InStock"
    );
    assert!(doc["offers"][0]["validFrom"].is_string());
    assert!(doc["organizer"]["name"].is_string());
    let canonical = format!("{}/events/{slug}", app.url);
    let link = html
        .split("<link")
        .find(|t| {
            t.split('>')
                .next()
                .unwrap_or("")
                .contains("rel=\"canonical\"")
        })
        .expect("a canonical link");
    assert!(
        link.split('>')
            .next()
            .unwrap()
            .contains(&format!("href=\"{canonical}\"")),
        "canonical: {link}"
    );
    for tag in [
        "og:title",
        "og:description",
        "og:url",
        "og:image",
        "twitter:card",
    ] {
        assert!(html.contains(tag), "{tag}");
    }
    assert!(
        html.contains("<title>Late Jazz &lt;/script&gt;&lt;b&gt; ·"),
        "unique title, escaped"
    );
    assert!(!html.contains("noindex"));
    // Availability follows the seats: limited, then sold out.
    let buyer = app.user("buyer", "attendee").await;
    app.book(
        &buyer.token,
        id,
        json!({"ticket_type_id": tt, "quantity": 10}),
        "a",
    )
    .await;
    for k in 0..8 {
        app.book(
            &buyer.token,
            id,
            json!({"ticket_type_id": tt, "quantity": 10}),
            &format!("b{k}"),
        )
        .await;
    }
    assert_eq!(
        ld(&page(&app).await.text().await.unwrap())["offers"][0]["availability"],
        "https://schema.org/LimitedAvailability"
    );
    app.book(
        &buyer.token,
        id,
        json!({"ticket_type_id": tt, "quantity": 10}),
        "last",
    )
    .await;
    let html = page(&app).await.text().await.unwrap();
    assert_eq!(
        ld(&html)["offers"][0]["availability"],
        "https://schema.org/SoldOut"
    );
    assert!(html.contains("Sold out"));
    // Cancelled: still a page, but not for indexing.
    app.post(
        &format!("/api/v1/events/{id}/cancel"),
        Some(&org.token),
        json!({}),
    )
    .await;
    let html = page(&app).await.text().await.unwrap();
    assert_eq!(
        ld(&html)["eventStatus"],
        "https://schema.org/EventCancelled"
    );
    assert!(html.contains("<meta name=\"robots\" content=\"noindex\""));
    // Unknown and draft events are 404.
    assert_eq!(
        reqwest::get(app.at("/events/no-such-event"))
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn the_sitemap_is_valid_xml_listing_published_events_only() {
    let app = spawn(TestDb::sqlite().await, Clock::System).await;
    let org = app.user("org", "organizer").await;
    let live = event(&app, &org, "Open Air Cinema", "Paris", "film", 9, 900, 20).await;
    let cancelled = event(&app, &org, "Called Off", "Paris", "film", 9, 900, 20).await;
    app.post(
        &format!("/api/v1/events/{}/cancel", cancelled["id"]),
        Some(&org.token),
        json!({}),
    )
    .await;
    let starts = chrono::Utc::now() + chrono::Duration::days(3);
    let draft: Value = app.post("/api/v1/events", Some(&org.token), json!({"title": "Secret Draft", "description": "d", "venue": "v", "city": "Paris",
        "category": "film", "starts_at": starts.to_rfc3339(), "ends_at": (starts + chrono::Duration::hours(1)).to_rfc3339(),
        "ticket_types": [{"name": "GA", "price_cents": 0, "capacity": 1}]})).await.json().await.unwrap();
    let robots = reqwest::get(app.at("/robots.txt"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(robots.contains(&format!("Sitemap: {}/sitemap.xml", app.url)));
    let r = reqwest::get(app.at("/sitemap.xml")).await.unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let index = r.text().await.unwrap();
    let doc = roxmltree::Document::parse(&index).expect("the index is well-formed XML");
    let locs: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .map(|n| n.text().unwrap().to_string())
        .collect();
    assert!(locs.iter().any(|l| l.ends_with("/sitemaps/events-1.xml")));
    let mut urls = Vec::new();
    for loc in &locs {
        let path = loc.strip_prefix(&app.url).unwrap();
        let body = reqwest::get(app.at(path))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let d = roxmltree::Document::parse(&body).expect("each sitemap is well-formed XML");
        assert_eq!(d.root_element().tag_name().name(), "urlset");
        urls.extend(
            d.descendants()
                .filter(|n| n.has_tag_name("loc"))
                .map(|n| n.text().unwrap().to_string()),
        );
    }
    assert!(urls.contains(&format!(
        "{}/events/{}",
        app.url,
        live["slug"].as_str().unwrap()
    )));
    assert!(
        !urls
            .iter()
            .any(|u| u.ends_with(cancelled["slug"].as_str().unwrap())),
        "cancelled events are not listed"
    );
    assert!(
        !urls
            .iter()
            .any(|u| u.ends_with(draft["slug"].as_str().unwrap())),
        "drafts are not listed"
    );
    assert_eq!(
        reqwest::get(app.at("/sitemaps/events-0.xml"))
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn server_functions_enforce_ownership_too() {
    let app = spawn(TestDb::sqlite().await, Clock::System).await;
    let org = app.user("org", "organizer").await;
    let ev = event(&app, &org, "Owner Check", "Berlin", "music", 9, 1000, 10).await;
    let a = app.user("alice", "attendee").await;
    let b = app.user("bob", "attendee").await;
    let booking: Value = app
        .book(
            &a.token,
            ev["id"].as_i64().unwrap(),
            json!({"ticket_type_id": ev["ticket_types"][0]["id"], "quantity": 2}),
            "k",
        )
        .await
        .json()
        .await
        .unwrap();
    let id = booking["id"].as_i64().unwrap();
    let call = |token: &str, path: &str, form: Vec<(&str, String)>| {
        let req = app
            .http
            .post(app.at(path))
            .header("cookie", format!("evently_at={token}"))
            .form(&form);
        async move { req.send().await.unwrap() }
    };
    // Bob cannot load or cancel Alice's booking through the page's server functions.
    let r = call(
        &b.token,
        "/api/load_booking",
        vec![("booking_id", id.to_string())],
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = call(
        &b.token,
        "/api/cancel_booking",
        vec![("booking_id", id.to_string())],
    )
    .await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "not_found");
    let stored = evently::store::bookings::by_id(app.core.db(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, evently::domain::BookingStatus::Confirmed);
    // Alice can, and the seats come back.
    let r = call(
        &a.token,
        "/api/cancel_booking",
        vec![("booking_id", id.to_string())],
    )
    .await;
    assert_eq!(r.status(), 200);
    let e: Value = app
        .get(&format!("/api/v1/events/{}", ev["id"]), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["ticket_types"][0]["available"], 10);
    // Another organizer cannot read this event's attendees or check tickets in.
    let other = app.user("other-org", "organizer").await;
    let r = call(
        &other.token,
        "/api/event_attendees",
        vec![("event_id", ev["id"].to_string())],
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = call(
        &other.token,
        "/api/check_in",
        vec![("event_id", ev["id"].to_string()), ("code", "ABC".into())],
    )
    .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn organizers_check_attendees_in_by_ticket_code() {
    let app = spawn(TestDb::sqlite().await, Clock::System).await;
    let org = app.user("org", "organizer").await;
    let ev = event(&app, &org, "Door Test", "Berlin", "music", 9, 1000, 10).await;
    let buyer = app.user("buyer", "attendee").await;
    app.book(
        &buyer.token,
        ev["id"].as_i64().unwrap(),
        json!({"ticket_type_id": ev["ticket_types"][0]["id"], "quantity": 1}),
        "k",
    )
    .await;
    let mine: Value = app
        .get("/api/v1/me/bookings", Some(&buyer.token))
        .await
        .json()
        .await
        .unwrap();
    let code = mine[0]["tickets"][0]["code"].as_str().unwrap().to_string();
    let check = |code: String| {
        let req = app
            .http
            .post(app.at("/api/check_in"))
            .header("cookie", format!("evently_at={}", org.token))
            .form(&[("event_id", ev["id"].to_string()), ("code", code)]);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(check(code.to_lowercase()).await["result"], "checked_in");
    assert_eq!(check(code.clone()).await["result"], "already_checked_in");
    assert_eq!(check("NOPE12345".into()).await["result"], "not_found");
    let attendees = app
        .http
        .post(app.at("/api/event_attendees"))
        .header("cookie", format!("evently_at={}", org.token))
        .form(&[
            ("event_id", ev["id"].to_string()),
            ("q", code[..4].to_string()),
        ])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(attendees[0]["ticket_code"], code);
    assert!(attendees[0]["checked_in_at"].is_string());
}

#[tokio::test]
async fn attendee_search_ignores_case_and_accents_on_every_engine() {
    for app in spawn_all().await {
        let org = app.user("org", "organizer").await;
        let ev = event(&app, &org, "Fold Test", "Berlin", "music", 9, 1000, 10).await;
        for (handle, name) in [("zoe", "ZOË Ångström"), ("ana", "Ana Lopez")] {
            let buyer = app.user_named(handle, name, "attendee").await;
            app.book(
                &buyer.token,
                ev["id"].as_i64().unwrap(),
                json!({"ticket_type_id": ev["ticket_types"][0]["id"], "quantity": 1}),
                handle,
            )
            .await;
        }
        let search = |q: &'static str| {
            let req = app
                .http
                .post(app.at("/api/event_attendees"))
                .header("cookie", format!("evently_at={}", org.token))
                .form(&[("event_id", ev["id"].to_string()), ("q", q.to_string())]);
            async move {
                let rows = req.send().await.unwrap().json::<Value>().await.unwrap();
                rows.as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["buyer_name"].as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
            }
        };
        for q in ["zoe", "Zoë", "ANGSTROM", "ångström", "zoë ång"] {
            assert_eq!(search(q).await, ["ZOË Ångström"], "{q}");
        }
        assert_eq!(search("lopez").await, ["Ana Lopez"]);
        assert!(search("zoey").await.is_empty());
    }
}
