//! Prometheus metrics: request counts and latency histograms by route and status, plus
//! gauges and counters other parts of the server report.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

const BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), Series>,
    counters: BTreeMap<&'static str, (u64, &'static str)>,
    gauges: BTreeMap<&'static str, (i64, &'static str)>,
}

/// The registry; cheap to clone.
#[derive(Clone, Default)]
pub struct Metrics(Arc<Mutex<Inner>>);

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records one request.
    pub fn observe(&self, method: &str, route: &str, status: u16, secs: f64) {
        let mut inner = self.lock();
        let s = inner
            .requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default();
        s.count += 1;
        s.sum += secs;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    /// Adds to a counter.
    pub fn inc(&self, name: &'static str, help: &'static str, by: u64) {
        let mut inner = self.lock();
        let c = inner.counters.entry(name).or_insert((0, help));
        c.0 += by;
    }

    /// Moves a gauge.
    pub fn gauge_add(&self, name: &'static str, help: &'static str, by: i64) {
        let mut inner = self.lock();
        let g = inner.gauges.entry(name).or_insert((0, help));
        g.0 += by;
    }

    /// Sets a gauge.
    pub fn gauge_set(&self, name: &'static str, help: &'static str, value: i64) {
        self.lock().gauges.insert(name, (value, help));
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let inner = self.lock();
        let mut out = String::with_capacity(4096);
        out.push_str(
            "# HELP evently_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE evently_http_requests_total counter\n");
        for ((m, r, s), series) in &inner.requests {
            let _ = writeln!(
                out,
                "evently_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{s}\"}} {}",
                esc(r),
                series.count
            );
        }
        out.push_str("# HELP evently_http_request_duration_seconds HTTP request latency by method, route and status.\n");
        out.push_str("# TYPE evently_http_request_duration_seconds histogram\n");
        for ((m, r, s), series) in &inner.requests {
            let labels = format!("method=\"{m}\",route=\"{}\",status=\"{s}\"", esc(r));
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "evently_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                    series.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "evently_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                series.count
            );
            let _ = writeln!(
                out,
                "evently_http_request_duration_seconds_sum{{{labels}}} {}",
                series.sum
            );
            let _ = writeln!(
                out,
                "evently_http_request_duration_seconds_count{{{labels}}} {}",
                series.count
            );
        }
        for (name, (v, help)) in &inner.counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
            );
        }
        for (name, (v, help)) in &inner.gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        out
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_histograms_in_prometheus_format() {
        let m = super::Metrics::default();
        m.observe("GET", "/health", 200, 0.003);
        m.observe("GET", "/health", 200, 0.2);
        m.inc("evently_ws_messages_sent_total", "Messages sent.", 3);
        let text = m.render();
        assert!(text.contains(
            "evently_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("evently_ws_messages_sent_total 3"));
    }
}
