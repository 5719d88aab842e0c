//! The WebSocket transport of live chat (`/ws`); what it carries is `kefu_service::chat`.

mod sink;
pub mod socket;
