//! Kefu's application layer: every use case with its side effects, and the workers that run
//! beside the requests. It takes and returns domain types and its own [`Error`], whose
//! [`kefu_core::ErrorCode`] is the API's stable code; it knows nothing of HTTP (the web edge
//! turns a request into one call here, and an error code into a status).
//!
//! One folder per domain (`accounts`, `chat`, `mail`, `tickets`, `knowledge`, `quality`,
//! `files`), the one path every channel takes when a customer writes (`customer_wrote`), and
//! what they share: `limits`, `i18n`, `telemetry`, `search`, `health`; `workers::start` starts
//! everything that runs beside the requests (see `docs/architecture.md`).

pub mod accounts;
pub mod chat;
pub mod config;
pub mod customer_wrote;
pub mod error;
pub mod files;
pub mod health;
pub mod i18n;
pub mod knowledge;
pub mod limits;
pub mod mail;
pub mod quality;
pub mod search;
pub mod telemetry;
pub mod tickets;
pub mod workers;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use kefu_store::Db;
use tokio::sync::Notify;

pub use config::Config;
pub use error::{Error, Result};
pub use telemetry::Metrics;

/// What every use case shares: the database, the settings, this instance's hub and search
/// index, the limits and the wake-ups of the workers. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct Service(Arc<Shared>);

pub struct Shared {
    pub db: Db,
    pub config: Config,
    /// The product's words in Chinese and English.
    pub i18n: i18n::I18n,
    pub limiter: limits::Limiter,
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
    pub seen_visitors: Mutex<HashSet<String>>,
    pub started_at: std::time::Instant,
    /// Local fan-out of real-time events.
    pub hub: chat::hub::Hub,
    /// The key that signs socket tokens, shared by instances through the database.
    pub realtime_key: tokio::sync::OnceCell<String>,
    /// This process's id among the instances sharing a database.
    pub instance: String,
    /// The search index and its indexer's wake-up.
    pub search: search::Search,
    /// Group commit of messages (see `chat::commit`).
    pub committer: chat::commit::Committer,
    /// The SLA configuration, read again after a few seconds (another instance may change it).
    #[allow(clippy::type_complexity)]
    pub sla: Mutex<Option<(std::time::Instant, Arc<tickets::sla::Compiled>)>>,
    /// The forbidden-phrase guard over the shop's rules, read again after a few seconds.
    #[allow(clippy::type_complexity)]
    pub guard: Mutex<Option<(std::time::Instant, Arc<kefu_core::quality::Guard>)>>,
}

impl std::ops::Deref for Service {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl Service {
    pub fn new(db: Db, config: Config, setup_code: Option<String>) -> Service {
        Service(Arc::new(Shared {
            db,
            config,
            i18n: i18n::I18n::new(),
            limiter: Default::default(),
            metrics: Metrics::default(),
            setup_code: Mutex::new(setup_code),
            outbox_wake: Notify::new(),
            mail_wake: Notify::new(),
            routing_wake: Notify::new(),
            seen_visitors: Default::default(),
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

    /// The shop's language: mails to a customer who never chose one are in it (Chinese
    /// until an admin sets another).
    pub async fn shop_lang(&self) -> crate::i18n::Lang {
        shop_lang_via(&self.db).await
    }

    /// The shop's name as the admin set it, if set (and readable).
    pub async fn shop_name(&self) -> Option<String> {
        kefu_store::settings::get(&self.db, kefu_store::settings::SHOP_NAME)
            .await
            .ok()
            .flatten()
    }
}

/// The shop's language read through `x` (a transaction's own connection, inside one).
pub async fn shop_lang_via(x: impl kefu_store::Exec) -> i18n::Lang {
    kefu_store::settings::get(x, kefu_store::settings::SHOP_LANGUAGE)
        .await
        .ok()
        .flatten()
        .and_then(|l| i18n::Lang::parse(&l))
        .unwrap_or(i18n::Lang::ZhCn)
}
