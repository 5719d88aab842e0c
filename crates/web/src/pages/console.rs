//! The agent console's entry: the inboxes and conversations this agent may work. The live chat
//! issue grows it into the full console.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kefu_store::conversations::Conversation;
use kefu_store::teams::Inbox;
use kefu_store::{conversations, teams};

use super::{Chrome, Ctx, format_time, page_error, render};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage<'a> {
    c: Chrome<'a>,
    inboxes: Vec<Inbox>,
    conversations: Vec<(Conversation, String)>,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx) -> Response {
    let load = async {
        let user = ctx.caller.user().ok_or(AppError::Unauthorized)?;
        Ok::<_, AppError>(if user.role().sees_all_inboxes() {
            (
                teams::list_inboxes(&state.db).await?,
                conversations::list_all(&state.db).await?,
            )
        } else {
            (
                teams::inboxes_of_member(&state.db, &user.id).await?,
                conversations::list_for_member(&state.db, &user.id).await?,
            )
        })
    };
    match load.await {
        Ok((inboxes, convs)) => render(&ConsolePage {
            c: ctx.chrome("/console"),
            inboxes,
            conversations: convs
                .into_iter()
                .map(|c| {
                    let t = format_time(c.updated_at);
                    (c, t)
                })
                .collect(),
        }),
        Err(e) => page_error(&ctx, e),
    }
}
