//! Live chat: the socket and the widget's visitor API.

use axum::http::Method;

use super::{Access, Routes};
use crate::*;

/// Adds this area's routes.
pub fn add(r: Routes) -> Routes {
    use Access::*;
    use Method as M;
    r
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
            widget::set_customer,
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
}
