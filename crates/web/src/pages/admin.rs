//! Admin pages: people and invitations, teams and inboxes, API tokens, audit log, outbox,
//! shop settings.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::Role;
use kefu_core::error::ErrorCode;
use kefu_store::api_tokens::ApiToken;
use kefu_store::audit::AuditEntry;
use kefu_store::outbox::OutboxMail;
use kefu_store::people::Person;
use kefu_store::teams::{Inbox, Team};
use kefu_store::tokens::OneTimeToken;

use serde::Deserialize;

use super::auth::NextQuery;
use super::{Chrome, Ctx, format_time, page_error, render};
use crate::error::AppError;
use crate::state::AppState;
use kefu_service::accounts::{self, Invitation};

fn chrome_with<'a>(ctx: &'a Ctx, path: &str, notice: Option<&str>) -> Chrome<'a> {
    let mut c = ctx.chrome(path);
    if let Some(n) = notice.filter(|n| n.starts_with("notice-")) {
        c.notice = ctx.t(n);
    }
    c
}

#[derive(Template)]
#[template(path = "admin_people.html")]
struct PeoplePage<'a> {
    c: Chrome<'a>,
    staff: Vec<Person>,
    customers: Vec<Person>,
    invitations: Vec<OneTimeToken>,
    teams: Vec<Team>,
    roles: Vec<&'static str>,
}

pub async fn people_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> Response {
    let load = async {
        Ok::<_, AppError>((
            accounts::teams::people_of_kind(&state, Some("staff"), None, None).await?,
            accounts::teams::people_of_kind(&state, Some("customers"), Some(100), Some(0)).await?,
            accounts::teams::pending_invitations(&state).await?,
            accounts::teams::all_teams(&state).await?,
        ))
    };
    match load.await {
        Ok((staff, customers, invitations, teams)) => render(&PeoplePage {
            c: chrome_with(&ctx, "/admin/people", q.notice.as_deref()),
            staff,
            customers,
            invitations,
            teams,
            roles: Role::STAFF.iter().map(|r| r.as_str()).collect(),
        }),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    email: String,
    role: String,
    #[serde(default)]
    team_id: String,
}

pub async fn invite(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<InviteForm>,
) -> Response {
    let Some(role) = Role::parse(&f.role) else {
        return page_error(&ctx, AppError::bad(ErrorCode::InvalidRole, "unknown role"));
    };
    let inv = Invitation {
        email: &f.email,
        role,
        team_id: Some(f.team_id.as_str()).filter(|t| !t.is_empty()),
    };
    match accounts::invite(&state, &ctx.caller, &inv, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(_) => Redirect::to("/admin/people?notice=notice-invited").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Deserialize)]
pub struct IdForm {
    id: String,
}

pub async fn revoke_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<IdForm>,
) -> Response {
    match accounts::teams::revoke_invitation(&state, &f.id).await {
        Ok(_) => Redirect::to("/admin/people").into_response(),
        Err(e) => page_error(&ctx, AppError::from(e)),
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    id: String,
    role: String,
}

pub async fn set_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<RoleForm>,
) -> Response {
    let Some(role) = Role::parse(&f.role) else {
        return page_error(&ctx, AppError::bad(ErrorCode::InvalidRole, "unknown role"));
    };
    match accounts::set_role(&state, &ctx.caller, &f.id, role, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(_) => Redirect::to("/admin/people?notice=notice-saved").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Deserialize)]
pub struct ActiveForm {
    id: String,
    active: String,
}

pub async fn set_active(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ActiveForm>,
) -> Response {
    match accounts::set_active(&state, &ctx.caller, &f.id, f.active == "true", &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(_) => Redirect::to("/admin/people?notice=notice-saved").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

/// `(person_id, name, email)` of each member.
type Members = Vec<(String, String, String)>;

#[derive(Template)]
#[template(path = "admin_teams.html")]
struct TeamsPage<'a> {
    c: Chrome<'a>,
    teams: Vec<(Team, Members)>,
    inboxes: Vec<(Inbox, Vec<String>)>,
    staff: Vec<Person>,
    public_url: String,
}

pub async fn teams_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> Response {
    let load = async {
        Ok::<_, AppError>((
            accounts::teams::teams_with_members(&state).await?,
            accounts::teams::inboxes_with_teams(&state).await?,
            accounts::teams::people_of_kind(&state, Some("staff"), None, None).await?,
        ))
    };
    match load.await {
        Ok((teams, inboxes, staff)) => render(&TeamsPage {
            c: chrome_with(&ctx, "/admin/teams", q.notice.as_deref()),
            teams,
            inboxes,
            staff,
            public_url: state.config.public_url.clone(),
        }),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Deserialize)]
pub struct NameForm {
    name: String,
}

pub async fn create_team(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<NameForm>,
) -> Response {
    let creator = ctx.caller.person().ok().map(|(p, _)| p);
    match accounts::teams::create_team(&state, creator, &f.name).await {
        Ok(_) => Redirect::to("/admin/teams?notice=notice-saved").into_response(),
        Err(e) => page_error(&ctx, AppError::from(e)),
    }
}

#[derive(Deserialize)]
pub struct MemberForm {
    team_id: String,
    person_id: String,
    #[serde(default)]
    remove: String,
}

pub async fn team_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<MemberForm>,
) -> Response {
    let run = async {
        if f.remove == "true" {
            accounts::teams::remove_member(&state, &f.team_id, &f.person_id).await
        } else {
            accounts::teams::add_member(&state, &f.team_id, &f.person_id).await
        }
    };
    match run.await {
        Ok(()) => Redirect::to("/admin/teams?notice=notice-saved").into_response(),
        Err(e) => page_error(&ctx, AppError::from(e)),
    }
}

#[derive(Deserialize)]
pub struct InboxForm {
    name: String,
    #[serde(default)]
    team_id: String,
    /// `widget` (default) or `email`.
    #[serde(default)]
    channel: String,
}

pub async fn create_inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<InboxForm>,
) -> Response {
    let run = async {
        let channel = if f.channel == kefu_service::mail::CHANNEL.as_str() {
            kefu_service::mail::CHANNEL.as_str()
        } else {
            "widget"
        };
        let team_ids: Vec<String> = Some(f.team_id.clone())
            .filter(|t| !t.is_empty())
            .into_iter()
            .collect();
        kefu_service::chat::desk::create_inbox(&state, &f.name, Some(channel), &team_ids).await?;
        Ok::<_, AppError>(())
    };
    match run.await {
        Ok(()) => Redirect::to("/admin/teams?notice=notice-saved").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    inbox_id: String,
    team_id: String,
}

pub async fn assign_inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<AssignForm>,
) -> Response {
    let run = async {
        accounts::teams::assign_inbox(&state, &f.inbox_id, &f.team_id).await?;
        Ok::<_, AppError>(())
    };
    match run.await {
        Ok(()) => Redirect::to("/admin/teams?notice=notice-saved").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage<'a> {
    c: Chrome<'a>,
    tokens: Vec<ApiToken>,
    scopes: Vec<&'static str>,
    new_token: String,
}

async fn tokens_page_with(
    state: &AppState,
    ctx: &Ctx,
    new_token: String,
    notice: Option<&str>,
) -> Response {
    match accounts::list_api_tokens(state)
        .await
        .map_err(AppError::from)
    {
        Ok(tokens) => render(&TokensPage {
            c: chrome_with(ctx, "/admin/tokens", notice),
            tokens,
            scopes: accounts::SCOPES.to_vec(),
            new_token,
        }),
        Err(e) => page_error(ctx, e),
    }
}

pub async fn tokens_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> Response {
    tokens_page_with(&state, &ctx, String::new(), q.notice.as_deref()).await
}

pub async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let name = pairs
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let scopes: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())
        .collect();
    let days = pairs
        .iter()
        .find(|(k, _)| k == "expires_in_days")
        .and_then(|(_, v)| v.trim().parse::<i64>().ok());
    match accounts::create_api_token(&state, &ctx.caller, &name, &scopes, days, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok((plain, _)) => tokens_page_with(&state, &ctx, plain, Some("notice-token-created")).await,
        Err(e) => page_error(&ctx, e),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<IdForm>,
) -> Response {
    match accounts::revoke_api_token(&state, &ctx.caller, &f.id, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(()) => Redirect::to("/admin/tokens?notice=notice-saved").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage<'a> {
    c: Chrome<'a>,
    entries: Vec<(AuditEntry, String)>,
    older: String,
}

#[derive(Deserialize)]
pub struct BeforeQuery {
    before: Option<i64>,
}

pub async fn audit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<BeforeQuery>,
) -> Response {
    match accounts::audit_log(&state, q.before, Some(100))
        .await
        .map_err(AppError::from)
    {
        Ok(entries) => {
            let older = if entries.len() == 100 {
                entries.last().map(|e| e.at.to_string()).unwrap_or_default()
            } else {
                String::new()
            };
            render(&AuditPage {
                c: ctx.chrome("/admin/audit"),
                entries: entries
                    .into_iter()
                    .map(|e| {
                        let t = format_time(e.at);
                        (e, t)
                    })
                    .collect(),
                older,
            })
        }
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "admin_outbox.html")]
struct OutboxPage<'a> {
    c: Chrome<'a>,
    mails: Vec<(OutboxMail, String)>,
    smtp_configured: bool,
}

/// Sends a waiting or failed mail again now.
pub async fn retry_mail(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<IdForm>,
) -> Response {
    match kefu_service::mail::delivery::retry(&state, &f.id).await {
        Ok(()) => Redirect::to("/admin/outbox?notice=notice-outbox-retried").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

pub async fn outbox_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> Response {
    match kefu_service::mail::delivery::recent(&state)
        .await
        .map_err(AppError::from)
    {
        Ok(mails) => render(&OutboxPage {
            c: chrome_with(&ctx, "/admin/outbox", q.notice.as_deref()),
            mails: mails
                .into_iter()
                .map(|m| {
                    let t = format_time(m.created_at);
                    (m, t)
                })
                .collect(),
            smtp_configured: state.config.smtp_configured,
        }),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "admin_settings.html")]
struct SettingsPage<'a> {
    c: Chrome<'a>,
    shop: accounts::ShopSettings,
}

#[derive(Deserialize)]
pub struct ShopForm {
    name: String,
    language: String,
}

pub async fn settings_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> Response {
    let load = async { Ok::<_, AppError>(accounts::shop_settings(&state).await?) };
    match load.await {
        Ok(shop) => render(&SettingsPage {
            c: chrome_with(&ctx, "/admin/settings", q.notice.as_deref()),
            shop,
        }),
        Err(e) => page_error(&ctx, e),
    }
}

pub async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ShopForm>,
) -> Response {
    let run = async {
        accounts::save_shop(&state, &f.name, &f.language).await?;
        Ok::<_, AppError>(())
    };
    match run.await {
        Ok(()) => Redirect::to("/admin/settings?notice=notice-saved").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

/// A new identity secret: links signed with the old one stop working at once.
pub async fn rotate_identity_secret(State(state): State<AppState>, ctx: Ctx) -> Response {
    let run = async {
        accounts::rotate_identity_secret(&state, &ctx.caller, &ctx.origin).await?;
        Ok::<_, AppError>(())
    };
    match run.await {
        Ok(()) => Redirect::to("/admin/settings?notice=notice-saved").into_response(),
        Err(AppError::ReauthRequired) => {
            Redirect::to("/reauth?next=/admin/settings").into_response()
        }
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "admin_tickets.html")]
struct TicketsPage<'a> {
    c: Chrome<'a>,
    /// Inboxes and teams for the editors' choices, as JSON for the page's script.
    choices: String,
}

/// Ticket fields, complaint settings, SLA calendars and policies, and the breach report. The
/// editors are the page's script over the JSON API.
pub async fn tickets_page(State(state): State<AppState>, ctx: Ctx) -> Response {
    let load = async {
        let inboxes = accounts::teams::all_inboxes(&state).await?;
        let teams = accounts::teams::all_teams(&state).await?;
        Ok::<_, AppError>(serde_json::json!({
            "inboxes": inboxes.iter().map(|i| serde_json::json!({"id": i.id, "name": i.name})).collect::<Vec<_>>(),
            "teams": teams.iter().map(|t| serde_json::json!({"id": t.id, "name": t.name})).collect::<Vec<_>>(),
        }))
    };
    match load.await {
        // `<` is escaped so no name can close the script element.
        Ok(v) => render(&TicketsPage {
            c: ctx.chrome("/admin/tickets"),
            choices: v.to_string().replace('<', "\\u003c"),
        }),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "admin_quality.html")]
struct QualityPage<'a> {
    c: Chrome<'a>,
    teams: Vec<Team>,
}

/// The quality report, the forbidden phrases, and the shop's standard phrases.
pub async fn quality_page(State(state): State<AppState>, ctx: Ctx) -> Response {
    match accounts::teams::all_teams(&state)
        .await
        .map_err(AppError::from)
    {
        Ok(teams) => render(&QualityPage {
            c: ctx.chrome("/admin/quality"),
            teams,
        }),
        Err(e) => page_error(&ctx, e),
    }
}

/// `/admin` itself: the first page of the admin menu.
pub async fn home() -> Response {
    Redirect::to("/admin/start").into_response()
}
