//! REST API under `/api/v1`, documented by OpenAPI. Callers are signed-in people (cookie plus
//! `X-CSRF-Token` for changes) or API tokens (`Authorization: Bearer kefu_…`) with scopes.

pub mod cases;
pub mod files;
pub mod kb;
pub mod phone;
pub mod phrases;
pub mod quality;
pub mod sla;
pub mod tickets;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_core::Role;
use kefu_core::error::ErrorCode;
use kefu_core::identity::SignedIdentity;
use kefu_service::accounts::teams::{ProfilePatch, TeamView as ApiTeam};
use kefu_service::chat::desk::{self, InboxView as ApiInbox};
use kefu_service::chat::queries;
use kefu_store::conversations::Conversation;
use kefu_store::people::Person;
use kefu_store::{audit, outbox};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiOrigin};
use crate::state::AppState;
use kefu_service::accounts::{self, Invitation};

/// A person as the API shows them (no secrets, no hashes).
#[derive(Serialize, ToSchema)]
pub struct ApiPerson {
    pub id: String,
    /// `admin`, `supervisor`, `agent` or `customer`.
    pub role: String,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
    pub phone: String,
    pub language: String,
    pub preferred_channel: String,
    pub active: bool,
    pub two_factor: bool,
    pub external_id: Option<String>,
    /// Milliseconds since the Unix epoch, UTC.
    pub created_at: i64,
}

impl From<&Person> for ApiPerson {
    fn from(u: &Person) -> Self {
        ApiPerson {
            id: u.id.clone(),
            role: u.role.as_str().to_string(),
            email: u.email.clone(),
            email_verified: u.email_verified_at.is_some(),
            name: u.name.clone(),
            phone: u.phone.clone(),
            language: u.language.clone(),
            preferred_channel: u.preferred_channel.clone(),
            active: u.active,
            two_factor: u.has_totp(),
            external_id: u.external_id.clone(),
            created_at: u.created_at,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = ApiPerson), (status = 401, body = ErrorBody)))]
pub async fn me(Extension(caller): Extension<Caller>) -> AppResult<Json<ApiPerson>> {
    let (user, _) = caller.person()?;
    Ok(Json(user.into()))
}

#[utoipa::path(patch, path = "/api/v1/me", tag = "account", request_body = ProfilePatch,
    responses((status = 200, body = ApiPerson), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn update_me(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(p): ApiJson<ProfilePatch>,
) -> AppResult<Json<ApiPerson>> {
    let (user, _) = caller.person()?;
    let updated = accounts::teams::update_profile(&state, user, &p).await?;
    Ok(Json((&updated).into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// `staff` (default) or `customers`.
    pub kind: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(PeopleQuery),
    responses((status = 200, body = Vec<ApiPerson>), (status = 403, body = ErrorBody)))]
pub async fn list_people(
    State(state): State<AppState>,
    Query(q): Query<PeopleQuery>,
) -> AppResult<Json<Vec<ApiPerson>>> {
    let users =
        accounts::teams::people_of_kind(&state, q.kind.as_deref(), q.limit, q.offset).await?;
    Ok(Json(users.iter().map(ApiPerson::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people",
    responses((status = 200, body = ApiPerson), (status = 404, body = ErrorBody)))]
pub async fn get_person(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<ApiPerson>> {
    Ok(Json((&accounts::teams::person(&state, &id).await?).into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonPatch {
    /// `admin`, `supervisor` or `agent` (staff only).
    pub role: Option<String>,
    pub active: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/people/{id}", tag = "people", request_body = PersonPatch,
    responses((status = 200, body = ApiPerson), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_person(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<PersonPatch>,
) -> AppResult<Json<ApiPerson>> {
    let mut user = accounts::teams::person(&state, &id).await?;
    if let Some(role) = p.role {
        let role = Role::parse(&role)
            .ok_or_else(|| AppError::bad(ErrorCode::InvalidRole, "unknown role"))?;
        user = accounts::set_role(&state, &caller, &id, role, &origin).await?;
    }
    if let Some(active) = p.active {
        user = accounts::set_active(&state, &caller, &id, active, &origin).await?;
    }
    Ok(Json((&user).into()))
}

// The same three under their old path, `/api/v1/users`, kept for existing API clients.

#[utoipa::path(get, path = "/api/v1/users", tag = "people", params(PeopleQuery), operation_id = "list_users",
    responses((status = 200, body = Vec<ApiPerson>), (status = 403, body = ErrorBody)))]
#[deprecated = "use /api/v1/people"]
pub async fn list_users(
    state: State<AppState>,
    q: Query<PeopleQuery>,
) -> AppResult<Json<Vec<ApiPerson>>> {
    list_people(state, q).await
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "people", operation_id = "get_user",
    responses((status = 200, body = ApiPerson), (status = 404, body = ErrorBody)))]
#[deprecated = "use /api/v1/people/{id}"]
pub async fn get_user(state: State<AppState>, id: Path<String>) -> AppResult<Json<ApiPerson>> {
    get_person(state, id).await
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "people", request_body = PersonPatch, operation_id = "update_user",
    responses((status = 200, body = ApiPerson), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[deprecated = "use /api/v1/people/{id}"]
pub async fn update_user(
    state: State<AppState>,
    caller: Extension<Caller>,
    origin: ApiOrigin,
    id: Path<String>,
    p: ApiJson<PersonPatch>,
) -> AppResult<Json<ApiPerson>> {
    update_person(state, caller, origin, id, p).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub email: String,
    /// `admin`, `supervisor` or `agent`.
    pub role: String,
    pub team_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

#[utoipa::path(post, path = "/api/v1/invitations", tag = "people", request_body = NewInvitation,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(n): ApiJson<NewInvitation>,
) -> AppResult<Response> {
    let role = Role::parse(&n.role)
        .ok_or_else(|| AppError::bad(ErrorCode::InvalidRole, "unknown role"))?;
    let inv = Invitation {
        email: &n.email,
        role,
        team_id: n.team_id.as_deref(),
    };
    let id = accounts::invite(&state, &caller, &inv, &origin).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", responses((status = 200, body = Vec<ApiTeam>)))]
pub async fn list_teams(State(state): State<AppState>) -> AppResult<Json<Vec<ApiTeam>>> {
    Ok(Json(accounts::teams::teams(&state).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    pub name: String,
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", request_body = NewTeam,
    responses((status = 201, body = Created), (status = 409, body = ErrorBody)))]
pub async fn create_team(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(n): ApiJson<NewTeam>,
) -> AppResult<Response> {
    let creator = caller.person().ok().map(|(p, _)| p);
    let team = accounts::teams::create_team(&state, creator, &n.name).await?;
    Ok((StatusCode::CREATED, Json(Created { id: team.id })).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// The person to add (`user_id` is accepted too, as before).
    #[serde(alias = "user_id")]
    pub person_id: String,
}

#[utoipa::path(post, path = "/api/v1/teams/{id}/members", tag = "teams", request_body = NewMember,
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn add_member(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(n): ApiJson<NewMember>,
) -> AppResult<StatusCode> {
    accounts::teams::add_member(&state, &id, &n.person_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{person_id}", tag = "teams",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<AppState>,
    Path((id, person_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    accounts::teams::remove_member(&state, &id, &person_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The inboxes the caller may work: all for admins, supervisors and tokens; their teams' for agents.
#[utoipa::path(get, path = "/api/v1/inboxes", tag = "teams", responses((status = 200, body = Vec<ApiInbox>)))]
pub async fn list_inboxes(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<ApiInbox>>> {
    Ok(Json(desk::inboxes(&state, caller.user()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInbox {
    pub name: String,
    /// `widget` (live chat, the default) or `email`.
    #[serde(default)]
    pub channel: Option<String>,
    /// Teams that work this inbox.
    #[serde(default)]
    pub team_ids: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/inboxes", tag = "teams", request_body = NewInbox,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody)))]
pub async fn create_inbox(
    State(state): State<AppState>,
    ApiJson(n): ApiJson<NewInbox>,
) -> AppResult<Response> {
    let inbox = desk::create_inbox(&state, &n.name, n.channel.as_deref(), &n.team_ids).await?;
    Ok((StatusCode::CREATED, Json(Created { id: inbox.id })).into_response())
}

#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations", params(queries::ListQuery),
    responses((status = 200, body = Vec<kefu_store::conversations::Listed>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_conversations(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<queries::ListQuery>,
) -> AppResult<Json<Vec<kefu_store::conversations::Listed>>> {
    Ok(Json(queries::list(&state, &caller, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations",
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody)))]
pub async fn get_conversation(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<Conversation>> {
    Ok(Json(queries::readable(&state, &caller, &id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConversation {
    pub inbox_id: String,
    pub customer_id: Option<String>,
    pub subject: String,
}

#[utoipa::path(post, path = "/api/v1/conversations", tag = "conversations", request_body = NewConversation,
    responses((status = 201, body = Conversation), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_conversation(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(n): ApiJson<NewConversation>,
) -> AppResult<Response> {
    let c = queries::open(
        &state,
        &caller,
        &n.inbox_id,
        n.customer_id.as_deref(),
        &n.subject,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// Only messages with a higher sequence number.
    #[serde(default)]
    pub after: i64,
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "conversations", params(MessagesQuery),
    responses((status = 200, body = Vec<kefu_store::messages::Message>), (status = 404, body = ErrorBody)))]
pub async fn list_messages(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<MessagesQuery>,
) -> AppResult<Json<Vec<kefu_store::messages::Message>>> {
    Ok(Json(
        queries::messages(&state, &caller, &id, q.after, q.limit).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "conversations", request_body = crate::widget::NewChatMessage,
    responses((status = 201, body = kefu_store::messages::Message), (status = 200, description = "the same client_id was sent before; the stored message", body = kefu_store::messages::Message), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn post_message(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    Path(id): Path<String>,
    ApiJson(n): ApiJson<crate::widget::NewChatMessage>,
) -> AppResult<Response> {
    let actor = queries::actor(&caller)?;
    kefu_service::chat::limit_address(&state, &actor, &origin.ip)?;
    crate::extract::sent(
        kefu_service::chat::send(
            &state,
            &actor,
            &id,
            &n.client_id,
            &n.body,
            n.note,
            n.accept_warnings,
        )
        .await?,
    )
}

#[derive(Serialize, ToSchema)]
pub struct RealtimeToken {
    /// Send it in the socket's `hello` frame; valid for five minutes.
    pub token: String,
    /// Unix seconds.
    pub expires_at: i64,
}

#[utoipa::path(post, path = "/api/v1/realtime/token", tag = "conversations",
    responses((status = 200, body = RealtimeToken), (status = 401, body = ErrorBody)))]
pub async fn realtime_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<RealtimeToken>> {
    let (token, expires_at) = kefu_service::chat::token::issue_for(&state, &caller).await?;
    Ok(Json(RealtimeToken { token, expires_at }))
}

#[derive(Serialize, ToSchema)]
pub struct VerifiedIdentity {
    pub customer_id: String,
}

/// Checks a shop-signed identity; a valid one creates or finds the customer. The answer
/// reveals nothing but the customer's id, and only for a correct signature.
#[utoipa::path(post, path = "/api/v1/identity/verify", tag = "account", request_body = docs::SignedIdentityDoc,
    responses((status = 200, body = VerifiedIdentity), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn verify_identity(
    State(state): State<AppState>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(id): ApiJson<SignedIdentity>,
) -> AppResult<Json<VerifiedIdentity>> {
    let customer_id = accounts::verify_identity(&state, &id, &origin).await?;
    Ok(Json(VerifiedIdentity { customer_id }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries strictly older than this time (ms since the epoch).
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = Vec<audit::AuditEntry>)))]
pub async fn list_audit(
    State(state): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> AppResult<Json<Vec<audit::AuditEntry>>> {
    Ok(Json(accounts::audit_log(&state, q.before, q.limit).await?))
}

#[utoipa::path(get, path = "/api/v1/outbox", tag = "admin",
    responses((status = 200, body = Vec<outbox::OutboxMail>)))]
pub async fn list_outbox(
    State(state): State<AppState>,
) -> AppResult<Json<Vec<outbox::OutboxMail>>> {
    Ok(Json(kefu_service::mail::delivery::recent(&state).await?))
}

pub mod docs {
    //! Schemas for rows and core types the API passes through unchanged.
    use utoipa::ToSchema;

    /// A customer identity signed by the shop: `signature` is the lowercase hex
    /// HMAC-SHA256, keyed with the shop's identity secret, of
    /// `external_id + "\n" + email + "\n" + name + "\n" + timestamp`.
    #[allow(dead_code)]
    #[derive(ToSchema)]
    pub struct SignedIdentityDoc {
        pub external_id: String,
        pub email: String,
        pub name: String,
        /// Unix seconds when the shop signed it; valid for 24 hours.
        pub timestamp: i64,
        pub signature: String,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiTokenInfo {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked: bool,
}

impl From<&kefu_store::api_tokens::ApiToken> for ApiTokenInfo {
    fn from(t: &kefu_store::api_tokens::ApiToken) -> Self {
        ApiTokenInfo {
            id: t.id.clone(),
            name: t.name.clone(),
            scopes: t.scopes.split_whitespace().map(str::to_string).collect(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked: t.revoked_at.is_some(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "admin", responses((status = 200, body = Vec<ApiTokenInfo>)))]
pub async fn list_tokens(State(state): State<AppState>) -> AppResult<Json<Vec<ApiTokenInfo>>> {
    let tokens = accounts::list_api_tokens(&state).await?;
    Ok(Json(tokens.iter().map(ApiTokenInfo::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_in_days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedApiToken {
    /// The secret, shown once.
    pub token: String,
    pub info: ApiTokenInfo,
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "admin", request_body = NewApiToken,
    responses((status = 201, body = CreatedApiToken), (status = 400, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(n): ApiJson<NewApiToken>,
) -> AppResult<Response> {
    let (plain, t) = accounts::create_api_token(
        &state,
        &caller,
        &n.name,
        &n.scopes,
        n.expires_in_days,
        &origin,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedApiToken {
            token: plain,
            info: (&t).into(),
        }),
    )
        .into_response())
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "admin", responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    accounts::revoke_api_token(&state, &caller, &id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Kefu API", description = "Self-hosted online customer service. Errors are JSON `{\"error\": {\"code\", \"message\"}}` with stable snake_case codes."),
    paths(me, update_me, list_people, get_person, update_person, list_users, get_user, update_user, invite, list_teams, create_team, add_member,
          remove_member, list_inboxes, create_inbox, list_conversations, get_conversation,
          create_conversation, list_messages, post_message, realtime_token, verify_identity, list_audit, list_outbox, list_tokens, create_token, revoke_token,
          crate::chat_api::update_conversation, crate::chat_api::conversation_context, crate::chat_api::upload,
          crate::chat_api::download, crate::chat_api::agents, crate::chat_api::set_presence, crate::chat_api::live_visitors,
          crate::chat_api::list_notifications, crate::chat_api::read_notification, crate::chat_api::search_customers, crate::chat_api::edit_customer,
          crate::chat_api::inbox_settings, crate::chat_api::save_inbox_settings, crate::chat_api::list_rules,
          crate::chat_api::add_rule, crate::chat_api::delete_rule,
          crate::mail_api::get_settings, crate::mail_api::save_settings, crate::mail_api::check,
          crate::mail_api::reply, crate::mail_api::deliveries, crate::mail_api::retry,
          crate::mail_api::original, crate::mail_api::signatures, crate::mail_api::add_signature,
          crate::mail_api::delete_signature, crate::mail_api::edit_signature, crate::mail_api::not_stored, crate::mail_api::raw,
          crate::api::kb::list_categories, crate::api::kb::create_category, crate::api::kb::update_category,
          crate::api::kb::delete_category, crate::api::kb::list_articles, crate::api::kb::create_article,
          crate::api::kb::get_article, crate::api::kb::update_article, crate::api::kb::list_revisions,
          crate::api::kb::restore_revision, crate::api::kb::list_feedback, crate::api::kb::search,
          crate::api::kb::suggestions, crate::api::kb::draft_from_conversation, crate::api::kb::export_csv,
          crate::api::kb::import_csv,
          crate::api::tickets::list_fields, crate::api::tickets::save_fields, crate::api::tickets::merge,
          crate::api::tickets::split, crate::api::tickets::list_macros, crate::api::tickets::create_macro,
          crate::api::tickets::update_macro, crate::api::tickets::delete_macro, crate::api::tickets::apply_macro,
          crate::api::sla::get_config, crate::api::sla::put_config, crate::api::sla::get_report,
          crate::api::cases::send_code, crate::api::cases::file, crate::api::cases::view, crate::api::cases::add_info,
          crate::api::cases::add_file, crate::api::cases::download, crate::api::cases::staff_view,
          crate::api::cases::open_from_conversation, crate::api::cases::move_case,
          crate::api::cases::get_settings, crate::api::cases::put_settings,
          crate::api::quality::check, crate::api::quality::list_rules, crate::api::quality::save_rules,
          crate::api::quality::check_mail_draft, crate::api::quality::zip, crate::api::quality::get_report,
          crate::api::quality::get_report_csv, crate::api::phrases::list, crate::api::phrases::create,
          crate::api::phrases::update, crate::api::phrases::delete, crate::api::phrases::list_kinds,
          crate::api::phrases::save_kinds, crate::api::phrases::fill, crate::api::phone::log_call,
          crate::api::phone::list_calls, crate::api::phone::request_callback, crate::api::phone::list_callbacks,
          crate::api::phone::take, crate::api::phone::script),
    components(schemas(ErrorBody)),
    tags((name = "account"), (name = "people"), (name = "teams"), (name = "conversations"), (name = "knowledge"), (name = "mail"), (name = "tickets"), (name = "cases"), (name = "quality"), (name = "phone"), (name = "admin"))
)]
pub struct ApiDoc;

/// The OpenAPI document as committed in `openapi.json`.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

pub async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
    )
}
