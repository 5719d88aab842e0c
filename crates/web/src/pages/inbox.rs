//! The admin's page for one widget inbox: routing, business hours, the pre-chat and offline
//! forms, the greeting, proactive invitation rules, and the snippet to paste.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_store::browsing::InvitationRule;
use kefu_store::teams::Inbox;
use serde::Deserialize;

use super::auth::NextQuery;
use super::{Chrome, Ctx, page_error, render};
use crate::error::AppError;
use crate::state::AppState;
use kefu_service::chat::desk::{
    self, InboxSettings, NewRule, hours_text, parse_hours, widget_inbox,
};

#[derive(Template)]
#[template(path = "admin_inbox.html")]
struct InboxPage<'a> {
    c: Chrome<'a>,
    inbox: Inbox,
    settings: InboxSettings,
    hours: String,
    holidays: String,
    rules: Vec<InvitationRule>,
    public_url: String,
    staffing: desk::Staffing,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<NextQuery>,
) -> Response {
    let load = async {
        let inbox = widget_inbox(&state, &id).await?;
        let settings = InboxSettings::load(&state, &inbox.id).await?;
        let rules = desk::invitation_rules(&state, &inbox.id).await?;
        let staffing = desk::staffing(&state, &inbox.id).await?;
        Ok::<_, AppError>((inbox, settings, rules, staffing))
    };
    match load.await {
        Ok((inbox, settings, rules, staffing)) => {
            let mut c = ctx.chrome("/admin/teams");
            if let Some(n) = q.notice.as_deref().filter(|n| n.starts_with("notice-")) {
                c.notice = ctx.t(n);
            }
            render(&InboxPage {
                c,
                hours: hours_text(&settings.hours),
                holidays: settings.holidays.join("\n"),
                inbox,
                settings,
                rules,
                public_url: state.config.public_url.clone(),
                staffing,
            })
        }
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    auto_assign: String,
    prechat: String,
    #[serde(default)]
    greeting: String,
    #[serde(default)]
    offline_message: String,
    #[serde(default)]
    hours: String,
    utc_offset_minutes: i32,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    holidays: String,
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<SettingsForm>,
) -> Response {
    let run = async {
        let inbox = widget_inbox(&state, &id).await?;
        let s = InboxSettings {
            auto_assign: f.auto_assign == "on",
            hours: parse_hours(&f.hours)?,
            utc_offset_minutes: f.utc_offset_minutes,
            time_zone: f.time_zone.trim().to_string(),
            holidays: f
                .holidays
                .split(['\n', ',', ' '])
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_string)
                .collect(),
            prechat: f.prechat.clone(),
            greeting: f.greeting.trim().to_string(),
            offline_message: f.offline_message.trim().to_string(),
        };
        desk::save_settings(&state, &inbox.id, &s).await?;
        Ok::<_, AppError>(inbox.id)
    };
    match run.await {
        Ok(id) => Redirect::to(&format!("/admin/inboxes/{id}?notice=notice-saved")).into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Deserialize)]
pub struct RuleForm {
    url_pattern: String,
    #[serde(default)]
    min_seconds: i64,
    #[serde(default)]
    returning_only: String,
    message: String,
}

pub async fn add_rule(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<RuleForm>,
) -> Response {
    let run = async {
        let inbox = widget_inbox(&state, &id).await?;
        desk::add_invitation_rule(
            &state,
            &inbox.id,
            &NewRule {
                url_pattern: f.url_pattern.clone(),
                min_seconds: f.min_seconds,
                returning_only: f.returning_only == "on",
                message: f.message.clone(),
            },
        )
        .await?;
        Ok::<_, AppError>(inbox.id)
    };
    match run.await {
        Ok(id) => Redirect::to(&format!("/admin/inboxes/{id}?notice=notice-saved")).into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Deserialize)]
pub struct RuleIdForm {
    rule_id: String,
}

pub async fn delete_rule(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<RuleIdForm>,
) -> Response {
    match desk::delete_invitation_rule(&state, &id, &f.rule_id).await {
        Ok(()) => Redirect::to(&format!("/admin/inboxes/{id}?notice=notice-saved")).into_response(),
        Err(e) => page_error(&ctx, AppError::from(e)),
    }
}
