//! Setting up, signing up, signing in (with the second factor), verifying, resetting,
//! accepting invitations, signing in with a shop-signed identity, choosing the language.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_core::error::ErrorCode;
use kefu_core::identity::SignedIdentity;
use serde::Deserialize;

use super::{
    Chrome, Ctx, LANG_COOKIE, clear_session_cookie, home_for, message, page_error,
    redirect_with_session, render, render_status, safe_next,
};
use crate::error::AppError;
use crate::state::AppState;
use kefu_service::accounts::{self, SignIn, SignUp};
use kefu_service::i18n::Lang;

#[derive(Deserialize, Default)]
pub struct NextQuery {
    pub next: Option<String>,
    pub notice: Option<String>,
}

/// `/`: set-up, the console, the account, or the sign-in page.
pub async fn home(State(state): State<AppState>, ctx: Ctx) -> Response {
    let needs_setup = state
        .setup_code
        .lock()
        .map(|c| c.is_some())
        .unwrap_or(false);
    if needs_setup && ctx.caller.user().is_none() {
        return Redirect::to("/setup").into_response();
    }
    Redirect::to(home_for(ctx.caller.role())).into_response()
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage<'a> {
    c: Chrome<'a>,
    /// Kept after an error, so the code printed in the log is not typed again.
    code: String,
    email: String,
    name: String,
}

#[derive(Deserialize)]
pub struct SetupForm {
    code: String,
    email: String,
    name: String,
    password: String,
}

pub async fn setup_form(State(state): State<AppState>, ctx: Ctx) -> Response {
    if state.setup_code.lock().map(|c| c.is_none()).unwrap_or(true) {
        return Redirect::to("/login").into_response();
    }
    render(&SetupPage {
        c: ctx.chrome("/setup"),
        code: String::new(),
        email: String::new(),
        name: String::new(),
    })
}

pub async fn setup_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<SetupForm>,
) -> Response {
    match accounts::set_up_first_admin(&state, &f.code, &f.email, &f.name, &f.password, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok((_, session)) => redirect_with_session(&state, "/admin/start", &session),
        Err(AppError::NotFound) => Redirect::to("/login").into_response(),
        Err(e) => {
            let mut c = ctx.chrome("/setup");
            c.error = ctx.error_text(&e);
            render_status(
                e.status(),
                &SetupPage {
                    c,
                    code: f.code,
                    email: f.email,
                    name: f.name,
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    c: Chrome<'a>,
    email: String,
    next: String,
    unverified: bool,
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login_form(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    if ctx.caller.user().is_some() {
        return Redirect::to(home_for(ctx.caller.role())).into_response();
    }
    let mut c = ctx.chrome("/login");
    if let Some(n) = q.notice.filter(|n| n.starts_with("notice-")) {
        c.notice = ctx.t(&n);
    }
    render(&LoginPage {
        c,
        email: String::new(),
        next: safe_next(q.next.as_deref()).unwrap_or_default(),
        unverified: false,
    })
}

pub async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(Some(&f.next));
    match accounts::sign_in(&state, &f.email, &f.password, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(SignIn::Done { user, session }) => {
            let to = next.unwrap_or_else(|| home_for(Some(user.role())).to_string());
            redirect_with_session(&state, &to, &session)
        }
        Ok(SignIn::SecondFactor { session }) => {
            let to = match next {
                Some(n) => format!("/login/2fa?next={}", super::encode_component(&n)),
                None => "/login/2fa".into(),
            };
            redirect_with_session(&state, &to, &session)
        }
        Err(e) => {
            let mut c = ctx.chrome("/login");
            c.error = ctx.error_text(&e);
            let unverified = e.code() == ErrorCode::EmailUnverified;
            render_status(
                e.status(),
                &LoginPage {
                    c,
                    email: f.email,
                    next: next.unwrap_or_default(),
                    unverified,
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "login_2fa.html")]
struct SecondFactorPage<'a> {
    c: Chrome<'a>,
    next: String,
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    #[serde(default)]
    next: String,
}

pub async fn second_factor_form(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    render(&SecondFactorPage {
        c: ctx.chrome("/login/2fa"),
        next: safe_next(q.next.as_deref()).unwrap_or_default(),
    })
}

pub async fn second_factor_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<CodeForm>,
) -> Response {
    match accounts::second_factor(&state, &ctx.caller, &f.code, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(user) => {
            let to = safe_next(Some(&f.next)).unwrap_or_else(|| home_for(Some(user.role())).into());
            Redirect::to(&to).into_response()
        }
        Err(e) => {
            let mut c = ctx.chrome("/login/2fa");
            c.error = ctx.error_text(&e);
            render_status(e.status(), &SecondFactorPage { c, next: f.next })
        }
    }
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> Response {
    {
        accounts::sign_out(&state, &ctx.caller, &ctx.origin).await;
    }
    let mut r = Redirect::to("/login?notice=notice-signed-out").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, clear_session_cookie());
    r
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage<'a> {
    c: Chrome<'a>,
    email: String,
    name: String,
}

#[derive(Deserialize)]
pub struct SignUpForm {
    email: String,
    password: String,
    #[serde(default)]
    name: String,
}

pub async fn signup_form(ctx: Ctx) -> Response {
    render(&SignUpPage {
        c: ctx.chrome("/signup"),
        email: String::new(),
        name: String::new(),
    })
}

pub async fn signup_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<SignUpForm>,
) -> Response {
    let s = SignUp {
        email: &f.email,
        password: &f.password,
        name: &f.name,
        lang: ctx.lang,
    };
    match accounts::sign_up(&state, &s, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(_) => message(
            &ctx,
            StatusCode::OK,
            "signup-done-title",
            ctx.t("signup-done-body"),
            ("/login", "sign-in"),
        ),
        Err(e) => {
            let mut c = ctx.chrome("/signup");
            c.error = ctx.error_text(&e);
            render_status(
                e.status(),
                &SignUpPage {
                    c,
                    email: f.email,
                    name: f.name,
                },
            )
        }
    }
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// Following a link from a mail verifies the address (GET, so mail clients can open it;
/// the token is single-use and only marks the address verified).
pub async fn verify(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenQuery>,
) -> Response {
    match accounts::verify_email(&state, &q.token, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(_) => message(
            &ctx,
            StatusCode::OK,
            "verified-title",
            ctx.t("verified-body"),
            ("/login", "sign-in"),
        ),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Deserialize)]
pub struct EmailForm {
    email: String,
}

pub async fn resend_verification(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<EmailForm>,
) -> Response {
    // The same answer whether or not the address has an account.
    if let Err(e) = accounts::resend_verification_to(&state, &f.email, &ctx.origin).await {
        return page_error(&ctx, e);
    }
    message(
        &ctx,
        StatusCode::OK,
        "signup-done-title",
        ctx.t("signup-done-body"),
        ("/login", "sign-in"),
    )
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage<'a> {
    c: Chrome<'a>,
}

pub async fn forgot_form(ctx: Ctx) -> Response {
    render(&ForgotPage {
        c: ctx.chrome("/password/forgot"),
    })
}

pub async fn forgot_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<EmailForm>,
) -> Response {
    match accounts::request_reset(&state, &f.email, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(()) => message(
            &ctx,
            StatusCode::OK,
            "reset-sent-title",
            ctx.t("reset-sent-body"),
            ("/login", "sign-in"),
        ),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage<'a> {
    c: Chrome<'a>,
    token: String,
}

#[derive(Deserialize)]
pub struct ResetForm {
    token: String,
    password: String,
}

pub async fn reset_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenQuery>,
) -> Response {
    match accounts::reset_link_valid(&state, &q.token)
        .await
        .map_err(AppError::from)
    {
        Ok(true) => render(&ResetPage {
            c: ctx.chrome("/password/reset"),
            token: q.token,
        }),
        Ok(false) => page_error(
            &ctx,
            AppError::bad(
                ErrorCode::InvalidToken,
                "this link is invalid, used or expired",
            ),
        ),
        Err(e) => page_error(&ctx, e),
    }
}

pub async fn reset_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ResetForm>,
) -> Response {
    match accounts::reset_password(&state, &f.token, &f.password, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(()) => Redirect::to("/login?notice=notice-password-reset").into_response(),
        Err(e) if e.code() == ErrorCode::InvalidToken => page_error(&ctx, e),
        Err(e) => {
            let mut c = ctx.chrome("/password/reset");
            c.error = ctx.error_text(&e);
            render_status(e.status(), &ResetPage { c, token: f.token })
        }
    }
}

#[derive(Template)]
#[template(path = "reauth.html")]
struct ReauthPage<'a> {
    c: Chrome<'a>,
    next: String,
}

#[derive(Deserialize)]
pub struct ReauthForm {
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn reauth_form(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    render(&ReauthPage {
        c: ctx.chrome("/reauth"),
        next: safe_next(q.next.as_deref()).unwrap_or_else(|| "/account/security".into()),
    })
}

pub async fn reauth_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ReauthForm>,
) -> Response {
    match accounts::reauthenticate(&state, &ctx.caller, &f.password, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok(()) => {
            Redirect::to(&safe_next(Some(&f.next)).unwrap_or_else(|| "/account/security".into()))
                .into_response()
        }
        Err(e) => {
            let mut c = ctx.chrome("/reauth");
            c.error = ctx.error_text(&e);
            render_status(e.status(), &ReauthPage { c, next: f.next })
        }
    }
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage<'a> {
    c: Chrome<'a>,
    token: String,
    email: String,
}

#[derive(Deserialize)]
pub struct InviteForm {
    token: String,
    name: String,
    password: String,
}

pub async fn invite_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenQuery>,
) -> Response {
    match accounts::invitation_email(&state, &q.token)
        .await
        .map_err(AppError::from)
    {
        Ok(Some(email)) => render(&InvitePage {
            c: ctx.chrome("/invite"),
            token: q.token,
            email,
        }),
        Ok(None) => page_error(
            &ctx,
            AppError::bad(
                ErrorCode::InvalidToken,
                "this invitation is invalid, used or expired",
            ),
        ),
        Err(e) => page_error(&ctx, e),
    }
}

pub async fn invite_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<InviteForm>,
) -> Response {
    match accounts::accept_invitation(&state, &f.token, &f.name, &f.password, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok((_, session)) => redirect_with_session(&state, "/console", &session),
        Err(e) if e.code() == ErrorCode::InvalidToken => page_error(&ctx, e),
        Err(e) => {
            let email = accounts::invitation_email(&state, &f.token)
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            let mut c = ctx.chrome("/invite");
            c.error = ctx.error_text(&e);
            render_status(
                e.status(),
                &InvitePage {
                    c,
                    token: f.token,
                    email,
                },
            )
        }
    }
}

/// `/sso?external_id=…&email=…&name=…&timestamp=…&signature=…`: a link from the shop's site
/// that signs its logged-in customer into their Kefu account.
pub async fn sso(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(id): Query<SignedIdentity>,
) -> Response {
    match accounts::identity_sign_in(&state, &id, &ctx.origin)
        .await
        .map_err(AppError::from)
    {
        Ok((_, session)) => redirect_with_session(&state, "/account", &session),
        Err(e) => page_error(&ctx, e),
    }
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    #[serde(default)]
    next: String,
}

/// Switches the interface language: a cookie for everyone, and the account's setting when
/// signed in (so mails follow it too).
pub async fn set_language(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<LangForm>,
) -> Response {
    let lang = Lang::parse(&f.lang).unwrap_or(ctx.lang);
    if let Some(user) = ctx.caller.user() {
        accounts::remember_language(&state, user, lang.code()).await;
    }
    let to = safe_next(Some(&f.next)).unwrap_or_else(|| "/".into());
    let mut r = Redirect::to(&to).into_response();
    if let Ok(v) = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.code()
    )
    .parse()
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}
