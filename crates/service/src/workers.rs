//! The workers that run beside the requests, started by one function that `kefu serve` and
//! the tests both call: the cross-instance event bus, the search indexer, the desk's chores
//! (routing, SLA, visitors), the metrics' upkeep, and, when asked, mail (the IMAP receivers and the outbox).

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::Service;
use crate::mail::delivery::{NoTransport, Transport};

/// Which mail workers to run.
pub enum Mail<T: Transport = NoTransport> {
    /// None (tests that send no mail; their mail waits in the outbox).
    Off,
    /// The IMAP receivers and the outbox worker; `Some` is the server-wide SMTP server
    /// (without it only conversation mail, through each inbox's own server, goes out).
    On(Option<T>),
}

/// The running workers; [`Workers::join`] waits for them after shutdown.
pub struct Workers(Vec<JoinHandle<()>>);

/// Starts every worker of this instance; they stop when `shutdown` turns true.
pub fn start<T: Transport>(
    state: &Service,
    mail: Mail<T>,
    shutdown: watch::Receiver<bool>,
) -> Workers {
    let mut all = vec![
        tokio::spawn(crate::chat::bus::run(state.clone(), shutdown.clone())),
        tokio::spawn(crate::search::run(
            state.clone(),
            state.config.index_dir.clone(),
            shutdown.clone(),
        )),
        tokio::spawn(crate::chat::desk::run_chores(
            state.clone(),
            shutdown.clone(),
        )),
        tokio::spawn(metrics_upkeep(state.clone(), shutdown.clone())),
    ];
    if let Mail::On(transport) = mail {
        all.extend(start_mail(state, transport, shutdown).0);
    }
    Workers(all)
}

/// The mail workers alone: the IMAP receivers and the outbox worker (`transport` is the
/// server-wide SMTP server, if any).
pub fn start_mail<T: Transport>(
    state: &Service,
    transport: Option<T>,
    shutdown: watch::Receiver<bool>,
) -> Workers {
    Workers(vec![
        tokio::spawn(crate::mail::delivery::run(
            state.clone(),
            transport,
            shutdown.clone(),
        )),
        tokio::spawn(crate::mail::run(state.clone(), shutdown)),
    ])
}

/// Folds recorded latencies into their histogram every five seconds, so that an instance
/// nobody scrapes does not keep every sample.
async fn metrics_upkeep(state: Service, mut shutdown: watch::Receiver<bool>) {
    loop {
        state.metrics.upkeep();
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

impl Workers {
    /// Waits until every worker has stopped.
    pub async fn join(self) {
        for handle in self.0 {
            let _ = handle.await;
        }
    }
}
