//! Kefu's HTTP edge: pages, the REST API, health and metrics, and the layers that secure them.

pub mod api;
pub mod assets;
pub mod auth;
pub mod chat_api;
pub mod error;
pub mod extract;
pub mod mail_api;
pub mod middleware;
pub mod pages;
pub mod realtime;
pub mod routes;
pub mod state;
pub mod widget;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde_json::json;

pub use routes::{Access, RouteInfo};
pub use state::{AppState, WebConfig};

use routes::Routes;

/// Builds the application and returns it with its route table.
pub fn app(state: AppState) -> (Router, Vec<RouteInfo>) {
    let r = Routes::new(state.clone());
    // Each area's routes, with the access rule of each.
    let r = routes::pages::add(r);
    let r = routes::api::add(r);
    let r = routes::tickets::add(r);
    let r = routes::chat::add(r);
    let r = routes::knowledge::add(r);
    let (router, table) = r.into_parts();
    let router = router
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::csrf,
        ))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::declared_length,
        ))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::metrics,
        ))
        .with_state(state);
    (router, table)
}

async fn not_found(
    uri: axum::http::Uri,
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Response {
    if uri.path().starts_with("/api/") || uri.path().starts_with("/widget/api/") {
        error::AppError::NotFound.into_response()
    } else {
        pages::error_page(&state, &headers, StatusCode::NOT_FOUND)
    }
}

/// Healthy means work gets done: the database answers and, where a mail worker runs, it has
/// finished a pass recently. 503 otherwise, with what is wrong.
async fn healthz(State(state): State<AppState>) -> Response {
    // A database that went away would hold the check for the pool's whole acquire timeout:
    // health answers within two seconds, and says so.
    let h = kefu_service::health::check(&state).await;
    let healthy = h.healthy();
    let body = json!({
        "status": if healthy { "ok" } else { "unhealthy" },
        "database": if h.database_ok { "ok" } else { "unreachable" },
        "backend": h.backend,
        "outbox": { "worker": h.worker, "pending": h.pending },
        "events": h.events,
        "connections": state.hub.connections(),
        "uptime_seconds": state.started_at.elapsed().as_secs(),
    });
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// Prometheus text format, written by hand: a handful of counters needs no library.
async fn metrics(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    let pending = kefu_service::health::pending_mail(&state).await;
    let mut out = String::new();
    let mut counter = |name: &str, help: &str, kind: &str, series: &[(&str, i64)]| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        for (labels, v) in series {
            out.push_str(&format!("{name}{labels} {v}\n"));
        }
    };
    let get = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed) as i64;
    counter(
        "kefu_http_requests_total",
        "HTTP requests received.",
        "counter",
        &[("", get(&m.requests))],
    );
    counter(
        "kefu_http_responses_total",
        "HTTP responses by status class.",
        "counter",
        &[
            ("{class=\"2xx\"}", get(&m.responses_2xx)),
            ("{class=\"3xx\"}", get(&m.responses_3xx)),
            ("{class=\"4xx\"}", get(&m.responses_4xx)),
            ("{class=\"5xx\"}", get(&m.responses_5xx)),
        ],
    );
    counter(
        "kefu_http_in_flight",
        "Requests being served.",
        "gauge",
        &[("", m.in_flight.load(Ordering::Relaxed))],
    );
    counter(
        "kefu_mail_sent_total",
        "Mails delivered by the outbox worker.",
        "counter",
        &[("", get(&m.mails_sent))],
    );
    counter(
        "kefu_mail_failures_total",
        "Failed mail delivery attempts.",
        "counter",
        &[("", get(&m.mail_failures))],
    );
    counter(
        "kefu_outbox_pending",
        "Mails waiting in the outbox.",
        "gauge",
        &[("", pending)],
    );
    counter(
        "kefu_uptime_seconds",
        "Seconds since start.",
        "gauge",
        &[("", state.started_at.elapsed().as_secs() as i64)],
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

/// Serves until `shutdown` resolves, then stops accepting and finishes requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt as _;
    // Small frames (chat messages, acks) go out at once instead of waiting on Nagle's
    // algorithm and the peer's delayed acknowledgement (up to 40 ms).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
