//! Assets embedded in the binary: stylesheets, the ES modules of the live pages, the widget
//! loader. No build step; what is in `static/` is what is served.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// An ES module of `static/js/`.
macro_rules! js {
    ($name:literal) => {
        (
            concat!("js/", $name),
            "text/javascript; charset=utf-8",
            include_str!(concat!("../static/js/", $name)),
        )
    };
}

const FILES: &[(&str, &str, &str)] = &[
    (
        "kefu.css",
        "text/css; charset=utf-8",
        include_str!("../static/kefu.css"),
    ),
    (
        "widget.css",
        "text/css; charset=utf-8",
        include_str!("../static/widget.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../static/favicon.svg"),
    ),
    js!("socket.js"),
    js!("widget.js"),
    js!("admin_tickets.js"),
    js!("admin_quality.js"),
    js!("callback.js"),
    js!("calls.js"),
    js!("cases.js"),
    js!("console.js"),
    js!("copy.js"),
    js!("desk.js"),
    js!("kb_import.js"),
    js!("console/core.js"),
    js!("console/ticket.js"),
    js!("console/quality.js"),
    js!("console/phrases.js"),
    js!("console/list.js"),
    js!("console/layout.js"),
    js!("console/people.js"),
    js!("theme.js"),
];

/// The widget loader, small enough to sit in every page of a shop.
pub const LOADER: &str = include_str!("../static/js/loader.js");

fn respond(content_type: &'static str, body: &'static str, max_age: u32) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    r
}

pub async fn file(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, ct, body)) => respond(ct, body, 300),
        None => AppError::NotFound.into_response(),
    }
}

pub async fn favicon() -> Response {
    respond(
        "image/svg+xml",
        include_str!("../static/favicon.svg"),
        86_400,
    )
}

pub async fn loader() -> Response {
    let mut r = respond("text/javascript; charset=utf-8", LOADER, 300);
    // The loader runs on the shop's pages: any site may load it.
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}
