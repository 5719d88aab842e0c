//! The quality report: checks per agent and team, by rule, with examples; and its CSV.

use std::collections::{BTreeMap, HashMap};

use kefu_core::ErrorCode;
use kefu_core::time::now_ms;
use kefu_store::quality as store;

use super::outcome;
use kefu_store::teams;
use serde::{Deserialize, Serialize};

use crate::Service;
use crate::accounts::caller::Caller;
use crate::{Error, Result};

// ---- The report ------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ReportQuery {
    /// Start (ms since the epoch); default 30 days ago.
    pub from: Option<i64>,
    /// End (ms since the epoch); default now.
    pub to: Option<i64>,
    /// Only this team's conversations.
    pub team_id: Option<String>,
}

#[derive(Debug, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentQuality {
    pub agent_id: String,
    pub agent: String,
    /// Replies checked when they were sent or tried.
    pub checked: i64,
    pub clean: i64,
    /// Sent despite warnings.
    pub sent_anyway: i64,
    /// Stopped by warnings (revised).
    pub stopped: i64,
    pub blocked: i64,
    /// Findings by rule id (`mail:<code>` for etiquette).
    pub by_rule: BTreeMap<String, i64>,
    /// Up to ten different excerpts with findings, newest first.
    pub examples: Vec<String>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualityReport {
    pub from: i64,
    pub to: i64,
    pub agents: Vec<AgentQuality>,
    /// The same counts for the whole period (or team).
    pub total: AgentQuality,
}

pub async fn report(state: &Service, q: &ReportQuery) -> Result<QualityReport> {
    let to = q.to.unwrap_or_else(now_ms);
    let from = q.from.unwrap_or(to - 30 * kefu_core::time::DAY);
    if from >= to {
        return Err(Error::invalid(
            ErrorCode::InvalidPeriod,
            "from must be before to",
        ));
    }
    let team = q.team_id.as_deref().unwrap_or("");
    if !team.is_empty() && teams::get_team(&state.db, team).await?.is_none() {
        return Err(Error::invalid(ErrorCode::InvalidTeam, "no such team"));
    }
    let rows = store::between(&state.db, from, to, team).await?;
    let mut by_agent: HashMap<String, AgentQuality> = HashMap::new();
    let mut total = AgentQuality {
        agent: "*".into(),
        ..Default::default()
    };
    for c in rows {
        let a = by_agent
            .entry(c.agent_id.clone())
            .or_insert_with(|| AgentQuality {
                agent_id: c.agent_id.clone(),
                ..Default::default()
            });
        for q in [&mut *a, &mut total] {
            q.checked += 1;
            match c.outcome.as_str() {
                outcome::CLEAN => q.clean += 1,
                outcome::SENT_ANYWAY => q.sent_anyway += 1,
                outcome::STOPPED => q.stopped += 1,
                _ => q.blocked += 1,
            }
            for r in c.rules.split(',').filter(|r| !r.is_empty()) {
                *q.by_rule.entry(r.to_string()).or_default() += 1;
            }
            if !c.excerpt.is_empty() && q.examples.len() < 10 && !q.examples.contains(&c.excerpt) {
                q.examples.push(c.excerpt.clone());
            }
        }
    }
    let mut agents: Vec<AgentQuality> = by_agent.into_values().collect();
    for a in &mut agents {
        a.agent = kefu_store::people::get(&state.db, &a.agent_id)
            .await?
            .map(|u| u.display_name().to_string())
            .unwrap_or_default();
    }
    agents.sort_by(|a, b| b.checked.cmp(&a.checked).then(a.agent.cmp(&b.agent)));
    Ok(QualityReport {
        from,
        to,
        agents,
        total,
    })
}

pub fn may_report(caller: &Caller) -> Result<()> {
    match caller {
        Caller::Person { user, .. } if user.role().sees_all_inboxes() => Ok(()),
        Caller::Token { .. } => Ok(()),
        _ => Err(Error::Forbidden),
    }
}

/// A CSV field: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-` or
/// `@` is defused so a spreadsheet never reads it as a formula.
pub fn csv(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The report as CSV, with a byte-order mark so spreadsheet programs read the Chinese names
/// as UTF-8.
pub async fn report_csv(state: &Service, q: &ReportQuery) -> Result<String> {
    let r = report(state, q).await?;
    let mut out =
        String::from("\u{feff}agent,checked,clean,sent_anyway,stopped,blocked,rules,examples\r\n");
    for a in r.agents.iter().chain(std::iter::once(&r.total)) {
        let rules: Vec<String> = a.by_rule.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\r\n",
            csv(&a.agent),
            a.checked,
            a.clean,
            a.sent_anyway,
            a.stopped,
            a.blocked,
            csv(&rules.join(" ")),
            csv(&a.examples.join(" | "))
        ));
    }
    Ok(out)
}
