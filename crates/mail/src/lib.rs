//! Mail: delivery over SMTP (lettre, rustls), reading inboxes over IMAP ([`imap`]), the reading
//! of received mail ([`inbound`]: MIME, charsets, threading headers, automatic mail) and the
//! building of conversation mail ([`outgoing`]); received HTML made safe to show ([`sanitize`]).

pub mod imap;
pub mod inbound;
pub mod outgoing;
pub mod sanitize;
mod smtp;

pub use smtp::{MailError, SmtpConfig, SmtpSender, TlsMode};
