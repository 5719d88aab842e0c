//! Server-rendered pages. Handlers parse, check, call [`crate::accounts`] or the store, render.

pub mod account;
pub mod admin;
pub mod auth;
pub mod cases;
pub mod console;
pub mod desk;
pub mod help;
pub mod inbox;
pub mod kb;
pub mod mail;
pub mod start;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::auth::{Caller, cookie};
use crate::error::AppError;
use crate::middleware::CsrfToken;
use crate::state::AppState;
use kefu_service::accounts::Origin;
use kefu_service::i18n::{Lang, Tr};

pub const LANG_COOKIE: &str = "kefu_lang";

/// What every page handler needs: who, in which language, with which CSRF token, from where.
pub struct Ctx {
    pub state: AppState,
    pub caller: Caller,
    pub lang: Lang,
    pub csrf: String,
    pub origin: Origin,
    /// The page's own address when it was fetched with GET (where to come back after
    /// confirming the password).
    pub get_path: Option<String>,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = crate::auth::guarded(parts)?;
        let csrf = CsrfToken::from_request_parts(parts, state).await?.0;
        let lang = page_lang(&parts.headers, &caller);
        let origin = crate::extract::origin_of(state, parts);
        let get_path = (parts.method == axum::http::Method::GET)
            .then(|| parts.uri.path_and_query().map(|p| p.as_str().to_string()))
            .flatten();
        Ok(Ctx {
            state: state.clone(),
            caller,
            lang,
            csrf,
            origin,
            get_path,
        })
    }
}

/// The user's choice (cookie, then account), then the browser's, then English.
pub fn page_lang(headers: &HeaderMap, caller: &Caller) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .or_else(|| caller.user().and_then(|u| Lang::parse(&u.language)))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::En)
}

/// The parts of the layout every page shares.
pub struct Chrome<'a> {
    pub t: Tr<'a>,
    pub csrf: String,
    pub user_name: String,
    pub is_staff: bool,
    pub is_admin: bool,
    pub signed_in: bool,
    pub notice: String,
    pub error: String,
    pub path: String,
}

impl Ctx {
    pub fn chrome(&self, path: &str) -> Chrome<'_> {
        let user = self.caller.user();
        Chrome {
            t: Tr {
                i18n: &self.state.i18n,
                lang: self.lang,
            },
            csrf: self.csrf.clone(),
            user_name: user
                .map(|u| u.display_name().to_string())
                .unwrap_or_default(),
            is_staff: self.caller.is_staff(),
            is_admin: self.caller.role() == Some(kefu_core::Role::Admin),
            signed_in: user.is_some(),
            notice: String::new(),
            error: String::new(),
            path: path.to_string(),
        }
    }

    /// The text for an error: its translation by code, else its own message.
    pub fn error_text(&self, e: &AppError) -> String {
        let key = format!("err-{}", e.code().as_str().replace('_', "-"));
        let mut args = fluent_bundle::FluentArgs::new();
        if let AppError::RateLimited(secs) = e {
            // A wait says how long.
            args.set("seconds", (*secs).max(1));
        }
        let text = self.state.i18n.t_args(self.lang, &key, Some(&args));
        if text == key { e.to_string() } else { text }
    }

    pub fn t(&self, key: &str) -> String {
        self.state.i18n.t(self.lang, key)
    }
}

/// Renders a template, or a plain 500 when the template itself fails.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

/// Renders a page with a status other than 200 (a form re-shown with its error).
pub fn render_status(status: StatusCode, t: &impl Template) -> Response {
    let mut r = render(t);
    if r.status() == StatusCode::OK {
        *r.status_mut() = status;
    }
    r
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub c: Chrome<'a>,
    pub title: String,
    pub body: String,
    pub link: String,
    pub link_text: String,
}

/// A short page that says one thing, in the caller's language.
pub fn message(
    ctx: &Ctx,
    status: StatusCode,
    title_key: &str,
    body: String,
    link: (&str, &str),
) -> Response {
    render_status(
        status,
        &MessagePage {
            c: ctx.chrome(""),
            title: ctx.t(title_key),
            body,
            link: link.0.to_string(),
            link_text: ctx.t(link.1),
        },
    )
}

/// The page for a failed page request: 403 when signed in but not allowed, 404 and so on.
pub fn error_page(state: &AppState, headers: &HeaderMap, status: StatusCode) -> Response {
    let lang = page_lang(headers, &Caller::Anonymous);
    let i18n = &state.i18n;
    let key = match status {
        StatusCode::FORBIDDEN => "err-forbidden",
        StatusCode::NOT_FOUND => "err-not-found",
        _ => "err-internal",
    };
    let page = MessagePage {
        c: Chrome {
            t: Tr { i18n, lang },
            csrf: String::new(),
            user_name: String::new(),
            is_staff: false,
            is_admin: false,
            signed_in: false,
            notice: String::new(),
            error: String::new(),
            path: String::new(),
        },
        title: i18n.t(lang, key),
        body: String::new(),
        link: "/".into(),
        link_text: i18n.t(lang, "home"),
    };
    render_status(status, &page)
}

/// Turns an error into a page for page handlers (JSON is for the API).
pub fn page_error(ctx: &Ctx, e: impl Into<AppError>) -> Response {
    let e = e.into();
    if matches!(e, AppError::ReauthRequired) {
        let back = ctx
            .get_path
            .clone()
            .unwrap_or_else(|| "/account/security".into());
        return Redirect::to(&format!("/reauth?next={}", encode_component(&back))).into_response();
    }
    if matches!(e, AppError::Unauthorized) {
        return Redirect::to("/login").into_response();
    }
    let status = e.status();
    let mut resp = message(
        ctx,
        status,
        "error-title",
        ctx.error_text(&e),
        ("/", "home"),
    );
    if let AppError::RateLimited(secs) = e
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

pub fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = state.config.session_idle_hours * 3600;
    HeaderValue::from_str(&format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        crate::auth::SESSION_COOKIE
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear_session_cookie() -> HeaderValue {
    HeaderValue::from_static("kefu_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// A redirect that also sets the session cookie.
pub fn redirect_with_session(state: &AppState, to: &str, token: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, session_cookie(state, token));
    r
}

/// Only same-site relative paths are followed after sign-in (no open redirects).
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let n = next?.trim();
    (n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.contains("://"))
        .then(|| n.to_string())
}

pub fn encode_component(s: &str) -> String {
    kefu_core::url::encode(s, b"/")
}

/// Where a person lands after signing in.
pub fn home_for(caller_role: Option<kefu_core::Role>) -> &'static str {
    match caller_role {
        Some(r) if r.is_staff() => "/console",
        Some(_) => "/account",
        None => "/login",
    }
}

pub fn format_time(ms: i64) -> String {
    kefu_core::time::format_utc(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_local() {
        assert_eq!(safe_next(Some("/account")).as_deref(), Some("/account"));
        for bad in [
            "//evil.com",
            "https://evil.com",
            "/\\evil.com",
            "evil",
            "/x?u=http://e",
        ] {
            assert_eq!(safe_next(Some(bad)), None, "{bad}");
        }
    }
}
