//! The e-mail part of `/api/v1`: inbox mail settings and their connection test (admins),
//! replying by mail from a conversation, the deliveries of a conversation, the original of a
//! received mail, signatures, and received mail that did not become a message.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_core::error::ErrorCode;
use kefu_store::mail::{self as store_mail, InboxState, MailRecord, Signature};
use kefu_store::outbox::{self, OutboxMail};
use kefu_store::{messages, teams};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::ApiJson;
use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;
use kefu_service::chat::{self, Actor};
use kefu_service::mail::{self, MailCheck, MailOptions, MailSettingsForm};

async fn mail_inbox(state: &AppState, id: &str) -> AppResult<teams::Inbox> {
    teams::get_inbox(&state.db, id)
        .await?
        .filter(|i| i.channel == mail::CHANNEL)
        .ok_or(AppError::NotFound)
}

#[derive(Serialize, ToSchema)]
pub struct MailSettingsView {
    pub settings: MailSettingsForm,
    /// Where reading the inbox stands: the last error in plain words, when it last worked.
    #[schema(value_type = Object)]
    pub state: InboxState,
}

#[utoipa::path(get, path = "/api/v1/inboxes/{id}/mail", tag = "mail",
    responses((status = 200, body = MailSettingsView), (status = 404, body = ErrorBody)))]
pub async fn get_settings(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<MailSettingsView>> {
    mail_inbox(&state, &id).await?;
    let s = mail::load(&state, &id).await?;
    Ok(Json(MailSettingsView {
        settings: mail::to_form(&s),
        state: store_mail::state(&state.db, &id).await?,
    }))
}

#[utoipa::path(put, path = "/api/v1/inboxes/{id}/mail", tag = "mail", request_body = MailSettingsForm,
    responses((status = 200, body = MailSettingsView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn save_settings(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<MailSettingsForm>,
) -> AppResult<Json<MailSettingsView>> {
    mail_inbox(&state, &id).await?;
    let old = mail::load(&state, &id).await?;
    let new = mail::merge(&state, &old, &form)?;
    mail::save(&state, &id, &new).await?;
    Ok(Json(MailSettingsView {
        settings: mail::to_form(&new),
        state: store_mail::state(&state.db, &id).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/inboxes/{id}/mail/check", tag = "mail",
    responses((status = 200, body = MailCheck), (status = 404, body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<MailCheck>> {
    mail_inbox(&state, &id).await?;
    let s = mail::load(&state, &id).await?;
    Ok(Json(mail::check_servers(&state, &s).await))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MailReply {
    pub body: String,
    /// The sender's id for the message; a resend is stored and mailed once.
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    #[serde(default)]
    pub bcc: Vec<String>,
    #[serde(default)]
    pub signature_id: Option<String>,
    #[serde(default)]
    pub attachment_ids: Vec<String>,
    /// `Re: <conversation subject>` when absent; a blank subject is refused.
    #[serde(default)]
    pub subject: Option<String>,
    /// Send even though the quality checks warned (recorded).
    #[serde(default)]
    pub accept_warnings: bool,
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/mail", tag = "mail", request_body = MailReply,
    responses((status = 201, body = kefu_store::messages::Message), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<MailReply>,
) -> AppResult<Response> {
    let user = caller.staff()?;
    let actor = Actor::Person(user.clone());
    let conv = chat::visible(&state, &actor, &id).await?;
    if !mail::is_mail_inbox(&state, &conv.inbox_id).await? {
        return Err(AppError::bad(
            ErrorCode::NotAMailConversation,
            "this conversation is not in an e-mail inbox",
        ));
    }
    kefu_core::protocol::check_body(&r.body)?;
    let client_id = if r.client_id.is_empty() {
        kefu_core::id::new_id()
    } else {
        kefu_core::protocol::check_client_id(&r.client_id)?;
        r.client_id.clone()
    };
    // The quality checks: forbidden phrases in the body, and the mail's etiquette. A resend of
    // a stored mail is not checked again.
    let resend = messages::by_client_id(&state.db, &conv.id, &client_id)
        .await?
        .is_some();
    let check = kefu_service::quality::MailCheckRequest {
        subject: r
            .subject
            .clone()
            .or_else(|| Some(format!("Re: {}", conv.subject))),
        body: r.body.clone(),
        attachment_ids: r.attachment_ids.clone(),
        signature_id: r.signature_id.clone(),
        to: r.to.clone(),
        cc: r.cc.clone(),
        bcc: r.bcc.clone(),
    };
    let verdict = if resend {
        None
    } else {
        let draft = kefu_service::quality::draft_of(&state, user, &conv, &check).await?;
        let v = kefu_service::quality::check_mail(&state, &draft).await?;
        kefu_service::quality::gate(&state, user, &conv, "email", &r.body, &v, r.accept_warnings)
            .await?;
        Some(v)
    };
    let opts = MailOptions {
        to: r.to,
        cc: r.cc,
        bcc: r.bcc,
        signature_id: r.signature_id,
        attachment_ids: r.attachment_ids,
        subject: r.subject.unwrap_or_default(),
    };
    // What everyone in the conversation may see: recipients and copies, never the BCC.
    let meta = serde_json::json!({"mail": {"to": opts.to, "cc": opts.cc, "outgoing": true}});
    let (msg, fresh) = chat::store_message_with(
        &state,
        &actor,
        &conv,
        Some(&client_id),
        messages::kind::TEXT,
        r.body.trim(),
        &meta.to_string(),
        Some(&opts),
    )
    .await?;
    if let Some(v) = &verdict
        && fresh
    {
        kefu_service::quality::record_sent(&state, user, &conv, "email", &r.body, v).await?;
    }
    let status = if fresh {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(msg)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct Delivery {
    pub id: String,
    pub to: String,
    pub subject: String,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    /// The conversation message the mail carries.
    pub seq: i64,
}

impl From<OutboxMail> for Delivery {
    fn from(m: OutboxMail) -> Delivery {
        Delivery {
            id: m.id,
            to: m.to_addr,
            subject: m.subject,
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            next_attempt_at: m.next_attempt_at,
            sent_at: m.sent_at,
            seq: m.seq,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/mail", tag = "mail",
    responses((status = 200, body = Vec<Delivery>), (status = 404, body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Delivery>>> {
    let user = caller.staff()?;
    let conv = chat::visible(&state, &Actor::Person(user.clone()), &id).await?;
    let list = outbox::of_conversation(&state.db, &conv.id).await?;
    Ok(Json(
        list.into_iter()
            .filter(|m| m.kind == outbox::CONVERSATION_MAIL)
            .map(Delivery::from)
            .collect(),
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
    let user = caller.staff()?;
    let conv = chat::visible(&state, &Actor::Person(user.clone()), &id).await?;
    let m = outbox::get(&state.db, &mail_id)
        .await?
        .filter(|m| m.conversation_id.as_deref() == Some(conv.id.as_str()))
        .ok_or(AppError::NotFound)?;
    if !outbox::retry_now(&state.db, &m.id).await? {
        return Err(AppError::Conflict(
            ErrorCode::NotWaiting,
            "the mail is not waiting".into(),
        ));
    }
    state.outbox_wake.notify_one();
    Ok(StatusCode::NO_CONTENT)
}

/// The original HTML of a received mail, for a sandboxed frame: no scripts, no forms, no
/// remote content; inline images come from the conversation's files.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages/{message_id}/original", tag = "mail",
    responses((status = 200, content_type = "text/html"), (status = 404, body = ErrorBody)))]
pub async fn original(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, message_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let user = caller.staff()?;
    let conv = chat::visible(&state, &Actor::Person(user.clone()), &id).await?;
    let rec = store_mail::of_message(&state.db, &message_id)
        .await?
        .filter(|r| r.conversation_id.as_deref() == Some(conv.id.as_str()) && !r.raw_key.is_empty())
        .ok_or(AppError::NotFound)?;
    let raw = tokio::fs::read(kefu_service::files::storage_path(&state, &rec.raw_key))
        .await
        .map_err(|_| AppError::NotFound)?;
    let parsed = kefu_mail::inbound::parse(&raw).map_err(|_| AppError::NotFound)?;
    let msg = messages::get(&state.db, &message_id)
        .await?
        .filter(|m| m.conversation_id == conv.id)
        .ok_or(AppError::NotFound)?;
    let mut html = match parsed.html {
        Some(h) => h,
        None => {
            let mut out =
                String::from("<pre style=\"white-space:pre-wrap;font-family:sans-serif\">");
            kefu_search::snippet::escape_into(&mut out, &parsed.text);
            out.push_str("</pre>");
            out
        }
    };
    // cid: images → this conversation's stored files.
    if let Ok(meta) = serde_json::from_str::<serde_json::Value>(&msg.meta)
        && let Some(files) = meta["mail"]["files"].as_array()
    {
        for f in files {
            if let (Some(cid), Some(att)) = (f["cid"].as_str(), f["attachment"].as_str()) {
                let url = format!(
                    "/api/v1/conversations/{}/attachments/{att}?inline=1",
                    conv.id
                );
                html = html.replace(&format!("cid:{cid}"), &url);
            }
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; \
                 font-src data:",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/signatures", tag = "mail",
    responses((status = 200, body = Vec<kefu_store::mail::Signature>)))]
pub async fn signatures(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<Signature>>> {
    let user = caller.staff()?;
    Ok(Json(store_mail::signatures_for(&state.db, &user.id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSignature {
    pub name: String,
    pub body: String,
    /// Set (admins only) for a signature of an inbox that every agent may use.
    #[serde(default)]
    pub inbox_id: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/signatures", tag = "mail", request_body = NewSignature,
    responses((status = 201, body = kefu_store::mail::Signature), (status = 400, body = ErrorBody)))]
pub async fn add_signature(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(n): ApiJson<NewSignature>,
) -> AppResult<Response> {
    let user = caller.staff()?;
    let name = n.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::bad(
            ErrorCode::InvalidName,
            "a name of 1 to 80 characters",
        ));
    }
    if n.body.trim().is_empty() || n.body.chars().count() > 2000 {
        return Err(AppError::bad(
            ErrorCode::InvalidSignature,
            "a signature of 1 to 2000 characters",
        ));
    }
    let sig = match &n.inbox_id {
        Some(inbox) => {
            if user.role() != kefu_core::Role::Admin {
                return Err(AppError::Forbidden);
            }
            mail_inbox(&state, inbox).await?;
            store_mail::add_signature(&state.db, None, Some(inbox), name, n.body.trim()).await?
        }
        None => {
            store_mail::add_signature(&state.db, Some(&user.id), None, name, n.body.trim()).await?
        }
    };
    Ok((StatusCode::CREATED, Json(sig)).into_response())
}

#[utoipa::path(delete, path = "/api/v1/signatures/{id}", tag = "mail",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_signature(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let user = caller.staff()?;
    let sig = store_mail::signature(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mine = sig.owner_id.as_deref() == Some(user.id.as_str());
    let admin_inbox = sig.owner_id.is_none() && user.role() == kefu_core::Role::Admin;
    if !(mine || admin_inbox) {
        return Err(AppError::NotFound);
    }
    store_mail::delete_signature(&state.db, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/mail/not-stored", tag = "mail",
    responses((status = 200, body = Vec<Object>)))]
pub async fn not_stored(State(state): State<AppState>) -> AppResult<Json<Vec<MailRecord>>> {
    Ok(Json(store_mail::not_stored(&state.db, None, 200).await?))
}

/// The raw file of a received mail (admins), for mail that could not be read.
#[utoipa::path(get, path = "/api/v1/inboxes/{id}/mail/raw/{message_id}", tag = "mail",
    responses((status = 200, content_type = "message/rfc822"), (status = 404, body = ErrorBody)))]
pub async fn raw(
    State(state): State<AppState>,
    Path((id, message_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let rec = store_mail::get(&state.db, &id, &message_id)
        .await?
        .filter(|r| !r.raw_key.is_empty())
        .ok_or(AppError::NotFound)?;
    let bytes = tokio::fs::read(kefu_service::files::storage_path(&state, &rec.raw_key))
        .await
        .map_err(|_| AppError::NotFound)?;
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
