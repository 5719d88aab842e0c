//! The live chat part of `/api/v1`: what agents do to conversations, files, the customer
//! sidebar, presence, live visitors, notifications, and the admins' inbox settings and
//! invitation rules. Each handler is one call of `kefu_service::chat`.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_service::chat::Actor;
use kefu_service::chat::desk::{self, ConversationPatch, InboxSettings, NewRule};
use kefu_service::chat::queries::{self, ConversationContext, CustomerCard, person};
use kefu_service::files::{self, DownloadQuery, UploadQuery};
use kefu_store::browsing::{InvitationRule, LiveVisitor};
use kefu_store::conversations::Conversation;
use kefu_store::notifications::Notification;
use kefu_store::presence::AgentPresence;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;

#[utoipa::path(patch, path = "/api/v1/conversations/{id}", tag = "conversations", request_body = ConversationPatch,
    responses((status = 200, body = Conversation), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_conversation(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<ConversationPatch>,
) -> AppResult<Json<Conversation>> {
    let user = person(&caller)?;
    Ok(Json(desk::apply(&state, user, &id, &p).await?))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/context", tag = "conversations",
    responses((status = 200, body = ConversationContext), (status = 404, body = ErrorBody)))]
pub async fn conversation_context(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<ConversationContext>> {
    Ok(Json(queries::context(&state, person(&caller)?, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/attachments", tag = "conversations",
    params(("name" = String, Query, description = "The file's name"), ("client_id" = Option<String>, Query, description = "The sender's id for the message")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = kefu_store::messages::Message), (status = 400, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<UploadQuery>,
    body: axum::body::Body,
) -> AppResult<Response> {
    let actor = Actor::Person(person(&caller)?.clone());
    crate::extract::sent(crate::api::files::upload(&state, &actor, &id, &q, body).await?)
}

#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "conversations",
    params(("inline" = Option<u8>, Query, description = "1 shows an image inline")),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<DownloadQuery>,
) -> AppResult<Response> {
    // A token with `conversations:read` downloads as the admin who made it.
    let user = match &caller {
        Caller::Token { .. } => {
            queries::acting_staff(&state, &caller, "conversations:read").await?
        }
        _ => person(&caller)?.clone(),
    };
    let a = files::visible_attachment(&state, &Actor::Person(user), &id).await?;
    crate::api::files::download(&state, &a, &q).await
}

#[utoipa::path(get, path = "/api/v1/agents", tag = "teams",
    responses((status = 200, body = Vec<AgentPresence>)))]
pub async fn agents(State(state): State<AppState>) -> AppResult<Json<Vec<AgentPresence>>> {
    Ok(Json(queries::agents(&state).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceChange {
    /// `online`, `away` or `offline`.
    pub presence: String,
    /// Most open conversations auto-assignment gives this agent (1-100).
    pub max_chats: Option<i64>,
}

#[utoipa::path(put, path = "/api/v1/me/presence", tag = "teams", request_body = PresenceChange,
    responses((status = 200, body = AgentPresence), (status = 400, body = ErrorBody)))]
pub async fn set_presence(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(p): ApiJson<PresenceChange>,
) -> AppResult<Json<AgentPresence>> {
    let user = person(&caller)?;
    Ok(Json(
        queries::set_presence(&state, user, &p.presence, p.max_chats).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/visitors/live", tag = "conversations",
    responses((status = 200, body = Vec<LiveVisitor>)))]
pub async fn live_visitors(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<LiveVisitor>>> {
    Ok(Json(
        queries::live_visitors(&state, person(&caller)?).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "account",
    responses((status = 200, body = Vec<Notification>)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<Notification>>> {
    Ok(Json(
        queries::notifications(&state, person(&caller)?).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "account",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn read_notification(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    queries::read_notification(&state, person(&caller)?, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// Part of a name, e-mail address or phone number.
    pub q: String,
}

#[utoipa::path(get, path = "/api/v1/customers", tag = "people", params(CustomerQuery),
    responses((status = 200, body = Vec<CustomerCard>)))]
pub async fn search_customers(
    State(state): State<AppState>,
    Query(q): Query<CustomerQuery>,
) -> AppResult<Json<Vec<CustomerCard>>> {
    Ok(Json(queries::search_customers(&state, &q.q).await?))
}

#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "people", request_body = kefu_service::chat::customers::CustomerEdit,
    responses((status = 200, body = CustomerCard), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn edit_customer(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(e): ApiJson<kefu_service::chat::customers::CustomerEdit>,
) -> AppResult<Json<CustomerCard>> {
    Ok(Json(
        kefu_service::chat::customers::edit(&state, person(&caller)?, &id, &e).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/inboxes/{id}/settings", tag = "teams",
    responses((status = 200, body = InboxSettings), (status = 404, body = ErrorBody)))]
pub async fn inbox_settings(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<InboxSettings>> {
    let inbox = desk::widget_inbox(&state, &id).await?;
    Ok(Json(InboxSettings::load(&state, &inbox.id).await?))
}

#[utoipa::path(put, path = "/api/v1/inboxes/{id}/settings", tag = "teams", request_body = InboxSettings,
    responses((status = 200, body = InboxSettings), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn save_inbox_settings(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(s): ApiJson<InboxSettings>,
) -> AppResult<Json<InboxSettings>> {
    desk::save_settings(&state, &id, &s).await?;
    Ok(Json(s))
}

#[utoipa::path(get, path = "/api/v1/inboxes/{id}/invitations", tag = "teams",
    responses((status = 200, body = Vec<InvitationRule>), (status = 404, body = ErrorBody)))]
pub async fn list_rules(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<InvitationRule>>> {
    Ok(Json(desk::invitation_rules(&state, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/inboxes/{id}/invitations", tag = "teams", request_body = NewRule,
    responses((status = 201, body = InvitationRule), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_rule(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<NewRule>,
) -> AppResult<Response> {
    let rule = desk::add_invitation_rule(&state, &id, &r).await?;
    Ok((StatusCode::CREATED, Json(rule)).into_response())
}

#[utoipa::path(delete, path = "/api/v1/inboxes/{id}/invitations/{rule_id}", tag = "teams",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_rule(
    State(state): State<AppState>,
    Path((id, rule_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    desk::delete_invitation_rule(&state, &id, &rule_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
