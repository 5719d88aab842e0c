//! The e-mail channel: inbox mail settings (passwords sealed with the configured key), the
//! IMAP receiver (IDLE, polling as fallback), turning a received mail into a conversation
//! message in one transaction, and conversation mail sent through the outbox with proper
//! headers, recipients, signatures and attachments.

pub mod admin;
pub mod delivery;
mod failure;
mod ingest;
mod outgoing;
mod receiver;
pub mod replies;
mod settings;

pub use failure::MailFailure;
pub use ingest::*;
pub use outgoing::*;
pub use receiver::*;
pub use settings::*;

/// The channel name of e-mail inboxes.
pub const CHANNEL: kefu_core::kinds::Channel = kefu_core::kinds::Channel::Email;
