//! Whether this instance gets its work done: the database answers, the outbox worker finished
//! a pass recently, and (on PostgreSQL) the listener that carries events between instances is
//! up. What `/healthz` and `/metrics` report.

use std::sync::atomic::Ordering;
use std::time::Duration;

use kefu_core::time::now_ms;
use kefu_store::Backend;

use crate::Service;

/// A check of the database never holds the answer longer than this.
pub const DB_TIMEOUT: Duration = Duration::from_secs(2);

pub struct Health {
    pub database_ok: bool,
    /// `ok`, `stalled` or `not_running`.
    pub worker: &'static str,
    /// Mails waiting in the outbox; -1 when the database did not say.
    pub pending: i64,
    /// `local` (SQLite: one instance), `ok` or `reconnecting`.
    pub events: &'static str,
    pub backend: &'static str,
}

impl Health {
    pub fn healthy(&self) -> bool {
        self.database_ok && self.worker != "stalled" && self.events != "reconnecting"
    }
}

/// Mails waiting in the outbox; -1 when the database does not answer in time.
pub async fn pending_mail(state: &Service) -> i64 {
    tokio::time::timeout(DB_TIMEOUT, kefu_store::outbox::count_pending(&state.db))
        .await
        .map_or(-1, |r| r.unwrap_or(-1))
}

pub async fn check(state: &Service) -> Health {
    let database_ok = tokio::time::timeout(DB_TIMEOUT, state.db.ping())
        .await
        .is_ok_and(|r| r.is_ok());
    let beat = state.metrics.outbox_heartbeat.load(Ordering::Relaxed);
    let worker = if beat == 0 {
        "not_running"
    } else if now_ms() - beat > 3 * crate::mail::delivery::POLL_INTERVAL_MS {
        "stalled"
    } else {
        "ok"
    };
    let pending = if database_ok {
        pending_mail(state).await
    } else {
        -1
    };
    let events = match state.db.backend() {
        Backend::Sqlite => "local",
        Backend::Postgres if state.metrics.events_ok.load(Ordering::Relaxed) => "ok",
        Backend::Postgres => "reconnecting",
    };
    Health {
        database_ok,
        worker,
        pending,
        events,
        backend: state.db.backend().as_str(),
    }
}
