//! The one error type at the web edge. Every error has a stable snake_case code, the right
//! HTTP status, and a message safe to show; internal details go to the log, never the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{1}")]
    BadRequest(&'static str, String),
    #[error("sign in first")]
    Unauthorized,
    #[error("you may not do this")]
    Forbidden,
    #[error("the security token of this form is missing or wrong; reload the page")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("{1}")]
    Conflict(&'static str, String),
    #[error("the request body is too large")]
    TooLarge,
    #[error("too many attempts; try again in {0} seconds")]
    RateLimited(u64),
    #[error("confirm your password first")]
    ReauthRequired,
    #[error("the service is unavailable")]
    Unavailable(String),
    /// The server's disk is full: nothing was stored (it works again once space is freed).
    #[error("the server's storage is full; nothing was stored, try again later")]
    StorageFull(String),
    /// Load shedding: more is queued than can be committed promptly; nothing was stored.
    #[error("the server is busy; nothing was stored, send it again shortly")]
    Busy,
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        AppError::BadRequest(code, message.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(..) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf | AppError::ReauthRequired => {
                StatusCode::FORBIDDEN
            }
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(..) => StatusCode::CONFLICT,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::StorageFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(code, _) | AppError::Conflict(code, _) => code,
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf_failed",
            AppError::NotFound => "not_found",
            AppError::TooLarge => "payload_too_large",
            AppError::RateLimited(_) => "rate_limited",
            AppError::ReauthRequired => "reauth_required",
            AppError::Unavailable(_) => "unavailable",
            AppError::StorageFull(_) => "storage_full",
            AppError::Busy => "busy",
            AppError::Internal(_) => "internal",
        }
    }
}

/// The JSON body of every error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code, e.g. `invalid_email`, `not_found`, `rate_limited`.
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail)
        | AppError::Unavailable(detail)
        | AppError::StorageFull(detail) = &self
        {
            tracing::error!(code = self.code(), %detail, "request failed");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message: self.to_string(),
            },
        };
        let mut resp = (self.status(), Json(body)).into_response();
        if let AppError::RateLimited(secs) = self
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if let AppError::Busy = self {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        resp
    }
}

impl From<kefu_store::Error> for AppError {
    fn from(e: kefu_store::Error) -> Self {
        if e.is_storage_full() {
            return AppError::StorageFull(e.to_string());
        }
        match e {
            kefu_store::Error::NotFound => AppError::NotFound,
            kefu_store::Error::Conflict(m) => AppError::Conflict("conflict", m),
            kefu_store::Error::Stale(m) => AppError::Conflict("edit_conflict", m),
            kefu_store::Error::Sqlx(sqlx_err) => AppError::Unavailable(sqlx_err.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<kefu_core::protocol::FrameError> for AppError {
    fn from(e: kefu_core::protocol::FrameError) -> Self {
        AppError::bad(e.code(), e.to_string())
    }
}

impl From<kefu_core::validate::Invalid> for AppError {
    fn from(e: kefu_core::validate::Invalid) -> Self {
        AppError::BadRequest(e.code(), e.to_string())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;
