//! Mail: delivery over SMTP (lettre, rustls) and the reading of received mail
//! ([`inbound`]: MIME, charsets, threading headers, automatic mail). The IMAP receiver joins
//! this crate with the rest of the e-mail channel.

pub mod inbound;
mod smtp;

pub use smtp::{SmtpConfig, SmtpSender, TlsMode};
