use crate::helpers::spawn_all;

#[tokio::test]
async fn health_reports_the_database_and_version() {
    for app in spawn_all().await {
        let r = app.get("/health", None).await;
        assert_eq!(r.status(), 200);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["database"]["status"], "ok");
        assert_eq!(body["database"]["engine"], app.engine);
        assert_eq!(body["redis"]["status"], "not_configured");
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    }
}

#[tokio::test]
async fn health_is_503_when_the_database_is_gone() {
    let app = crate::helpers::spawn(
        evently::testing::TestDb::sqlite().await,
        evently::clock::Clock::System,
    )
    .await;
    app.core.db().close().await;
    let r = app.get("/health", None).await;
    assert_eq!(r.status(), 503);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["database"]["status"], "down");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_with_latency_histograms() {
    for app in spawn_all().await {
        app.get("/health", None).await;
        app.get("/health", None).await;
        app.get("/api/v1/events/999999", None).await;
        let text = app.get("/metrics", None).await.text().await.unwrap();
        assert!(
            text.contains(
                "evently_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains("route=\"/api/v1/events/{id}\",status=\"404\"} 1"),
            "{text}"
        );
        assert!(text.contains("# TYPE evently_http_request_duration_seconds histogram"));
        assert!(text.contains("evently_http_request_duration_seconds_bucket{method=\"GET\",route=\"/health\",status=\"200\",le=\"+Inf\"} 2"));
    }
}

#[tokio::test]
async fn invented_methods_are_counted_as_other_not_as_new_series() {
    let app = crate::helpers::spawn(
        evently::testing::TestDb::sqlite().await,
        evently::clock::Clock::System,
    )
    .await;
    for (method, path) in [
        (&b"XQ1"[..], "/health"),
        (b"XQ1", "/api/v1/events/999999"),
        (b"XQ2", "/health"),
        (b"get", "/health"),
    ] {
        let method = reqwest::Method::from_bytes(method).unwrap();
        let r = app.http.request(method, app.at(path)).send().await.unwrap();
        assert_eq!(r.status(), 405, "{path}");
    }
    app.get("/health", None).await;
    let text = app.get("/metrics", None).await.text().await.unwrap();
    for invented in ["XQ1", "XQ2", "method=\"get\""] {
        assert!(!text.contains(invented), "{invented} in {text}");
    }
    assert!(
        text.contains(
            "evently_http_requests_total{method=\"other\",route=\"/health\",status=\"405\"} 3"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "evently_http_requests_total{method=\"other\",route=\"/api/v1/events/{id}\",status=\"405\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "evently_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_security_headers() {
    let app = crate::helpers::spawn(
        evently::testing::TestDb::sqlite().await,
        evently::clock::Clock::System,
    )
    .await;
    let r = app.get("/health", None).await;
    assert!(
        r.headers()
            .get("x-request-id")
            .is_some_and(|v| v.len() >= 32)
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let r = app
        .http
        .get(app.at("/health"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-me-123");
}
