//! What handlers take from a request besides the state: JSON bodies whose every failure is a
//! coded 4xx, the caller's address and browser, and the answer for a stored message.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_core::error::ErrorCode;
use kefu_service::accounts::Origin;
use kefu_store::messages::Message;
use serde::de::DeserializeOwned;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// JSON bodies whose every failure is a coded 4xx: malformed JSON, wrong or unknown fields,
/// a missing content type, a body over the size limit.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonSyntaxError(e)) => {
                Err(AppError::bad(ErrorCode::MalformedJson, e.body_text()))
            }
            Err(JsonRejection::JsonDataError(e)) => {
                Err(AppError::bad(ErrorCode::InvalidBody, e.body_text()))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::bad(
                ErrorCode::JsonContentTypeRequired,
                "send the body as application/json",
            )),
            Err(JsonRejection::BytesRejection(e))
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(AppError::TooLarge)
            }
            Err(e) => Err(AppError::bad(ErrorCode::InvalidBody, e.body_text())),
        }
    }
}

/// Who called and from where, for API handlers.
pub struct ApiOrigin(pub Origin);

impl axum::extract::FromRequestParts<AppState> for ApiOrigin {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ApiOrigin(origin_of(state, parts)))
    }
}

pub fn origin_of(state: &AppState, parts: &Parts) -> Origin {
    let peer = peer_ip(&parts.extensions);
    Origin {
        ip: crate::auth::client_ip(state, &parts.headers, peer),
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
    }
}

/// The peer address axum recorded, if the server was started with connect info.
pub fn peer_ip(req_extensions: &axum::http::Extensions) -> Option<std::net::IpAddr> {
    req_extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
}

/// 201 for a new message, 200 for a resend of one already stored.
pub fn sent((m, fresh): (Message, bool)) -> AppResult<Response> {
    let status = if fresh {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(m)).into_response())
}
