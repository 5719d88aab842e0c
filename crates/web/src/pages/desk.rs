//! The staff's desk pages beside the console: macros, mail signatures, one's own phrases,
//! customers (search and correct), and for supervisors and admins the SLA and quality reports.
//! Each page is a shell; `static/js/desk.js` works it through the JSON API.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_service::accounts::teams::{self as desk_svc, DeskChoices};

use super::{Chrome, Ctx, page_error, render};
use crate::error::AppError;
use crate::state::AppState;

/// The desk's pages, in the order of their tabs.
pub const SECTIONS: [&str; 5] = ["macros", "signatures", "phrases", "customers", "reports"];

#[derive(Template)]
#[template(path = "desk.html")]
struct DeskPage<'a> {
    c: Chrome<'a>,
    section: &'static str,
    choices: DeskChoices,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(section): Path<String>,
) -> Response {
    let Some(section) = SECTIONS.iter().copied().find(|s| *s == section) else {
        return page_error(&ctx, AppError::NotFound);
    };
    let load = async {
        let user = ctx.caller.user().ok_or(AppError::Unauthorized)?;
        Ok::<_, AppError>(desk_svc::desk_choices(&state, user).await?)
    };
    match load.await {
        Ok(choices) if section == "reports" && !choices.shop_wide => {
            page_error(&ctx, AppError::Forbidden)
        }
        Ok(choices) => render(&DeskPage {
            c: ctx.chrome(&format!("/desk/{section}")),
            section,
            choices,
        }),
        Err(e) => page_error(&ctx, e),
    }
}

pub async fn home() -> Response {
    Redirect::to("/desk/macros").into_response()
}
