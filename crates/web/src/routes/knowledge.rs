//! The knowledge base and search.

use axum::http::Method;

use super::{Access, Routes};
use crate::*;

/// Adds this area's routes.
pub fn add(r: Routes) -> Routes {
    use Access::*;
    use Method as M;
    r
        // Knowledge base and search.
        .route(
            M::GET,
            "/api/v1/kb/categories",
            Staff,
            None,
            api::kb::list_categories,
        )
        .route(
            M::POST,
            "/api/v1/kb/categories",
            Staff,
            None,
            api::kb::create_category,
        )
        .route(
            M::PUT,
            "/api/v1/kb/categories/{id}",
            Staff,
            None,
            api::kb::update_category,
        )
        .route(
            M::DELETE,
            "/api/v1/kb/categories/{id}",
            Staff,
            None,
            api::kb::delete_category,
        )
        .route(
            M::GET,
            "/api/v1/kb/articles",
            Staff,
            None,
            api::kb::list_articles,
        )
        .route(
            M::POST,
            "/api/v1/kb/articles",
            Staff,
            None,
            api::kb::create_article,
        )
        .route(
            M::GET,
            "/api/v1/kb/articles/{id}",
            Staff,
            None,
            api::kb::get_article,
        )
        .route(
            M::PUT,
            "/api/v1/kb/articles/{id}",
            Staff,
            None,
            api::kb::update_article,
        )
        .route(
            M::GET,
            "/api/v1/kb/articles/{id}/revisions",
            Staff,
            None,
            api::kb::list_revisions,
        )
        .route(
            M::POST,
            "/api/v1/kb/articles/{id}/revisions/{number}/restore",
            Staff,
            None,
            api::kb::restore_revision,
        )
        .route(
            M::GET,
            "/api/v1/kb/articles/{id}/feedback",
            Staff,
            None,
            api::kb::list_feedback,
        )
        .route(
            M::GET,
            "/api/v1/kb/export.csv",
            Staff,
            None,
            api::kb::export_csv,
        )
        .route(
            M::POST,
            "/api/v1/kb/import.csv",
            Staff,
            None,
            api::kb::import_csv,
        )
        .route(M::GET, "/api/v1/search", Staff, None, api::kb::search)
        .route(
            M::GET,
            "/api/v1/conversations/{id}/suggestions",
            Staff,
            None,
            api::kb::suggestions,
        )
        .route(
            M::POST,
            "/api/v1/conversations/{id}/article",
            Staff,
            None,
            api::kb::draft_from_conversation,
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
        )
}
