//! A new shop's first steps: the admin's checklist (which ticks itself off), the one-click
//! website chat, a test page with the widget, and the demo storefront of `kefu serve --demo`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_service::accounts::onboarding;
use kefu_store::teams::Inbox;

use super::auth::NextQuery;
use super::{Chrome, Ctx, page_error, render};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin_start.html")]
struct StartPage<'a> {
    c: Chrome<'a>,
    steps: Vec<onboarding::Step>,
    progress: String,
    inbox: Option<Inbox>,
    public_url: String,
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    match onboarding::checklist(&state).await {
        Ok(list) => {
            let mut c = ctx.chrome("/admin/start");
            if let Some(n) = q.notice.as_deref().filter(|n| n.starts_with("notice-")) {
                c.notice = ctx.t(n);
            }
            let mut args = fluent_bundle::FluentArgs::new();
            args.set("done", list.done());
            args.set("total", list.steps.len());
            let progress = state
                .i18n
                .t_args(ctx.lang, "onboarding-progress", Some(&args));
            render(&StartPage {
                c,
                progress,
                steps: list.steps,
                inbox: list.inbox,
                public_url: state.config.public_url.clone(),
            })
        }
        Err(e) => page_error(&ctx, e),
    }
}

/// The website chat in one click (a widget inbox answered by a team the admin is in).
pub async fn website_chat(State(state): State<AppState>, ctx: Ctx) -> Response {
    let run = async {
        let admin = ctx.caller.user().ok_or(AppError::Unauthorized)?;
        onboarding::start_website_chat(
            &state,
            admin,
            &ctx.t("onboarding-team-name"),
            &ctx.t("onboarding-inbox-name"),
        )
        .await?;
        Ok::<_, AppError>(())
    };
    match run.await {
        Ok(()) => Redirect::to("/admin/start?notice=notice-website-chat").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "demo_shop.html")]
struct ShopPage<'a> {
    c: Chrome<'a>,
    shop: String,
    inbox_id: String,
    /// A test page for the admin (not the public demo).
    test: bool,
}

/// A page of a pretend shop with the inbox's widget, to try it as a visitor would.
pub async fn test_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    match kefu_service::chat::desk::widget_inbox(&state, &id).await {
        Ok(inbox) => render(&ShopPage {
            c: ctx.chrome("/admin/start"),
            shop: state.shop_name().await.unwrap_or_default(),
            inbox_id: inbox.id,
            test: true,
        }),
        Err(e) => page_error(&ctx, e),
    }
}

/// The demo storefront (`kefu serve --demo` only): the shop's first widget inbox on a page.
pub async fn demo(State(state): State<AppState>, ctx: Ctx) -> Response {
    let inbox = async {
        if !state.config.demo {
            return Err(AppError::NotFound);
        }
        onboarding::first_widget_inbox(&state)
            .await?
            .ok_or(AppError::NotFound)
    };
    match inbox.await {
        Ok(inbox) => render(&ShopPage {
            c: ctx.chrome("/demo"),
            shop: state.shop_name().await.unwrap_or_default(),
            inbox_id: inbox.id,
            test: false,
        }),
        Err(e) => page_error(&ctx, e),
    }
}
