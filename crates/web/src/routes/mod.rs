//! The route table. Every route is added with an access rule, and the table is kept so a test
//! can walk every route and prove that nobody gets past a rule they do not meet.

pub mod api;
pub mod chat;
pub mod knowledge;
pub mod pages;
pub mod tickets;

use axum::Router;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use kefu_core::Role;

use crate::auth::{self, Caller};
use crate::error::AppError;
use crate::state::AppState;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Someone who gave their password and still owes the second factor.
    SecondFactor,
    /// Any signed-in person (customer or staff).
    Signed,
    /// Admins, supervisors and agents.
    Staff,
    /// Admins only.
    Admin,
    /// A widget visitor (token in `X-Kefu-Visitor`).
    Visitor,
}

#[derive(Debug, Clone, Copy)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    /// API tokens holding this scope may call the route too.
    pub scope: Option<&'static str>,
}

#[derive(Clone)]
struct Guard {
    app: AppState,
    info: RouteInfo,
}

pub struct Routes {
    router: Router<AppState>,
    state: AppState,
    pub table: Vec<RouteInfo>,
}

impl Routes {
    pub fn new(state: AppState) -> Routes {
        Routes {
            router: Router::new(),
            state,
            table: vec![],
        }
    }

    fn add(mut self, info: RouteInfo, method_router: MethodRouter<AppState>) -> Routes {
        let guard = Guard {
            app: self.state.clone(),
            info,
        };
        self.router = self.router.route(
            info.path,
            method_router.route_layer(from_fn_with_state(guard, enforce)),
        );
        self.table.push(info);
        self
    }

    pub fn route<H, T>(
        self,
        method: Method,
        path: &'static str,
        access: Access,
        scope: Option<&'static str>,
        handler: H,
    ) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let (name, mr) = match method.as_str() {
            "GET" => ("GET", get(handler)),
            "POST" => ("POST", post(handler)),
            "PUT" => ("PUT", put(handler)),
            "PATCH" => ("PATCH", patch(handler)),
            "DELETE" => ("DELETE", delete(handler)),
            other => unreachable!("unsupported method {other}"),
        };
        let info = RouteInfo {
            method: name,
            path,
            access,
            scope,
        };
        self.add(info, mr)
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        h: H,
    ) -> Routes {
        self.route(Method::GET, path, access, None, h)
    }
    pub fn post<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        h: H,
    ) -> Routes {
        self.route(Method::POST, path, access, None, h)
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteInfo>) {
        (self.router, self.table)
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/widget/api/")
}

/// Resolves the caller, checks the route's rule, and hands the caller to the handler.
async fn enforce(State(guard): State<Guard>, mut req: Request, next: Next) -> Response {
    let caller = match auth::resolve(&guard.app, req.headers()).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let RouteInfo { access, scope, .. } = guard.info;
    let allowed = match (&caller, access) {
        (_, Access::Public) => true,
        (Caller::SecondFactor { .. }, Access::SecondFactor) => true,
        (Caller::Person { .. }, Access::Signed) => true,
        (Caller::Visitor { .. }, Access::Visitor) => true,
        (Caller::Person { user, .. }, Access::Staff) => user.role().is_staff(),
        (Caller::Person { user, .. }, Access::Admin) => user.role() == Role::Admin,
        (Caller::Token { token }, Access::Staff | Access::Admin | Access::Signed) => {
            scope.is_some_and(|s| token.has_scope(s))
        }
        _ => false,
    };
    if allowed {
        let lang =
            is_api(req.uri().path()).then(|| crate::pages::page_lang(req.headers(), &caller));
        req.extensions_mut().insert(caller);
        let mut resp = next.run(req).await;
        if let Some(lang) = lang {
            localize(&guard.app, lang, &mut resp);
        }
        return resp;
    }
    let path = req.uri().path().to_string();
    let signed_in = matches!(
        caller,
        Caller::Person { .. } | Caller::Token { .. } | Caller::Visitor { .. }
    );
    if is_api(&path) {
        return if signed_in {
            AppError::Forbidden.into_response()
        } else {
            AppError::Unauthorized.into_response()
        };
    }
    if signed_in {
        return crate::pages::error_page(&guard.app, req.headers(), StatusCode::FORBIDDEN);
    }
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let login = if matches!(caller, Caller::SecondFactor { .. }) {
        "/login/2fa".to_string()
    } else {
        format!("/login?next={}", crate::pages::encode_component(&target))
    };
    Redirect::to(&login).into_response()
}

/// Codes whose English message from the server says less than the catalogue's (which names
/// the limit or the wait).
const TOLD_BETTER: [kefu_core::ErrorCode; 2] = [
    kefu_core::ErrorCode::PayloadTooLarge,
    kefu_core::ErrorCode::RateLimited,
];

/// Codes whose server message points at the very place in the input (a CSV's row): kept
/// after the translated text.
const DETAIL_KEPT: [kefu_core::ErrorCode; 1] = [kefu_core::ErrorCode::InvalidCsv];

/// An API error in the caller's language (the page's: the language switch, the account's,
/// the browser's): for a Chinese reader the catalogue's `err-{code}` text replaces the server's
/// English message, which stays for codes the catalogue does not have. English readers keep
/// the server's message, which names the very field or value (but for [`TOLD_BETTER`]). The
/// code never changes.
fn localize(app: &AppState, lang: kefu_service::i18n::Lang, resp: &mut Response) {
    let Some(info) = resp.extensions().get::<crate::error::ErrorInfo>().cloned() else {
        return;
    };
    if lang == kefu_service::i18n::Lang::En && !TOLD_BETTER.contains(&info.code) {
        return;
    }
    let key = format!("err-{}", info.code.as_str().replace('_', "-"));
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("seconds", info.retry_after.unwrap_or(1).max(1));
    args.set("mb", (app.config.max_upload_bytes / (1024 * 1024)).max(1));
    let mut text = app.i18n.t_args(lang, &key, Some(&args));
    if text == key {
        return;
    }
    if DETAIL_KEPT.contains(&info.code)
        && let Some(detail) = &info.detail
    {
        // Which row and field: the catalogue cannot say it, the server's words can.
        text = format!("{text} ({detail})");
    }
    let body = serde_json::json!({"error": {"code": info.code.as_str(), "message": text}});
    *resp.body_mut() = axum::body::Body::from(body.to_string());
    resp.headers_mut()
        .remove(axum::http::header::CONTENT_LENGTH);
}
