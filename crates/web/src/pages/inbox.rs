//! The admin's page for one widget inbox: routing, business hours, the pre-chat and offline
//! forms, the greeting, proactive invitation rules, and the snippet to paste.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::error::ErrorCode;
use kefu_store::browsing::{self, InvitationRule};
use kefu_store::teams::{self, Inbox};
use serde::Deserialize;

use super::auth::NextQuery;
use super::{Chrome, Ctx, page_error, render};
use crate::chat_api::NewRule;
use crate::error::AppError;
use crate::state::AppState;
use kefu_service::chat::desk::{InboxSettings, Span, widget_inbox};

#[derive(Template)]
#[template(path = "admin_inbox.html")]
struct InboxPage<'a> {
    c: Chrome<'a>,
    inbox: Inbox,
    settings: InboxSettings,
    hours: String,
    rules: Vec<InvitationRule>,
    public_url: String,
}

/// Business hours as the admin writes them: one span per line, `1-5 09:00-18:00`, days 1
/// (Monday) to 7 (Sunday) as a range or a comma list.
pub fn hours_text(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| {
            let days: Vec<String> = s.days.iter().map(|d| (d + 1).to_string()).collect();
            format!("{} {}-{}", days.join(","), s.from, s.to)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn parse_hours(text: &str) -> Result<Vec<Span>, AppError> {
    let bad = |line: &str| {
        AppError::bad(
            ErrorCode::InvalidHours,
            format!("cannot read \"{line}\": write e.g. 1-5 09:00-18:00"),
        )
    };
    let mut out = vec![];
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (days, times) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| bad(line))?;
        let (from, to) = times.trim().split_once('-').ok_or_else(|| bad(line))?;
        let mut list = vec![];
        for part in days.split(',') {
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            let (a, b): (u8, u8) = (
                a.trim().parse().map_err(|_| bad(line))?,
                b.trim().parse().map_err(|_| bad(line))?,
            );
            if !(1..=7).contains(&a) || !(a..=7).contains(&b) {
                return Err(bad(line));
            }
            list.extend((a..=b).map(|d| d - 1));
        }
        out.push(Span {
            days: list,
            from: from.trim().into(),
            to: to.trim().into(),
        });
    }
    Ok(out)
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
        let rules = browsing::rules(&state.db, &inbox.id).await?;
        Ok::<_, AppError>((inbox, settings, rules))
    };
    match load.await {
        Ok((inbox, settings, rules)) => {
            let mut c = ctx.chrome("/admin/teams");
            if let Some(n) = q.notice.as_deref().filter(|n| n.starts_with("notice-")) {
                c.notice = ctx.t(n);
            }
            render(&InboxPage {
                c,
                hours: hours_text(&settings.hours),
                inbox,
                settings,
                rules,
                public_url: state.config.public_url.clone(),
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
            prechat: f.prechat.clone(),
            greeting: f.greeting.trim().to_string(),
            offline_message: f.offline_message.trim().to_string(),
        };
        s.check()?;
        let json = serde_json::to_string(&s).map_err(|e| AppError::Internal(e.to_string()))?;
        teams::set_inbox_settings(&state.db, &inbox.id, &json).await?;
        state.routing_wake.notify_one();
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
        crate::chat_api::add_rule_to(
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
    match browsing::delete_rule(&state.db, &id, &f.rule_id).await {
        Ok(true) => {
            Redirect::to(&format!("/admin/inboxes/{id}?notice=notice-saved")).into_response()
        }
        Ok(false) => page_error(&ctx, AppError::NotFound),
        Err(e) => page_error(&ctx, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_round_trip_through_text() {
        let spans = parse_hours("1-5 09:00-18:00\n6,7 10:00-16:00\n").unwrap();
        assert_eq!(spans[0].days, vec![0, 1, 2, 3, 4]);
        assert_eq!(spans[1].days, vec![5, 6]);
        assert_eq!(hours_text(&spans), "1,2,3,4,5 09:00-18:00\n6,7 10:00-16:00");
        assert!(parse_hours("weekdays 9-6").is_err());
        assert!(parse_hours("0-5 09:00-18:00").is_err());
        assert!(parse_hours("5-1 09:00-18:00").is_err());
        assert!(parse_hours("").unwrap().is_empty());
    }
}
