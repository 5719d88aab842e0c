//! Events across instances, through PostgreSQL. Each stored message is announced with
//! `pg_notify` inside the transaction that writes it, so nothing is announced that did not
//! commit; the rows stay the source of truth and the announcement only says where to look.
//! Each instance listens and hands what other instances wrote to its local hub. A listener that
//! loses its connection reconnects and tells every local connection to resync from the
//! database, so a gap in notifications never becomes a gap in a conversation.

use std::sync::atomic::Ordering;
use std::time::Duration;

use kefu_store::{Db, Tx, conversations::Conversation, messages};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use tokio::sync::watch;

use super::frames_for;
use crate::Service;
use crate::chat::hub::{Event, Outbound};

/// What goes over the wire between instances (kept far below PostgreSQL's 8000-byte limit).
#[derive(Debug, Serialize, Deserialize)]
struct Note {
    /// The announcing instance.
    i: String,
    /// Conversation, inbox, contact.
    c: String,
    b: String,
    k: Option<String>,
    /// The stored message's sequence number (0 for frames that are not stored).
    s: i64,
    /// A private note (staff only).
    #[serde(default)]
    n: bool,
    /// The frame itself, for typing and read receipts (small and not stored).
    #[serde(default)]
    f: Option<String>,
    /// For staff frames outside a conversation (`c` empty): one staff member, or all staff.
    #[serde(default)]
    u: Option<String>,
}

/// Announces a stored message to the other instances when `tx` commits.
pub async fn announce_in(
    state: &Service,
    tx: &mut Tx,
    conv: &Conversation,
    seq: i64,
    internal: bool,
) -> kefu_store::Result<()> {
    if state.db.pg_pool().is_none() {
        return Ok(());
    }
    let note = Note {
        i: state.instance.clone(),
        c: conv.id.clone(),
        b: conv.inbox_id.clone(),
        k: conv.customer_id.clone(),
        s: seq,
        n: internal,
        f: None,
        u: None,
    };
    tx.notify(&state.db, &serde_json::to_string(&note).unwrap_or_default())
        .await
}

/// Announces a frame that is not stored (typing, reads) to the other instances, now.
pub async fn announce_now(state: &Service, conv: &Conversation, json: &str, staff_only: bool) {
    notify_now(
        state,
        Note {
            i: state.instance.clone(),
            c: conv.id.clone(),
            b: conv.inbox_id.clone(),
            k: conv.customer_id.clone(),
            s: 0,
            n: staff_only,
            f: Some(json.to_string()),
            u: None,
        },
    )
    .await;
}

/// Announces a staff frame (presence, a mention) to the other instances, now.
pub async fn announce_staff(state: &Service, user: Option<&str>, json: &str) {
    notify_now(
        state,
        Note {
            i: state.instance.clone(),
            c: String::new(),
            b: String::new(),
            k: None,
            s: 0,
            n: true,
            f: Some(json.to_string()),
            u: user.map(str::to_string),
        },
    )
    .await;
}

/// Sends a note outside any transaction; best effort (a frame too large is not announced:
/// these are small and not stored, and PostgreSQL refuses payloads over 8000 bytes).
async fn notify_now(state: &Service, note: Note) {
    if state.db.pg_pool().is_none() || note.f.as_ref().is_some_and(|f| f.len() > 4000) {
        return;
    }
    if let Err(e) = state
        .db
        .notify(&serde_json::to_string(&note).unwrap_or_default())
        .await
    {
        tracing::debug!(error = %e, "could not announce an event to other instances");
    }
}

async fn deliver(state: &Service, note: Note) {
    if note.i == state.instance {
        return; // Published locally already.
    }
    if note.c.is_empty() {
        if let Some(f) = &note.f {
            state.hub.publish_staff(note.u.as_deref(), f);
        }
        return;
    }
    let (json, internal) = match note.f {
        Some(f) => (f, note.n),
        None => {
            let Ok(found) = messages::range(&state.db, &note.c, note.s, note.s).await else {
                return;
            };
            let Ok(frames) = frames_for(state, &found).await else {
                return;
            };
            let Some(frame) = frames.first() else { return };
            (frame.to_json(), note.n)
        }
    };
    state.hub.publish(&Event {
        inbox_id: note.b.into(),
        customer_id: note.k.map(Into::into),
        origin: None,
        frame: Outbound {
            conversation: note.c.into(),
            seq: note.s,
            internal,
            json: json.into(),
        },
    });
}

async fn listen(db: &Db) -> Result<PgListener, sqlx::Error> {
    let pool = db.pg_pool().ok_or(sqlx::Error::PoolClosed)?;
    let mut l = PgListener::connect_with(&pool).await?;
    l.listen(db.events_channel()).await?;
    Ok(l)
}

/// Runs the listener until shutdown (PostgreSQL only; returns at once on SQLite).
pub async fn run(state: Service, mut shutdown: watch::Receiver<bool>) {
    if state.db.pg_pool().is_none() {
        return;
    }
    let mut first = true;
    loop {
        let mut listener = match listen(&state.db).await {
            Ok(l) => l,
            Err(e) => {
                state.metrics.events_ok.store(false, Ordering::Relaxed);
                tracing::warn!(error = %e, "event listener cannot connect; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(500)) => continue,
                    _ = shutdown.changed() => return,
                }
            }
        };
        state.metrics.events_ok.store(true, Ordering::Relaxed);
        if !first {
            // Whatever was announced while we were deaf is read back from the rows.
            tracing::info!("event listener reconnected; resyncing connections");
            state.hub.resync();
        }
        first = false;
        loop {
            tokio::select! {
                n = listener.try_recv() => match n {
                    Ok(Some(n)) => {
                        if let Ok(note) = serde_json::from_str::<Note>(n.payload()) {
                            deliver(&state, note).await;
                        }
                    }
                    Ok(None) | Err(_) => {
                        state.metrics.events_ok.store(false, Ordering::Relaxed);
                        tracing::warn!("event listener lost its connection");
                        break;
                    }
                },
                _ = shutdown.changed() => return,
            }
        }
    }
}
