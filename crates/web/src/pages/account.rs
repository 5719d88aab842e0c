//! A person's own pages: profile, conversations, password, e-mail address, 2FA.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use kefu_core::totp;
use kefu_service::accounts::teams::ProfilePatch;
use kefu_store::conversations::Conversation;
use serde::Deserialize;

use super::auth::NextQuery;
use super::{Chrome, Ctx, format_time, page_error, render, render_status};
use crate::error::AppError;
use crate::state::AppState;
use kefu_service::accounts;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    c: Chrome<'a>,
    email: String,
    verified: bool,
    name: String,
    phone: String,
    language: String,
    channel: String,
    conversations: Vec<(Conversation, String)>,
    /// Complaints and claims: (tracking, kind, status key, when).
    cases: Vec<(String, String, String, String)>,
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    preferred_channel: String,
}

async fn account_page(ctx: &Ctx, error: Option<AppError>, notice: Option<String>) -> Response {
    let Some(user) = ctx.caller.user() else {
        return Redirect::to("/login").into_response();
    };
    let (convs, cases) = match kefu_service::chat::queries::own_history(&ctx.state, user).await {
        Ok((convs, cases)) => (
            convs,
            cases
                .into_iter()
                .map(|k| {
                    let status = format!("case-{}", k.status.as_str().replace('_', "-"));
                    let kind = format!("type-{}", k.kind);
                    (k.tracking, kind, status, format_time(k.updated_at))
                })
                .collect::<Vec<_>>(),
        ),
        Err(e) => return page_error(ctx, AppError::from(e)),
    };
    let mut c = ctx.chrome("/account");
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    if let Some(e) = &error {
        c.error = ctx.error_text(e);
    }
    if let Some(n) = notice.filter(|n| n.starts_with("notice-")) {
        c.notice = ctx.t(&n);
    }
    render_status(
        status,
        &AccountPage {
            c,
            email: user.email.clone(),
            verified: user.email_verified_at.is_some(),
            name: user.name.clone(),
            phone: user.phone.clone(),
            language: user.language.clone(),
            channel: user.preferred_channel.clone(),
            cases,
            conversations: convs
                .into_iter()
                .map(|c| {
                    let t = format_time(c.updated_at);
                    (c, t)
                })
                .collect(),
        },
    )
}

pub async fn show(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    account_page(&ctx, None, q.notice).await
}

pub async fn update_profile(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ProfileForm>,
) -> Response {
    let Some(user) = ctx.caller.user() else {
        return Redirect::to("/login").into_response();
    };
    let patch = ProfilePatch {
        name: Some(f.name.clone()),
        phone: Some(f.phone.clone()),
        language: Some(f.language.clone()),
        preferred_channel: Some(f.preferred_channel.clone()),
    };
    match accounts::teams::update_profile(&state, user, &patch).await {
        Ok(_) => Redirect::to("/account?notice=notice-saved").into_response(),
        Err(e @ kefu_service::Error::Invalid(..)) => account_page(&ctx, Some(e.into()), None).await,
        Err(e) => page_error(&ctx, AppError::from(e)),
    }
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage<'a> {
    c: Chrome<'a>,
    email: String,
    has_totp: bool,
    recovery_left: i64,
}

async fn security_page(ctx: &Ctx, error: Option<AppError>, notice: Option<&str>) -> Response {
    let Some(user) = ctx.caller.user() else {
        return Redirect::to("/login").into_response();
    };
    let recovery_left = accounts::recovery_codes_left(&ctx.state, user).await;
    let mut c = ctx.chrome("/account/security");
    let status = error.as_ref().map_or(StatusCode::OK, AppError::status);
    if let Some(e) = &error {
        c.error = ctx.error_text(e);
    }
    if let Some(n) = notice.filter(|n| n.starts_with("notice-")) {
        c.notice = ctx.t(n);
    }
    render_status(
        status,
        &SecurityPage {
            c,
            email: user.email.clone(),
            has_totp: user.has_totp(),
            recovery_left,
        },
    )
}

pub async fn security(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    security_page(&ctx, None, q.notice.as_deref()).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<PasswordForm>,
) -> Response {
    match accounts::change_password(&state, &ctx.caller, &f.password, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(()) => Redirect::to("/account/security?notice=notice-password-changed").into_response(),
        Err(e @ (AppError::ReauthRequired | AppError::Unauthorized)) => page_error(&ctx, e),
        Err(e) => security_page(&ctx, Some(e), None).await,
    }
}

#[derive(Deserialize)]
pub struct EmailChangeForm {
    email: String,
}

pub async fn change_email(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<EmailChangeForm>,
) -> Response {
    match accounts::request_email_change(&state, &ctx.caller, &f.email, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(()) => Redirect::to("/account/security?notice=notice-email-change-sent").into_response(),
        Err(e @ (AppError::ReauthRequired | AppError::Unauthorized)) => page_error(&ctx, e),
        Err(e) => security_page(&ctx, Some(e), None).await,
    }
}

#[derive(Template)]
#[template(path = "totp_enrol.html")]
struct TotpEnrolPage<'a> {
    c: Chrome<'a>,
    secret: String,
    qr_data_url: String,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage<'a> {
    c: Chrome<'a>,
    codes: Vec<String>,
}

fn qr_data_url(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build();
            format!(
                "data:image/svg+xml;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(svg)
            )
        }
        Err(_) => String::new(),
    }
}

/// Starts enrolment: a new secret, shown as a QR code and as text.
pub async fn totp_enrol(State(state): State<AppState>, ctx: Ctx) -> Response {
    let Some(user) = ctx.caller.user() else {
        return Redirect::to("/login").into_response();
    };
    if user.has_totp() {
        return Redirect::to("/account/security").into_response();
    }
    match accounts::begin_totp(&state, &ctx.caller)
        .await
        .map_err(AppError::from)
    {
        Ok(secret) => {
            let issuer = state.shop_name().await.unwrap_or_else(|| "Kefu".into());
            let uri = totp::provisioning_uri(&secret, &issuer, &user.email);
            render(&TotpEnrolPage {
                c: ctx.chrome("/account/2fa"),
                qr_data_url: qr_data_url(&uri),
                secret,
            })
        }
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

pub async fn totp_confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<CodeForm>,
) -> Response {
    match accounts::confirm_totp(&state, &ctx.caller, &f.code, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(codes) => render(&RecoveryCodesPage {
            c: ctx.chrome("/account/2fa"),
            codes,
        }),
        Err(e) => page_error(&ctx, e),
    }
}

pub async fn totp_disable(State(state): State<AppState>, ctx: Ctx) -> Response {
    match accounts::disable_totp(&state, &ctx.caller, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(()) => Redirect::to("/account/security?notice=notice-totp-disabled").into_response(),
        Err(e) => page_error(&ctx, e),
    }
}

/// Conversation detail for its customer (staff use the console).
#[derive(Template)]
#[template(path = "account_conversation.html")]
struct ConversationPage<'a> {
    c: super::Chrome<'a>,
    id: String,
    subject: String,
    status: String,
    /// (who, text, when, written by the customer)
    lines: Vec<(String, String, String, bool)>,
    /// A fresh id for the reply form, so that a double submit stores one message.
    client_id: String,
}

/// A customer's own conversation: the messages they may see, and a reply box.
pub async fn conversation(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let Some(user) = ctx.caller.user() else {
        return Redirect::to("/login").into_response();
    };
    let load = async {
        let (c, msgs) = kefu_service::chat::queries::transcript(&state, user, &id).await?;
        let mut lines = vec![];
        for (m, f) in msgs {
            let kefu_core::protocol::ServerFrame::Message { author, .. } = f else {
                continue;
            };
            let mine = m.author_kind == kefu_store::messages::author::CONTACT;
            let (who, body) = match m.kind {
                kefu_store::messages::kind::EVENT => ("—".to_string(), m.body.clone()),
                kefu_store::messages::kind::ATTACHMENT => {
                    (author.name.clone(), format!("[{}]", m.body))
                }
                _ if mine => (user.display_name().to_string(), m.body.clone()),
                _ => (author.name.clone(), m.body.clone()),
            };
            lines.push((who, body, format_time(m.created_at), mine));
        }
        Ok::<_, AppError>((c, lines))
    };
    match load.await {
        Ok((c, lines)) => render(&ConversationPage {
            c: ctx.chrome("/account"),
            id: c.id,
            subject: c.subject,
            status: c.status.as_str().to_string(),
            lines,
            client_id: kefu_core::id::new_id(),
        }),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Deserialize)]
pub struct ReplyForm {
    client_id: String,
    body: String,
}

/// The customer answers from their account page (the same path as the chat: ordered, once).
pub async fn reply(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(f): Form<ReplyForm>,
) -> Response {
    let Some(user) = ctx.caller.user() else {
        return Redirect::to("/login").into_response();
    };
    let actor = kefu_service::chat::Actor::Person(user.clone());
    if let Err(e) = kefu_service::chat::limit_address(&state, &actor, &ctx.origin.ip) {
        return page_error(&ctx, e);
    }
    match kefu_service::chat::send(
        &state,
        &actor,
        &id,
        &f.client_id,
        f.body.trim(),
        false,
        false,
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/account/conversations/{id}")).into_response(),
        Err(e) => page_error(&ctx, e),
    }
}
