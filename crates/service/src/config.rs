//! What an instance is told at start.

use std::net::IpAddr;

/// The settings of one instance (the binary maps its configuration onto this).
#[derive(Debug, Clone)]
pub struct Config {
    /// Where people reach Kefu, for links in mails (`https://help.example.com`).
    pub public_url: String,
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// A session ends after this long without use.
    pub session_idle_hours: i64,
    /// Proxies whose `X-Forwarded-For` is believed; everyone else's is ignored.
    pub trusted_proxies: Vec<IpAddr>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Whether an SMTP server is configured (otherwise mail waits in the outbox for admins).
    pub smtp_configured: bool,
    /// Where uploaded files are kept.
    pub uploads_dir: std::path::PathBuf,
    /// Largest file a conversation accepts, in bytes.
    pub max_upload_bytes: usize,
    /// How long an agent's reply waits for the customer to read it in the chat before it is
    /// mailed to them.
    pub reply_mail_delay_ms: i64,
    /// Where this instance keeps its search index; `None` keeps it in memory (tests).
    pub index_dir: Option<std::path::PathBuf>,
    /// Seals stored secrets (mail server passwords) and signs mail reply tokens.
    pub secret_key: kefu_core::secretbox::SecretKey,
    /// Largest received mail turned into a message, in bytes.
    pub max_mail_bytes: usize,
    /// Messages one customer or visitor may send a minute (staff: five times as many).
    pub messages_per_minute: u32,
    /// Mails from one address an inbox turns into messages an hour; the rest are recorded
    /// for admins, not stored as messages.
    pub mails_per_sender_per_hour: u32,
    /// New widget visitors one IP address may make in ten minutes (offices and mobile carriers
    /// put many customers behind one address).
    pub visitors_per_ip: u32,
    /// New widget conversations one visitor may open in ten minutes, and all visitors of one
    /// IP address together.
    pub conversations_per_visitor: u32,
    pub conversations_per_ip: u32,
    /// Shop-signed identities checked per IP address a minute (the widget's and the shop
    /// server's `/api/v1/identity/verify`).
    pub identity_checks_per_minute: u32,
    /// Serve the demo storefront at `/demo` (`kefu serve --demo`).
    pub demo: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: false,
            session_idle_hours: 24 * 7,
            trusted_proxies: vec![],
            max_body_bytes: 1024 * 1024,
            smtp_configured: false,
            uploads_dir: std::path::PathBuf::from("kefu-data/uploads"),
            max_upload_bytes: 10 * 1024 * 1024,
            reply_mail_delay_ms: 2 * 60_000,
            index_dir: None,
            secret_key: kefu_core::secretbox::SecretKey::derive("kefu-default-test-key"),
            max_mail_bytes: 25 * 1024 * 1024,
            messages_per_minute: 60,
            mails_per_sender_per_hour: 30,
            visitors_per_ip: 600,
            conversations_per_visitor: 10,
            conversations_per_ip: 1000,
            identity_checks_per_minute: 600,
            demo: false,
        }
    }
}
