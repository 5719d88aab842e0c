//! Agent presence (online / away / offline), capacity, and the pick of the next agent for a
//! conversation: round-robin among online members of the inbox's teams who have room.

use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

/// An agent counts as online only while some instance has seen their console recently.
pub const SEEN_WINDOW_MS: i64 = 90_000;

pub const STATES: [&str; 3] = ["online", "away", "offline"];

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentPresence {
    pub id: String,
    pub name: String,
    pub email: String,
    /// What the agent chose: `online`, `away` or `offline`.
    pub presence: String,
    /// Whether a console of theirs is connected (seen within the last 90 s).
    pub connected: bool,
    pub max_chats: i64,
    /// Open conversations assigned to them.
    pub open_chats: i64,
}

pub async fn set(x: impl Exec, person_id: &str, presence: &str) -> Result<()> {
    x.execute(
        "UPDATE people SET presence = $2, presence_seen_at = $3 WHERE id = $1",
        args![person_id, presence, now_ms()],
    )
    .await?;
    Ok(())
}

/// Marks a connected console as seen now.
pub async fn touch(x: impl Exec, person_id: &str) -> Result<()> {
    x.execute(
        "UPDATE people SET presence_seen_at = $2 WHERE id = $1",
        args![person_id, now_ms()],
    )
    .await?;
    Ok(())
}

pub async fn set_capacity(x: impl Exec, person_id: &str, max_chats: i64) -> Result<()> {
    x.execute(
        "UPDATE people SET max_chats = $2 WHERE id = $1",
        args![person_id, max_chats],
    )
    .await?;
    Ok(())
}

macro_rules! select_presence {
    ($rest:literal) => {
        concat!(
            "SELECT u.id, u.name, u.email, u.presence, \
             (u.presence_seen_at > $1) AS connected, \
             u.max_chats, (SELECT COUNT(*) FROM conversations c \
               WHERE c.assignee_id = u.id AND c.status = 'open') AS open_chats \
             FROM people u WHERE u.role IN ('agent', 'supervisor', 'admin') AND u.active = $2 ",
            $rest
        )
    };
}

pub async fn get(x: impl Exec, person_id: &str) -> Result<Option<AgentPresence>> {
    x.fetch_optional(
        select_presence!("AND u.id = $3"),
        args![now_ms() - SEEN_WINDOW_MS, true, person_id],
    )
    .await
}

/// Every active staff member with their presence and load.
pub async fn list(x: impl Exec) -> Result<Vec<AgentPresence>> {
    x.fetch_all(
        select_presence!("ORDER BY u.name, u.email"),
        args![now_ms() - SEEN_WINDOW_MS, true],
    )
    .await
}

/// Members of the inbox's teams (of `team` only, when given) who are online and connected.
pub async fn online_in_inbox(x: impl Exec, inbox_id: &str, team: &str) -> Result<i64> {
    let (n,): (i64,) = x
        .fetch_one(
            "SELECT COUNT(DISTINCT u.id) FROM people u \
             JOIN team_members m ON m.person_id = u.id \
             JOIN inbox_teams it ON it.team_id = m.team_id \
             WHERE it.inbox_id = $1 AND ($2 = '' OR m.team_id = $2) AND u.active = $3 \
             AND u.presence = 'online' AND u.presence_seen_at > $4",
            args![inbox_id, team, true, now_ms() - SEEN_WINDOW_MS],
        )
        .await?;
    Ok(n)
}

/// The next agent for a conversation of `inbox_id`: online and connected, a member of one of
/// the inbox's teams (of `team` only, when given), with fewer open conversations than their
/// capacity; the one assigned longest ago first (round-robin).
pub async fn pick_agent(x: impl Exec, inbox_id: &str, team: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = x
        .fetch_optional(
            "SELECT u.id FROM people u WHERE u.active = $3 AND u.presence = 'online' \
             AND u.presence_seen_at > $4 \
             AND u.id IN (SELECT m.person_id FROM team_members m \
               JOIN inbox_teams it ON it.team_id = m.team_id \
               WHERE it.inbox_id = $1 AND ($2 = '' OR m.team_id = $2)) \
             AND (SELECT COUNT(*) FROM conversations c \
               WHERE c.assignee_id = u.id AND c.status = 'open') < u.max_chats \
             ORDER BY u.last_assigned_at, u.id LIMIT 1",
            args![inbox_id, team, true, now_ms() - SEEN_WINDOW_MS],
        )
        .await?;
    Ok(row.map(|(id,)| id))
}

/// Records an assignment for the round-robin order.
pub async fn mark_assigned(x: impl Exec, person_id: &str) -> Result<()> {
    x.execute(
        "UPDATE people SET last_assigned_at = $2 WHERE id = $1",
        args![person_id, now_ms()],
    )
    .await?;
    Ok(())
}

/// Everyone who answers `inbox_id`: the active members of its teams, with their presence.
pub async fn inbox_staff(x: impl Exec, inbox_id: &str) -> Result<Vec<AgentPresence>> {
    x.fetch_all(
        select_presence!(
            "AND u.id IN (SELECT m.person_id FROM team_members m \
             JOIN inbox_teams it ON it.team_id = m.team_id WHERE it.inbox_id = $3) \
             ORDER BY u.name, u.email"
        ),
        args![now_ms() - SEEN_WINDOW_MS, true, inbox_id],
    )
    .await
}
