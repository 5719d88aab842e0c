//! Pages: operations and assets, the help centre, the staff's knowledge base, signing in, a person's own pages, the staff's pages.

use super::{Access, Routes};
use crate::*;

/// Adds this area's routes.
pub fn add(r: Routes) -> Routes {
    use Access::*;
    r
        // Operations and assets.
        .get("/healthz", Public, healthz)
        .get("/metrics", Public, metrics)
        .get("/static/{*file}", Public, assets::file)
        .get("/favicon.ico", Public, assets::favicon)
        .get("/widget.js", Public, assets::loader)
        .get("/widget/frame", Public, widget::frame)
        .get("/demo", Public, pages::start::demo)
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
        .get("/desk", Staff, pages::desk::home)
        .get("/desk/{section}", Staff, pages::desk::show)
        .get("/admin", Admin, pages::admin::home)
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
        .get("/admin/start", Admin, pages::start::page)
        .post(
            "/admin/start/website-chat",
            Admin,
            pages::start::website_chat,
        )
        .get("/admin/inboxes/{id}/try", Admin, pages::start::test_page)
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
        .post("/admin/outbox/retry", Admin, pages::admin::retry_mail)
        .get("/admin/settings", Admin, pages::admin::settings_page)
        .post("/admin/settings", Admin, pages::admin::save_settings)
        .post(
            "/admin/settings/identity-secret",
            Admin,
            pages::admin::rotate_identity_secret,
        )
}
