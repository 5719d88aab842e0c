//! Layers every request passes through: metrics, security headers, body limits, CSRF protection.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{self, cookie};
use crate::error::AppError;
use crate::state::AppState;

pub const CSRF_COOKIE: &str = "kefu_csrf";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The content security policy: our own scripts and styles only, no framing, no plugins.
/// Files chosen to send are previewed from `blob:` URLs before they go.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The widget's chat page is the one page other sites may frame (the shop embeds it). Its
/// image previews are fetched with the visitor's token and shown from `blob:` URLs.
pub const CSP_WIDGET_FRAME: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors *";

/// Bodies this much over the limit are still read (and thrown away) before the 413, so the
/// client, which is usually still sending, gets the answer instead of a reset connection.
const DRAIN_OVER_LIMIT: u64 = 8 * 1024 * 1024;

/// Refuses a body whose declared length is over the limit without keeping any of it: a body
/// somewhat over is read and dropped first (for at most a few seconds); a far bigger one is
/// refused at once and the connection closed. Attachment uploads have their own, larger limit;
/// bodies without a declared length are cut off by the extractors as they stream in.
pub async fn declared_length(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = if req.method() == Method::POST && req.uri().path().ends_with("/attachments") {
        state.config.max_upload_bytes
    } else {
        state.config.max_body_bytes
    } as u64;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let Some(declared) = declared.filter(|n| *n > limit) else {
        return next.run(req).await;
    };
    let mut resp = AppError::TooLarge.into_response();
    if declared <= limit + DRAIN_OVER_LIMIT {
        use futures_util::StreamExt;
        let mut stream = req.into_body().into_data_stream();
        let drained = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while let Some(chunk) = stream.next().await {
                if chunk.is_err() {
                    return false;
                }
            }
            true
        })
        .await;
        if drained == Ok(true) {
            return resp;
        }
    }
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

pub async fn security_headers(req: Request, next: Next) -> Response {
    let framable = req.uri().path() == "/widget/frame";
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if framable {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP_WIDGET_FRAME),
        );
    } else {
        // A handler's own policy is stricter on purpose (a sandbox for a mail's original HTML
        // and for file previews): kept.
        h.entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static(CSP));
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            "cross-origin-opener-policy",
            HeaderValue::from_static("same-origin"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    // The widget's frame may record voice notes (when the shop's page delegates the microphone
    // with `allow`, as the loader does); no other page uses it.
    h.insert(
        "permissions-policy",
        HeaderValue::from_static(if framable {
            "camera=(), microphone=(self), geolocation=()"
        } else {
            "camera=(), microphone=(), geolocation=()"
        }),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

pub async fn metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let m = &state.metrics;
    m.requests.increment(1);
    m.in_flight.increment(1.0);
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    m.in_flight.decrement(1.0);
    let took = started.elapsed();
    // Paths only: query strings can carry tokens.
    tracing::debug!(%method, %path, status = resp.status().as_u16(), ms = took.as_millis() as u64, "request");
    m.responded(resp.status().as_u16(), took);
    resp
}

/// The CSRF token of this browser, for forms (`<input name="_csrf">`) and scripts.
#[derive(Clone)]
pub struct CsrfToken(pub String);

impl FromRequestParts<AppState> for CsrfToken {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .ok_or_else(|| AppError::Internal("csrf layer missing".into()))
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn looks_like_token(s: &str) -> bool {
    (20..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Double-submit CSRF protection: a random token lives in a cookie, and every state-changing
/// request authenticated by cookie must repeat it in a form field or header. Another site can
/// neither read the cookie nor forge the copy. Requests with an API or visitor token carry no
/// ambient credentials and are exempt; cross-site requests (per `Sec-Fetch-Site`) are refused outright.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let existing = cookie(req.headers(), CSRF_COOKIE)
        .filter(|t| looks_like_token(t))
        .map(str::to_string);
    let token = existing.clone().unwrap_or_else(kefu_core::id::new_token);
    let mut req = req;
    // The widget's API runs in a third-party iframe (no cookies) and is authenticated by the
    // visitor token alone; creating a visitor needs no credential at all.
    // A shop server checking a signed identity sends no cookie and relies on none: the
    // signature in the body is its credential.
    let token_auth = auth::bearer(req.headers()).is_some()
        || auth::visitor_token(req.headers()).is_some()
        || req.uri().path().starts_with("/widget/api/")
        || req.uri().path() == "/api/v1/identity/verify";
    if !is_safe(req.method()) && !token_auth {
        if req
            .headers()
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() == b"cross-site")
        {
            return AppError::Csrf.into_response();
        }
        let from_header = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let supplied = match from_header {
            Some(h) => Some(h),
            None if is_form(&req) => {
                let (parts, body) = req.into_parts();
                let bytes = match to_bytes(body, state.config.max_body_bytes).await {
                    Ok(b) => b,
                    Err(_) => return AppError::TooLarge.into_response(),
                };
                let field = form_field(&bytes, CSRF_FIELD);
                req = Request::from_parts(parts, Body::from(bytes));
                field
            }
            None => None,
        };
        let ok = matches!((&existing, &supplied), (Some(e), Some(s))
            if kefu_core::id::constant_time_eq(e.as_bytes(), s.as_bytes()));
        if !ok {
            return AppError::Csrf.into_response();
        }
    }
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut resp = next.run(req).await;
    if existing.is_none() {
        let secure = if state.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}"
        )) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

fn is_form(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded_pairs(body)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// A minimal `application/x-www-form-urlencoded` reader (the CSRF field is plain ASCII).
fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            (
                kefu_core::url::decode_form(k),
                kefu_core::url::decode_form(v),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_form_fields() {
        assert_eq!(
            form_field(b"a=1&_csrf=abc%2Dd&b=2", "_csrf").as_deref(),
            Some("abc-d")
        );
        assert_eq!(form_field(b"a=1", "_csrf"), None);
    }
}
