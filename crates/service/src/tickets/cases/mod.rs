//! Online complaints (在线投诉) and after-sale claims (售后 / 索赔). A customer files one on the
//! public form — signed in, or proving their address with a code sent by mail — and gets a
//! tracking number and a link to a status page where they follow it and add information.
//! Staff move it through its statuses from the console; every move is shown to the customer
//! and mailed. Complaints at or above a severity go straight to a supervisor team.

use kefu_core::ErrorCode;
use kefu_core::cases::{self as rules, CaseKind, CaseStatus, Resolution, Severity};
use kefu_core::id::{constant_time_eq, new_token, token_digest};
use kefu_core::kinds::Stage;
use kefu_core::time::{MINUTE, now_ms};
use kefu_store::cases::{self as store, Case};
use kefu_store::conversations::{self, Conversation};
use kefu_store::messages::{self, Message};
use kefu_store::people::{self, Person};
use kefu_store::tokens::{self, Purpose};
use kefu_store::{Tx, settings, teams};
use serde::{Deserialize, Serialize};

use crate::Service;
use crate::accounts::caller::Caller;
use crate::chat::{self};
use crate::i18n::Lang;
use crate::limits::Rule;
use crate::{Error, Result};

mod filing;
mod staff;
mod status_page;

pub use filing::*;
pub use staff::*;
pub use status_page::*;

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
    if Severity::parse(&s.escalate_from).is_none() {
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

/// A case's kind as filed: `complaint` or `claim`.
pub fn check_kind(kind: &str) -> Result<CaseKind> {
    CaseKind::parse(kind)
        .ok_or_else(|| Error::invalid(ErrorCode::InvalidKind, "kind is complaint or claim"))
}
