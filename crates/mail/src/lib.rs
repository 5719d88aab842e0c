//! Mail delivery over SMTP (lettre, rustls). Receiving mail and the MIME-to-conversation
//! mapping join this crate with the e-mail channel.

mod smtp;

pub use smtp::{SmtpConfig, SmtpSender, TlsMode};
