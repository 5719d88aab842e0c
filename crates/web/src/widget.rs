//! The widget's HTTP side for visitors: get a visitor token, open conversations, read and send
//! messages. Every call but the first carries the token in `X-Kefu-Visitor`.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_core::Role;
use kefu_core::error::ErrorCode;
use kefu_store::conversations::{self, Conversation};
use kefu_store::messages::{self, Message};
use kefu_store::people::{self, NewUser};
use kefu_store::visitors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::{ApiJson, ApiOrigin};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use kefu_service::chat::{self, Actor};
use kefu_service::limits::Rule;

#[derive(askama::Template)]
#[template(path = "widget_frame.html")]
struct FramePage<'a> {
    t: kefu_service::i18n::Tr<'a>,
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
    let Ok(inbox) = kefu_service::chat::desk::widget_inbox(&state, &q.inbox).await else {
        return crate::pages::error_page(&state, &headers, StatusCode::NOT_FOUND);
    };
    let lang = kefu_service::i18n::Lang::parse(&q.lang)
        .unwrap_or_else(|| crate::pages::page_lang(&headers, &Caller::Anonymous));
    let shop_name = kefu_store::settings::get(&state.db, kefu_store::settings::SHOP_NAME)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| inbox.name.clone());
    crate::pages::render(&FramePage {
        t: kefu_service::i18n::Tr {
            i18n: &state.i18n,
            lang,
        },
        inbox_id: inbox.id,
        shop_name,
    })
}

/// New visitors per IP: generous for shared offices, tight for scripts.
const VISITORS_PER_IP: Rule = Rule::per_minutes(60, 10);
/// New conversations per visitor, and per IP (many visitors behind one address).
const CONVERSATIONS_PER_VISITOR: Rule = Rule::per_minutes(10, 10);
const CONVERSATIONS_PER_IP: Rule = Rule::per_minutes(100, 10);

fn limit_new_conversation(state: &AppState, v: &visitors::Visitor, ip: &str) -> AppResult<()> {
    state
        .limiter
        .hit(&format!("conv:visitor:{}", v.id), CONVERSATIONS_PER_VISITOR)
        .and_then(|()| {
            state
                .limiter
                .hit(&format!("conv:ip:{ip}"), CONVERSATIONS_PER_IP)
        })
        .map_err(AppError::RateLimited)
}

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
    let inbox = kefu_service::chat::desk::widget_inbox(&state, &n.inbox_id).await?;
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
    Extension(caller): Extension<Caller>,
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
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(n): ApiJson<NewWidgetConversation>,
) -> AppResult<Response> {
    let v = visitor(&caller)?;
    limit_new_conversation(&state, v, &origin.ip)?;
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
    let c = chat::visible(state, actor, id).await?;
    let limit = q.limit.unwrap_or(200).clamp(1, 500);
    Ok(messages::after(&state.db, &c.id, q.after, limit, actor.is_staff()).await?)
}

pub async fn list_messages(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
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

/// 201 for a new message, 200 for a resend of one already stored.
pub fn sent((m, fresh): (Message, bool)) -> AppResult<Response> {
    let status = if fresh {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(m)).into_response())
}

// ---- Availability, pre-chat and offline forms, identity ----------------------------------

#[derive(Serialize)]
pub struct WidgetStatus {
    #[serde(flatten)]
    pub availability: kefu_service::chat::desk::Availability,
    /// `off`, `optional` or `required`.
    pub prechat: String,
    pub greeting: String,
    pub offline_message: String,
    pub contact: ContactCard,
}

#[derive(Serialize)]
pub struct ContactCard {
    pub id: String,
    pub name: String,
    pub email: String,
    /// Signed in through the shop's signature.
    pub verified: bool,
}

/// What the widget shows: the live chat or the offline form, and whether to ask who they are.
pub async fn status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<WidgetStatus>> {
    let v = visitor(&caller)?;
    let settings = kefu_service::chat::desk::InboxSettings::load(&state, &v.inbox_id).await?;
    let contact = people::get(&state.db, &v.contact_id).await?;
    let email = people::reply_address(&state.db, &v.contact_id)
        .await?
        .unwrap_or_default();
    Ok(Json(WidgetStatus {
        availability: kefu_service::chat::desk::availability(&state, &v.inbox_id).await?,
        prechat: settings.prechat,
        greeting: settings.greeting,
        offline_message: settings.offline_message,
        contact: ContactCard {
            id: v.contact_id.clone(),
            verified: contact.as_ref().is_some_and(|c| c.external_id.is_some()),
            name: contact.map(|c| c.name).unwrap_or_default(),
            email,
        },
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactDetails {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

fn checked_details(d: &ContactDetails) -> AppResult<(String, String)> {
    let name = if d.name.trim().is_empty() {
        String::new()
    } else {
        kefu_core::validate::name(&d.name)?
    };
    let email = if d.email.trim().is_empty() {
        String::new()
    } else {
        kefu_core::validate::email(&d.email)?
    };
    Ok((name, email))
}

/// The pre-chat form: the visitor says who they are (a known customer record from now on).
pub async fn set_contact(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(d): ApiJson<ContactDetails>,
) -> AppResult<StatusCode> {
    let v = visitor(&caller)?;
    let (name, email) = checked_details(&d)?;
    people::set_contact_details(&state.db, &v.contact_id, &name, &email).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfflineMessage {
    #[serde(default)]
    pub name: String,
    pub email: String,
    pub message: String,
}

/// When nobody is online: the visitor leaves a message and an address; the reply goes there.
pub async fn leave_message(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(m): ApiJson<OfflineMessage>,
) -> AppResult<Response> {
    let v = visitor(&caller)?;
    limit_new_conversation(&state, v, &origin.ip)?;
    if m.email.trim().is_empty() {
        return Err(AppError::bad(
            ErrorCode::EmailRequired,
            "leave an e-mail address for the reply",
        ));
    }
    let (name, email) = checked_details(&ContactDetails {
        name: m.name.clone(),
        email: m.email.clone(),
    })?;
    kefu_core::protocol::check_body(&m.message)?;
    people::set_contact_details(&state.db, &v.contact_id, &name, &email).await?;
    let subject: String = m.message.trim().chars().take(80).collect();
    let c = conversations::create(&state.db, &v.inbox_id, Some(&v.contact_id), &subject).await?;
    let actor = Actor::Visitor(v.clone());
    chat::store_message(
        &state,
        &actor,
        &c,
        Some(&kefu_core::id::new_id()),
        messages::kind::TEXT,
        m.message.trim(),
        r#"{"offline":true}"#,
    )
    .await?;
    let c = conversations::get(&state.db, &c.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

#[derive(Serialize)]
pub struct Identified {
    pub contact_id: String,
    pub verified: bool,
}

/// The shop vouches for the visitor (HMAC signature): from now on they are that customer and
/// see that customer's conversations; what they wrote anonymously moves with them.
pub async fn identify(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(id): ApiJson<kefu_core::identity::SignedIdentity>,
) -> AppResult<Json<Identified>> {
    let v = visitor(&caller)?;
    let customer = kefu_service::accounts::verified_customer(&state, &id, &origin).await?;
    if customer.id != v.contact_id {
        let mut tx = state.db.begin().await?;
        conversations::reassign_contact(&mut tx, &v.contact_id, &customer.id).await?;
        visitors::set_contact(&mut tx, &v.id, &customer.id).await?;
        tx.commit().await?;
    }
    Ok(Json(Identified {
        contact_id: customer.id,
        verified: true,
    }))
}

// ---- Browse consult ---------------------------------------------------------------------

const PAGES_PER_VISITOR: Rule = Rule::per_minutes(60, 1);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageReport {
    pub url: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub referrer: String,
}

#[derive(Serialize)]
pub struct PageAnswer {
    pub view_id: String,
    /// A proactive greeting to open after `after_seconds` on this page.
    pub invitation: Option<Invitation>,
}

#[derive(Serialize)]
pub struct Invitation {
    pub message: String,
    pub after_seconds: i64,
}

fn web_url(s: &str) -> Option<String> {
    let s = s.trim();
    ((s.starts_with("https://") || s.starts_with("http://")) && s.len() <= 2000)
        .then(|| s.to_string())
}

/// The widget reports the page the visitor opened; the answer may carry an invitation.
pub async fn report_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(p): ApiJson<PageReport>,
) -> AppResult<Json<PageAnswer>> {
    let v = visitor(&caller)?;
    state
        .limiter
        .hit(&format!("pages:visitor:{}", v.id), PAGES_PER_VISITOR)
        .map_err(AppError::RateLimited)?;
    let url =
        web_url(&p.url).ok_or_else(|| AppError::bad(ErrorCode::InvalidUrl, "an http(s) URL"))?;
    let referrer = web_url(&p.referrer).unwrap_or_default();
    let title: String = p.title.trim().chars().take(300).collect();
    let today = kefu_core::time::now_ms() / kefu_core::time::DAY * kefu_core::time::DAY;
    let returning = kefu_store::browsing::earlier_visits(&state.db, &v.id, today).await? > 0;
    let view = kefu_store::browsing::open_page(&state.db, &v.id, &url, &title, &referrer).await?;
    visitors::touch(&state.db, v).await?;
    let chatting = conversations::list_for_contact_in_inbox(&state.db, &v.contact_id, &v.inbox_id)
        .await?
        .iter()
        .any(|c| c.status != "resolved");
    let mut invitation = None;
    // Invite only when someone can answer.
    if !chatting
        && kefu_service::chat::desk::availability(&state, &v.inbox_id)
            .await?
            .open
    {
        for r in kefu_store::browsing::rules(&state.db, &v.inbox_id).await? {
            if kefu_store::browsing::matches(&r.url_pattern, &url)
                && (!r.returning_only || returning)
            {
                invitation = Some(Invitation {
                    message: r.message,
                    after_seconds: r.min_seconds,
                });
                break;
            }
        }
    }
    Ok(Json(PageAnswer {
        view_id: view.id,
        invitation,
    }))
}

/// The visitor is still on the page (sent every 30 s while it is visible).
pub async fn page_ping(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let v = visitor(&caller)?;
    state
        .limiter
        .hit(&format!("pages:visitor:{}", v.id), PAGES_PER_VISITOR)
        .map_err(AppError::RateLimited)?;
    if kefu_store::browsing::still_on(&state.db, &v.id, &id).await? {
        visitors::touch(&state.db, v).await?;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

// ---- Queue, transcript, files -----------------------------------------------------------

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
    let actor = Actor::Visitor(visitor(&caller)?.clone());
    let c = chat::visible(&state, &actor, &id).await?;
    Ok(Json(QueuePosition {
        position: conversations::queue_position(&state.db, &c).await?,
    }))
}

const TRANSCRIPTS_PER_VISITOR: Rule = Rule::per_minutes(5, 60);

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
    let v = visitor(&caller)?;
    let actor = Actor::Visitor(v.clone());
    let c = chat::visible(&state, &actor, &id).await?;
    let email = kefu_core::validate::email(&t.email)?;
    state
        .limiter
        .hit(
            &format!("transcript:visitor:{}", v.id),
            TRANSCRIPTS_PER_VISITOR,
        )
        .map_err(AppError::RateLimited)?;
    people::set_contact_details(&state.db, &v.contact_id, "", &email).await?;
    kefu_service::chat::desk::mail_transcript(&state, &c, &email).await?;
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

/// An article the widget offers for what the visitor is typing.
#[derive(Serialize)]
pub struct Suggestion {
    pub id: String,
    /// Plain text (the widget never puts network text into HTML).
    pub title: String,
    pub title_html: String,
    pub snippet_html: String,
}

fn widget_lang(lang: &str) -> &'static str {
    if lang.starts_with("zh") { "zh" } else { "en" }
}

/// Published articles matching what the visitor types (as they type), their language first.
pub async fn suggest_articles(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<SuggestQuery>,
) -> AppResult<Json<Vec<Suggestion>>> {
    let v = visitor(&caller)?;
    let text = kefu_service::knowledge::articles::check_query(&q.q)?;
    if text.chars().count() < 2 && !text.chars().any(kefu_search::analyze::is_cjk) {
        return Ok(Json(vec![]));
    }
    state
        .limiter
        .hit(
            &format!("widget-suggest:{}", v.id),
            Rule::per_minutes(120, 1),
        )
        .map_err(AppError::RateLimited)?;
    let index = state.search.index().await?;
    let public = ["public".to_string()];
    let mut req = kefu_search::Request::new(text, kefu_search::Kind::Article);
    req.scopes = Some(&public);
    req.lang = Some(widget_lang(&q.lang));
    req.limit = 3;
    req.as_you_type = true;
    let hits = index
        .search(&req)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Json(
        hits.into_iter()
            .map(|h| Suggestion {
                id: h.id,
                title: h.title.text(),
                title_html: h.title.to_html(),
                snippet_html: h.snippet.to_html(),
            })
            .collect(),
    ))
}

/// A published article for reading inside the widget.
#[derive(Serialize)]
pub struct WidgetArticle {
    pub id: String,
    pub title: String,
    /// Safe HTML.
    pub html: String,
    /// Its address in the help centre.
    pub url: String,
}

pub async fn read_article(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(q): Query<SuggestQuery>,
) -> AppResult<Json<WidgetArticle>> {
    visitor(&caller)?;
    let a = kefu_store::knowledge::get_article(&state.db, &id)
        .await?
        .filter(|a| a.is_published())
        .ok_or(AppError::NotFound)?;
    kefu_store::knowledge::record_view(&state.db, &a.id).await?;
    let lang = a.shown_lang(widget_lang(&q.lang));
    Ok(Json(WidgetArticle {
        id: a.id.clone(),
        title: a.title(lang).to_string(),
        html: kefu_service::knowledge::markdown::to_html(a.body(lang)),
        url: state.link(&format!("/help/articles/{}?lang={lang}", a.slug)),
    }))
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
    let v = visitor(&caller)?;
    state
        .limiter
        .hit(
            &format!("widget-settled:{}", v.id),
            Rule::per_minutes(20, 10),
        )
        .map_err(AppError::RateLimited)?;
    let a = kefu_store::knowledge::get_article(&state.db, &id)
        .await?
        .filter(|a| a.is_published())
        .ok_or(AppError::NotFound)?;
    let query: String = s.query.trim().chars().take(200).collect();
    kefu_store::knowledge::record_deflection(&state.db, &a.id, Some(&v.id), &query).await?;
    Ok(StatusCode::NO_CONTENT)
}
