//! The admin's page for an e-mail inbox: the support address, the IMAP and SMTP servers (the
//! password is never shown; leaving it empty keeps it), a connection test with the answer in
//! plain words, where reading stands, and received mail that did not become a message.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::error::ErrorCode;
use kefu_store::mail::{InboxState, MailRecord};
use kefu_store::teams::Inbox;
use serde::Deserialize;

use super::{Chrome, Ctx, page_error, render};
use crate::error::AppError;
use crate::state::AppState;
use kefu_service::mail::{self, MailCheck, MailSettingsForm, ServerForm};

#[derive(Template)]
#[template(path = "admin_mail.html")]
struct MailPage<'a> {
    c: Chrome<'a>,
    inbox: Inbox,
    s: MailSettingsForm,
    imap: ServerForm,
    smtp: ServerForm,
    reading: InboxState,
    check: Option<MailCheck>,
    /// Each with its Message-ID encoded for the download link.
    not_stored: Vec<(MailRecord, String)>,
}

async fn mail_inbox(state: &AppState, id: &str) -> Result<Inbox, AppError> {
    Ok(mail::admin::mail_inbox(state, id).await?)
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    check: Option<MailCheck>,
    notice: &str,
) -> Response {
    let load = async {
        let inbox = mail_inbox(state, id).await?;
        let stored = mail::load(state, id).await?;
        let reading = mail::admin::settings_view(state, id).await?.state;
        let not_stored = mail::admin::not_stored(state, Some(id), 20)
            .await?
            .into_iter()
            .map(|m| {
                let link = super::encode_component(&m.message_id);
                (m, link)
            })
            .collect();
        Ok::<_, AppError>((inbox, stored, reading, not_stored))
    };
    match load.await {
        Ok((inbox, stored, reading, not_stored)) => {
            let mut c = ctx.chrome("/admin/teams");
            if !notice.is_empty() {
                c.notice = ctx.t(notice);
            }
            let s = mail::to_form(&stored);
            render(&MailPage {
                c,
                inbox,
                imap: s.imap.clone().unwrap_or(ServerForm {
                    port: 993,
                    tls: "tls".into(),
                    folder: "INBOX".into(),
                    ..Default::default()
                }),
                smtp: s.smtp.clone().unwrap_or(ServerForm {
                    port: 587,
                    tls: "starttls".into(),
                    ..Default::default()
                }),
                s,
                reading,
                check,
                not_stored,
            })
        }
        Err(e) => page_error(ctx, e),
    }
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    page(&state, &ctx, &id, None, "").await
}

#[derive(Deserialize)]
pub struct Fields {
    address: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    imap_host: String,
    #[serde(default)]
    imap_port: String,
    #[serde(default)]
    imap_tls: String,
    #[serde(default)]
    imap_username: String,
    #[serde(default)]
    imap_password: String,
    #[serde(default)]
    imap_folder: String,
    #[serde(default)]
    smtp_host: String,
    #[serde(default)]
    smtp_port: String,
    #[serde(default)]
    smtp_tls: String,
    #[serde(default)]
    smtp_username: String,
    #[serde(default)]
    smtp_password: String,
    /// Empty: as it was.
    #[serde(default)]
    poll_seconds: String,
}

fn server(
    host: &str,
    port: &str,
    tls: &str,
    user: &str,
    pass: &str,
    folder: &str,
) -> Result<Option<ServerForm>, AppError> {
    if host.trim().is_empty() {
        return Ok(None);
    }
    let port = port
        .trim()
        .parse()
        .map_err(|_| AppError::bad(ErrorCode::InvalidMailServer, "the port is a number"))?;
    Ok(Some(ServerForm {
        host: host.trim().into(),
        port,
        tls: tls.into(),
        username: user.trim().into(),
        password: pass.into(),
        password_set: false,
        folder: folder.trim().into(),
    }))
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    let run = async {
        mail_inbox(&state, &id).await?;
        let form = MailSettingsForm {
            address: f.address.clone(),
            display_name: f.display_name.clone(),
            imap: server(
                &f.imap_host,
                &f.imap_port,
                &f.imap_tls,
                &f.imap_username,
                &f.imap_password,
                &f.imap_folder,
            )?,
            smtp: server(
                &f.smtp_host,
                &f.smtp_port,
                &f.smtp_tls,
                &f.smtp_username,
                &f.smtp_password,
                "",
            )?,
            poll_seconds: 0,
        };
        let old = mail::load(&state, &id).await?;
        let form = MailSettingsForm {
            poll_seconds: match f.poll_seconds.trim() {
                "" => old.poll_seconds,
                p => p.parse::<u64>().map_err(|_| {
                    AppError::bad(
                        ErrorCode::InvalidSettings,
                        "the interval is a number of seconds",
                    )
                })?,
            },
            ..form
        };
        let new = mail::merge(&state, &old, &form)?;
        Ok::<_, AppError>(mail::save(&state, &id, &new).await?)
    };
    match run.await {
        Ok(()) => {
            Redirect::to(&format!("/admin/inboxes/{id}/mail?notice=notice-saved")).into_response()
        }
        Err(e) => page_error(&ctx, e),
    }
}

pub async fn check(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let result = async {
        mail_inbox(&state, &id).await?;
        let s = mail::load(&state, &id).await?;
        Ok::<_, AppError>(mail::check_servers(&state, &s).await)
    };
    match result.await {
        Ok(check) => page(&state, &ctx, &id, Some(check), "").await,
        Err(e) => page_error(&ctx, e),
    }
}
