use crate::helpers::spawn_all;

#[tokio::test]
async fn the_home_page_html_lists_seeded_events_without_running_scripts() {
    for app in spawn_all().await {
        let mut progress = |_: usize, _: usize| {};
        evently::seed::seed_demo(&app.core, 40, &mut progress)
            .await
            .unwrap();
        let upcoming = app.core.events().upcoming_events(48).await.unwrap();
        assert!(upcoming.len() > 10);
        let r = app.get("/", None).await;
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = r.text().await.unwrap();
        for e in upcoming.iter().take(10) {
            let escaped = e.title.replace('&', "&amp;");
            assert!(
                html.contains(&escaped),
                "[{}] home page lacks {:?}",
                app.engine,
                e.title
            );
            assert!(html.contains(&format!("/events/{}", e.slug)));
        }
        assert!(html.contains("<title>Evently"), "a title is set");
        assert!(
            html.contains("<script type=\"module\" src=\"/pkg/boot.js\">"),
            "the boot module is referenced"
        );
        assert!(
            html.contains("<link href=\"/pkg/evently.js\" rel=\"modulepreload\">"),
            "a page with islands preloads the bundle"
        );
        assert!(
            html.contains("<leptos-island") && html.contains("data-component=\"SeatBadge_"),
            "seat badges are islands"
        );
        assert!(
            html.contains("class=\"chip\""),
            "the category filter is rendered"
        );
    }
}

#[tokio::test]
async fn unknown_pages_are_404_with_a_helpful_page() {
    let app = crate::helpers::spawn(
        evently::testing::TestDb::sqlite().await,
        evently::clock::Clock::System,
    )
    .await;
    let r = app.get("/no/such/page", None).await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("couldn't find that page"));
}

/// An anonymous event page is rendered once and then served from the page cache, with an
/// ETag (304 on a match) in the encoding asked for, until the event changes; bookings do not
/// invalidate it; signed-in visitors always get a fresh page.
#[tokio::test]
async fn anonymous_pages_come_from_the_page_cache_until_the_event_changes() {
    use serde_json::json;
    let app = crate::helpers::spawn(
        evently::testing::TestDb::sqlite().await,
        evently::clock::Clock::System,
    )
    .await;
    let organizer = app.user("olga", "organizer").await;
    let ev = app
        .published_event(
            &organizer,
            json!([{ "name": "Standing", "price_cents": 1500, "capacity": 50 }]),
        )
        .await;
    let (event_id, tt) = crate::helpers::event_ids(&ev);
    let path = format!("/events/{}", ev["slug"].as_str().unwrap());

    let first = app.get(&path, None).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["x-page-cache"], "miss");
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(
        first.headers()["cache-control"],
        "public, max-age=0, must-revalidate"
    );
    let first_html = first.text().await.unwrap();
    assert!(first_html.contains("Black-box Night"));

    let second = app.get(&path, None).await;
    assert_eq!(second.headers()["x-page-cache"], "hit");
    assert_eq!(second.headers()["etag"].to_str().unwrap(), etag);
    assert!(
        second.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(second.text().await.unwrap(), first_html, "the same page");

    let r = app
        .http
        .get(app.at(&path))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304, "the client's copy is current");
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);

    let r = app
        .http
        .get(app.at(&path))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
    let body = r.bytes().await.unwrap();
    let mut html = Vec::new();
    brotli::BrotliDecompress(&mut &body[..], &mut html).expect("valid brotli");
    assert_eq!(String::from_utf8(html).unwrap(), first_html);

    // A booking changes counts, which arrive live: the page stays cached.
    let buyer = app.user("bo", "attendee").await;
    let r = app
        .book(
            &buyer.token,
            event_id,
            json!({ "ticket_type_id": tt, "quantity": 2 }),
            "cache-k1",
        )
        .await;
    assert!(
        r.status().is_success(),
        "{}",
        r.text().await.unwrap_or_default()
    );
    assert_eq!(app.get(&path, None).await.headers()["x-page-cache"], "hit");

    // Signed in: rendered for this person, never from the cache, never stored by others.
    let mine = app.get(&path, Some(&buyer.token)).await;
    assert!(mine.headers().get("x-page-cache").is_none());
    assert_eq!(mine.headers()["cache-control"], "private, no-store");

    // An edit of the event (capacity here) empties the cache: the next page is fresh.
    let r = app
        .post(
            &format!("/api/v1/ticket-types/{tt}/capacity"),
            Some(&organizer.token),
            json!({ "capacity": 80 }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let after = app.get(&path, None).await;
    assert_eq!(after.headers()["x-page-cache"], "miss");
    let html = after.text().await.unwrap();
    assert!(
        html.contains("&quot;capacity&quot;:80"),
        "the island's props carry the new capacity"
    );
}
