//! The IMAP receivers: one per inbox with IMAP settings, reading everything new, then waiting with IDLE (polling where the server has none), reconnecting with back-off.

use crate::mail::MailFailure;
use std::collections::HashMap;
use std::time::Duration;

use kefu_mail::imap::{self, ImapConfig};
use kefu_store::mail::{self as store_mail};
use kefu_store::teams;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::*;
use crate::Result;
use crate::Service;

/// Reads one inbox: everything new, then waits for more; reconnects with back-off on errors.
pub(super) async fn receive(state: Service, inbox_id: String, cfg: ImapConfig, poll: Duration) {
    let mut backoff = Duration::from_secs(2);
    loop {
        match receive_once(&state, &inbox_id, &cfg, poll).await {
            Ok(()) => backoff = Duration::from_secs(2),
            Err(e) => {
                tracing::warn!(inbox = %inbox_id, error = %e, "reading the mailbox failed");
                let _ = store_mail::set_error(&state.db, &inbox_id, &e.to_string()).await;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(300));
            }
        }
    }
}

/// One connection's life: catch up, then wait and catch up again until the connection fails.
pub(super) async fn receive_once(
    state: &Service,
    inbox_id: &str,
    cfg: &ImapConfig,
    poll: Duration,
) -> std::result::Result<(), MailFailure> {
    let mut mb = imap::open(cfg).await?;
    let _ = store_mail::set_error(&state.db, inbox_id, "").await;
    loop {
        let pos = store_mail::state(&state.db, inbox_id).await?;
        let mut last = if pos.uid_validity == i64::from(mb.uid_validity) {
            pos.last_uid.clamp(0, i64::from(u32::MAX)) as u32
        } else {
            0
        };
        loop {
            let uids = mb.uids_after(last, 20).await?;
            if uids.is_empty() {
                break;
            }
            let mails = mb.fetch(&uids).await?;
            for (uid, raw) in mails {
                match ingest(state, inbox_id, &raw, Some((mb.uid_validity, uid))).await {
                    Ok(_) => {
                        state.metrics.mails_received.increment(1);
                    }
                    Err(e) => return Err(MailFailure::Ingest(e)),
                }
            }
            if uids.len() < 20 {
                break;
            }
            last = uids.last().copied().unwrap_or(last);
        }
        mb = mb.wait(poll).await?;
    }
}

/// Runs the receivers of every e-mail inbox with IMAP settings, restarting one when its
/// settings change, until `shutdown` turns true.
pub async fn run(state: Service, mut shutdown: watch::Receiver<bool>) {
    let mut running: HashMap<String, (StoredSettings, JoinHandle<()>)> = HashMap::new();
    loop {
        match wanted(&state).await {
            Ok(wanted) => {
                running.retain(|id, (s, handle)| {
                    let keep = wanted.iter().any(|(w, ws)| w == id && ws == s);
                    if !keep {
                        handle.abort();
                    }
                    keep
                });
                for (id, s) in wanted {
                    if running.contains_key(&id) {
                        continue;
                    }
                    let Some(server) = &s.imap else { continue };
                    match imap_config(&state, server) {
                        Ok(cfg) => {
                            let poll = Duration::from_secs(if s.poll_seconds == 0 {
                                300
                            } else {
                                s.poll_seconds
                            });
                            let handle =
                                tokio::spawn(receive(state.clone(), id.clone(), cfg, poll));
                            running.insert(id, (s, handle));
                        }
                        Err(e) => {
                            let _ = store_mail::set_error(&state.db, &id, &e.to_string()).await;
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "listing mail inboxes failed"),
        }
        tokio::select! {
            _ = state.mail_wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(30)) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            for (_, (_, h)) in running {
                h.abort();
            }
            return;
        }
    }
}

pub(super) async fn wanted(state: &Service) -> Result<Vec<(String, StoredSettings)>> {
    let mut out = vec![];
    for inbox in teams::list_inboxes(&state.db).await? {
        if inbox.channel != CHANNEL {
            continue;
        }
        let s = load(state, &inbox.id).await?;
        if s.imap.is_some() {
            out.push((inbox.id, s));
        }
    }
    Ok(out)
}
