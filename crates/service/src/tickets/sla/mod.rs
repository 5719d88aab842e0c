//! Service-level agreements: calendars (working hours, holidays, time zone) and policies (by
//! inbox, ticket type and priority) with first-response, next-response and resolution targets
//! counted in business time. Every conversation a policy matches gets a clock when its
//! customer first writes; replies, resolutions and re-classifications move it; the chores
//! remind the assignee before a target passes and record a breach when it does.

use kefu_core::ErrorCode;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kefu_core::businesstime::{BusinessTime, Calendar};
use kefu_core::protocol::ServerFrame;
use kefu_core::time::{MINUTE, now_ms};
use kefu_store::conversations::{self, Conversation};
use kefu_store::sla::{self as store, Breach, Clock, FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION};
use kefu_store::{Tx, messages, notifications, settings, teams};
use serde::{Deserialize, Serialize};

use crate::Service;
use crate::chat::bus;
use crate::{Error, Result};

mod chores;
mod clocks;
mod report;

pub use chores::*;
pub use clocks::*;
pub use report::*;

pub const SETTINGS_KEY: &str = "sla";
/// How long an instance trusts its copy of the configuration (another instance may change it).
const CACHE_FOR: Duration = Duration::from_secs(10);

/// The shop's calendars and policies, stored as one document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SlaConfig {
    pub calendars: Vec<CalendarDef>,
    /// Tried in order; the first that matches a conversation applies.
    pub policies: Vec<Policy>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarDef {
    pub id: String,
    pub name: String,
    /// IANA time zone, for example `Asia/Shanghai`.
    pub time_zone: String,
    /// Working hours (`days` 0 = Monday … 6 = Sunday, `from` / `to` as `HH:MM`); empty means
    /// around the clock.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub hours: Vec<kefu_core::businesstime::Hours>,
    /// Days off as `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Policy {
    pub id: String,
    pub name: String,
    /// Empty matches every inbox.
    #[serde(default)]
    pub inbox_id: String,
    /// Empty matches every type.
    #[serde(default)]
    pub ticket_type: String,
    /// Empty matches every priority.
    #[serde(default)]
    pub priority: String,
    /// Empty: around the clock.
    #[serde(default)]
    pub calendar_id: String,
    pub first_response_minutes: Option<i64>,
    pub next_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    /// Remind the assignee this many working minutes before a target passes (0: no reminder).
    #[serde(default = "default_remind")]
    pub remind_before_minutes: i64,
}

fn default_remind() -> i64 {
    15
}

impl Policy {
    fn matches(&self, c: &Conversation) -> bool {
        (self.inbox_id.is_empty() || self.inbox_id == c.inbox_id)
            && (self.ticket_type.is_empty() || self.ticket_type == c.ticket_type)
            && (self.priority.is_empty() || self.priority == c.priority.as_str())
    }

    fn target(&self, metric: &str) -> Option<i64> {
        match metric {
            FIRST_RESPONSE => self.first_response_minutes,
            NEXT_RESPONSE => self.next_response_minutes,
            _ => self.resolution_minutes,
        }
    }
}

/// The configuration with its calendars ready for arithmetic.
#[derive(Debug)]
pub struct Compiled {
    pub config: SlaConfig,
    calendars: HashMap<String, BusinessTime>,
}

impl Compiled {
    fn policy(&self, id: &str) -> Option<&Policy> {
        self.config.policies.iter().find(|p| p.id == id)
    }

    fn pick(&self, c: &Conversation) -> Option<&Policy> {
        self.config.policies.iter().find(|p| p.matches(c))
    }

    fn time(&self, p: &Policy) -> BusinessTime {
        self.calendars
            .get(&p.calendar_id)
            .cloned()
            .unwrap_or_else(BusinessTime::always)
    }

    /// When `metric` of `p` is due for a clock started at `from`.
    fn due(&self, p: &Policy, metric: &str, from: i64) -> Option<i64> {
        self.time(p).add(from, p.target(metric)?)
    }
}

impl SlaConfig {
    /// Checks the whole document and compiles its calendars.
    pub fn compile(self) -> Result<Compiled> {
        if self.calendars.len() > 50 || self.policies.len() > 200 {
            return Err(Error::invalid(
                ErrorCode::InvalidSla,
                "at most 50 calendars and 200 policies",
            ));
        }
        let mut calendars = HashMap::new();
        for c in &self.calendars {
            if c.id.trim().is_empty() || c.name.trim().is_empty() || c.name.chars().count() > 100 {
                return Err(Error::invalid(
                    ErrorCode::InvalidCalendar,
                    "each calendar needs an id and a name",
                ));
            }
            let bt = BusinessTime::new(&Calendar {
                time_zone: c.time_zone.clone(),
                hours: c.hours.clone(),
                holidays: c.holidays.clone(),
            })
            .map_err(|e| {
                Error::invalid(
                    ErrorCode::InvalidCalendar,
                    format!("calendar {}: {e}", c.name),
                )
            })?;
            if calendars.insert(c.id.clone(), bt).is_some() {
                return Err(Error::invalid(
                    ErrorCode::InvalidCalendar,
                    "two calendars share an id",
                ));
            }
        }
        let mut ids = std::collections::HashSet::new();
        for p in &self.policies {
            if p.id.trim().is_empty() || p.name.trim().is_empty() || !ids.insert(p.id.clone()) {
                return Err(Error::invalid(
                    ErrorCode::InvalidPolicy,
                    "each policy needs a name and an id of its own",
                ));
            }
            if !p.calendar_id.is_empty() && !calendars.contains_key(&p.calendar_id) {
                return Err(Error::invalid(
                    ErrorCode::InvalidPolicy,
                    format!("policy {}: no such calendar", p.name),
                ));
            }
            if !p.ticket_type.is_empty() && !conversations::TYPES.contains(&p.ticket_type.as_str())
            {
                return Err(Error::invalid(
                    ErrorCode::InvalidPolicy,
                    format!("policy {}: unknown ticket type", p.name),
                ));
            }
            if !p.priority.is_empty() && kefu_core::kinds::Priority::parse(&p.priority).is_none() {
                return Err(Error::invalid(
                    ErrorCode::InvalidPolicy,
                    format!("policy {}: unknown priority", p.name),
                ));
            }
            let targets = [
                p.first_response_minutes,
                p.next_response_minutes,
                p.resolution_minutes,
            ];
            if targets
                .iter()
                .flatten()
                .any(|m| *m <= 0 || *m > 60 * 24 * 365)
                || targets.iter().all(Option::is_none)
                || !(0..=60 * 24 * 7).contains(&p.remind_before_minutes)
            {
                return Err(Error::invalid(
                    ErrorCode::InvalidPolicy,
                    format!(
                        "policy {}: targets are 1 minute to a year, at least one is set, and reminders come at most a week early",
                        p.name
                    ),
                ));
            }
        }
        Ok(Compiled {
            config: self,
            calendars,
        })
    }
}

/// The configuration (cached for a few seconds).
pub async fn config(state: &Service) -> Result<Arc<Compiled>> {
    config_via(state, &state.db).await
}

/// [`config`], read through `x` when the cache is stale: inside a transaction, through it, so
/// a transaction never waits for a second connection from the pool.
async fn config_via(state: &Service, x: impl kefu_store::Exec) -> Result<Arc<Compiled>> {
    if let Some((at, c)) = state.sla.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
        && at.elapsed() < CACHE_FOR
    {
        return Ok(c.clone());
    }
    let json = settings::get(x, SETTINGS_KEY).await?.unwrap_or_default();
    let cfg: SlaConfig = serde_json::from_str(&json).unwrap_or_default();
    let compiled = Arc::new(cfg.compile().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the stored SLA configuration is invalid; no SLAs apply");
        Compiled {
            config: SlaConfig::default(),
            calendars: HashMap::new(),
        }
    }));
    *state.sla.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), compiled.clone()));
    Ok(compiled)
}

pub async fn save(state: &Service, cfg: SlaConfig) -> Result<Arc<Compiled>> {
    let compiled = Arc::new(cfg.compile()?);
    let json =
        serde_json::to_string(&compiled.config).map_err(|e| Error::Internal(e.to_string()))?;
    settings::set(&state.db, SETTINGS_KEY, &json).await?;
    *state.sla.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), compiled.clone()));
    Ok(compiled)
}
