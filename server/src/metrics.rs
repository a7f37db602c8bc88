//! Prometheus metrics through the `metrics` facade: code records with `metrics::counter!`,
//! `gauge!` and `histogram!`, and `GET /metrics` renders what this server's recorder holds.
//!
//! Each server owns its recorder (held in [`Metrics`], in the `AppState`), so every server in
//! a test process reports only its own traffic. The recorder is current while that server's
//! code runs: each request (the [`track_metrics`](crate::middleware::track_metrics) layer),
//! each live WebSocket and each background task is polled inside [`Metrics::scope`] (spawn
//! server tasks with [`Metrics::spawn`]). A task spawned anywhere else, such as the booking
//! engine's per-ticket-type worker in the core, runs outside every scope: its metrics go to
//! the process-wide recorder. `serve` makes that the same recorder
//! ([`Metrics::install_global`]), so production loses nothing; tests leave it unset, so there
//! such metrics are dropped and a test that needs them must record them inside a scope.

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use std::future::Future;
use std::sync::Arc;
use tokio::sync::watch;

/// HTTP requests by method, route and status.
pub const HTTP_REQUESTS: &str = "evently_http_requests_total";
/// HTTP request latency by method, route and status, in seconds.
pub const HTTP_DURATION: &str = "evently_http_request_duration_seconds";
/// Open live WebSocket connections.
pub const WS_CONNECTIONS: &str = "evently_ws_connections";
/// Messages sent to live WebSocket clients.
pub const WS_MESSAGES_SENT: &str = "evently_ws_messages_sent_total";
/// WebSocket clients dropped for not keeping up.
pub const WS_DROPPED_SLOW: &str = "evently_ws_dropped_slow_total";
/// Live WebSocket connections refused or closed by a limit, by `reason`: `client` (too many
/// from one client), `server` (too many in all) or `messages` (a client sent too fast).
pub const WS_REFUSED: &str = "evently_ws_refused_total";
/// Live availability messages queued for clients.
pub const LIVE_MESSAGES_QUEUED: &str = "evently_live_messages_queued_total";
/// 1 while live changes are shared through Redis.
pub const LIVE_REDIS_CONNECTED: &str = "evently_live_redis_connected";
/// Resident memory of the process, set when `/metrics` is read.
pub const RESIDENT_MEMORY: &str = "process_resident_memory_bytes";
/// Outbox messages not yet delivered (pending, due or not), at scrape time.
pub const OUTBOX_DEPTH: &str = "evently_outbox_depth";
/// Outbox messages given up on, at scrape time.
pub const OUTBOX_DEAD: &str = "evently_outbox_dead";
/// Seconds the oldest due message has waited, at scrape time (0 when none is due).
pub const OUTBOX_OLDEST_DUE_AGE: &str = "evently_outbox_oldest_due_age_seconds";
/// Messages delivered on a channel, by this server.
pub const DELIVERIES: &str = "evently_deliveries_total";
/// Failed delivery attempts on a channel, by this server.
pub const DELIVERY_FAILURES: &str = "evently_delivery_failures_total";
/// From a message's commit to its delivery, by channel (first attempts that succeeded).
pub const DELIVERY_LATENCY: &str = "evently_delivery_latency_seconds";

/// Bucket bounds, in seconds, of every histogram that does not set its own (request latency
/// among them): real Prometheus histograms, so instances can be added up.
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes.
pub const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The methods that get their own label value; any other is counted as `other`, so invented
/// methods cannot create new series.
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// The `method` label for a request method: one of [`METHODS`] or `other`.
pub fn method_label(method: &http::Method) -> &'static str {
    METHODS
        .iter()
        .find(|m| **m == method.as_str())
        .copied()
        .unwrap_or("other")
}

/// One server's recorder and the handle that renders it; cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh recorder with the latency buckets and every metric's `# HELP` text.
    pub fn new() -> Metrics {
        // `set_buckets` fails only on an empty list.
        let builder = match PrometheusBuilder::new().set_buckets(&LATENCY_BUCKETS) {
            Ok(b) => b,
            Err(_) => PrometheusBuilder::new(),
        };
        let recorder = Arc::new(builder.build_recorder());
        let handle = recorder.handle();
        let metrics = Metrics { recorder, handle };
        metrics.in_scope(describe_all);
        metrics
    }

    /// Runs `f` with this server's recorder current (synchronous code).
    pub fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(self.recorder.as_ref(), f)
    }

    /// `fut`, with this server's recorder current whenever it is polled; like
    /// `tracing::Instrument`, wrap each task where it is spawned.
    pub fn scope<F: Future>(&self, fut: F) -> impl Future<Output = F::Output> + use<F> {
        let recorder = Arc::clone(&self.recorder);
        async move {
            let mut fut = std::pin::pin!(fut);
            std::future::poll_fn(|cx| {
                metrics::with_local_recorder(recorder.as_ref(), || fut.as_mut().poll(cx))
            })
            .await
        }
    }

    /// Spawns `fut` as a task in this server's scope.
    pub fn spawn<F>(&self, fut: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(self.scope(fut))
    }

    /// Makes this recorder the process-wide one as well, so metrics recorded outside any
    /// [`scope`](Self::scope) land here too. Only for a process that runs one server
    /// (`serve`); false when a process-wide recorder was already set.
    pub fn install_global(&self) -> bool {
        metrics::set_global_recorder(Arc::clone(&self.recorder)).is_ok()
    }

    /// Folds histogram samples into their buckets every [`UPKEEP_EVERY`] until `stop`, so
    /// samples do not pile up when nobody scrapes.
    pub async fn run_upkeep(self, mut stop: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(UPKEEP_EVERY) => self.handle.run_upkeep(),
                _ = stop.changed() => return,
            }
        }
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        self.handle.render()
    }
}

fn describe_all() {
    describe_counter!(HTTP_REQUESTS, "HTTP requests by method, route and status.");
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "HTTP request latency by method, route and status."
    );
    describe_gauge!(WS_CONNECTIONS, "Open live WebSocket connections.");
    describe_counter!(WS_MESSAGES_SENT, "Messages sent to live WebSocket clients.");
    describe_counter!(
        WS_DROPPED_SLOW,
        "WebSocket clients dropped for not keeping up."
    );
    describe_counter!(
        WS_REFUSED,
        "Live WebSocket connections refused or closed by a limit, by reason."
    );
    describe_counter!(
        LIVE_MESSAGES_QUEUED,
        "Live availability messages queued for clients."
    );
    describe_gauge!(
        LIVE_REDIS_CONNECTED,
        "1 while live changes are shared through Redis."
    );
    describe_gauge!(OUTBOX_DEPTH, "Outbox messages not delivered yet.");
    describe_gauge!(
        OUTBOX_DEAD,
        "Outbox messages given up on after the maximum attempts."
    );
    describe_gauge!(
        OUTBOX_OLDEST_DUE_AGE,
        Unit::Seconds,
        "How long the oldest due outbox message has waited."
    );
    describe_counter!(
        DELIVERIES,
        "Messages delivered, by channel (email, inbox, push: one per device)."
    );
    describe_counter!(DELIVERY_FAILURES, "Failed delivery attempts, by channel.");
    describe_histogram!(
        DELIVERY_LATENCY,
        Unit::Seconds,
        "From a message's commit to its delivery, by channel."
    );
    describe_gauge!(
        RESIDENT_MEMORY,
        Unit::Bytes,
        "Resident memory size in bytes."
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use metrics::{counter, gauge, histogram};

    fn request(m: &Metrics, secs: f64) {
        m.in_scope(|| {
            let labels = [("method", "GET"), ("route", "/health"), ("status", "200")];
            counter!(HTTP_REQUESTS, &labels).increment(1);
            histogram!(HTTP_DURATION, &labels).record(secs);
        });
    }

    #[test]
    fn renders_histograms_in_prometheus_format() {
        let m = Metrics::new();
        request(&m, 0.003);
        request(&m, 0.2);
        m.in_scope(|| counter!(WS_MESSAGES_SENT).increment(3));
        m.in_scope(|| gauge!(WS_CONNECTIONS).increment(2.0));
        m.in_scope(|| gauge!(WS_CONNECTIONS).decrement(1.0));
        let text = m.render();
        assert!(text.contains(
            "evently_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 2"
        ));
        assert!(text.contains("# TYPE evently_http_request_duration_seconds histogram"));
        assert!(text.contains(
            "# HELP evently_http_request_duration_seconds HTTP request latency by method, route and status."
        ));
        let bucket = "evently_http_request_duration_seconds_bucket{method=\"GET\",route=\"/health\",status=\"200\"";
        assert!(text.contains(&format!("{bucket},le=\"0.0025\"}} 0")));
        assert!(text.contains(&format!("{bucket},le=\"0.005\"}} 1")));
        assert!(text.contains(&format!("{bucket},le=\"0.25\"}} 2")));
        assert!(text.contains(&format!("{bucket},le=\"30\"}} 2")));
        assert!(text.contains(&format!("{bucket},le=\"+Inf\"}} 2")));
        assert!(text.contains("evently_ws_messages_sent_total 3"));
        assert!(text.contains("# HELP evently_ws_messages_sent_total Messages sent"));
        assert!(text.contains("# TYPE evently_ws_connections gauge"));
        assert!(text.contains("evently_ws_connections 1\n"), "{text}");
    }

    #[test]
    fn each_recorder_counts_only_what_was_recorded_in_its_scope() {
        let (a, b) = (Metrics::new(), Metrics::new());
        request(&a, 0.01);
        request(&a, 0.01);
        request(&b, 0.01);
        // Outside every scope: the process-wide recorder (none in tests).
        counter!(HTTP_REQUESTS, "method" => "GET", "route" => "/health", "status" => "200")
            .increment(10);
        assert!(a.render().contains("status=\"200\"} 2"));
        assert!(b.render().contains("status=\"200\"} 1"));
    }

    #[tokio::test]
    async fn a_scoped_future_records_into_its_recorder_across_awaits() {
        let (a, b) = (Metrics::new(), Metrics::new());
        let inner = b.clone();
        let task = a.scope(async move {
            counter!(WS_MESSAGES_SENT).increment(1);
            tokio::task::yield_now().await;
            // Nested scopes restore the outer one when they end.
            inner.in_scope(|| counter!(WS_MESSAGES_SENT).increment(5));
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            counter!(WS_MESSAGES_SENT).increment(1);
        });
        tokio::spawn(task).await.unwrap();
        assert!(a.render().contains("evently_ws_messages_sent_total 2"));
        assert!(b.render().contains("evently_ws_messages_sent_total 5"));
    }

    #[test]
    fn methods_map_to_a_fixed_set() {
        use http::Method;
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::OPTIONS), "OPTIONS");
        assert_eq!(method_label(&Method::TRACE), "other");
        assert_eq!(method_label(&Method::from_bytes(b"XQ1").unwrap()), "other");
        // Methods are case-sensitive: `get` is an extension method, not GET.
        assert_eq!(method_label(&Method::from_bytes(b"get").unwrap()), "other");
    }
}
