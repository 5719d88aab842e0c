use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    StartTls,
    /// No encryption: only for a relay on the same machine.
    None,
}

impl TlsMode {
    pub fn parse(s: &str) -> Option<TlsMode> {
        match s {
            "tls" => Some(TlsMode::Tls),
            "starttls" => Some(TlsMode::StartTls),
            "none" => Some(TlsMode::None),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    /// `Shop Support <support@shop.example>`.
    pub from: String,
    pub tls: TlsMode,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field(
                "password",
                &if self.password.is_empty() { "" } else { "***" },
            )
            .field("from", &self.from)
            .field("tls", &self.tls)
            .finish()
    }
}

/// Why a mail could not be built or sent. The text is what the outbox records and the admin
/// reads next to the failed mail.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("smtp.from is not a valid address: {0}")]
    From(String),
    #[error("smtp: {0}")]
    Transport(String),
    #[error("invalid address {address:?}: {reason}")]
    Address { address: String, reason: String },
    #[error("the mail has no recipient")]
    NoRecipient,
    #[error("the mail could not be built: {0}")]
    Build(String),
    #[error("the SMTP server did not accept the connection")]
    Refused,
}

impl From<lettre::transport::smtp::Error> for MailError {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        MailError::Transport(e.to_string())
    }
}

/// Sends mail through one SMTP server, reusing connections.
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpSender {
    pub fn new(cfg: &SmtpConfig) -> Result<SmtpSender, MailError> {
        let from: Mailbox = cfg
            .from
            .parse()
            .map_err(|e| MailError::From(format!("{e}")))?;
        let builder = match cfg.tls {
            TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host),
            TlsMode::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host),
            TlsMode::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                &cfg.host,
            )),
        }
        .map_err(|e| MailError::Transport(e.to_string()))?;
        let mut builder = builder
            .port(cfg.port)
            .timeout(Some(Duration::from_secs(20)));
        if !cfg.username.is_empty() {
            builder =
                builder.credentials(Credentials::new(cfg.username.clone(), cfg.password.clone()));
        }
        Ok(SmtpSender {
            transport: builder.build(),
            from,
        })
    }

    /// Sends a mail with a plain-text and an HTML part (`multipart/alternative`).
    /// `message_id` makes a retried delivery recognisable as the same mail to the receiving
    /// side.
    pub async fn send_letter(
        &self,
        to: &str,
        subject: &str,
        text: &str,
        html: &str,
        message_id: &str,
    ) -> Result<(), MailError> {
        self.transport
            .send(self.letter(to, subject, text, html, message_id)?)
            .await?;
        Ok(())
    }

    /// The mail [`Self::send_letter`] sends.
    pub fn letter(
        &self,
        to: &str,
        subject: &str,
        text: &str,
        html: &str,
        message_id: &str,
    ) -> Result<Message, MailError> {
        let to: Mailbox = to.parse().map_err(|e| MailError::Address {
            address: to.to_string(),
            reason: format!("{e}"),
        })?;
        let domain = self.from.email.domain().to_string();
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{message_id}@{domain}>")))
            .date_now()
            .multipart(MultiPart::alternative_plain_html(
                text.to_string(),
                html.to_string(),
            ))
            .map_err(|e| MailError::Build(e.to_string()))
    }
}

impl SmtpSender {
    /// Sends a built mail (see [`crate::outgoing::build`]) to everyone in its envelope.
    pub async fn send_message(&self, msg: Message) -> Result<(), MailError> {
        self.transport.send(msg).await?;
        Ok(())
    }

    /// Connects and, when the server asks for it, logs in (for the settings page's test).
    pub async fn test_connection(&self) -> Result<(), MailError> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(MailError::Refused),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tls_modes_parse_and_password_is_redacted() {
        assert_eq!(TlsMode::parse("starttls"), Some(TlsMode::StartTls));
        assert_eq!(TlsMode::parse("ssl"), None);
        let cfg = SmtpConfig {
            host: "mail.example.com".into(),
            port: 587,
            username: "u".into(),
            password: "hunter2".into(),
            from: "Shop <s@example.com>".into(),
            tls: TlsMode::StartTls,
        };
        assert!(!format!("{cfg:?}").contains("hunter2"));
        assert!(SmtpSender::new(&cfg).is_ok());
        let bad = SmtpConfig {
            from: "not an address".into(),
            ..cfg
        };
        assert!(SmtpSender::new(&bad).is_err());
    }

    #[tokio::test]
    async fn a_letter_has_a_text_and_an_html_part() {
        let sender = SmtpSender::new(&SmtpConfig {
            host: "127.0.0.1".into(),
            port: 25,
            username: String::new(),
            password: String::new(),
            from: "Shop <s@shop.example>".into(),
            tls: TlsMode::None,
        })
        .unwrap();
        let m = sender
            .letter(
                "ann@example.com",
                "邀请",
                "Open https://x.test/a",
                "<p><a href=\"https://x.test/a\">https://x.test/a</a></p>",
                "m1",
            )
            .unwrap();
        let raw = String::from_utf8(m.formatted()).unwrap();
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/plain; charset=utf-8"), "{raw}");
        assert!(raw.contains("text/html; charset=utf-8"), "{raw}");
        assert!(raw.contains("Message-ID: <m1@shop.example>"), "{raw}");
        assert!(sender.letter("not an address", "s", "t", "h", "m").is_err());
    }
}
