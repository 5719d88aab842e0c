//! What every handler shares: the application ([`Service`], which `AppState` dereferences to,
//! so `state.db` and a call taking `&Service` both work) and what only the edge needs.

use std::sync::Arc;

use kefu_service::Service;
use kefu_store::Db;

pub use kefu_service::{Config as WebConfig, Metrics};

pub struct Inner {
    /// The application: database, settings, hub, search, limits, the workers' wake-ups.
    pub service: Service,
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
        }))
    }
}
