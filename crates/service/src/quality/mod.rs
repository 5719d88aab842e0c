//! Service quality at the moment of sending: every agent reply in chat and mail goes through the
//! forbidden-phrase guard (禁语), and every agent mail through the e-mail etiquette check. A
//! finding that blocks stops the reply; warnings stop it until the agent chooses to send anyway,
//! which is recorded. Every check is recorded for the quality report (per agent and team, by
//! rule, with examples; CSV).

pub mod phone;
pub mod phrases;

use kefu_core::ErrorCode;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kefu_core::quality::{self as rules, Finding, Guard, MailDraft, MailFinding, Severity};
use kefu_core::time::now_ms;
use kefu_store::conversations::Conversation;
use kefu_store::people::User;
use kefu_store::quality::{self as store, Check};
use kefu_store::{attachments, settings, teams};
use serde::{Deserialize, Serialize};

use crate::Service;
use crate::accounts::caller::Caller;
use crate::{Error, Result};

pub const RULES_KEY: &str = "forbidden_phrases";
const CACHE_FOR: Duration = Duration::from_secs(10);

/// The guard over the shop's rules (the seed's list until an admin edits it), cached for a
/// few seconds per instance.
pub async fn guard(state: &Service) -> Result<Arc<Guard>> {
    if let Some((at, g)) = state
        .guard
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        && at.elapsed() < CACHE_FOR
    {
        return Ok(g.clone());
    }
    let rules = match settings::get(&state.db, RULES_KEY).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_else(|_| rules::default_rules()),
        None => rules::default_rules(),
    };
    let g = Arc::new(Guard::new(rules).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the stored forbidden phrases are invalid; using the defaults");
        Guard::new(rules::default_rules()).unwrap_or_else(|_| Guard::empty())
    }));
    *state.guard.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), g.clone()));
    Ok(g)
}

/// How a reply fared.
pub mod outcome {
    /// Nothing found; sent.
    pub const CLEAN: &str = "clean";
    /// Warnings; the agent sent it anyway.
    pub const SENT_ANYWAY: &str = "sent_anyway";
    /// Warnings; not sent (the agent revised it).
    pub const STOPPED: &str = "stopped";
    /// A blocking finding; not sent.
    pub const BLOCKED: &str = "blocked";
}

/// What the checks found in one reply.
#[derive(Debug, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verdict {
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub phrases: Vec<Finding>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub mail: Vec<MailFinding>,
}

impl Verdict {
    pub fn blocks(&self) -> bool {
        self.phrases.iter().any(|f| f.severity == Severity::Block)
            || self.mail.iter().any(|f| f.severity == Severity::Block)
    }
    pub fn warns(&self) -> bool {
        !self.phrases.is_empty() || !self.mail.is_empty()
    }
    fn rule_ids(&self) -> String {
        let mut ids: Vec<String> = self.phrases.iter().map(|f| f.rule_id.clone()).collect();
        ids.extend(self.mail.iter().map(|f| format!("mail:{}", f.code)));
        ids.sort();
        ids.dedup();
        ids.join(",")
    }
    /// One line saying what was found, for the error and the report.
    fn summary(&self) -> String {
        let mut parts: Vec<String> = self
            .phrases
            .iter()
            .map(|f| format!("“{}”: {}", f.found, f.suggestion))
            .collect();
        parts.extend(self.mail.iter().map(|f| {
            if f.detail.is_empty() {
                f.code.to_string()
            } else {
                format!("{} ({})", f.code, f.detail)
            }
        }));
        parts.join("; ")
    }
}

/// Decides whether an agent's reply may go out, and records the check. `Ok(())` to send;
/// the reply is recorded as clean or sent anyway only by [`record_sent`] once it is stored.
pub async fn gate(
    state: &Service,
    agent: &User,
    conv: &Conversation,
    channel: &str,
    body: &str,
    verdict: &Verdict,
    accept_warnings: bool,
) -> Result<()> {
    if verdict.blocks() {
        record(state, agent, conv, channel, outcome::BLOCKED, verdict, body).await?;
        return Err(Error::invalid(
            ErrorCode::ReplyBlocked,
            format!("this reply cannot be sent: {}", verdict.summary()),
        ));
    }
    if verdict.warns() && !accept_warnings {
        record(state, agent, conv, channel, outcome::STOPPED, verdict, body).await?;
        return Err(Error::Conflict(
            ErrorCode::ReplyWarnings,
            format!("check this reply before sending it: {}", verdict.summary()),
        ));
    }
    Ok(())
}

/// Records a reply that went out (clean, or sent despite warnings).
pub async fn record_sent(
    state: &Service,
    agent: &User,
    conv: &Conversation,
    channel: &str,
    body: &str,
    verdict: &Verdict,
) -> Result<()> {
    let o = if verdict.warns() {
        outcome::SENT_ANYWAY
    } else {
        outcome::CLEAN
    };
    record(state, agent, conv, channel, o, verdict, body).await
}

async fn record(
    state: &Service,
    agent: &User,
    conv: &Conversation,
    channel: &str,
    outcome: &str,
    verdict: &Verdict,
    body: &str,
) -> Result<()> {
    // The excerpt around the first finding (examples in the report), never the whole reply.
    let excerpt: String = match verdict.phrases.first() {
        Some(f) => {
            let from = body[..f.start]
                .char_indices()
                .rev()
                .nth(20)
                .map_or(0, |(i, _)| i);
            body[from..].chars().take(80).collect()
        }
        None if verdict.warns() => body.chars().take(80).collect(),
        None => String::new(),
    };
    store::record(
        &state.db,
        &Check {
            id: String::new(),
            conversation_id: conv.id.clone(),
            agent_id: agent.id.clone(),
            team_id: conv.team_id.clone(),
            channel: channel.into(),
            outcome: outcome.into(),
            rules: verdict.rule_ids(),
            excerpt,
            created_at: now_ms(),
        },
    )
    .await?;
    Ok(())
}

/// The guard's findings in an agent's reply.
pub async fn check_reply(state: &Service, body: &str) -> Result<Verdict> {
    Ok(Verdict {
        phrases: guard(state).await?.check(body),
        mail: vec![],
    })
}

/// A mail draft's findings: the guard over its body, and its etiquette.
pub async fn check_mail(state: &Service, d: &MailDraft) -> Result<Verdict> {
    Ok(Verdict {
        phrases: guard(state).await?.check(&d.body),
        mail: rules::check_mail(d),
    })
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    pub text: String,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MailCheckRequest {
    /// `Re: <conversation subject>` when absent.
    #[serde(default)]
    pub subject: Option<String>,
    pub body: String,
    /// Files of the conversation going with the mail.
    #[serde(default)]
    pub attachment_ids: Vec<String>,
    #[serde(default)]
    pub signature_id: Option<String>,
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    #[serde(default)]
    pub bcc: Vec<String>,
}

/// The draft as the etiquette check reads it: file names from the conversation's files, the
/// signature's text from the agent's or the inbox's signatures.
pub async fn draft_of(
    state: &Service,
    user: &User,
    conv: &Conversation,
    r: &MailCheckRequest,
) -> Result<MailDraft> {
    let mut names = vec![];
    for id in &r.attachment_ids {
        let a = attachments::get(&state.db, id)
            .await?
            .filter(|a| a.conversation_id == conv.id)
            .ok_or_else(|| {
                Error::invalid(
                    ErrorCode::InvalidAttachment,
                    "no such file in this conversation",
                )
            })?;
        names.push(a.name);
    }
    let signature = match &r.signature_id {
        Some(id) if !id.is_empty() => crate::mail::signature_text(state, user, conv, id).await?,
        _ => String::new(),
    };
    let subject = r
        .subject
        .clone()
        .unwrap_or_else(|| format!("Re: {}", conv.subject));
    Ok(MailDraft {
        subject,
        body: r.body.clone(),
        attachments: names,
        signature,
        to: r.to.clone(),
        cc: r.cc.clone(),
        bcc: r.bcc.clone(),
    })
}

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

// ---- Packing attachments ---------------------------------------------------------------------

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ZipRequest {
    /// Files of the conversation to pack (2 to 50).
    pub attachment_ids: Vec<String>,
    /// The archive's name (default `ticket-<number>-files.zip`).
    #[serde(default)]
    pub name: String,
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Zipped {
    /// The new file, to send instead of the packed ones.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attachment: kefu_store::attachments::Attachment,
}
