//! Online complaints (在线投诉) and after-sale claims (售后 / 索赔). A customer files one on the
//! public form — signed in, or proving their address with a code sent by mail — and gets a
//! tracking number and a link to a status page where they follow it and add information.
//! Staff move it through its statuses from the console; every move is shown to the customer
//! and mailed. Complaints at or above a severity go straight to a supervisor team.

use kefu_core::ErrorCode;
use kefu_core::cases as rules;
use kefu_core::id::{constant_time_eq, new_token, token_digest};
use kefu_core::time::{MINUTE, now_ms};
use kefu_store::cases::{self as store, Case};
use kefu_store::conversations::{self, Conversation};
use kefu_store::messages::{self, Message};
use kefu_store::people::{self, User};
use kefu_store::tokens::{self, Purpose};
use kefu_store::{Tx, settings, teams};
use serde::{Deserialize, Serialize};

use crate::Service;
use crate::accounts::caller::Caller;
use crate::chat::{self};
use crate::i18n::Lang;
use crate::limits::Rule;
use crate::{Error, Result};

pub const SETTINGS_KEY: &str = "cases";
pub const CODE_TTL: i64 = 15 * MINUTE;
pub const CODES_PER_IP: Rule = Rule::per_minutes(10, 60);
pub const CODES_PER_ADDRESS: Rule = Rule::per_minutes(3, 15);
pub const CASES_PER_IP: Rule = Rule::per_minutes(10, 60);
pub const CHECKS_PER_CASE: Rule = Rule::per_minutes(30, 10);
/// The header (or `key` query parameter) that carries a status page's access key.
pub const KEY_HEADER: &str = "x-kefu-case-key";

/// Where cases land and who handles the serious ones.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

pub async fn load_settings(state: &Service) -> Result<CaseSettings> {
    let json = settings::get(&state.db, SETTINGS_KEY)
        .await?
        .unwrap_or_default();
    Ok(serde_json::from_str(&json).unwrap_or_default())
}

pub async fn save_settings(state: &Service, s: &CaseSettings) -> Result<()> {
    if s.categories.is_empty()
        || s.categories.len() > 50
        || s.categories
            .iter()
            .any(|c| c.trim().is_empty() || c.chars().count() > 100)
    {
        return Err(Error::invalid(
            ErrorCode::InvalidCategories,
            "1-50 categories of 1-100 characters",
        ));
    }
    if !rules::SEVERITIES.contains(&s.escalate_from.as_str()) {
        return Err(Error::invalid(
            ErrorCode::InvalidSeverity,
            "escalate_from is low, medium, high or critical",
        ));
    }
    if !s.inbox_id.is_empty() && teams::get_inbox(&state.db, &s.inbox_id).await?.is_none() {
        return Err(Error::invalid(ErrorCode::InvalidInbox, "no such inbox"));
    }
    if !s.supervisor_team_id.is_empty()
        && teams::get_team(&state.db, &s.supervisor_team_id)
            .await?
            .is_none()
    {
        return Err(Error::invalid(ErrorCode::InvalidTeam, "no such team"));
    }
    let json = serde_json::to_string(s).map_err(|e| Error::Internal(e.to_string()))?;
    settings::set(&state.db, SETTINGS_KEY, &json).await?;
    Ok(())
}

pub async fn case_inbox(state: &Service, s: &CaseSettings) -> Result<String> {
    if !s.inbox_id.is_empty() {
        return Ok(s.inbox_id.clone());
    }
    teams::list_inboxes(&state.db)
        .await?
        .into_iter()
        .next()
        .map(|i| i.id)
        .ok_or_else(|| {
            Error::invalid(
                ErrorCode::NoInbox,
                "the shop has no inbox for complaints yet",
            )
        })
}

// ---- Filing a case ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub email: String,
    /// `zh` or `en`: the language of the mail.
    #[serde(default)]
    pub lang: String,
}

/// What the one-time code is stored under: the address and the code together, so a code
/// only works for the address it was sent to.
pub fn code_secret(email: &str, code: &str) -> String {
    format!("{email}\n{}", code.trim())
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Filed {
    pub tracking: String,
    /// The key of the status page (also in the link mailed to the customer).
    pub key: String,
    /// The status page.
    pub url: String,
}

/// What a case is about, from the public form or from an agent.
pub struct Details<'a> {
    kind: &'a str,
    category: &'a str,
    severity: &'a str,
    order_ref: &'a str,
    reason: &'a str,
    resolution: &'a str,
}

impl NewCase {
    pub fn details(&self) -> Details<'_> {
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
    pub fn details(&self) -> Details<'_> {
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
    pub fn check(&self, s: &CaseSettings) -> Result<()> {
        if self.kind != store::COMPLAINT && self.kind != store::CLAIM {
            return Err(Error::invalid(
                ErrorCode::InvalidKind,
                "kind is complaint or claim",
            ));
        }
        if self.order_ref.chars().count() > 64 {
            return Err(Error::invalid(
                ErrorCode::InvalidOrder,
                "the order number is at most 64 characters",
            ));
        }
        if self.kind == store::COMPLAINT {
            if !s.categories.iter().any(|c| c == self.category) {
                return Err(Error::invalid(
                    ErrorCode::InvalidCategory,
                    "choose one of the categories",
                ));
            }
            if !rules::SEVERITIES.contains(&self.severity) {
                return Err(Error::invalid(
                    ErrorCode::InvalidSeverity,
                    "severity is low, medium, high or critical",
                ));
            }
        } else {
            if self.order_ref.trim().is_empty() {
                return Err(Error::invalid(
                    ErrorCode::InvalidOrder,
                    "a claim needs the order number",
                ));
            }
            if !rules::RESOLUTIONS.contains(&self.resolution) {
                return Err(Error::invalid(
                    ErrorCode::InvalidResolution,
                    "ask for a return, a refund or an exchange",
                ));
            }
            let r = self.reason.trim().chars().count();
            if !(1..=500).contains(&r) {
                return Err(Error::invalid(
                    ErrorCode::InvalidReason,
                    "give the reason in 1 to 500 characters",
                ));
            }
        }
        Ok(())
    }

    /// The case to store (a complaint keeps no resolution, a claim no category or severity);
    /// the tracking number is the caller's to draw.
    pub fn case(&self, conversation_id: &str, tracking: String, email: &str, now: i64) -> Case {
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

pub fn check_new(n: &NewCase, s: &CaseSettings) -> Result<()> {
    let len = n.description.trim().chars().count();
    if !(1..=5000).contains(&len) {
        return Err(Error::invalid(
            ErrorCode::InvalidDescription,
            "describe what happened in 1 to 5000 characters",
        ));
    }
    if n.name.chars().count() > 100 {
        return Err(Error::invalid(
            ErrorCode::InvalidName,
            "the name is at most 100 characters",
        ));
    }
    n.details().check(s)
}

/// The contact a case is filed for: the signed-in customer, or the one at a verified address.
pub async fn contact_for(tx: &mut Tx, caller: &Caller, n: &NewCase) -> Result<(String, String)> {
    if let Caller::Person { user, .. } = caller {
        if user.role().is_staff() {
            return Err(Error::invalid(
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
        .map_err(|_| Error::invalid(ErrorCode::InvalidEmail, "this is not an e-mail address"))?;
    if tokens::consume(tx, Purpose::CaseEmail, &code_secret(&email, &n.code))
        .await?
        .is_none()
    {
        return Err(Error::invalid(
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

pub fn status_link(state: &Service, tracking: &str, key: &str) -> String {
    state.link(&format!("/track/{tracking}#key={key}"))
}

/// A customer files a complaint or a claim (signed in, or with a code mailed to the address):
/// a conversation in the shop's case inbox (a complaint at or above the shop's severity goes to
/// the supervisor team, with a higher priority), the case with its tracking number and status
/// key, the customer's description as their first message, the SLA clocks, and a mail with the
/// status link — in one transaction. Limited per IP address.
pub async fn file(state: &Service, caller: &Caller, ip: &str, n: &NewCase) -> Result<Filed> {
    state
        .limiter
        .hit(&format!("case:ip:{ip}"), CASES_PER_IP)
        .map_err(Error::RateLimited)?;
    let s = load_settings(state).await?;
    check_new(n, &s)?;
    let inbox = case_inbox(state, &s).await?;
    let lang = Lang::parse(&n.lang).unwrap_or(Lang::ZhCn);
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    let (contact, email) = contact_for(&mut tx, caller, n).await?;
    let subject = rules::subject(&n.kind, &n.category, &n.reason, &n.order_ref);
    let conv = conversations::create(&mut tx, &inbox, Some(&contact), &subject).await?;
    let escalate = rules::escalates(
        &n.kind,
        &n.severity,
        &s.escalate_from,
        !s.supervisor_team_id.is_empty(),
    );
    let conv = conversations::update(
        &mut tx,
        &conv,
        &conversations::Changes {
            ticket_type: Some(n.kind.clone()),
            priority: Some(rules::priority(&n.severity, escalate).into()),
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
    chat::bus::announce_in(state, &mut tx, &conv, first.seq, false).await?;
    let mut events = vec![];
    if escalate {
        let team = teams::get_team(&mut tx, &s.supervisor_team_id)
            .await?
            .map(|t| t.name)
            .unwrap_or_default();
        events.push(
            crate::chat::desk::record_event(
                state,
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
    // The customer wrote: what follows is the same as for every channel (here: the SLA
    // clocks; the conversation is new, open and already waiting).
    events.extend(crate::customer_wrote::stage(state, &mut tx, &conv, &first, now).await?);
    if !email.is_empty() {
        crate::accounts::queue_mail(
            state,
            &mut tx,
            lang,
            &format!("case-filed-{}", case.kind),
            &email,
            &[
                ("tracking", case.tracking.clone()),
                ("link", status_link(state, &case.tracking, &key)),
            ],
        )
        .await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    let author = kefu_core::protocol::Author {
        kind: messages::author::CONTACT.into(),
        id: Some(contact),
        name: n.name.clone(),
    };
    chat::publish_message(state, &conv, &first, &author);
    crate::customer_wrote::committed(state, &conv, &events).await;
    let url = status_link(state, &case.tracking, &key);
    Ok(Filed {
        tracking: case.tracking,
        key,
        url,
    })
}

pub async fn new_tracking(tx: &mut Tx, kind: &str) -> Result<String> {
    for _ in 0..5 {
        let t = rules::new_tracking(kind);
        if store::by_tracking(&mut *tx, &t).await?.is_none() {
            return Ok(t);
        }
    }
    Err(Error::Internal("no free tracking number".into()))
}

// ---- The status page -------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct KeyQuery {
    #[serde(default)]
    pub key: String,
}

/// The case `tracking` and its customer, if the caller holds its key (sent in the
/// [`KEY_HEADER`] header, `header_key`, or in the query, `key`) or is its signed-in customer;
/// `NotFound` otherwise (a wrong key and a missing case look the same).
pub async fn open_case(
    state: &Service,
    caller: &Caller,
    header_key: Option<&str>,
    tracking: &str,
    key: &str,
) -> Result<(Case, Conversation, User)> {
    let tracking = tracking.trim().to_uppercase();
    if !rules::is_tracking(&tracking) {
        return Err(Error::NotFound);
    }
    state
        .limiter
        .hit(&format!("case-open:{tracking}"), CHECKS_PER_CASE)
        .map_err(Error::RateLimited)?;
    let case = store::by_tracking(&state.db, &tracking)
        .await?
        .ok_or(Error::NotFound)?;
    let conv = conversations::get(&state.db, &case.conversation_id)
        .await?
        .ok_or(Error::NotFound)?;
    let customer = conv
        .customer_id
        .as_deref()
        .ok_or(Error::NotFound)?
        .to_string();
    let key = header_key.unwrap_or(key);
    let by_key = !key.is_empty()
        && constant_time_eq(token_digest(key).as_bytes(), case.access_digest.as_bytes());
    let by_account = matches!(caller, Caller::Person { user, .. } if user.id == customer);
    if !(by_key || by_account) {
        return Err(Error::NotFound);
    }
    let user = people::get(&state.db, &customer)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((case, conv, user))
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseView {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub case: Case,
    pub number: i64,
    pub subject: String,
    /// The progress bar: the statuses the case went through, then the usual rest of its way.
    pub steps: Vec<String>,
    pub timeline: Vec<TimelineEntry>,
}

/// The customer's view of the conversation, and the statuses the case went through.
pub async fn timeline(
    state: &Service,
    conv: &Conversation,
    case: &Case,
) -> Result<(Vec<TimelineEntry>, Vec<String>)> {
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

pub async fn entry(
    state: &Service,
    m: &Message,
    names: &mut std::collections::HashMap<String, String>,
) -> Result<TimelineEntry> {
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

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddInfo {
    pub body: String,
}

/// A customer's word moves a complaint waiting for them back to work.
pub async fn reopen_if_waiting(state: &Service, case: &Case) -> Result<()> {
    if let Some(to) = rules::reopened_by_customer(&case.kind, &case.status) {
        store::set_status(&state.db, &case.conversation_id, &case.status, to).await?;
    }
    Ok(())
}

#[derive(Deserialize, Default)]
pub struct FileQuery {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub name: String,
}

// ---- Staff -----------------------------------------------------------------------------------

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffCase {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
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

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MoveCase {
    pub status: String,
    /// Shown to the customer with the new status.
    #[serde(default)]
    pub note: String,
}
