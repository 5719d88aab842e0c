//! The widget's HTTP side for visitors: get a visitor token, open conversations, read and send
//! messages. Every call but the first carries the token in `X-Kefu-Visitor`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_core::Role;
use kefu_store::conversations::{self, Conversation};
use kefu_store::messages::{self, Message};
use kefu_store::people::{self, NewUser};
use kefu_store::{teams, visitors};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::{ApiJson, ApiOrigin};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::limiter::Rule;
use crate::realtime::{self, Actor};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "widget_frame.html")]
struct FramePage<'a> {
    t: crate::i18n::Tr<'a>,
    inbox_id: String,
    shop_name: String,
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
    let inbox = match teams::get_inbox(&state.db, &q.inbox).await {
        Ok(Some(i)) if i.channel == "widget" => i,
        _ => return crate::pages::error_page(&state, &headers, StatusCode::NOT_FOUND),
    };
    let lang = crate::i18n::Lang::parse(&q.lang)
        .unwrap_or_else(|| crate::pages::page_lang(&headers, &Caller::Anonymous));
    let shop_name = kefu_store::settings::get(&state.db, kefu_store::settings::SHOP_NAME)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| inbox.name.clone());
    crate::pages::render(&FramePage {
        t: crate::i18n::Tr {
            i18n: &state.i18n,
            lang,
        },
        inbox_id: inbox.id,
        shop_name,
    })
}

/// New visitors per IP: generous for shared offices, tight for scripts.
const VISITORS_PER_IP: Rule = Rule::per_minutes(60, 10);
/// New conversations per visitor.
const CONVERSATIONS_PER_VISITOR: Rule = Rule::per_minutes(10, 10);

fn visitor(caller: &Caller) -> AppResult<&visitors::Visitor> {
    match caller {
        Caller::Visitor { visitor } => Ok(visitor),
        _ => Err(AppError::Unauthorized),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVisitor {
    pub inbox_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct VisitorSession {
    /// Keep it (the widget stores it in its own storage) and send it as `X-Kefu-Visitor`.
    pub visitor_token: String,
    pub contact_id: String,
}

/// A new anonymous visitor of a widget inbox, with a contact record of their own.
pub async fn create_visitor(
    State(state): State<AppState>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(n): ApiJson<NewVisitor>,
) -> AppResult<Response> {
    state
        .limiter
        .hit(&format!("visitor:ip:{}", origin.ip), VISITORS_PER_IP)
        .map_err(AppError::RateLimited)?;
    let inbox = teams::get_inbox(&state.db, &n.inbox_id)
        .await?
        .filter(|i| i.channel == "widget")
        .ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin().await?;
    let contact = people::insert(
        &mut tx,
        &NewUser {
            role: Some(Role::Customer),
            ..Default::default()
        },
    )
    .await?;
    let (token, _) = visitors::create(&mut tx, &inbox.id, &contact.id).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(VisitorSession {
            visitor_token: token,
            contact_id: contact.id,
        }),
    )
        .into_response())
}

/// The visitor's conversations in this widget, newest first.
pub async fn list_conversations(
    State(state): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<Conversation>>> {
    let v = visitor(&caller)?;
    Ok(Json(
        conversations::list_for_contact_in_inbox(&state.db, &v.contact_id, &v.inbox_id).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWidgetConversation {
    #[serde(default)]
    pub subject: String,
}

pub async fn create_conversation(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(n): ApiJson<NewWidgetConversation>,
) -> AppResult<Response> {
    let v = visitor(&caller)?;
    state
        .limiter
        .hit(&format!("conv:visitor:{}", v.id), CONVERSATIONS_PER_VISITOR)
        .map_err(AppError::RateLimited)?;
    let subject: String = n.subject.trim().chars().take(200).collect();
    let c = conversations::create(&state.db, &v.inbox_id, Some(&v.contact_id), &subject).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

#[derive(Deserialize)]
pub struct AfterQuery {
    #[serde(default)]
    pub after: i64,
    pub limit: Option<i64>,
}

/// Messages after a sequence number, for whoever may see the conversation (notes only for staff).
pub async fn list_messages_for(
    state: &AppState,
    actor: &Actor,
    id: &str,
    q: &AfterQuery,
) -> AppResult<Vec<Message>> {
    let c = realtime::visible(state, actor, id).await?;
    let limit = q.limit.unwrap_or(200).clamp(1, 500);
    Ok(messages::after(&state.db, &c.id, q.after, limit, actor.is_staff()).await?)
}

pub async fn list_messages(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<AfterQuery>,
) -> AppResult<Json<Vec<Message>>> {
    let actor = Actor::Visitor(visitor(&caller)?.clone());
    Ok(Json(list_messages_for(&state, &actor, &id, &q).await?))
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
}

pub async fn post_message(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(n): ApiJson<NewChatMessage>,
) -> AppResult<Response> {
    let actor = Actor::Visitor(visitor(&caller)?.clone());
    sent(realtime::send(&state, &actor, &id, &n.client_id, &n.body, n.note).await?)
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
