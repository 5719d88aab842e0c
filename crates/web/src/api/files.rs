//! Files over HTTP: uploads into a conversation and downloads.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_core::error::ErrorCode;
use kefu_core::id::new_id;
use kefu_service::chat::{self, Actor};
use kefu_store::attachments::{self, Attachment};
use kefu_store::messages::{self, Message};

use kefu_service::files::*;

/// Stores an uploaded file in the conversation and posts it as an `attachment` message.
pub async fn upload(
    state: &AppState,
    actor: &Actor,
    conversation_id: &str,
    q: &UploadQuery,
    body: Body,
) -> AppResult<(Message, bool)> {
    let conv = chat::visible(state, actor, conversation_id).await?;
    state
        .limiter
        .hit(&format!("upload:{}", actor.reader_id()), UPLOADS)
        .map_err(AppError::RateLimited)?;
    // Uploads have their own limit, above the one for JSON bodies.
    let body: Bytes = axum::body::to_bytes(body, state.config.max_upload_bytes)
        .await
        .map_err(|_| AppError::TooLarge)?;
    if body.is_empty() {
        return Err(AppError::bad(ErrorCode::EmptyFile, "the file is empty"));
    }
    let content_type = check_file(&q.name, &body)?;
    let cid = if q.client_id.is_empty() {
        new_id()
    } else {
        kefu_core::protocol::check_client_id(&q.client_id)?;
        q.client_id.clone()
    };
    if let Some(existing) = messages::by_client_id(&state.db, &conv.id, &cid).await? {
        return Ok((existing, false));
    }
    let name = clean_name(&q.name);
    let key = write_file(state, &conv, &body).await?;
    let a = attachments::insert(
        &state.db,
        &conv.id,
        &name,
        content_type,
        body.len() as i64,
        &key,
        actor.reader_id(),
    )
    .await?;
    let meta = serde_json::json!({
        "attachment": a.id, "name": a.name, "content_type": a.content_type, "size": a.size,
    });
    Ok(chat::store_message(
        state,
        actor,
        &conv,
        Some(&cid),
        messages::kind::ATTACHMENT,
        &name,
        &meta.to_string(),
    )
    .await?)
}

pub async fn download(state: &AppState, a: &Attachment, q: &DownloadQuery) -> AppResult<Response> {
    let bytes = tokio::fs::read(storage_path(state, &a.storage_key))
        .await
        .map_err(|_| AppError::NotFound)?;
    let inline = q.inline == 1 && a.is_image();
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
