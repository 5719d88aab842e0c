//! The agent console: the page shell; `static/js/console.js` loads the conversations this
//! agent may see and follows them live.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kefu_store::teams::Inbox;

use super::{Chrome, Ctx, page_error, render};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage<'a> {
    c: Chrome<'a>,
    inboxes: Vec<Inbox>,
    case_categories: Vec<String>,
    /// The largest file a conversation takes, checked before an upload.
    max_file_bytes: usize,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx) -> Response {
    let load = async {
        let user = ctx.caller.user().ok_or(AppError::Unauthorized)?;
        Ok::<_, AppError>(kefu_service::chat::desk::workable_inboxes(&state, user).await?)
    };
    match load.await {
        Ok(inboxes) => render(&ConsolePage {
            c: ctx.chrome("/console"),
            inboxes,
            case_categories: kefu_service::tickets::cases::load_settings(&state)
                .await
                .map(|s| s.categories)
                .unwrap_or_default(),
            max_file_bytes: state.config.max_upload_bytes,
        }),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "console_calls.html")]
struct CallsPage<'a> {
    c: Chrome<'a>,
    /// The conversation the call is about ('' for none).
    conversation: String,
}

#[derive(serde::Deserialize, Default)]
pub struct CallsQuery {
    #[serde(default)]
    pub conversation: String,
}

/// The phone desk: callbacks, the call script, the call log.
pub async fn calls(
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<CallsQuery>,
) -> Response {
    let conversation = q
        .conversation
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(40)
        .collect();
    render(&CallsPage {
        c: ctx.chrome("/console/calls"),
        conversation,
    })
}
