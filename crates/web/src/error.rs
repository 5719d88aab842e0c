//! The one error type at the web edge. Every error has a stable snake_case code, the right
//! HTTP status, and a message safe to show; internal details go to the log, never the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_core::error::ErrorCode;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{1}")]
    BadRequest(ErrorCode, String),
    #[error("sign in first")]
    Unauthorized,
    #[error("you may not do this")]
    Forbidden,
    #[error("the security token of this form is missing or wrong; reload the page")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("{1}")]
    Conflict(ErrorCode, String),
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
    pub fn bad(code: ErrorCode, message: impl Into<String>) -> Self {
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
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::BadRequest(code, _) | AppError::Conflict(code, _) => *code,
            AppError::Unauthorized => ErrorCode::Unauthorized,
            AppError::Forbidden => ErrorCode::Forbidden,
            AppError::Csrf => ErrorCode::CsrfFailed,
            AppError::NotFound => ErrorCode::NotFound,
            AppError::TooLarge => ErrorCode::PayloadTooLarge,
            AppError::RateLimited(_) => ErrorCode::RateLimited,
            AppError::ReauthRequired => ErrorCode::ReauthRequired,
            AppError::Unavailable(_) => ErrorCode::Unavailable,
            AppError::StorageFull(_) => ErrorCode::StorageFull,
            AppError::Busy => ErrorCode::Busy,
            AppError::Internal(_) => ErrorCode::Internal,
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
    #[schema(schema_with = error_codes)]
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
}

/// The error codes as the OpenAPI document lists them: every [`ErrorCode`], so a client can
/// see each refusal it may have to handle.
fn error_codes() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .description(Some(
            "Stable snake_case code, e.g. `invalid_email`, `not_found`, `rate_limited`.",
        ))
        .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
        .build()
}

/// What an error response was, kept with it so the API's edge can say it in the caller's
/// language (see `routes::localize`).
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: ErrorCode,
    pub retry_after: Option<u64>,
    /// The server's own words, for a bad request.
    pub detail: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail)
        | AppError::Unavailable(detail)
        | AppError::StorageFull(detail) = &self
        {
            tracing::error!(code = %self.code(), %detail, "request failed");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message: self.to_string(),
            },
        };
        let mut resp = (self.status(), Json(body)).into_response();
        resp.extensions_mut().insert(ErrorInfo {
            code: self.code(),
            retry_after: match self {
                AppError::RateLimited(secs) => Some(secs),
                _ => None,
            },
            detail: match &self {
                AppError::BadRequest(_, m) => Some(m.clone()),
                _ => None,
            },
        });
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

impl From<kefu_service::Error> for AppError {
    fn from(e: kefu_service::Error) -> Self {
        use kefu_service::Error as E;
        match e {
            E::Invalid(code, m) => AppError::BadRequest(code, m),
            E::Conflict(code, m) => AppError::Conflict(code, m),
            E::Unauthorized => AppError::Unauthorized,
            E::Forbidden => AppError::Forbidden,
            E::NotFound => AppError::NotFound,
            E::TooLarge => AppError::TooLarge,
            E::RateLimited(secs) => AppError::RateLimited(secs),
            E::ReauthRequired => AppError::ReauthRequired,
            E::Unavailable(m) => AppError::Unavailable(m),
            E::StorageFull(m) => AppError::StorageFull(m),
            E::Busy => AppError::Busy,
            E::Internal(m) => AppError::Internal(m),
        }
    }
}

impl From<kefu_store::Error> for AppError {
    fn from(e: kefu_store::Error) -> Self {
        kefu_service::Error::from(e).into()
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
