//! The record of quality checks: every agent reply checked when it was sent or tried, how it
//! fared and which rules it met (the quality report reads these); and the standard phrases.

use kefu_core::id::new_id;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Check {
    pub id: String,
    pub conversation_id: String,
    pub agent_id: String,
    pub team_id: Option<String>,
    /// `chat` or `email`.
    pub channel: String,
    /// `clean`, `sent_anyway`, `stopped` or `blocked`.
    pub outcome: String,
    /// Comma list of the rules found.
    pub rules: String,
    /// A short excerpt around the first finding ('' when clean).
    pub excerpt: String,
    pub created_at: i64,
}

pub async fn record(x: impl Exec, c: &Check) -> Result<()> {
    x.execute(
        "INSERT INTO quality_checks (id, conversation_id, agent_id, team_id, channel, outcome, \
         rules, excerpt, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        args![
            new_id(),
            &c.conversation_id,
            &c.agent_id,
            c.team_id.clone(),
            &c.channel,
            &c.outcome,
            &c.rules,
            &c.excerpt,
            c.created_at
        ],
    )
    .await?;
    Ok(())
}

/// Checks in `[from, to)`, newest first; only one team's when `team` is not empty.
pub async fn between(x: impl Exec, from: i64, to: i64, team: &str) -> Result<Vec<Check>> {
    x.fetch_all(
        "SELECT id, conversation_id, agent_id, team_id, channel, outcome, rules, excerpt, \
         created_at FROM quality_checks WHERE created_at >= $1 AND created_at < $2 \
         AND ($3 = '' OR team_id = $3) ORDER BY created_at DESC LIMIT 100000",
        args![from, to, team],
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Phrase {
    pub id: String,
    /// `None`: the shop's, shared by everyone.
    pub owner_id: Option<String>,
    /// `greeting`, `inquiry`, `response`, `apology`, `thanks`, or a kind admins added.
    pub kind: String,
    /// What the agent types after `/` to find it.
    pub title: String,
    pub body_zh: String,
    pub body_en: String,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! select_phrase {
    ($rest:literal) => {
        concat!(
            "SELECT id, owner_id, kind, title, body_zh, body_en, created_at, updated_at \
             FROM phrases ",
            $rest
        )
    };
}

pub struct NewPhrase<'a> {
    pub owner_id: Option<&'a str>,
    pub kind: &'a str,
    pub title: &'a str,
    pub body_zh: &'a str,
    pub body_en: &'a str,
}

pub async fn add_phrase(x: impl Exec, p: &NewPhrase<'_>) -> Result<Phrase> {
    let now = now_ms();
    let ph = Phrase {
        id: new_id(),
        owner_id: p.owner_id.map(str::to_string),
        kind: p.kind.into(),
        title: p.title.into(),
        body_zh: p.body_zh.into(),
        body_en: p.body_en.into(),
        created_at: now,
        updated_at: now,
    };
    x.execute(
        "INSERT INTO phrases (id, owner_id, kind, title, body_zh, body_en, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        args![
            &ph.id,
            ph.owner_id.clone(),
            &ph.kind,
            &ph.title,
            &ph.body_zh,
            &ph.body_en,
            now
        ],
    )
    .await?;
    Ok(ph)
}

pub async fn get_phrase(x: impl Exec, id: &str) -> Result<Option<Phrase>> {
    x.fetch_optional(select_phrase!("WHERE id = $1"), args![id])
        .await
}

/// The shop's phrases and the agent's own, by kind and title.
pub async fn phrases_for(x: impl Exec, person_id: &str) -> Result<Vec<Phrase>> {
    x.fetch_all(
        select_phrase!(
            "WHERE owner_id IS NULL OR owner_id = $1 ORDER BY kind, title, id LIMIT 2000"
        ),
        args![person_id],
    )
    .await
}

pub async fn update_phrase(x: impl Exec, id: &str, p: &NewPhrase<'_>) -> Result<bool> {
    Ok(x.execute(
        "UPDATE phrases SET kind = $2, title = $3, body_zh = $4, body_en = $5, updated_at = $6 \
         WHERE id = $1",
        args![id, p.kind, p.title, p.body_zh, p.body_en, now_ms()],
    )
    .await?
        == 1)
}

pub async fn delete_phrase(x: impl Exec, id: &str) -> Result<bool> {
    Ok(x.execute("DELETE FROM phrases WHERE id = $1", args![id])
        .await?
        == 1)
}

pub async fn count_phrases(x: impl Exec) -> Result<i64> {
    let (n,): (i64,) = x.fetch_one("SELECT COUNT(*) FROM phrases", args![]).await?;
    Ok(n)
}
