//! The widget's HTTP side for visitors: the chat page in its iframe, and the calls of the
//! widget's script. Every call but the first carries the visitor token in `X-Kefu-Visitor`;
//! each maps to one call of `kefu_service::chat::widget` (or `knowledge::self_service`).

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_service::chat::widget::{
    self as svc, OfflineMessage, PageAnswer, PageReport, WidgetStatus, visitor,
};
use kefu_service::chat::{self, Actor};
use kefu_service::knowledge::self_service::{self, Suggestion, WidgetArticle};
use kefu_store::conversations::Conversation;
use kefu_store::messages::Message;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::AppResult;
use crate::extract::sent;
use crate::extract::{ApiJson, ApiOrigin};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "widget_frame.html")]
struct FramePage<'a> {
    t: kefu_service::i18n::Tr<'a>,
    inbox_id: String,
    shop_name: String,
    /// The largest file a conversation takes, said before an upload is tried.
    max_file_bytes: usize,
}

#[derive(Deserialize)]
pub struct FrameQuery {
    #[serde(default)]
    inbox: String,
    #[serde(default)]
    lang: String,
}

/// The chat page inside the widget's iframe, in the visitor's language.
pub async fn frame(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<FrameQuery>,
) -> Response {
    let Ok(inbox) = chat::desk::widget_inbox(&state, &q.inbox).await else {
        return crate::pages::error_page(&state, &headers, StatusCode::NOT_FOUND);
    };
    let lang = kefu_service::i18n::Lang::parse(&q.lang)
        .unwrap_or_else(|| crate::pages::page_lang(&headers, &Caller::Anonymous));
    let shop_name = state
        .shop_name()
        .await
        .unwrap_or_else(|| inbox.name.clone());
    crate::pages::render(&FramePage {
        t: kefu_service::i18n::Tr {
            i18n: &state.i18n,
            lang,
        },
        inbox_id: inbox.id,
        shop_name,
        max_file_bytes: state.config.max_upload_bytes,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVisitor {
    pub inbox_id: String,
}

/// A new anonymous visitor of a widget inbox, with a customer record of their own.
pub async fn create_visitor(
    State(state): State<AppState>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(n): ApiJson<NewVisitor>,
) -> AppResult<Response> {
    let session = svc::create_visitor(&state, &n.inbox_id, &origin.ip).await?;
    Ok((StatusCode::CREATED, Json(session)).into_response())
}

/// The visitor's conversations in this widget, newest first.
pub async fn list_conversations(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<Conversation>>> {
    Ok(Json(svc::conversations(&state, visitor(&caller)?).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWidgetConversation {
    #[serde(default)]
    pub subject: String,
}

pub async fn create_conversation(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(n): ApiJson<NewWidgetConversation>,
) -> AppResult<Response> {
    let v = visitor(&caller)?;
    let c = svc::create_conversation(&state, v, &origin.ip, &n.subject).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

#[derive(Deserialize)]
pub struct AfterQuery {
    #[serde(default)]
    pub after: i64,
    pub limit: Option<i64>,
}

pub async fn list_messages(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<AfterQuery>,
) -> AppResult<Json<Vec<Message>>> {
    let actor = Actor::Visitor(visitor(&caller)?.clone());
    Ok(Json(
        svc::messages_after(&state, &actor, &id, q.after, q.limit).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChatMessage {
    /// The sender's own id for this message (1-64 letters, digits, `-`, `_`): sending the same
    /// id again returns the stored message instead of making a second one.
    pub client_id: String,
    pub body: String,
    /// A private note among staff.
    #[serde(default)]
    pub note: bool,
    /// Staff: send even though the quality check warned about it (recorded).
    #[serde(default)]
    pub accept_warnings: bool,
}

pub async fn post_message(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    Path(id): Path<String>,
    ApiJson(n): ApiJson<NewChatMessage>,
) -> AppResult<Response> {
    let actor = Actor::Visitor(visitor(&caller)?.clone());
    chat::limit_address(&state, &actor, &origin.ip)?;
    sent(chat::send(&state, &actor, &id, &n.client_id, &n.body, n.note, false).await?)
}

/// What the widget shows: the live chat or the offline form, and whether to ask who they are.
pub async fn status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<WidgetStatus>> {
    Ok(Json(svc::status(&state, visitor(&caller)?).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerDetails {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

/// The pre-chat form: the visitor says who they are (a known customer record from now on).
pub async fn set_customer(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(d): ApiJson<CustomerDetails>,
) -> AppResult<StatusCode> {
    svc::set_customer(&state, visitor(&caller)?, &d.name, &d.email).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// When nobody is online: the visitor leaves a message and an address; the reply goes there.
pub async fn leave_message(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(m): ApiJson<OfflineMessage>,
) -> AppResult<Response> {
    let c = svc::leave_message(&state, visitor(&caller)?, &origin.ip, &m).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

#[derive(Serialize)]
pub struct Identified {
    pub customer_id: String,
    /// The same as `customer_id`, under its name before issue 18, for existing clients.
    pub contact_id: String,
    pub verified: bool,
}

/// The shop vouches for the visitor (HMAC signature): from now on they are that customer.
pub async fn identify(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(id): ApiJson<kefu_core::identity::SignedIdentity>,
) -> AppResult<Json<Identified>> {
    let customer_id = svc::identify(&state, visitor(&caller)?, &id, &origin).await?;
    Ok(Json(Identified {
        contact_id: customer_id.clone(),
        customer_id,
        verified: true,
    }))
}

/// The widget reports the page the visitor opened; the answer may carry an invitation.
pub async fn report_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(p): ApiJson<PageReport>,
) -> AppResult<Json<PageAnswer>> {
    Ok(Json(svc::report_page(&state, visitor(&caller)?, &p).await?))
}

/// The visitor is still on the page (sent every 30 s while it is visible).
pub async fn page_ping(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    svc::page_ping(&state, visitor(&caller)?, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct QueuePosition {
    /// 1 for the next in line; 0 when an agent has the conversation (or it is not waiting).
    pub position: i64,
}

pub async fn queue_position(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<QueuePosition>> {
    let position = svc::queue_position(&state, visitor(&caller)?, &id).await?;
    Ok(Json(QueuePosition { position }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptRequest {
    pub email: String,
}

/// Mails the conversation to the visitor (e-mail assistance, 邮件辅助).
pub async fn transcript(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(t): ApiJson<TranscriptRequest>,
) -> AppResult<StatusCode> {
    svc::transcript(&state, visitor(&caller)?, &id, &t.email).await?;
    Ok(StatusCode::ACCEPTED)
}

pub async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<kefu_service::files::UploadQuery>,
    body: axum::body::Body,
) -> AppResult<Response> {
    let actor = Actor::Visitor(visitor(&caller)?.clone());
    sent(crate::api::files::upload(&state, &actor, &id, &q, body).await?)
}

pub async fn download(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<kefu_service::files::DownloadQuery>,
) -> AppResult<Response> {
    let actor = Actor::Visitor(visitor(&caller)?.clone());
    let a = kefu_service::files::visible_attachment(&state, &actor, &id).await?;
    crate::api::files::download(&state, &a, &q).await
}

// ------------------------------------------------------------------ self-service articles

#[derive(Deserialize)]
pub struct SuggestQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub lang: String,
}

/// Published articles matching what the visitor types (as they type), their language first.
pub async fn suggest_articles(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<SuggestQuery>,
) -> AppResult<Json<Vec<Suggestion>>> {
    let v = visitor(&caller)?;
    Ok(Json(self_service::suggest(&state, v, &q.q, &q.lang).await?))
}

pub async fn read_article(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<SuggestQuery>,
) -> AppResult<Json<WidgetArticle>> {
    visitor(&caller)?;
    Ok(Json(self_service::read(&state, &id, &q.lang).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settled {
    /// What the visitor had typed when the article was suggested.
    #[serde(default)]
    pub query: String,
}

/// The visitor says the article answered their question: a chat that did not need starting.
pub async fn article_settled(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(s): ApiJson<Settled>,
) -> AppResult<StatusCode> {
    self_service::settled(&state, visitor(&caller)?, &id, &s.query).await?;
    Ok(StatusCode::NO_CONTENT)
}
