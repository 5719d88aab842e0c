//! Files over HTTP: uploads into a conversation and downloads.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_service::chat::Actor;
use kefu_store::attachments::Attachment;
use kefu_store::messages::Message;

use kefu_service::files::*;

/// Stores an uploaded file in the conversation and posts it as an `attachment` message.
pub async fn upload(
    state: &AppState,
    actor: &Actor,
    conversation_id: &str,
    q: &UploadQuery,
    body: Body,
) -> AppResult<(Message, bool)> {
    let conv = may_upload(state, actor, conversation_id).await?;
    // Uploads have their own limit, above the one for JSON bodies.
    let body: Bytes = axum::body::to_bytes(body, state.config.max_upload_bytes)
        .await
        .map_err(|_| AppError::TooLarge)?;
    Ok(attach(state, actor, &conv, &q.name, &q.client_id, &body).await?)
}

pub async fn download(state: &AppState, a: &Attachment, q: &DownloadQuery) -> AppResult<Response> {
    let bytes = tokio::fs::read(storage_path(state, &a.storage_key))
        .await
        .map_err(|_| AppError::NotFound)?;
    let inline = q.inline == 1 && a.shows_inline();
    let disposition = format!(
        "{}; filename=\"{}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        a.name.replace(|c: char| !c.is_ascii() || c == '\\', "_"),
        kefu_core::url::encode(&a.name, b"")
    );
    let mut resp = (StatusCode::OK, Body::from(bytes)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(if inline {
            &a.content_type
        } else {
            "application/octet-stream"
        })
        .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(resp)
}
