//! What every handler shares: the application ([`Service`], which `AppState` dereferences to,
//! so `state.db` and a call taking `&Service` both work) and what only the edge needs.

use std::sync::{Arc, Mutex};

use kefu_service::Service;
use kefu_store::Db;

pub use kefu_service::{Config as WebConfig, Metrics};

pub struct Inner {
    /// The application: database, settings, hub, search, limits, the workers' wake-ups.
    pub service: Service,
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

impl std::ops::Deref for Inner {
    type Target = Service;
    fn deref(&self) -> &Service {
        &self.service
    }
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
            service: Service::new(db, config, setup_code),
            committer: Default::default(),
            sla: Mutex::new(None),
            guard: Mutex::new(None),
        }))
    }
}
