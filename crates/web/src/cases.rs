//! Online complaints (在线投诉) and after-sale claims (售后 / 索赔). A customer files one on the
//! public form — signed in, or proving their address with a code sent by mail — and gets a
//! tracking number and a link to a status page where they follow it and add information.
//! Staff move it through its statuses from the console; every move is shown to the customer
//! and mailed. Complaints at or above a severity go straight to a supervisor team.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kefu_core::cases as rules;
use kefu_core::error::ErrorCode;
use kefu_core::id::{constant_time_eq, new_token, numeric_code, token_digest};
use kefu_core::time::{MINUTE, now_ms};
use kefu_store::cases::{self as store, Case};
use kefu_store::conversations::{self, Conversation};
use kefu_store::messages::{self, Message};
use kefu_store::people::{self, User};
use kefu_store::tokens::{self, NewToken, Purpose};
use kefu_store::{Tx, settings, teams};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::{ApiJson, ApiOrigin};
use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;
use kefu_service::chat::{self, Actor};
use kefu_service::i18n::Lang;
use kefu_service::limits::Rule;

pub const SETTINGS_KEY: &str = "cases";
const CODE_TTL: i64 = 15 * MINUTE;
const CODES_PER_IP: Rule = Rule::per_minutes(10, 60);
const CODES_PER_ADDRESS: Rule = Rule::per_minutes(3, 15);
const CASES_PER_IP: Rule = Rule::per_minutes(10, 60);
const CHECKS_PER_CASE: Rule = Rule::per_minutes(30, 10);
/// The header (or `key` query parameter) that carries a status page's access key.
pub const KEY_HEADER: &str = "x-kefu-case-key";

/// Where cases land and who handles the serious ones.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct CaseSettings {
    /// The inbox new cases go to (empty: the first inbox).
    pub inbox_id: String,
    /// The categories a complaint can be filed under.
    pub categories: Vec<String>,
    /// Complaints of this severity or above go to the supervisor team (`low` … `critical`).
    pub escalate_from: String,
    /// The supervisor team (empty: no escalation).
    pub supervisor_team_id: String,
}

impl Default for CaseSettings {
    fn default() -> Self {
        CaseSettings {
            inbox_id: String::new(),
            categories: [
                "商品质量 Product quality",
                "物流配送 Delivery",
                "服务态度 Service",
                "价格与优惠 Price and promotions",
                "其他 Other",
            ]
            .map(String::from)
            .to_vec(),
            escalate_from: "high".into(),
            supervisor_team_id: String::new(),
        }
    }
}

pub async fn load_settings(state: &AppState) -> AppResult<CaseSettings> {
    let json = settings::get(&state.db, SETTINGS_KEY)
        .await?
        .unwrap_or_default();
    Ok(serde_json::from_str(&json).unwrap_or_default())
}

pub async fn save_settings(state: &AppState, s: &CaseSettings) -> AppResult<()> {
    if s.categories.is_empty()
        || s.categories.len() > 50
        || s.categories
            .iter()
            .any(|c| c.trim().is_empty() || c.chars().count() > 100)
    {
        return Err(AppError::bad(
            ErrorCode::InvalidCategories,
            "1-50 categories of 1-100 characters",
        ));
    }
    if !rules::SEVERITIES.contains(&s.escalate_from.as_str()) {
        return Err(AppError::bad(
            ErrorCode::InvalidSeverity,
            "escalate_from is low, medium, high or critical",
        ));
    }
    if !s.inbox_id.is_empty() && teams::get_inbox(&state.db, &s.inbox_id).await?.is_none() {
        return Err(AppError::bad(ErrorCode::InvalidInbox, "no such inbox"));
    }
    if !s.supervisor_team_id.is_empty()
        && teams::get_team(&state.db, &s.supervisor_team_id)
            .await?
            .is_none()
    {
        return Err(AppError::bad(ErrorCode::InvalidTeam, "no such team"));
    }
    let json = serde_json::to_string(s).map_err(|e| AppError::Internal(e.to_string()))?;
    settings::set(&state.db, SETTINGS_KEY, &json).await?;
    Ok(())
}

async fn case_inbox(state: &AppState, s: &CaseSettings) -> AppResult<String> {
    if !s.inbox_id.is_empty() {
        return Ok(s.inbox_id.clone());
    }
    teams::list_inboxes(&state.db)
        .await?
        .into_iter()
        .next()
        .map(|i| i.id)
        .ok_or_else(|| {
            AppError::bad(
                ErrorCode::NoInbox,
                "the shop has no inbox for complaints yet",
            )
        })
}

// ---- Filing a case ---------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub email: String,
    /// `zh` or `en`: the language of the mail.
    #[serde(default)]
    pub lang: String,
}

#[utoipa::path(post, path = "/api/v1/cases/code", tag = "cases", request_body = CodeRequest,
    responses((status = 204, description = "a code was mailed"), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn send_code(
    State(state): State<AppState>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(r): ApiJson<CodeRequest>,
) -> AppResult<StatusCode> {
    let email = kefu_core::validate::email(&r.email)
        .map_err(|_| AppError::bad(ErrorCode::InvalidEmail, "this is not an e-mail address"))?;
    let lim = |k: String, rule| state.limiter.hit(&k, rule).map_err(AppError::RateLimited);
    lim(format!("case-code:ip:{}", origin.ip), CODES_PER_IP)?;
    lim(format!("case-code:to:{email}"), CODES_PER_ADDRESS)?;
    let code = numeric_code(6);
    let lang = Lang::parse(&r.lang).unwrap_or(Lang::ZhCn);
    let mut tx = state.db.begin().await?;
    tokens::issue_plain(
        &mut tx,
        Purpose::CaseEmail,
        &code_secret(&email, &code),
        &NewToken {
            email: &email,
            ttl_ms: CODE_TTL,
            ..Default::default()
        },
    )
    .await?;
    kefu_service::accounts::queue_mail(
        &state,
        &mut tx,
        lang,
        "case-code",
        &email,
        &[("code", code)],
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(StatusCode::NO_CONTENT)
}

/// What the one-time code is stored under: the address and the code together, so a code
/// only works for the address it was sent to.
fn code_secret(email: &str, code: &str) -> String {
    format!("{email}\n{}", code.trim())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// `complaint` or `claim`.
    pub kind: String,
    /// Needed when not signed in, with the code mailed to it.
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub category: String,
    /// A complaint's severity: `low`, `medium`, `high` or `critical`.
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub order_ref: String,
    /// A claim's reason.
    #[serde(default)]
    pub reason: String,
    /// A claim's requested resolution: `return`, `refund` or `exchange`.
    #[serde(default)]
    pub resolution: String,
    pub description: String,
    #[serde(default)]
    pub lang: String,
}

#[derive(Serialize, ToSchema)]
pub struct Filed {
    pub tracking: String,
    /// The key of the status page (also in the link mailed to the customer).
    pub key: String,
    /// The status page.
    pub url: String,
}

/// What a case is about, from the public form or from an agent.
struct Details<'a> {
    kind: &'a str,
    category: &'a str,
    severity: &'a str,
    order_ref: &'a str,
    reason: &'a str,
    resolution: &'a str,
}

impl NewCase {
    fn details(&self) -> Details<'_> {
        Details {
            kind: &self.kind,
            category: &self.category,
            severity: &self.severity,
            order_ref: &self.order_ref,
            reason: &self.reason,
            resolution: &self.resolution,
        }
    }
}

impl OpenCase {
    fn details(&self) -> Details<'_> {
        Details {
            kind: &self.kind,
            category: &self.category,
            severity: &self.severity,
            order_ref: &self.order_ref,
            reason: &self.reason,
            resolution: &self.resolution,
        }
    }
}

impl Details<'_> {
    fn check(&self, s: &CaseSettings) -> AppResult<()> {
        if self.kind != store::COMPLAINT && self.kind != store::CLAIM {
            return Err(AppError::bad(
                ErrorCode::InvalidKind,
                "kind is complaint or claim",
            ));
        }
        if self.order_ref.chars().count() > 64 {
            return Err(AppError::bad(
                ErrorCode::InvalidOrder,
                "the order number is at most 64 characters",
            ));
        }
        if self.kind == store::COMPLAINT {
            if !s.categories.iter().any(|c| c == self.category) {
                return Err(AppError::bad(
                    ErrorCode::InvalidCategory,
                    "choose one of the categories",
                ));
            }
            if !rules::SEVERITIES.contains(&self.severity) {
                return Err(AppError::bad(
                    ErrorCode::InvalidSeverity,
                    "severity is low, medium, high or critical",
                ));
            }
        } else {
            if self.order_ref.trim().is_empty() {
                return Err(AppError::bad(
                    ErrorCode::InvalidOrder,
                    "a claim needs the order number",
                ));
            }
            if !rules::RESOLUTIONS.contains(&self.resolution) {
                return Err(AppError::bad(
                    ErrorCode::InvalidResolution,
                    "ask for a return, a refund or an exchange",
                ));
            }
            let r = self.reason.trim().chars().count();
            if !(1..=500).contains(&r) {
                return Err(AppError::bad(
                    ErrorCode::InvalidReason,
                    "give the reason in 1 to 500 characters",
                ));
            }
        }
        Ok(())
    }

    /// The case to store (a complaint keeps no resolution, a claim no category or severity);
    /// the tracking number is the caller's to draw.
    fn case(&self, conversation_id: &str, tracking: String, email: &str, now: i64) -> Case {
        let complaint = self.kind == store::COMPLAINT;
        let only = |yes: bool, v: &str| if yes { v.to_string() } else { String::new() };
        Case {
            conversation_id: conversation_id.into(),
            kind: self.kind.into(),
            tracking,
            access_digest: String::new(),
            email: email.into(),
            category: only(complaint, self.category),
            severity: only(complaint, self.severity),
            order_ref: self.order_ref.trim().into(),
            reason: self.reason.trim().into(),
            resolution: only(!complaint, self.resolution),
            status: rules::first_status(self.kind).into(),
            created_at: now,
            updated_at: now,
        }
    }
}

fn check_new(n: &NewCase, s: &CaseSettings) -> AppResult<()> {
    let len = n.description.trim().chars().count();
    if !(1..=5000).contains(&len) {
        return Err(AppError::bad(
            ErrorCode::InvalidDescription,
            "describe what happened in 1 to 5000 characters",
        ));
    }
    if n.name.chars().count() > 100 {
        return Err(AppError::bad(
            ErrorCode::InvalidName,
            "the name is at most 100 characters",
        ));
    }
    n.details().check(s)
}

/// The contact a case is filed for: the signed-in customer, or the one at a verified address.
async fn contact_for(tx: &mut Tx, caller: &Caller, n: &NewCase) -> AppResult<(String, String)> {
    if let Caller::Person { user, .. } = caller {
        if user.role().is_staff() {
            return Err(AppError::bad(
                ErrorCode::StaffCannotFile,
                "staff file cases from the console, not the public form",
            ));
        }
        let email = people::reply_address(&mut *tx, &user.id)
            .await?
            .unwrap_or_default();
        return Ok((user.id.clone(), email));
    }
    let email = kefu_core::validate::email(&n.email)
        .map_err(|_| AppError::bad(ErrorCode::InvalidEmail, "this is not an e-mail address"))?;
    if tokens::consume(tx, Purpose::CaseEmail, &code_secret(&email, &n.code))
        .await?
        .is_none()
    {
        return Err(AppError::bad(
            ErrorCode::InvalidCode,
            "the code is wrong or has expired; ask for a new one",
        ));
    }
    // A known account's address, or a contact who wrote from it before, else a new contact.
    if let Some(u) = people::by_email(&mut *tx, &email).await?
        && !u.role().is_staff()
    {
        return Ok((u.id, email));
    }
    if let Some(id) = people::customers_at_address(&mut *tx, &email)
        .await?
        .into_iter()
        .next()
    {
        return Ok((id, email));
    }
    let user = people::insert(
        tx,
        &people::NewUser {
            name: n.name.trim().chars().take(100).collect(),
            language: String::new(),
            ..Default::default()
        },
    )
    .await?;
    people::set_contact_details(&mut *tx, &user.id, n.name.trim(), &email).await?;
    Ok((user.id, email))
}

fn status_link(state: &AppState, tracking: &str, key: &str) -> String {
    state.link(&format!("/track/{tracking}#key={key}"))
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = NewCase,
    responses((status = 201, body = Filed), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(n): ApiJson<NewCase>,
) -> AppResult<Response> {
    state
        .limiter
        .hit(&format!("case:ip:{}", origin.ip), CASES_PER_IP)
        .map_err(AppError::RateLimited)?;
    let s = load_settings(&state).await?;
    check_new(&n, &s)?;
    let inbox = case_inbox(&state, &s).await?;
    let lang = Lang::parse(&n.lang).unwrap_or(Lang::ZhCn);
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    let (contact, email) = contact_for(&mut tx, &caller, &n).await?;
    let label = if n.kind == store::CLAIM {
        "售后 After-sale"
    } else {
        "投诉 Complaint"
    };
    let topic = if n.kind == store::CLAIM {
        n.reason.trim()
    } else {
        n.category.as_str()
    };
    let mut subject = format!("[{label}] {topic}");
    if !n.order_ref.trim().is_empty() {
        subject.push_str(&format!(" · {}", n.order_ref.trim()));
    }
    let subject: String = subject.chars().take(200).collect();
    let conv = conversations::create(&mut tx, &inbox, Some(&contact), &subject).await?;
    let escalate = n.kind == store::COMPLAINT
        && !s.supervisor_team_id.is_empty()
        && rules::at_least(&n.severity, &s.escalate_from);
    let priority = match (n.kind.as_str(), n.severity.as_str()) {
        (_, "critical") => "urgent",
        (_, "high") => "high",
        _ if escalate => "high",
        _ => "normal",
    };
    let conv = conversations::update(
        &mut tx,
        &conv,
        &conversations::Changes {
            ticket_type: Some(n.kind.clone()),
            priority: Some(priority.into()),
            stage: Some("after_sale".into()),
            team_id: escalate.then(|| Some(s.supervisor_team_id.clone())),
            waiting_since: Some(Some(now)),
            ..Default::default()
        },
    )
    .await?;
    let key = new_token();
    let tracking = new_tracking(&mut tx, &n.kind).await?;
    let case = n.details().case(&conv.id, tracking, &email, now);
    store::create(&mut tx, &case, &key).await?;
    let meta = serde_json::json!({"case": {
        "tracking": case.tracking, "kind": case.kind, "category": case.category,
        "severity": case.severity, "order_ref": case.order_ref, "reason": case.reason,
        "resolution": case.resolution,
    }});
    let (first, _) = messages::append(
        &mut tx,
        &messages::NewMessage {
            conversation_id: &conv.id,
            kind: messages::kind::TEXT,
            author_kind: messages::author::CONTACT,
            author_id: Some(&contact),
            client_id: None,
            body: n.description.trim(),
            meta: &meta.to_string(),
        },
    )
    .await?;
    chat::bus::announce_in(&state, &mut tx, &conv, first.seq, false).await?;
    let mut events = vec![];
    if escalate {
        let team = teams::get_team(&mut tx, &s.supervisor_team_id)
            .await?
            .map(|t| t.name)
            .unwrap_or_default();
        events.push(
            kefu_service::chat::desk::record_event(
                &state,
                &mut tx,
                &conv,
                messages::kind::ACTIVITY,
                None,
                &format!(
                    "Severity {} complaint escalated to team {team}",
                    case.severity
                ),
                serde_json::json!({"event": "escalated", "team": s.supervisor_team_id, "severity": case.severity}),
            )
            .await?,
        );
    }
    kefu_service::tickets::sla::on_customer_message(&state, &mut tx, &conv, now).await?;
    if !email.is_empty() {
        kefu_service::accounts::queue_mail(
            &state,
            &mut tx,
            lang,
            &format!("case-filed-{}", case.kind),
            &email,
            &[
                ("tracking", case.tracking.clone()),
                ("link", status_link(&state, &case.tracking, &key)),
            ],
        )
        .await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    state.routing_wake.notify_one();
    let author = kefu_core::protocol::Author {
        kind: messages::author::CONTACT.into(),
        id: Some(contact),
        name: n.name.clone(),
    };
    chat::publish_message(&state, &conv, &first, &author);
    kefu_service::chat::desk::publish_all(&state, &conv, &events).await;
    let url = status_link(&state, &case.tracking, &key);
    Ok((
        StatusCode::CREATED,
        Json(Filed {
            tracking: case.tracking,
            key,
            url,
        }),
    )
        .into_response())
}

async fn new_tracking(tx: &mut Tx, kind: &str) -> AppResult<String> {
    for _ in 0..5 {
        let t = rules::new_tracking(kind);
        if store::by_tracking(&mut *tx, &t).await?.is_none() {
            return Ok(t);
        }
    }
    Err(AppError::Internal("no free tracking number".into()))
}

// ---- The status page -------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct KeyQuery {
    #[serde(default)]
    pub key: String,
}

/// The case `tracking` and its customer, if the caller holds its key or is its signed-in
/// customer; `NotFound` otherwise (a wrong key and a missing case look the same).
async fn open_case(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    tracking: &str,
    key: &str,
) -> AppResult<(Case, Conversation, User)> {
    let tracking = tracking.trim().to_uppercase();
    if !rules::is_tracking(&tracking) {
        return Err(AppError::NotFound);
    }
    state
        .limiter
        .hit(&format!("case-open:{tracking}"), CHECKS_PER_CASE)
        .map_err(AppError::RateLimited)?;
    let case = store::by_tracking(&state.db, &tracking)
        .await?
        .ok_or(AppError::NotFound)?;
    let conv = conversations::get(&state.db, &case.conversation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let customer = conv
        .customer_id
        .as_deref()
        .ok_or(AppError::NotFound)?
        .to_string();
    let key = headers
        .get(KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or(key);
    let by_key = !key.is_empty()
        && constant_time_eq(token_digest(key).as_bytes(), case.access_digest.as_bytes());
    let by_account = matches!(caller, Caller::Person { user, .. } if user.id == customer);
    if !(by_key || by_account) {
        return Err(AppError::NotFound);
    }
    let user = people::get(&state.db, &customer)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((case, conv, user))
}

#[derive(Serialize, ToSchema)]
pub struct TimelineEntry {
    /// `customer`, `staff` or `event`.
    pub from: String,
    pub name: String,
    pub body: String,
    /// A file's attachment id and name.
    pub file: Option<(String, String)>,
    /// For a move of the case: the status it moved to (the page says it in the reader's
    /// language), with the note to the customer in `body`.
    pub status: Option<String>,
    pub at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub case: Case,
    pub number: i64,
    pub subject: String,
    /// The progress bar: the statuses the case went through, then the usual rest of its way.
    pub steps: Vec<String>,
    pub timeline: Vec<TimelineEntry>,
}

/// The customer's view of the conversation, and the statuses the case went through.
async fn timeline(
    state: &AppState,
    conv: &Conversation,
    case: &Case,
) -> AppResult<(Vec<TimelineEntry>, Vec<String>)> {
    let mut out = vec![];
    let mut visited = vec![rules::first_status(&case.kind).to_string()];
    let mut names = std::collections::HashMap::new();
    let mut after = 0;
    loop {
        let page = messages::after(&state.db, &conv.id, after, 500, false).await?;
        for m in &page {
            after = m.seq;
            out.push(entry(state, m, &mut names).await?);
            if m.kind == messages::kind::EVENT && m.meta.contains("case_status") {
                let meta: serde_json::Value = serde_json::from_str(&m.meta).unwrap_or_default();
                if meta["event"] == "case_status"
                    && let Some(s) = meta["status"].as_str()
                {
                    visited.push(s.to_string());
                }
            }
        }
        if page.len() < 500 {
            break;
        }
    }
    // A customer's answer reopens a case without an event; the stored status has the last word.
    if visited.last() != Some(&case.status) {
        visited.push(case.status.clone());
    }
    Ok((out, visited))
}

async fn entry(
    state: &AppState,
    m: &Message,
    names: &mut std::collections::HashMap<String, String>,
) -> AppResult<TimelineEntry> {
    let from = match (m.kind.as_str(), m.author_kind.as_str()) {
        (messages::kind::EVENT, _) => "event",
        (_, messages::author::CONTACT) => "customer",
        _ => "staff",
    };
    let mut name = String::new();
    if from == "staff"
        && let Some(a) = &m.author_id
    {
        if !names.contains_key(a) {
            let n = people::get(&state.db, a)
                .await?
                .map(|u| u.display_name().to_string())
                .unwrap_or_default();
            names.insert(a.clone(), n);
        }
        name = names.get(a).cloned().unwrap_or_default();
    }
    let meta: serde_json::Value = serde_json::from_str(&m.meta).unwrap_or_default();
    let file = meta["attachment"].as_str().map(|id| {
        (
            id.to_string(),
            meta["name"].as_str().unwrap_or("file").to_string(),
        )
    });
    let status = (meta["event"] == "case_status")
        .then(|| meta["status"].as_str().map(str::to_string))
        .flatten();
    let body = match &status {
        Some(_) => meta["note"].as_str().unwrap_or_default().to_string(),
        None => m.body.clone(),
    };
    Ok(TimelineEntry {
        from: from.into(),
        name,
        body,
        file,
        status,
        at: m.created_at,
    })
}

#[utoipa::path(get, path = "/api/v1/cases/{tracking}", tag = "cases",
    params(("key" = Option<String>, Query, description = "the access key (or the X-Kefu-Case-Key header)")),
    responses((status = 200, body = CaseView), (status = 404, body = ErrorBody)))]
pub async fn view(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(tracking): Path<String>,
    Query(q): Query<KeyQuery>,
) -> AppResult<Json<CaseView>> {
    let (case, conv, _) = open_case(&state, &caller, &headers, &tracking, &q.key).await?;
    let (timeline, visited) = timeline(&state, &conv, &case).await?;
    Ok(Json(CaseView {
        number: conv.number,
        subject: conv.subject.clone(),
        steps: rules::progress(&case.kind, &case.resolution, &visited),
        timeline,
        case,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddInfo {
    pub body: String,
}

#[utoipa::path(post, path = "/api/v1/cases/{tracking}/messages", tag = "cases", request_body = AddInfo,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_info(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(tracking): Path<String>,
    Query(q): Query<KeyQuery>,
    ApiJson(a): ApiJson<AddInfo>,
) -> AppResult<Response> {
    let (case, conv, user) = open_case(&state, &caller, &headers, &tracking, &q.key).await?;
    let body = a.body.trim();
    if body.is_empty() || body.chars().count() > kefu_core::protocol::MAX_BODY_CHARS {
        return Err(AppError::bad(
            ErrorCode::InvalidBody,
            "write 1 to 5000 characters",
        ));
    }
    if case.status == "closed" {
        return Err(AppError::bad(
            ErrorCode::CaseClosed,
            "this case is closed; file a new one",
        ));
    }
    let actor = Actor::Person(user);
    let sent = chat::store_message_with(
        &state,
        &actor,
        &conv,
        None,
        messages::kind::TEXT,
        body,
        "",
        None,
    )
    .await?;
    reopen_if_waiting(&state, &case).await?;
    crate::widget::sent(sent)
}

/// A customer's word moves a complaint waiting for them back to work.
async fn reopen_if_waiting(state: &AppState, case: &Case) -> AppResult<()> {
    if let Some(to) = rules::reopened_by_customer(&case.kind, &case.status) {
        store::set_status(&state.db, &case.conversation_id, &case.status, to).await?;
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/cases/{tracking}/files", tag = "cases",
    params(("name" = String, Query, description = "the file's name")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn add_file(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(tracking): Path<String>,
    Query(q): Query<FileQuery>,
    body: axum::body::Body,
) -> AppResult<Response> {
    let (case, conv, user) = open_case(&state, &caller, &headers, &tracking, &q.key).await?;
    if case.status == "closed" {
        return Err(AppError::bad(
            ErrorCode::CaseClosed,
            "this case is closed; file a new one",
        ));
    }
    let actor = Actor::Person(user);
    let up = kefu_service::files::UploadQuery {
        name: q.name.clone(),
        client_id: String::new(),
    };
    let sent = crate::api::files::upload(&state, &actor, &conv.id, &up, body).await?;
    reopen_if_waiting(&state, &case).await?;
    crate::widget::sent(sent)
}

#[derive(Deserialize, Default)]
pub struct FileQuery {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub name: String,
}

#[utoipa::path(get, path = "/api/v1/cases/{tracking}/files/{attachment_id}", tag = "cases",
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path((tracking, attachment_id)): Path<(String, String)>,
    Query(q): Query<KeyQuery>,
) -> AppResult<Response> {
    let (_, conv, user) = open_case(&state, &caller, &headers, &tracking, &q.key).await?;
    let a = kefu_service::files::visible_attachment(&state, &Actor::Person(user), &attachment_id)
        .await?;
    // The key opens this case's files only, not the customer's other conversations'.
    if a.conversation_id != conv.id {
        return Err(AppError::NotFound);
    }
    crate::api::files::download(&state, &a, &Default::default()).await
}

// ---- Staff -----------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct StaffCase {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub case: Case,
    /// The statuses it may move to now.
    pub next: Vec<&'static str>,
}

impl StaffCase {
    pub fn of(case: Case) -> StaffCase {
        StaffCase {
            next: rules::next_statuses(&case.kind, &case.status).to_vec(),
            case,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/case", tag = "cases",
    responses((status = 200, body = StaffCase), (status = 404, body = ErrorBody)))]
pub async fn staff_view(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<StaffCase>> {
    let user = caller.staff()?;
    chat::visible(&state, &Actor::Person(user.clone()), &id).await?;
    let case = store::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(StaffCase {
        next: rules::next_statuses(&case.kind, &case.status).to_vec(),
        case,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCase {
    /// `complaint` or `claim`.
    pub kind: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub order_ref: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub resolution: String,
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/case", tag = "cases", request_body = OpenCase,
    responses((status = 201, body = StaffCase), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn open_from_conversation(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(o): ApiJson<OpenCase>,
) -> AppResult<Response> {
    let user = caller.staff()?;
    let conv = chat::visible(&state, &Actor::Person(user.clone()), &id).await?;
    let customer = conv
        .customer_id
        .clone()
        .ok_or_else(|| AppError::bad(ErrorCode::NoCustomer, "the conversation has no customer"))?;
    if store::get(&state.db, &conv.id).await?.is_some() {
        return Err(AppError::Conflict(
            ErrorCode::AlreadyACase,
            "this conversation is already a case".into(),
        ));
    }
    let s = load_settings(&state).await?;
    o.details().check(&s)?;
    let email = people::reply_address(&state.db, &customer)
        .await?
        .unwrap_or_default();
    let now = now_ms();
    let key = new_token();
    let mut tx = state.db.begin().await?;
    let tracking = new_tracking(&mut tx, &o.kind).await?;
    let case = o.details().case(&conv.id, tracking, &email, now);
    let link = status_link(&state, &case.tracking, &key);
    store::create(&mut tx, &case, &key).await?;
    let updated = conversations::update(
        &mut tx,
        &conv,
        &conversations::Changes {
            ticket_type: Some(o.kind.clone()),
            stage: Some("after_sale".into()),
            ..Default::default()
        },
    )
    .await?;
    let by = user.display_name().to_string();
    let ev = kefu_service::chat::desk::record_event(
        &state,
        &mut tx,
        &updated,
        messages::kind::EVENT,
        Some(user),
        &format!("Case {} opened; follow it at {link}", case.tracking),
        serde_json::json!({"event": "case_opened", "tracking": case.tracking, "kind": case.kind, "by": by, "link": link}),
    )
    .await?;
    kefu_service::tickets::sla::on_reclassify(&state, &mut tx, &updated).await?;
    if !email.is_empty() {
        kefu_service::accounts::queue_mail(
            &state,
            &mut tx,
            Lang::ZhCn,
            &format!("case-filed-{}", case.kind),
            &email,
            &[("tracking", case.tracking.clone()), ("link", link.clone())],
        )
        .await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    kefu_service::chat::desk::publish_all(&state, &updated, &[ev]).await;
    Ok((
        StatusCode::CREATED,
        Json(StaffCase {
            next: rules::next_statuses(&case.kind, &case.status).to_vec(),
            case,
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveCase {
    pub status: String,
    /// Shown to the customer with the new status.
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/case/status", tag = "cases", request_body = MoveCase,
    responses((status = 200, body = StaffCase), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn move_case(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(m): ApiJson<MoveCase>,
) -> AppResult<Json<StaffCase>> {
    let user = caller.staff()?;
    let conv = chat::visible(&state, &Actor::Person(user.clone()), &id).await?;
    let case = store::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !rules::may_move(&case.kind, &case.status, &m.status) {
        let next = rules::next_statuses(&case.kind, &case.status);
        return Err(AppError::bad(
            ErrorCode::InvalidStatus,
            if next.is_empty() {
                format!("a {} that is {} cannot move on", case.kind, case.status)
            } else {
                format!(
                    "a {} that is {} can move to {}",
                    case.kind,
                    case.status,
                    next.join(", ")
                )
            },
        ));
    }
    if m.note.chars().count() > 2000 {
        return Err(AppError::bad(
            ErrorCode::InvalidNote,
            "the note is at most 2000 characters",
        ));
    }
    let by = user.display_name().to_string();
    let mut tx = state.db.begin().await?;
    if !store::set_status(&mut tx, &id, &case.status, &m.status).await? {
        return Err(AppError::Conflict(
            ErrorCode::CaseMoved,
            "someone else moved this case meanwhile; reload".into(),
        ));
    }
    let mut text = format!("{} {}: {}", case.tracking, by, m.status);
    if !m.note.trim().is_empty() {
        text = format!("{text} — {}", m.note.trim());
    }
    let ev = kefu_service::chat::desk::record_event(
        &state,
        &mut tx,
        &conv,
        messages::kind::EVENT,
        Some(user),
        &text,
        serde_json::json!({"event": "case_status", "tracking": case.tracking, "from": case.status, "status": m.status, "note": m.note.trim(), "by": by}),
    )
    .await?;
    // A case that ends resolves its conversation.
    let ends = matches!(m.status.as_str(), "closed" | "resolved");
    let events = vec![ev];
    if ends && conv.status != "resolved" {
        conversations::update(
            &mut tx,
            &conv,
            &conversations::Changes {
                status: Some("resolved".into()),
                snoozed_until: Some(None),
                waiting_since: Some(None),
                ..Default::default()
            },
        )
        .await?;
        kefu_service::tickets::sla::on_status(&state, &mut tx, &conv, "resolved", now_ms()).await?;
    } else if !ends {
        // Staff moved it: that counts as an answer to the customer.
        kefu_service::tickets::sla::on_agent_reply(&state, &mut tx, &conv, now_ms()).await?;
    }
    if !case.email.is_empty() {
        kefu_service::accounts::queue_mail(
            &state,
            &mut tx,
            Lang::ZhCn,
            "case-status",
            &case.email,
            &[
                ("tracking", case.tracking.clone()),
                ("status", m.status.clone()),
                ("note", m.note.trim().to_string()),
            ],
        )
        .await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    kefu_service::chat::desk::publish_all(&state, &conv, &events).await;
    let case = store::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(StaffCase {
        next: rules::next_statuses(&case.kind, &case.status).to_vec(),
        case,
    }))
}

#[utoipa::path(get, path = "/api/v1/case-settings", tag = "cases",
    responses((status = 200, body = CaseSettings)))]
pub async fn get_settings(State(state): State<AppState>) -> AppResult<Json<CaseSettings>> {
    Ok(Json(load_settings(&state).await?))
}

#[utoipa::path(put, path = "/api/v1/case-settings", tag = "cases", request_body = CaseSettings,
    responses((status = 200, body = CaseSettings), (status = 400, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    ApiJson(s): ApiJson<CaseSettings>,
) -> AppResult<Json<CaseSettings>> {
    save_settings(&state, &s).await?;
    Ok(Json(s))
}
