//! The people and teams admins and agents look up: one's own profile, the staff and customer
//! lists, teams and their members.

use kefu_core::error::ErrorCode;
use kefu_core::validate;
use kefu_store::people::{self, Person};
use kefu_store::teams;
use serde::{Deserialize, Serialize};

use crate::{Error, Result, Service};

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    pub name: Option<String>,
    pub phone: Option<String>,
    /// `zh-CN` or `en`.
    pub language: Option<String>,
    /// `email`, `chat`, `phone` or `sms`.
    pub preferred_channel: Option<String>,
}

/// A person changes their own name, phone, language or preferred channel.
pub async fn update_profile(state: &Service, user: &Person, p: &ProfilePatch) -> Result<Person> {
    let name = match &p.name {
        Some(n) if n.trim().is_empty() => String::new(),
        Some(n) => validate::name(n)?,
        None => user.name.clone(),
    };
    let phone = match &p.phone {
        Some(ph) => validate::phone(ph)?,
        None => user.phone.clone(),
    };
    let language = match &p.language {
        Some(l) => validate::language(l)?,
        None => user.language.clone(),
    };
    let channel = match &p.preferred_channel {
        Some(c) => validate::channel(c)?,
        None => user.preferred_channel.clone(),
    };
    let profile = people::Profile {
        name: &name,
        phone: &phone,
        language: &language,
        preferred_channel: &channel,
    };
    people::update_profile(&state.db, &user.id, &profile).await?;
    people::get(&state.db, &user.id)
        .await?
        .ok_or(Error::NotFound)
}

/// The staff (`kind` absent or `staff`) or a page of customers (`customers`).
pub async fn people_of_kind(
    state: &Service,
    kind: Option<&str>,
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<Vec<Person>> {
    Ok(match kind {
        None | Some("staff") => people::list_staff(&state.db).await?,
        Some("customers") => {
            people::list_customers(
                &state.db,
                limit.unwrap_or(100).clamp(1, 500),
                offset.unwrap_or(0).max(0),
            )
            .await?
        }
        Some(_) => {
            return Err(Error::invalid(
                ErrorCode::InvalidKind,
                "kind must be staff or customers",
            ));
        }
    })
}

/// One person by id.
pub async fn person(state: &Service, id: &str) -> Result<Person> {
    people::get(&state.db, id).await?.ok_or(Error::NotFound)
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ApiTeam))]
pub struct TeamView {
    pub id: String,
    pub name: String,
    pub member_ids: Vec<String>,
}

/// Every team with its members' ids.
pub async fn teams(state: &Service) -> Result<Vec<TeamView>> {
    let mut out = vec![];
    for t in teams::list_teams(&state.db).await? {
        let member_ids = teams::members(&state.db, &t.id)
            .await?
            .into_iter()
            .map(|(id, _, _)| id)
            .collect();
        out.push(TeamView {
            id: t.id,
            name: t.name,
            member_ids,
        });
    }
    Ok(out)
}

/// A new team; its name is unique. The person of staff who creates it is its first member (an
/// admin who sets up a team expects to answer its chats); an API token creates it empty.
pub async fn create_team(
    state: &Service,
    creator: Option<&Person>,
    name: &str,
) -> Result<teams::Team> {
    let name = validate::name(name)?;
    let mut tx = state.db.begin().await?;
    let team = teams::create_team(&mut tx, &name)
        .await
        .map_err(|e| match e {
            kefu_store::Error::Conflict(_) => {
                Error::conflict(ErrorCode::NameTaken, "a team with this name exists")
            }
            other => other.into(),
        })?;
    if let Some(p) = creator.filter(|p| p.role().is_staff()) {
        teams::add_member(&mut tx, &team.id, &p.id).await?;
    }
    tx.commit().await?;
    Ok(team)
}

/// A member of staff joins a team.
pub async fn add_member(state: &Service, team_id: &str, person_id: &str) -> Result<()> {
    teams::get_team(&state.db, team_id)
        .await?
        .ok_or(Error::NotFound)?;
    let user = person(state, person_id).await?;
    if !user.role().is_staff() {
        return Err(Error::invalid(
            ErrorCode::InvalidMember,
            "only staff join teams",
        ));
    }
    teams::add_member(&state.db, team_id, &user.id).await?;
    Ok(())
}

/// Someone leaves a team.
pub async fn remove_member(state: &Service, team_id: &str, person_id: &str) -> Result<()> {
    teams::get_team(&state.db, team_id)
        .await?
        .ok_or(Error::NotFound)?;
    teams::remove_member(&state.db, team_id, person_id).await?;
    Ok(())
}

/// Every team.
pub async fn all_teams(state: &Service) -> Result<Vec<teams::Team>> {
    Ok(teams::list_teams(&state.db).await?)
}

/// Every team with its members (id, name, e-mail), for the admin page.
pub async fn teams_with_members(
    state: &Service,
) -> Result<Vec<(teams::Team, Vec<(String, String, String)>)>> {
    let mut out = vec![];
    for t in teams::list_teams(&state.db).await? {
        let members = teams::members(&state.db, &t.id).await?;
        out.push((t, members));
    }
    Ok(out)
}

/// Every inbox with the names of the teams that work it.
pub async fn inboxes_with_teams(state: &Service) -> Result<Vec<(teams::Inbox, Vec<String>)>> {
    let all_teams = teams::list_teams(&state.db).await?;
    let mut out = vec![];
    for i in teams::list_inboxes(&state.db).await? {
        let ids = teams::inbox_team_ids(&state.db, &i.id).await?;
        let names = all_teams
            .iter()
            .filter(|t| ids.contains(&t.id))
            .map(|t| t.name.clone())
            .collect();
        out.push((i, names));
    }
    Ok(out)
}

/// Every inbox.
pub async fn all_inboxes(state: &Service) -> Result<Vec<teams::Inbox>> {
    Ok(teams::list_inboxes(&state.db).await?)
}

/// A team starts working an inbox.
pub async fn assign_inbox(state: &Service, inbox_id: &str, team_id: &str) -> Result<()> {
    teams::get_inbox(&state.db, inbox_id)
        .await?
        .ok_or(Error::NotFound)?;
    teams::get_team(&state.db, team_id)
        .await?
        .ok_or(Error::NotFound)?;
    teams::assign_inbox(&state.db, inbox_id, team_id).await?;
    Ok(())
}

/// Invitations not yet accepted.
pub async fn pending_invitations(state: &Service) -> Result<Vec<kefu_store::tokens::OneTimeToken>> {
    Ok(kefu_store::tokens::pending_invitations(&state.db).await?)
}

/// Withdraws an invitation.
pub async fn revoke_invitation(state: &Service, id: &str) -> Result<()> {
    kefu_store::tokens::revoke(&state.db, id).await?;
    Ok(())
}

/// What the staff's desk pages (macros, signatures, phrases, customers, reports) offer a
/// person to choose from.
#[derive(Debug, Clone)]
pub struct DeskChoices {
    pub teams: Vec<teams::Team>,
    /// The inboxes a signature may belong to (admins only; empty for others).
    pub signature_inboxes: Vec<teams::Inbox>,
    /// Shares macros and phrases with the whole shop, reads the reports (admins, supervisors).
    pub shop_wide: bool,
}

pub async fn desk_choices(state: &Service, user: &Person) -> Result<DeskChoices> {
    let signature_inboxes = if user.role().manages_people() {
        teams::list_inboxes(&state.db)
            .await?
            .into_iter()
            .filter(|i| i.channel == kefu_core::kinds::Channel::Email)
            .collect()
    } else {
        vec![]
    };
    Ok(DeskChoices {
        teams: teams::list_teams(&state.db).await?,
        signature_inboxes,
        shop_wide: user.role().sees_all_inboxes(),
    })
}
