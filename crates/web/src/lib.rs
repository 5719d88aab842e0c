//! Kefu's HTTP edge: pages, the REST API, health and metrics, and the layers that secure them.

pub mod api;
pub mod assets;
pub mod auth;
pub mod chat_api;
pub mod error;
pub mod kb_api;
pub mod kb_io;
pub mod mail_api;
pub mod middleware;
pub mod pages;
pub mod phone;
pub mod realtime;
pub mod routes;
pub mod state;
pub mod widget;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use kefu_core::time::now_ms;
use serde_json::json;

pub use routes::{Access, RouteInfo};
pub use state::{AppState, WebConfig};

use routes::Routes;

/// Builds the application and returns it with its route table.
pub fn app(state: AppState) -> (Router, Vec<RouteInfo>) {
    use Access::*;
    use Method as M;
    let r = Routes::new(state.clone())
        // Operations and assets.
        .get("/healthz", Public, healthz)
        .get("/metrics", Public, metrics)
        .get("/static/{*file}", Public, assets::file)
        .get("/favicon.ico", Public, assets::favicon)
        .get("/widget.js", Public, assets::loader)
        .get("/widget/frame", Public, widget::frame)
        .get("/api/v1/openapi.json", Public, api::openapi)
        // The help centre.
        .get("/help", Public, pages::help::home)
        .get("/help/search", Public, pages::help::search)
        .get("/help/categories/{slug}", Public, pages::help::category)
        .get("/help/articles/{slug}", Public, pages::help::article)
        .post(
            "/help/articles/{slug}/feedback",
            Public,
            pages::help::feedback,
        )
        .get("/help/sitemap.xml", Public, pages::help::sitemap)
        // The staff's knowledge base.
        .get("/kb", Staff, pages::kb::list)
        .get("/kb/articles/new", Staff, pages::kb::new_form)
        .post("/kb/articles", Staff, pages::kb::create)
        .get("/kb/articles/{id}", Staff, pages::kb::edit_form)
        .post("/kb/articles/{id}", Staff, pages::kb::save)
        .post(
            "/kb/articles/{id}/revisions/{number}/restore",
            Staff,
            pages::kb::restore,
        )
        .post("/kb/categories", Staff, pages::kb::create_category)
        .post("/kb/categories/{id}", Staff, pages::kb::save_category)
        .post(
            "/kb/categories/{id}/delete",
            Staff,
            pages::kb::delete_category,
        )
        .get("/sitemap.xml", Public, pages::help::sitemap)
        // Set-up, sign-up, sign-in.
        .get("/", Public, pages::auth::home)
        .get("/setup", Public, pages::auth::setup_form)
        .post("/setup", Public, pages::auth::setup_submit)
        .get("/login", Public, pages::auth::login_form)
        .post("/login", Public, pages::auth::login_submit)
        .get("/login/2fa", SecondFactor, pages::auth::second_factor_form)
        .post(
            "/login/2fa",
            SecondFactor,
            pages::auth::second_factor_submit,
        )
        .post("/logout", Public, pages::auth::logout)
        .get("/signup", Public, pages::auth::signup_form)
        .post("/signup", Public, pages::auth::signup_submit)
        .get("/verify", Public, pages::auth::verify)
        .post("/verify/resend", Public, pages::auth::resend_verification)
        .get("/password/forgot", Public, pages::auth::forgot_form)
        .post("/password/forgot", Public, pages::auth::forgot_submit)
        .get("/password/reset", Public, pages::auth::reset_form)
        .post("/password/reset", Public, pages::auth::reset_submit)
        .get("/invite", Public, pages::auth::invite_form)
        .post("/invite", Public, pages::auth::invite_submit)
        .get("/sso", Public, pages::auth::sso)
        .post("/lang", Public, pages::auth::set_language)
        .get("/reauth", Signed, pages::auth::reauth_form)
        .post("/reauth", Signed, pages::auth::reauth_submit)
        // A person's own pages.
        .get("/account", Signed, pages::account::show)
        .post("/account", Signed, pages::account::update_profile)
        .get(
            "/account/conversations/{id}",
            Signed,
            pages::account::conversation,
        )
        .post("/account/conversations/{id}", Signed, pages::account::reply)
        .get("/account/security", Signed, pages::account::security)
        .post("/account/password", Signed, pages::account::change_password)
        .post("/account/email", Signed, pages::account::change_email)
        .get("/account/2fa", Signed, pages::account::totp_enrol)
        .post("/account/2fa", Signed, pages::account::totp_confirm)
        .post("/account/2fa/disable", Signed, pages::account::totp_disable)
        // Staff.
        .get("/console", Staff, pages::console::show)
        .get("/admin/people", Admin, pages::admin::people_page)
        .post("/admin/invitations", Admin, pages::admin::invite)
        .post(
            "/admin/invitations/revoke",
            Admin,
            pages::admin::revoke_invitation,
        )
        .post("/admin/people/role", Admin, pages::admin::set_role)
        .post("/admin/people/active", Admin, pages::admin::set_active)
        .get("/admin/teams", Admin, pages::admin::teams_page)
        .post("/admin/teams", Admin, pages::admin::create_team)
        .post("/admin/teams/members", Admin, pages::admin::team_member)
        .post("/admin/inboxes", Admin, pages::admin::create_inbox)
        .post("/admin/inboxes/teams", Admin, pages::admin::assign_inbox)
        .get("/admin/inboxes/{id}", Admin, pages::inbox::show)
        .post("/admin/inboxes/{id}/settings", Admin, pages::inbox::save)
        .get("/admin/inboxes/{id}/mail", Admin, pages::mail::show)
        .post("/admin/inboxes/{id}/mail", Admin, pages::mail::save)
        .post("/admin/inboxes/{id}/mail/check", Admin, pages::mail::check)
        .post(
            "/admin/inboxes/{id}/invitations",
            Admin,
            pages::inbox::add_rule,
        )
        .post(
            "/admin/inboxes/{id}/invitations/delete",
            Admin,
            pages::inbox::delete_rule,
        )
        .get("/admin/tokens", Admin, pages::admin::tokens_page)
        .post("/admin/tokens", Admin, pages::admin::create_token)
        .post("/admin/tokens/revoke", Admin, pages::admin::revoke_token)
        .get("/admin/audit", Admin, pages::admin::audit_page)
        .get("/admin/outbox", Admin, pages::admin::outbox_page)
        .get("/admin/settings", Admin, pages::admin::settings_page)
        .post("/admin/settings", Admin, pages::admin::save_settings)
        .post(
            "/admin/settings/identity-secret",
            Admin,
            pages::admin::rotate_identity_secret,
        )
        // REST API.
        .route(M::GET, "/api/v1/me", Signed, None, api::me)
        .route(M::PATCH, "/api/v1/me", Signed, None, api::update_me)
        .route(
            M::GET,
            "/api/v1/users",
            Admin,
            Some("people:read"),
            api::list_users,
        )
        .route(
            M::GET,
            "/api/v1/users/{id}",
            Admin,
            Some("people:read"),
            api::get_user,
        )
        .route(
            M::PATCH,
            "/api/v1/users/{id}",
            Admin,
            Some("people:write"),
            api::update_user,
        )
        .route(
            M::POST,
            "/api/v1/invitations",
            Admin,
            Some("people:write"),
            api::invite,
        )
        .route(
            M::GET,
            "/api/v1/teams",
            Staff,
            Some("teams:read"),
            api::list_teams,
        )
        .route(
            M::POST,
            "/api/v1/teams",
            Admin,
            Some("teams:write"),
            api::create_team,
        )
        .route(
            M::POST,
            "/api/v1/teams/{id}/members",
            Admin,
            Some("teams:write"),
            api::add_member,
        )
        .route(
            M::DELETE,
            "/api/v1/teams/{id}/members/{user_id}",
            Admin,
            Some("teams:write"),
            api::remove_member,
        )
        .route(
            M::GET,
            "/api/v1/inboxes",
            Staff,
            Some("teams:read"),
            api::list_inboxes,
        )
        .route(
            M::POST,
            "/api/v1/inboxes",
            Admin,
            Some("teams:write"),
            api::create_inbox,
        )
        .route(
            M::GET,
            "/api/v1/conversations",
            Signed,
            Some("conversations:read"),
            api::list_conversations,
        )
        .route(
            M::GET,
            "/api/v1/conversations/{id}",
            Signed,
            Some("conversations:read"),
            api::get_conversation,
        )
        .route(
            M::POST,
            "/api/v1/conversations",
            Staff,
            Some("conversations:write"),
            api::create_conversation,
        )
        .route(
            M::GET,
            "/api/v1/conversations/{id}/messages",
            Signed,
            Some("conversations:read"),
            api::list_messages,
        )
        .route(
            M::POST,
            "/api/v1/conversations/{id}/messages",
            Signed,
            None,
            api::post_message,
        )
        .route(
            M::PATCH,
            "/api/v1/conversations/{id}",
            Staff,
            None,
            chat_api::update_conversation,
        )
        .route(
            M::GET,
            "/api/v1/conversations/{id}/context",
            Staff,
            None,
            chat_api::conversation_context,
        )
        .route(
            M::POST,
            "/api/v1/conversations/{id}/attachments",
            Signed,
            None,
            chat_api::upload,
        )
        .route(
            M::GET,
            "/api/v1/attachments/{id}",
            Signed,
            None,
            chat_api::download,
        )
        .route(M::GET, "/api/v1/agents", Staff, None, chat_api::agents)
        .route(
            M::PUT,
            "/api/v1/me/presence",
            Staff,
            None,
            chat_api::set_presence,
        )
        .route(
            M::GET,
            "/api/v1/visitors/live",
            Staff,
            None,
            chat_api::live_visitors,
        )
        .route(
            M::GET,
            "/api/v1/notifications",
            Staff,
            None,
            chat_api::list_notifications,
        )
        .route(
            M::POST,
            "/api/v1/notifications/{id}/read",
            Staff,
            None,
            chat_api::read_notification,
        )
        .route(
            M::GET,
            "/api/v1/customers",
            Staff,
            Some("people:read"),
            chat_api::search_customers,
        )
        .route(
            M::GET,
            "/api/v1/inboxes/{id}/mail",
            Admin,
            Some("teams:read"),
            mail_api::get_settings,
        )
        .route(
            M::PUT,
            "/api/v1/inboxes/{id}/mail",
            Admin,
            Some("teams:write"),
            mail_api::save_settings,
        )
        .route(
            M::POST,
            "/api/v1/inboxes/{id}/mail/check",
            Admin,
            Some("teams:write"),
            mail_api::check,
        )
        .route(
            M::GET,
            "/api/v1/inboxes/{id}/mail/raw/{message_id}",
            Admin,
            None,
            mail_api::raw,
        )
        .route(
            M::GET,
            "/api/v1/mail/not-stored",
            Admin,
            None,
            mail_api::not_stored,
        )
        .route(
            M::POST,
            "/api/v1/conversations/{id}/mail",
            Staff,
            None,
            mail_api::reply,
        )
        .route(
            M::GET,
            "/api/v1/conversations/{id}/mail",
            Staff,
            None,
            mail_api::deliveries,
        )
        .route(
            M::POST,
            "/api/v1/conversations/{id}/mail/{mail_id}/retry",
            Staff,
            None,
            mail_api::retry,
        )
        .route(
            M::GET,
            "/api/v1/conversations/{id}/messages/{message_id}/original",
            Staff,
            None,
            mail_api::original,
        )
        .route(
            M::GET,
            "/api/v1/signatures",
            Staff,
            None,
            mail_api::signatures,
        )
        .route(
            M::POST,
            "/api/v1/signatures",
            Staff,
            None,
            mail_api::add_signature,
        )
        .route(
            M::DELETE,
            "/api/v1/signatures/{id}",
            Staff,
            None,
            mail_api::delete_signature,
        )
        // Tickets: fields, merge, split, macros, SLAs.
        .route(
            M::GET,
            "/api/v1/ticket-fields",
            Staff,
            Some("conversations:read"),
            api::tickets::list_fields,
        )
        .route(
            M::PUT,
            "/api/v1/ticket-fields",
            Admin,
            None,
            api::tickets::save_fields,
        )
        .route(
            M::POST,
            "/api/v1/conversations/{id}/merge",
            Staff,
            None,
            api::tickets::merge,
        )
        .route(
            M::POST,
            "/api/v1/conversations/{id}/split",
            Staff,
            None,
            api::tickets::split,
        )
        .route(
            M::GET,
            "/api/v1/macros",
            Staff,
            None,
            api::tickets::list_macros,
        )
        .route(
            M::POST,
            "/api/v1/macros",
            Staff,
            None,
            api::tickets::create_macro,
        )
        .route(
            M::PUT,
            "/api/v1/macros/{id}",
            Staff,
            None,
            api::tickets::update_macro,
        )
        .route(
            M::DELETE,
            "/api/v1/macros/{id}",
            Staff,
            None,
            api::tickets::delete_macro,
        )
        .route(
            M::POST,
            "/api/v1/conversations/{id}/macros/{macro_id}",
            Staff,
            None,
            api::tickets::apply_macro,
        )
        .route(M::GET, "/api/v1/sla", Admin, None, api::sla::get_config)
        .route(M::PUT, "/api/v1/sla", Admin, None, api::sla::put_config)
        .route(
            M::GET,
            "/api/v1/reports/sla",
            Staff,
            Some("conversations:read"),
            api::sla::get_report,
        )
        // Service quality: the guard, e-mail etiquette, packing files, the report.
        .route(
            M::POST,
            "/api/v1/quality/check",
            Staff,
            None,
            api::quality::check,
        )
        .route(
            M::GET,
            "/api/v1/quality/rules",
            Staff,
            None,
            api::quality::list_rules,
        )
        .route(
            M::PUT,
            "/api/v1/quality/rules",
            Admin,
            None,
            api::quality::save_rules,
        )
        .route(
            M::POST,
            "/api/v1/conversations/{id}/mail/check",
            Staff,
            None,
            api::quality::check_mail_draft,
        )
        .route(
            M::POST,
            "/api/v1/conversations/{id}/attachments/zip",
            Staff,
            None,
            api::quality::zip,
        )
        .route(
            M::GET,
            "/api/v1/reports/quality",
            Staff,
            Some("conversations:read"),
            api::quality::get_report,
        )
        .route(
            M::GET,
            "/api/v1/reports/quality.csv",
            Staff,
            Some("conversations:read"),
            api::quality::get_report_csv,
        )
        // Standard phrases.
        .route(M::GET, "/api/v1/phrases", Staff, None, api::phrases::list)
        .route(
            M::POST,
            "/api/v1/phrases",
            Staff,
            None,
            api::phrases::create,
        )
        .route(
            M::PUT,
            "/api/v1/phrases/{id}",
            Staff,
            None,
            api::phrases::update,
        )
        .route(
            M::DELETE,
            "/api/v1/phrases/{id}",
            Staff,
            None,
            api::phrases::delete,
        )
        .route(
            M::GET,
            "/api/v1/phrase-kinds",
            Staff,
            None,
            api::phrases::list_kinds,
        )
        .route(
            M::PUT,
            "/api/v1/phrase-kinds",
            Admin,
            None,
            api::phrases::save_kinds,
        )
        .route(
            M::POST,
            "/api/v1/conversations/{id}/phrases/{phrase_id}",
            Staff,
            None,
            api::phrases::fill,
        )
        // Phone service.
        .route(M::POST, "/api/v1/calls", Staff, None, phone::log_call)
        .route(M::GET, "/api/v1/calls", Staff, None, phone::list_calls)
        .route(
            M::POST,
            "/api/v1/callbacks",
            Public,
            None,
            phone::request_callback,
        )
        .route(
            M::GET,
            "/api/v1/callbacks",
            Staff,
            None,
            phone::list_callbacks,
        )
        .route(
            M::POST,
            "/api/v1/callbacks/{id}/take",
            Staff,
            None,
            phone::take,
        )
        .route(M::GET, "/api/v1/call-script", Staff, None, phone::script)
        // Complaints and after-sale claims.
        .route(
            M::POST,
            "/api/v1/cases/code",
            Public,
            None,
            api::cases::send_code,
        )
        .route(M::POST, "/api/v1/cases", Public, None, api::cases::file)
        .route(
            M::GET,
            "/api/v1/cases/{tracking}",
            Public,
            None,
            api::cases::view,
        )
        .route(
            M::POST,
            "/api/v1/cases/{tracking}/messages",
            Public,
            None,
            api::cases::add_info,
        )
        .route(
            M::POST,
            "/api/v1/cases/{tracking}/files",
            Public,
            None,
            api::cases::add_file,
        )
        .route(
            M::GET,
            "/api/v1/cases/{tracking}/files/{attachment_id}",
            Public,
            None,
            api::cases::download,
        )
        .route(
            M::GET,
            "/api/v1/conversations/{id}/case",
            Staff,
            None,
            api::cases::staff_view,
        )
        .route(
            M::POST,
            "/api/v1/conversations/{id}/case",
            Staff,
            None,
            api::cases::open_from_conversation,
        )
        .route(
            M::POST,
            "/api/v1/conversations/{id}/case/status",
            Staff,
            None,
            api::cases::move_case,
        )
        .route(
            M::GET,
            "/api/v1/case-settings",
            Admin,
            None,
            api::cases::get_settings,
        )
        .route(
            M::PUT,
            "/api/v1/case-settings",
            Admin,
            None,
            api::cases::put_settings,
        )
        .get("/admin/tickets", Admin, pages::admin::tickets_page)
        .get("/admin/quality", Admin, pages::admin::quality_page)
        .get("/complaints/new", Public, pages::cases::form)
        .get("/help/callback", Public, pages::help::callback)
        .get("/console/calls", Staff, pages::console::calls)
        .get("/track/{tracking}", Public, pages::cases::status)
        .route(
            M::GET,
            "/api/v1/inboxes/{id}/settings",
            Admin,
            Some("teams:read"),
            chat_api::inbox_settings,
        )
        .route(
            M::PUT,
            "/api/v1/inboxes/{id}/settings",
            Admin,
            Some("teams:write"),
            chat_api::save_inbox_settings,
        )
        .route(
            M::GET,
            "/api/v1/inboxes/{id}/invitations",
            Admin,
            Some("teams:read"),
            chat_api::list_rules,
        )
        .route(
            M::POST,
            "/api/v1/inboxes/{id}/invitations",
            Admin,
            Some("teams:write"),
            chat_api::add_rule,
        )
        .route(
            M::DELETE,
            "/api/v1/inboxes/{id}/invitations/{rule_id}",
            Admin,
            Some("teams:write"),
            chat_api::delete_rule,
        )
        .route(
            M::POST,
            "/api/v1/realtime/token",
            Signed,
            None,
            api::realtime_token,
        )
        // Live chat: the socket and the widget's visitor API.
        .get("/ws", Public, realtime::socket::upgrade)
        .route(
            M::POST,
            "/widget/api/visitors",
            Public,
            None,
            widget::create_visitor,
        )
        .route(
            M::GET,
            "/widget/api/conversations",
            Visitor,
            None,
            widget::list_conversations,
        )
        .route(
            M::POST,
            "/widget/api/conversations",
            Visitor,
            None,
            widget::create_conversation,
        )
        .route(
            M::GET,
            "/widget/api/conversations/{id}/messages",
            Visitor,
            None,
            widget::list_messages,
        )
        .route(
            M::POST,
            "/widget/api/conversations/{id}/messages",
            Visitor,
            None,
            widget::post_message,
        )
        .route(M::GET, "/widget/api/status", Visitor, None, widget::status)
        .route(
            M::POST,
            "/widget/api/contact",
            Visitor,
            None,
            widget::set_contact,
        )
        .route(
            M::POST,
            "/widget/api/offline",
            Visitor,
            None,
            widget::leave_message,
        )
        .route(
            M::POST,
            "/widget/api/identify",
            Visitor,
            None,
            widget::identify,
        )
        .route(
            M::POST,
            "/widget/api/pages",
            Visitor,
            None,
            widget::report_page,
        )
        .route(
            M::POST,
            "/widget/api/pages/{id}/ping",
            Visitor,
            None,
            widget::page_ping,
        )
        .route(
            M::GET,
            "/widget/api/conversations/{id}/queue",
            Visitor,
            None,
            widget::queue_position,
        )
        .route(
            M::POST,
            "/widget/api/conversations/{id}/transcript",
            Visitor,
            None,
            widget::transcript,
        )
        .route(
            M::POST,
            "/widget/api/conversations/{id}/attachments",
            Visitor,
            None,
            widget::upload,
        )
        .route(
            M::GET,
            "/widget/api/attachments/{id}",
            Visitor,
            None,
            widget::download,
        )
        .route(
            M::POST,
            "/api/v1/identity/verify",
            Public,
            None,
            api::verify_identity,
        )
        .route(
            M::GET,
            "/api/v1/audit",
            Admin,
            Some("audit:read"),
            api::list_audit,
        )
        // Knowledge base and search.
        .route(
            M::GET,
            "/api/v1/kb/categories",
            Staff,
            None,
            kb_api::list_categories,
        )
        .route(
            M::POST,
            "/api/v1/kb/categories",
            Staff,
            None,
            kb_api::create_category,
        )
        .route(
            M::PUT,
            "/api/v1/kb/categories/{id}",
            Staff,
            None,
            kb_api::update_category,
        )
        .route(
            M::DELETE,
            "/api/v1/kb/categories/{id}",
            Staff,
            None,
            kb_api::delete_category,
        )
        .route(
            M::GET,
            "/api/v1/kb/articles",
            Staff,
            None,
            kb_api::list_articles,
        )
        .route(
            M::POST,
            "/api/v1/kb/articles",
            Staff,
            None,
            kb_api::create_article,
        )
        .route(
            M::GET,
            "/api/v1/kb/articles/{id}",
            Staff,
            None,
            kb_api::get_article,
        )
        .route(
            M::PUT,
            "/api/v1/kb/articles/{id}",
            Staff,
            None,
            kb_api::update_article,
        )
        .route(
            M::GET,
            "/api/v1/kb/articles/{id}/revisions",
            Staff,
            None,
            kb_api::list_revisions,
        )
        .route(
            M::POST,
            "/api/v1/kb/articles/{id}/revisions/{number}/restore",
            Staff,
            None,
            kb_api::restore_revision,
        )
        .route(
            M::GET,
            "/api/v1/kb/articles/{id}/feedback",
            Staff,
            None,
            kb_api::list_feedback,
        )
        .route(
            M::GET,
            "/api/v1/kb/export.csv",
            Staff,
            None,
            kb_api::export_csv,
        )
        .route(
            M::POST,
            "/api/v1/kb/import.csv",
            Staff,
            None,
            kb_api::import_csv,
        )
        .route(M::GET, "/api/v1/search", Staff, None, kb_api::search)
        .route(
            M::GET,
            "/api/v1/conversations/{id}/suggestions",
            Staff,
            None,
            kb_api::suggestions,
        )
        .route(
            M::POST,
            "/api/v1/conversations/{id}/article",
            Staff,
            None,
            kb_api::draft_from_conversation,
        )
        .route(
            M::GET,
            "/widget/api/articles",
            Visitor,
            None,
            widget::suggest_articles,
        )
        .route(
            M::GET,
            "/widget/api/articles/{id}",
            Visitor,
            None,
            widget::read_article,
        )
        .route(
            M::POST,
            "/widget/api/articles/{id}/settled",
            Visitor,
            None,
            widget::article_settled,
        )
        .route(M::GET, "/api/v1/outbox", Admin, None, api::list_outbox)
        .route(M::GET, "/api/v1/tokens", Admin, None, api::list_tokens)
        .route(M::POST, "/api/v1/tokens", Admin, None, api::create_token)
        .route(
            M::DELETE,
            "/api/v1/tokens/{id}",
            Admin,
            None,
            api::revoke_token,
        );
    let (router, table) = r.into_parts();
    let router = router
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::csrf,
        ))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::declared_length,
        ))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::metrics,
        ))
        .with_state(state);
    (router, table)
}

async fn not_found(
    uri: axum::http::Uri,
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Response {
    if uri.path().starts_with("/api/") || uri.path().starts_with("/widget/api/") {
        error::AppError::NotFound.into_response()
    } else {
        pages::error_page(&state, &headers, StatusCode::NOT_FOUND)
    }
}

const HEALTH_DB_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Healthy means work gets done: the database answers and, where a mail worker runs, it has
/// finished a pass recently. 503 otherwise, with what is wrong.
async fn healthz(State(state): State<AppState>) -> Response {
    // A database that went away would hold the check for the pool's whole acquire timeout:
    // health answers within two seconds, and says so.
    let db_ok = tokio::time::timeout(HEALTH_DB_TIMEOUT, state.db.ping())
        .await
        .is_ok_and(|r| r.is_ok());
    let beat = state.metrics.outbox_heartbeat.load(Ordering::Relaxed);
    let worker = if beat == 0 {
        "not_running"
    } else if now_ms() - beat > 3 * kefu_service::mail::delivery::POLL_INTERVAL_MS {
        "stalled"
    } else {
        "ok"
    };
    let pending = if db_ok {
        tokio::time::timeout(
            HEALTH_DB_TIMEOUT,
            kefu_store::outbox::count_pending(&state.db),
        )
        .await
        .map_or(-1, |r| r.unwrap_or(-1))
    } else {
        -1
    };
    // Across instances, real-time delivery depends on the PostgreSQL listener.
    let events = match state.db.backend() {
        kefu_store::Backend::Sqlite => "local",
        kefu_store::Backend::Postgres if state.metrics.events_ok.load(Ordering::Relaxed) => "ok",
        kefu_store::Backend::Postgres => "reconnecting",
    };
    let healthy = db_ok && worker != "stalled" && events != "reconnecting";
    let body = json!({
        "status": if healthy { "ok" } else { "unhealthy" },
        "database": if db_ok { "ok" } else { "unreachable" },
        "backend": state.db.backend().as_str(),
        "outbox": { "worker": worker, "pending": pending },
        "events": events,
        "connections": state.hub.connections(),
        "uptime_seconds": state.started_at.elapsed().as_secs(),
    });
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// Prometheus text format, written by hand: a handful of counters needs no library.
async fn metrics(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    let pending = kefu_store::outbox::count_pending(&state.db)
        .await
        .unwrap_or(-1);
    let mut out = String::new();
    let mut counter = |name: &str, help: &str, kind: &str, series: &[(&str, i64)]| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        for (labels, v) in series {
            out.push_str(&format!("{name}{labels} {v}\n"));
        }
    };
    let get = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed) as i64;
    counter(
        "kefu_http_requests_total",
        "HTTP requests received.",
        "counter",
        &[("", get(&m.requests))],
    );
    counter(
        "kefu_http_responses_total",
        "HTTP responses by status class.",
        "counter",
        &[
            ("{class=\"2xx\"}", get(&m.responses_2xx)),
            ("{class=\"3xx\"}", get(&m.responses_3xx)),
            ("{class=\"4xx\"}", get(&m.responses_4xx)),
            ("{class=\"5xx\"}", get(&m.responses_5xx)),
        ],
    );
    counter(
        "kefu_http_in_flight",
        "Requests being served.",
        "gauge",
        &[("", m.in_flight.load(Ordering::Relaxed))],
    );
    counter(
        "kefu_mail_sent_total",
        "Mails delivered by the outbox worker.",
        "counter",
        &[("", get(&m.mails_sent))],
    );
    counter(
        "kefu_mail_failures_total",
        "Failed mail delivery attempts.",
        "counter",
        &[("", get(&m.mail_failures))],
    );
    counter(
        "kefu_outbox_pending",
        "Mails waiting in the outbox.",
        "gauge",
        &[("", pending)],
    );
    counter(
        "kefu_uptime_seconds",
        "Seconds since start.",
        "gauge",
        &[("", state.started_at.elapsed().as_secs() as i64)],
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

/// Serves until `shutdown` resolves, then stops accepting and finishes requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt as _;
    // Small frames (chat messages, acks) go out at once instead of waiting on Nagle's
    // algorithm and the peer's delayed acknowledgement (up to 40 ms).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
