//! The public complaint / after-sale form (`/complaints/new`) and a case's status page
//! (`/track/{tracking}`). The status page's key travels in the address's fragment (`#key=…`),
//! which browsers never send to a server or put in a `Referer`; the page's script passes it to
//! the API in a header.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use kefu_core::cases as rules;
use serde::Deserialize;

use super::{Chrome, Ctx, render};
use crate::auth::Caller;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "case_form.html")]
struct FormPage<'a> {
    c: Chrome<'a>,
    kind: String,
    signed_in: bool,
    categories: Vec<String>,
    severities: &'static [&'static str],
    resolutions: &'static [&'static str],
    order: String,
}

#[derive(Deserialize, Default)]
pub struct FormQuery {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub order: String,
}

pub async fn form(State(state): State<AppState>, ctx: Ctx, Query(q): Query<FormQuery>) -> Response {
    let settings = kefu_service::tickets::cases::load_settings(&state)
        .await
        .unwrap_or_default();
    let signed_in = matches!(&ctx.caller, Caller::Person { user, .. } if !user.role().is_staff());
    render(&FormPage {
        c: ctx.chrome("/complaints/new"),
        kind: if q.kind == "claim" {
            "claim".into()
        } else {
            "complaint".into()
        },
        signed_in,
        categories: settings.categories,
        severities: rules::Severity::NAMES,
        resolutions: rules::Resolution::NAMES,
        order: q.order.chars().take(64).collect(),
    })
}

#[derive(Template)]
#[template(path = "case_status.html")]
struct StatusPage<'a> {
    c: Chrome<'a>,
    tracking: String,
    statuses: Vec<(&'static str, String)>,
}

pub async fn status(ctx: Ctx, Path(tracking): Path<String>) -> Response {
    let statuses = rules::COMPLAINT_STATUSES
        .iter()
        .chain(rules::CLAIM_STATUSES.iter())
        .map(|s| s.as_str())
        .chain(rules::Resolution::NAMES.iter().copied())
        .map(|s| (s, ctx.t(&format!("case-{}", s.replace('_', "-")))))
        .collect();
    render(&StatusPage {
        c: ctx.chrome("/track"),
        tracking: tracking.chars().take(20).collect(),
        statuses,
    })
}
