//! Service quality at the moment of sending: every agent reply in chat and mail goes through the
//! forbidden-phrase guard (禁语), and every agent mail through the e-mail etiquette check. A
//! finding that blocks stops the reply; warnings stop it until the agent chooses to send anyway,
//! which is recorded. Every check is recorded for the quality report (per agent and team, by
//! rule, with examples; CSV).

pub mod phone;
pub mod phrases;
pub mod report;

pub use report::*;

use kefu_core::ErrorCode;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kefu_core::quality::{self as rules, Finding, Guard, MailDraft, MailFinding, Severity};
use kefu_core::time::now_ms;
use kefu_store::conversations::Conversation;
use kefu_store::people::Person;
use kefu_store::quality::{self as store, Check};
use kefu_store::settings;
use serde::{Deserialize, Serialize};

use crate::Service;
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
    agent: &Person,
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
    agent: &Person,
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
    agent: &Person,
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
    user: &Person,
    conv: &Conversation,
    r: &MailCheckRequest,
) -> Result<MailDraft> {
    let mut names = vec![];
    for id in &r.attachment_ids {
        let a = crate::files::attachment_of(&state.db, &conv.id, id).await?;
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

/// Checks and stores the shop's forbidden-phrase rules; this instance uses them at once.
pub async fn save_rules(state: &Service, rules: Vec<rules::Rule>) -> Result<Vec<rules::Rule>> {
    let g = Arc::new(
        Guard::new(rules).map_err(|e| Error::invalid(ErrorCode::InvalidRule, e.to_string()))?,
    );
    let json = serde_json::to_string(g.rules()).map_err(|e| Error::Internal(e.to_string()))?;
    settings::set(&state.db, RULES_KEY, &json).await?;
    *state.guard.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), g.clone()));
    Ok(g.rules().to_vec())
}
