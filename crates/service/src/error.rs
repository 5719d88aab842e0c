//! The application's one error type. Every refusal has a stable [`ErrorCode`] and a sentence
//! safe to show; what went wrong inside (a database that is gone, a full disk) is kept for the
//! log. The web edge maps each variant to its HTTP status.

use kefu_core::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is not acceptable (the code says which rule it broke).
    #[error("{1}")]
    Invalid(ErrorCode, String),
    /// The input is fine but the state does not allow it now (taken, changed meanwhile).
    #[error("{1}")]
    Conflict(ErrorCode, String),
    #[error("sign in first")]
    Unauthorized,
    #[error("you may not do this")]
    Forbidden,
    /// Missing, or not the caller's to see: the two are never told apart.
    #[error("not found")]
    NotFound,
    #[error("the request body is too large")]
    TooLarge,
    /// A limit was reached; the number is the seconds until it may be tried again.
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

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::Invalid(code, message.into())
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::Conflict(code, message.into())
    }

    /// The stable code clients match on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Invalid(code, _) | Error::Conflict(code, _) => *code,
            Error::Unauthorized => ErrorCode::Unauthorized,
            Error::Forbidden => ErrorCode::Forbidden,
            Error::NotFound => ErrorCode::NotFound,
            Error::TooLarge => ErrorCode::PayloadTooLarge,
            Error::RateLimited(_) => ErrorCode::RateLimited,
            Error::ReauthRequired => ErrorCode::ReauthRequired,
            Error::Unavailable(_) => ErrorCode::Unavailable,
            Error::StorageFull(_) => ErrorCode::StorageFull,
            Error::Busy => ErrorCode::Busy,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl From<kefu_store::Error> for Error {
    fn from(e: kefu_store::Error) -> Self {
        if e.is_storage_full() {
            return Error::StorageFull(e.to_string());
        }
        match e {
            kefu_store::Error::NotFound => Error::NotFound,
            kefu_store::Error::Conflict(m) => Error::Conflict(ErrorCode::Conflict, m),
            kefu_store::Error::Stale(m) => Error::Conflict(ErrorCode::EditConflict, m),
            kefu_store::Error::Sqlx(e) => Error::Unavailable(e.to_string()),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<kefu_core::protocol::FrameError> for Error {
    fn from(e: kefu_core::protocol::FrameError) -> Self {
        Error::Invalid(e.code(), e.to_string())
    }
}

impl From<kefu_core::validate::Invalid> for Error {
    fn from(e: kefu_core::validate::Invalid) -> Self {
        Error::Invalid(e.code(), e.to_string())
    }
}
