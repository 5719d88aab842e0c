//! What `/metrics` reports, kept by the `metrics` crate and rendered in Prometheus's text format
//! by `metrics-exporter-prometheus`. Each instance (and each test) has its own recorder rather
//! than the process-wide one, so two services in one process never count into each other.

use std::sync::atomic::{AtomicBool, AtomicI64};
use std::time::Duration;

use metrics::{Counter, Gauge, Histogram, Key, Label, Level, Metadata, Recorder, Unit};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// The buckets of `kefu_http_request_duration_seconds`, from a millisecond to ten seconds.
const LATENCY_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub struct Metrics {
    handle: PrometheusHandle,
    pub requests: Counter,
    /// Responses by status class: 2xx, 3xx, 4xx, 5xx.
    pub responses: [Counter; 4],
    pub in_flight: Gauge,
    /// Seconds from a request's arrival to its response's head.
    pub request_seconds: Histogram,
    pub mails_sent: Counter,
    pub mail_failures: Counter,
    pub mails_received: Counter,
    pub outbox_pending: Gauge,
    pub uptime: Gauge,
    /// Last time the outbox worker finished a pass (ms); 0 when no worker runs.
    pub outbox_heartbeat: AtomicI64,
    /// Whether the cross-instance event listener is connected (PostgreSQL).
    pub events_ok: AtomicBool,
}

impl Default for Metrics {
    fn default() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&LATENCY_BUCKETS)
            .map(PrometheusBuilder::build_recorder)
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        let meta = Metadata::new(module_path!(), Level::INFO, None);
        let counter = |name: &'static str, help: &'static str, labels: Vec<Label>| {
            recorder.describe_counter(name.into(), None, help.into());
            recorder.register_counter(&Key::from_parts(name, labels), &meta)
        };
        let gauge = |name: &'static str, help: &'static str| {
            recorder.describe_gauge(name.into(), None, help.into());
            recorder.register_gauge(&Key::from_name(name), &meta)
        };
        let class = |c: &'static str| {
            counter(
                "kefu_http_responses_total",
                "HTTP responses by status class.",
                vec![Label::new("class", c)],
            )
        };
        let request_seconds = {
            let name = "kefu_http_request_duration_seconds";
            recorder.describe_histogram(
                name.into(),
                Some(Unit::Seconds),
                "Time from a request's arrival to its response.".into(),
            );
            recorder.register_histogram(&Key::from_name(name), &meta)
        };
        Metrics {
            requests: counter(
                "kefu_http_requests_total",
                "HTTP requests received.",
                vec![],
            ),
            responses: [class("2xx"), class("3xx"), class("4xx"), class("5xx")],
            in_flight: gauge("kefu_http_in_flight", "Requests being served."),
            request_seconds,
            mails_sent: counter(
                "kefu_mail_sent_total",
                "Mails delivered by the outbox worker.",
                vec![],
            ),
            mail_failures: counter(
                "kefu_mail_failures_total",
                "Failed mail delivery attempts.",
                vec![],
            ),
            mails_received: counter(
                "kefu_mail_received_total",
                "Mails received over IMAP and stored.",
                vec![],
            ),
            outbox_pending: gauge("kefu_outbox_pending", "Mails waiting in the outbox."),
            uptime: gauge("kefu_uptime_seconds", "Seconds since start."),
            outbox_heartbeat: AtomicI64::new(0),
            events_ok: AtomicBool::new(false),
            handle,
        }
    }
}

impl Metrics {
    /// Counts a response and how long it took.
    pub fn responded(&self, status: u16, took: Duration) {
        let class = match status {
            200..=299 => 0,
            300..=399 => 1,
            400..=499 => 2,
            _ => 3,
        };
        self.responses[class].increment(1);
        self.request_seconds.record(took.as_secs_f64());
    }

    /// Everything, in Prometheus's text format.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Folds recorded latencies into the histogram so they do not pile up between scrapes.
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    /// The value of one series as rendered (`kefu_mail_received_total`, or with its labels
    /// `kefu_http_responses_total{class="4xx"}`), for a benchmark waiting on a count.
    pub fn value(&self, series: &str) -> Option<f64> {
        self.render().lines().find_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            (name == series).then(|| value.parse().ok())?
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_render_as_prometheus_text() {
        let m = Metrics::default();
        m.requests.increment(2);
        m.responded(404, Duration::from_millis(3));
        m.mails_sent.increment(1);
        m.outbox_pending.set(0.0);
        let text = m.render();
        for line in [
            "kefu_http_requests_total 2",
            "kefu_http_responses_total{class=\"4xx\"} 1",
            "kefu_http_responses_total{class=\"2xx\"} 0",
            "kefu_mail_sent_total 1",
            "kefu_outbox_pending 0",
            "kefu_http_request_duration_seconds_bucket{le=\"0.005\"} 1",
            "kefu_http_request_duration_seconds_bucket{le=\"0.0025\"} 0",
            "kefu_http_request_duration_seconds_count 1",
            "# HELP kefu_mail_sent_total Mails delivered by the outbox worker.",
        ] {
            assert!(text.contains(line), "{line} missing from:\n{text}");
        }
        assert_eq!(m.value("kefu_mail_sent_total"), Some(1.0));
        assert_eq!(
            m.value("kefu_http_responses_total{class=\"4xx\"}"),
            Some(1.0)
        );
        // Another instance counts on its own.
        assert!(
            Metrics::default()
                .render()
                .contains("kefu_http_requests_total 0")
        );
    }
}
