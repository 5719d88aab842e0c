//! What every handler shares.

use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, AtomicU64};
use std::sync::{Arc, Mutex};

use kefu_store::Db;
use tokio::sync::Notify;

use crate::i18n::I18n;
use crate::limiter::Limiter;

/// The web edge's settings (the binary maps its configuration onto this).
#[derive(Debug, Clone)]
pub struct WebConfig {
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
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
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
        }
    }
}

#[derive(Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub responses_2xx: AtomicU64,
    pub responses_3xx: AtomicU64,
    pub responses_4xx: AtomicU64,
    pub responses_5xx: AtomicU64,
    pub in_flight: AtomicI64,
    pub mails_sent: AtomicU64,
    pub mail_failures: AtomicU64,
    pub mails_received: AtomicU64,
    /// Last time the outbox worker finished a pass (ms); 0 when no worker runs.
    pub outbox_heartbeat: AtomicI64,
    /// Whether the cross-instance event listener is connected (PostgreSQL).
    pub events_ok: std::sync::atomic::AtomicBool,
}

pub struct Inner {
    pub db: Db,
    pub config: WebConfig,
    pub i18n: I18n,
    pub limiter: Limiter,
    pub metrics: Metrics,
    /// The one-time code that guards creating the first admin; `None` once used.
    pub setup_code: Mutex<Option<String>>,
    /// Wakes the outbox worker when mail is queued.
    pub outbox_wake: Notify,
    /// Wakes the mail receivers' supervisor (inbox mail settings changed).
    pub mail_wake: Notify,
    /// Wakes the routing chores (an agent came online, a chat ended, someone is waiting).
    pub routing_wake: Notify,
    /// Visitors whose socket said hello and whose activity the chores record in one
    /// transaction (a reconnect storm of thousands then costs one write, not thousands).
    pub seen_visitors: std::sync::Mutex<std::collections::HashSet<String>>,
    pub started_at: std::time::Instant,
    /// Local fan-out of real-time events.
    pub hub: crate::realtime::hub::Hub,
    /// The key that signs socket tokens, shared by instances through the database.
    pub realtime_key: tokio::sync::OnceCell<String>,
    /// This process's id among the instances sharing a database.
    pub instance: String,
    /// The search index and its indexer's wake-up.
    pub search: crate::search::Search,
    /// Group commit of messages (see `realtime::commit`).
    pub committer: crate::realtime::commit::Committer,
    /// The SLA configuration, read again after a few seconds (another instance may change it).
    #[allow(clippy::type_complexity)]
    pub sla: Mutex<Option<(std::time::Instant, std::sync::Arc<crate::sla::Compiled>)>>,
    /// The forbidden-phrase guard over the shop's rules, read again after a few seconds.
    #[allow(clippy::type_complexity)]
    pub guard: Mutex<
        Option<(
            std::time::Instant,
            std::sync::Arc<kefu_core::quality::Guard>,
        )>,
    >,
}

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(db: Db, config: WebConfig, setup_code: Option<String>) -> AppState {
        AppState(Arc::new(Inner {
            db,
            config,
            i18n: I18n::new(),
            limiter: Limiter::default(),
            metrics: Metrics::default(),
            setup_code: Mutex::new(setup_code),
            outbox_wake: Notify::new(),
            routing_wake: Notify::new(),
            seen_visitors: Default::default(),
            mail_wake: Notify::new(),
            started_at: std::time::Instant::now(),
            hub: Default::default(),
            realtime_key: tokio::sync::OnceCell::new(),
            instance: kefu_core::id::new_id(),
            search: Default::default(),
            committer: Default::default(),
            sla: Mutex::new(None),
            guard: Mutex::new(None),
        }))
    }

    /// An absolute link for mails.
    pub fn link(&self, path_and_query: &str) -> String {
        format!(
            "{}{}",
            self.config.public_url.trim_end_matches('/'),
            path_and_query
        )
    }
}
