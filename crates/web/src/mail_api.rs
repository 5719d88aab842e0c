//! The e-mail part of `/api/v1`: inbox mail settings and their connection test (admins),
//! replying by mail from a conversation, the deliveries of a conversation, the original of a
//! received mail, signatures, and received mail that did not become a message. Each handler is
//! one call of `kefu_service::mail`.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_service::chat::queries;
use kefu_service::mail::admin::{self, MailSettingsView};
use kefu_service::mail::replies::{self, Delivery, MailReply, NewSignature};
use kefu_service::mail::{MailCheck, MailSettingsForm};
use kefu_store::mail::{MailRecord, Signature};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/inboxes/{id}/mail", tag = "mail",
    responses((status = 200, body = MailSettingsView), (status = 404, body = ErrorBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<MailSettingsView>> {
    Ok(Json(admin::settings_view(&state, &id).await?))
}

#[utoipa::path(put, path = "/api/v1/inboxes/{id}/mail", tag = "mail", request_body = MailSettingsForm,
    responses((status = 200, body = MailSettingsView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn save_settings(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<MailSettingsForm>,
) -> AppResult<Json<MailSettingsView>> {
    Ok(Json(admin::save_form(&state, &id, &form).await?))
}

#[utoipa::path(post, path = "/api/v1/inboxes/{id}/mail/check", tag = "mail",
    responses((status = 200, body = MailCheck), (status = 404, body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<MailCheck>> {
    Ok(Json(admin::check(&state, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/mail", tag = "mail", request_body = MailReply,
    responses((status = 201, body = kefu_store::messages::Message), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<MailReply>,
) -> AppResult<Response> {
    let user = queries::acting_staff(&state, &caller, "mail:write").await?;
    crate::extract::sent(replies::reply(&state, &user, &id, r).await?)
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/mail", tag = "mail",
    responses((status = 200, body = Vec<Delivery>), (status = 404, body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Delivery>>> {
    Ok(Json(
        replies::deliveries(
            &state,
            &queries::acting_staff(&state, &caller, "mail:read").await?,
            &id,
        )
        .await?,
    ))
}

/// Retries a waiting or failed mail of the conversation now.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/mail/{mail_id}/retry", tag = "mail",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn retry(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, mail_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let user = queries::acting_staff(&state, &caller, "mail:write").await?;
    replies::retry(&state, &user, &id, &mail_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The original HTML of a received mail, for a sandboxed frame: no scripts, no forms, no
/// remote content; inline images come from the conversation's files.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages/{message_id}/original", tag = "mail", params(OriginalQuery),
    responses((status = 200, content_type = "text/html"), (status = 404, body = ErrorBody)))]
pub async fn original(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: axum::http::HeaderMap,
    Path((id, message_id)): Path<(String, String)>,
    Query(q): Query<OriginalQuery>,
) -> AppResult<Response> {
    let images = q.images.is_some_and(|v| v == 1);
    let user = queries::acting_staff(&state, &caller, "mail:read").await?;
    let safe = replies::original_html(&state, &user, &id, &message_id, images).await?;
    let mut html = safe.html;
    if safe.remote_images_blocked > 0 {
        // Tracking pixels and remote pictures wait for the agent.
        let lang = crate::pages::page_lang(&headers, &caller);
        let mut args = fluent_bundle::FluentArgs::new();
        args.set("count", safe.remote_images_blocked);
        let text = state
            .i18n
            .t_args(lang, "mail-remote-images-blocked", Some(&args));
        let show = state.i18n.t(lang, "mail-remote-images-show");
        html = format!(
            "<p style=\"font:13px sans-serif;background:#fef0c7;padding:6px 10px;margin:0 0 8px\">{} \
             <a href=\"?images=1\" target=\"_self\">{}</a></p>{html}",
            askama::filters::escape(text.as_str(), askama::filters::Html)
                .map(|e| e.to_string())
                .unwrap_or_default(),
            askama::filters::escape(show.as_str(), askama::filters::Html)
                .map(|e| e.to_string())
                .unwrap_or_default(),
        );
    }
    let csp = if images {
        "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox; default-src 'none'; img-src 'self' data: https: http:; \
         style-src 'unsafe-inline'; font-src data:"
    } else {
        "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox; default-src 'none'; img-src 'self' data:; \
         style-src 'unsafe-inline'; font-src data:"
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OriginalQuery {
    /// `1`: show remote images too.
    pub images: Option<u8>,
}

#[utoipa::path(get, path = "/api/v1/signatures", tag = "mail",
    responses((status = 200, body = Vec<kefu_store::mail::Signature>)))]
pub async fn signatures(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<Signature>>> {
    Ok(Json(replies::signatures(&state, caller.staff()?).await?))
}

#[utoipa::path(post, path = "/api/v1/signatures", tag = "mail", request_body = NewSignature,
    responses((status = 201, body = kefu_store::mail::Signature), (status = 400, body = ErrorBody)))]
pub async fn add_signature(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(n): ApiJson<NewSignature>,
) -> AppResult<Response> {
    let sig = replies::add_signature(&state, caller.staff()?, &n).await?;
    Ok((StatusCode::CREATED, Json(sig)).into_response())
}

#[utoipa::path(delete, path = "/api/v1/signatures/{id}", tag = "mail",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_signature(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    replies::delete_signature(&state, caller.staff()?, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/signatures/{id}", tag = "mail", request_body = replies::SignatureEdit,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn edit_signature(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(e): ApiJson<replies::SignatureEdit>,
) -> AppResult<Json<kefu_store::mail::Signature>> {
    Ok(Json(
        replies::edit_signature(&state, caller.staff()?, &id, &e).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/mail/not-stored", tag = "mail",
    responses((status = 200, body = Vec<Object>)))]
pub async fn not_stored(State(state): State<AppState>) -> AppResult<Json<Vec<MailRecord>>> {
    Ok(Json(admin::not_stored(&state, None, 200).await?))
}

/// The raw file of a received mail (admins), for mail that could not be read.
#[utoipa::path(get, path = "/api/v1/inboxes/{id}/mail/raw/{message_id}", tag = "mail",
    responses((status = 200, content_type = "message/rfc822"), (status = 404, body = ErrorBody)))]
pub async fn raw(
    State(state): State<AppState>,
    Path((id, message_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let bytes = admin::raw(&state, &id, &message_id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "message/rfc822"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"mail.eml\"",
            ),
        ],
        bytes,
    )
        .into_response())
}
