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

/// Prometheus text format, from the instance's own recorder (`kefu_service::telemetry`).
async fn metrics(State(state): State<AppState>) -> Response {
    let pending = kefu_service::health::pending_mail(&state).await;
    let m = &state.metrics;
    m.outbox_pending.set(pending as f64);
    m.uptime
        .set(state.started_at.elapsed().as_secs_f64().floor());
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        m.render(),
    )
        .into_response()
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
