//! Teams of agents and the inboxes they work. An agent sees an inbox only through a team;
//! admins and supervisors see all of them.

use kefu_core::id::new_id;
use kefu_core::kinds::Channel;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Inbox {
    pub id: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    pub created_at: i64,
}

pub async fn create_team(x: impl Exec, name: &str) -> Result<Team> {
    let team = Team {
        id: new_id(),
        name: name.to_string(),
        created_at: now_ms(),
    };
    x.execute(
        "INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)",
        args![&team.id, &team.name, team.created_at],
    )
    .await?;
    Ok(team)
}

pub async fn get_team(x: impl Exec, id: &str) -> Result<Option<Team>> {
    x.fetch_optional(
        "SELECT id, name, created_at FROM teams WHERE id = $1",
        args![id],
    )
    .await
}

pub async fn list_teams(x: impl Exec) -> Result<Vec<Team>> {
    x.fetch_all(
        "SELECT id, name, created_at FROM teams ORDER BY name",
        args![],
    )
    .await
}

pub async fn teams_of(x: impl Exec, person_id: &str) -> Result<Vec<Team>> {
    x.fetch_all(
        "SELECT t.id, t.name, t.created_at FROM teams t \
         JOIN team_members m ON m.team_id = t.id WHERE m.person_id = $1 ORDER BY t.name",
        args![person_id],
    )
    .await
}

pub async fn add_member(x: impl Exec, team_id: &str, person_id: &str) -> Result<()> {
    x.execute(
        "INSERT INTO team_members (team_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        args![team_id, person_id],
    )
    .await?;
    Ok(())
}

pub async fn remove_member(x: impl Exec, team_id: &str, person_id: &str) -> Result<()> {
    x.execute(
        "DELETE FROM team_members WHERE team_id = $1 AND person_id = $2",
        args![team_id, person_id],
    )
    .await?;
    Ok(())
}

/// `(person_id, name, email)` of a team's members.
pub async fn members(x: impl Exec, team_id: &str) -> Result<Vec<(String, String, String)>> {
    x.fetch_all(
        "SELECT u.id, u.name, u.email FROM people u JOIN team_members m ON m.person_id = u.id \
         WHERE m.team_id = $1 ORDER BY u.name",
        args![team_id],
    )
    .await
}

pub async fn create_inbox(x: impl Exec, name: &str, channel: Channel) -> Result<Inbox> {
    let inbox = Inbox {
        id: new_id(),
        name: name.to_string(),
        channel,
        created_at: now_ms(),
    };
    x.execute(
        "INSERT INTO inboxes (id, name, channel, created_at) VALUES ($1, $2, $3, $4)",
        args![&inbox.id, &inbox.name, &inbox.channel, inbox.created_at],
    )
    .await?;
    Ok(inbox)
}

pub async fn get_inbox(x: impl Exec, id: &str) -> Result<Option<Inbox>> {
    x.fetch_optional(
        "SELECT id, name, channel, created_at FROM inboxes WHERE id = $1",
        args![id],
    )
    .await
}

pub async fn list_inboxes(x: impl Exec) -> Result<Vec<Inbox>> {
    x.fetch_all(
        "SELECT id, name, channel, created_at FROM inboxes ORDER BY name",
        args![],
    )
    .await
}

/// The inboxes an agent works through their teams.
pub async fn inboxes_of_member(x: impl Exec, person_id: &str) -> Result<Vec<Inbox>> {
    x.fetch_all(
        "SELECT DISTINCT i.id, i.name, i.channel, i.created_at FROM inboxes i \
         JOIN inbox_teams it ON it.inbox_id = i.id \
         JOIN team_members m ON m.team_id = it.team_id \
         WHERE m.person_id = $1 ORDER BY i.name",
        args![person_id],
    )
    .await
}

pub async fn is_member_of_inbox(x: impl Exec, person_id: &str, inbox_id: &str) -> Result<bool> {
    let row: Option<(String,)> = x
        .fetch_optional(
            "SELECT it.inbox_id FROM inbox_teams it JOIN team_members m ON m.team_id = it.team_id \
             WHERE m.person_id = $1 AND it.inbox_id = $2 LIMIT 1",
            args![person_id, inbox_id],
        )
        .await?;
    Ok(row.is_some())
}

pub async fn assign_inbox(x: impl Exec, inbox_id: &str, team_id: &str) -> Result<()> {
    x.execute(
        "INSERT INTO inbox_teams (inbox_id, team_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        args![inbox_id, team_id],
    )
    .await?;
    Ok(())
}

pub async fn unassign_inbox(x: impl Exec, inbox_id: &str, team_id: &str) -> Result<()> {
    x.execute(
        "DELETE FROM inbox_teams WHERE inbox_id = $1 AND team_id = $2",
        args![inbox_id, team_id],
    )
    .await?;
    Ok(())
}

/// Team ids assigned to an inbox.
pub async fn inbox_team_ids(x: impl Exec, inbox_id: &str) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = x
        .fetch_all(
            "SELECT team_id FROM inbox_teams WHERE inbox_id = $1",
            args![inbox_id],
        )
        .await?;
    Ok(rows.into_iter().map(|(t,)| t).collect())
}

/// The inbox's settings, as JSON (the web layer gives them a type).
pub async fn inbox_settings(x: impl Exec, inbox_id: &str) -> Result<String> {
    let row: Option<(String,)> = x
        .fetch_optional(
            "SELECT settings FROM inboxes WHERE id = $1",
            args![inbox_id],
        )
        .await?;
    Ok(row.map(|(s,)| s).unwrap_or_else(|| "{}".into()))
}

pub async fn set_inbox_settings(x: impl Exec, inbox_id: &str, json: &str) -> Result<()> {
    x.execute(
        "UPDATE inboxes SET settings = $2 WHERE id = $1",
        args![inbox_id, json],
    )
    .await?;
    Ok(())
}
