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
            html.contains("/pkg/evently.js"),
            "the hydration script is referenced"
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
