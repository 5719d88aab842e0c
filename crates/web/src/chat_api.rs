//! The live chat part of `/api/v1`: what agents do to conversations, files, the customer
//! sidebar, presence, live visitors, notifications, and the admins' inbox settings and
//! invitation rules.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_core::Role;
use kefu_core::error::ErrorCode;
use kefu_core::time::now_ms;
use kefu_store::attachments::Attachment;
use kefu_store::browsing::{self, InvitationRule, LiveVisitor, PageView};
use kefu_store::conversations::{self, Conversation};
use kefu_store::notifications::{self, Notification};
use kefu_store::people::{self, User};
use kefu_store::presence::{self, AgentPresence};
use kefu_store::teams;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::ApiJson;
use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;
use kefu_service::chat::desk::{self, ConversationPatch, InboxSettings, widget_inbox};
use kefu_service::chat::{self, Actor};
use kefu_service::files::{self, DownloadQuery, UploadQuery};

fn person(caller: &Caller) -> AppResult<&User> {
    match caller {
        Caller::Person { user, .. } => Ok(user),
        Caller::Token { .. } => Err(AppError::Forbidden),
        _ => Err(AppError::Unauthorized),
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `mine`, `unassigned`, `team` (with `team`) or `all` (everything the caller may see).
    #[serde(default)]
    pub view: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub inbox: String,
    #[serde(default)]
    pub tag: String,
    /// Part of the subject or of the customer's name, e-mail or phone.
    #[serde(default)]
    pub q: String,
    pub limit: Option<i64>,
}

/// Conversations the caller may see, filtered.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    q: &ListQuery,
) -> AppResult<Vec<Conversation>> {
    let mut f = conversations::Filter {
        status: &q.status,
        stage: &q.stage,
        inbox: &q.inbox,
        tag: &q.tag,
        search: &q.q,
        limit: q.limit.unwrap_or(200),
        ..Default::default()
    };
    let me = match caller {
        Caller::Token { .. } => String::new(),
        Caller::Person { user, .. } => user.id.clone(),
        _ => return Err(AppError::Unauthorized),
    };
    if let Caller::Person { user, .. } = caller {
        match user.role() {
            Role::Customer => f.customer = &me,
            r if r.sees_all_inboxes() => {}
            _ => f.member = &me,
        }
    }
    match q.view.as_str() {
        // Tokens belong to nobody: they have no "mine".
        "mine" if !me.is_empty() => f.assignee = &me,
        "unassigned" => f.unassigned = true,
        "team" => f.team = &q.team,
        "" | "all" => {}
        _ => {
            return Err(AppError::bad(
                ErrorCode::InvalidView,
                "view is mine, unassigned, team or all",
            ));
        }
    }
    Ok(conversations::list(&state.db, &f).await?)
}

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

/// Everything the agent sees beside a conversation.
#[derive(Serialize, ToSchema)]
pub struct ConversationContext {
    pub conversation: Conversation,
    pub customer: Option<CustomerCard>,
    /// Pages the customer browsed, newest first.
    pub trail: Vec<PageView>,
    /// Their other conversations, in every channel, that the agent may see.
    pub past: Vec<Conversation>,
    /// Place in the queue (0: not waiting).
    pub queue_position: i64,
    pub assignee_name: Option<String>,
    /// The inbox's channel: `widget` or `email` (replies then go out by mail).
    pub channel: String,
    /// The service-level clock, if a policy applies.
    #[schema(value_type = Option<Object>)]
    pub sla: Option<kefu_store::sla::Clock>,
    /// The complaint or claim this conversation is, with the statuses it may move to.
    pub case: Option<kefu_service::tickets::cases::StaffCase>,
}

impl CustomerCard {
    /// The card of `c`, reachable at `email`.
    fn of(c: User, email: String) -> CustomerCard {
        CustomerCard {
            verified: c.email_verified_at.is_some() || c.external_id.is_some(),
            id: c.id,
            name: c.name,
            email,
            phone: c.phone,
            language: c.language,
            external_id: c.external_id,
            created_at: c.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CustomerCard {
    pub id: String,
    pub name: String,
    /// The account's address, else the one left in the widget.
    pub email: String,
    pub phone: String,
    pub language: String,
    /// Signed in or vouched for by the shop's signature (an anonymous visitor is not).
    pub verified: bool,
    pub external_id: Option<String>,
    pub created_at: i64,
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/context", tag = "conversations",
    responses((status = 200, body = ConversationContext), (status = 404, body = ErrorBody)))]
pub async fn conversation_context(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<ConversationContext>> {
    let user = person(&caller)?;
    if !user.role().is_staff() {
        return Err(AppError::NotFound);
    }
    let actor = Actor::Person(user.clone());
    let conv = chat::visible(&state, &actor, &id).await?;
    let mut customer = None;
    let mut trail = vec![];
    let mut past = vec![];
    if let Some(cid) = &conv.customer_id
        && let Some(c) = people::get(&state.db, cid).await?
    {
        let email = people::reply_address(&state.db, cid)
            .await?
            .unwrap_or_default();
        customer = Some(CustomerCard::of(c, email));
        trail = browsing::trail_of_contact(&state.db, cid, 50).await?;
        // One customer across channels: also the records that share their address (shown to
        // staff only; an unverified address never gives the visitor anyone else's history).
        let mut contacts = vec![cid.clone()];
        if let Some(c) = &customer
            && !c.email.is_empty()
        {
            for other in people::customers_at_address(&state.db, &c.email).await? {
                if !contacts.contains(&other) {
                    contacts.push(other);
                }
            }
        }
        for contact in &contacts {
            for other in conversations::list_for_customer(&state.db, contact).await? {
                if other.id != conv.id && chat::visible(&state, &actor, &other.id).await.is_ok() {
                    past.push(other);
                }
            }
        }
        past.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
    }
    let assignee_name = match &conv.assignee_id {
        Some(a) => people::get(&state.db, a)
            .await?
            .map(|u| u.display_name().to_string()),
        None => None,
    };
    let channel = teams::get_inbox(&state.db, &conv.inbox_id)
        .await?
        .map(|i| i.channel)
        .unwrap_or_default();
    let case = kefu_store::cases::get(&state.db, &conv.id)
        .await?
        .map(kefu_service::tickets::cases::StaffCase::of);
    Ok(Json(ConversationContext {
        sla: kefu_store::sla::get(&state.db, &conv.id).await?,
        case,
        channel,
        queue_position: conversations::queue_position(&state.db, &conv).await?,
        conversation: conv,
        customer,
        trail,
        past,
        assignee_name,
    }))
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
    crate::widget::sent(crate::api::files::upload(&state, &actor, &id, &q, body).await?)
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
    let actor = Actor::Person(person(&caller)?.clone());
    let a: Attachment = files::visible_attachment(&state, &actor, &id).await?;
    crate::api::files::download(&state, &a, &q).await
}

#[utoipa::path(get, path = "/api/v1/agents", tag = "teams",
    responses((status = 200, body = Vec<AgentPresence>)))]
pub async fn agents(State(state): State<AppState>) -> AppResult<Json<Vec<AgentPresence>>> {
    Ok(Json(presence::list(&state.db).await?))
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
    if let Some(n) = p.max_chats {
        if !(1..=100).contains(&n) {
            return Err(AppError::bad(
                ErrorCode::InvalidCapacity,
                "max_chats is 1 to 100",
            ));
        }
        presence::set_capacity(&state.db, &user.id, n).await?;
    }
    desk::set_presence(&state, user, &p.presence).await?;
    Ok(Json(
        presence::get(&state.db, &user.id)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

#[utoipa::path(get, path = "/api/v1/visitors/live", tag = "conversations",
    responses((status = 200, body = Vec<LiveVisitor>)))]
pub async fn live_visitors(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<LiveVisitor>>> {
    let user = person(&caller)?;
    let inboxes: Vec<String> = if user.role().sees_all_inboxes() {
        vec![]
    } else {
        let mine: Vec<String> = teams::inboxes_of_member(&state.db, &user.id)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        if mine.is_empty() {
            return Ok(Json(vec![]));
        }
        mine
    };
    Ok(Json(
        browsing::live(&state.db, now_ms() - 2 * 60_000, &inboxes).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "account",
    responses((status = 200, body = Vec<Notification>)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<Notification>>> {
    let user = person(&caller)?;
    Ok(Json(notifications::list(&state.db, &user.id, 50).await?))
}

#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "account",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn read_notification(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let user = person(&caller)?;
    if notifications::mark_read(&state.db, &user.id, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
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
    if q.q.trim().chars().count() < 2 {
        return Err(AppError::bad(
            ErrorCode::QueryTooShort,
            "search with at least two characters",
        ));
    }
    let found = people::search_customers(&state.db, &q.q, 50).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|c| {
                let email = c.email.clone();
                CustomerCard::of(c, email)
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/inboxes/{id}/settings", tag = "teams",
    responses((status = 200, body = InboxSettings), (status = 404, body = ErrorBody)))]
pub async fn inbox_settings(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<InboxSettings>> {
    let inbox = widget_inbox(&state, &id).await?;
    Ok(Json(InboxSettings::load(&state, &inbox.id).await?))
}

#[utoipa::path(put, path = "/api/v1/inboxes/{id}/settings", tag = "teams", request_body = InboxSettings,
    responses((status = 200, body = InboxSettings), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn save_inbox_settings(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(s): ApiJson<InboxSettings>,
) -> AppResult<Json<InboxSettings>> {
    let inbox = widget_inbox(&state, &id).await?;
    s.check()?;
    let json = serde_json::to_string(&s).map_err(|e| AppError::Internal(e.to_string()))?;
    teams::set_inbox_settings(&state.db, &inbox.id, &json).await?;
    state.routing_wake.notify_one();
    Ok(Json(s))
}

#[utoipa::path(get, path = "/api/v1/inboxes/{id}/invitations", tag = "teams",
    responses((status = 200, body = Vec<InvitationRule>), (status = 404, body = ErrorBody)))]
pub async fn list_rules(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<InvitationRule>>> {
    let inbox = widget_inbox(&state, &id).await?;
    Ok(Json(browsing::rules(&state.db, &inbox.id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// `*` matches any run of characters: `*/checkout*`.
    pub url_pattern: String,
    #[serde(default)]
    pub min_seconds: i64,
    #[serde(default)]
    pub returning_only: bool,
    pub message: String,
}

#[utoipa::path(post, path = "/api/v1/inboxes/{id}/invitations", tag = "teams", request_body = NewRule,
    responses((status = 201, body = InvitationRule), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_rule(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<NewRule>,
) -> AppResult<Response> {
    let inbox = widget_inbox(&state, &id).await?;
    let rule = add_rule_to(&state, &inbox.id, &r).await?;
    Ok((StatusCode::CREATED, Json(rule)).into_response())
}

/// Checks and stores an invitation rule (the API and the admin page).
pub async fn add_rule_to(
    state: &AppState,
    inbox_id: &str,
    r: &NewRule,
) -> AppResult<InvitationRule> {
    let pattern = r.url_pattern.trim();
    let message = r.message.trim();
    if pattern.is_empty() || pattern.len() > 500 {
        return Err(AppError::bad(
            ErrorCode::InvalidPattern,
            "the URL pattern is 1 to 500 characters",
        ));
    }
    if message.is_empty() || message.chars().count() > 500 {
        return Err(AppError::bad(
            ErrorCode::InvalidMessage,
            "the greeting is 1 to 500 characters",
        ));
    }
    if !(0..=3600).contains(&r.min_seconds) {
        return Err(AppError::bad(
            ErrorCode::InvalidSeconds,
            "min_seconds is 0 to 3600",
        ));
    }
    if browsing::rules(&state.db, inbox_id).await?.len() >= 50 {
        return Err(AppError::bad(
            ErrorCode::TooManyRules,
            "at most 50 rules per inbox",
        ));
    }
    Ok(browsing::add_rule(
        &state.db,
        inbox_id,
        pattern,
        r.min_seconds,
        r.returning_only,
        message,
    )
    .await?)
}

#[utoipa::path(delete, path = "/api/v1/inboxes/{id}/invitations/{rule_id}", tag = "teams",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_rule(
    State(state): State<AppState>,
    Path((id, rule_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    if browsing::delete_rule(&state.db, &id, &rule_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}
