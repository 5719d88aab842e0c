//! Group commit: messages from many senders share one transaction. Senders hand their message
//! to this instance's committer and wait; the committer takes everything that queued while the
//! previous transaction committed, stores it all in one transaction, commits once, then
//! announces each message and answers each sender. A message is acknowledged only after the
//! transaction holding it committed, so nothing acknowledged is lost; one durable commit (one
//! fsync on SQLite) now serves many messages. If anything in a shared transaction fails, it is
//! rolled back and each of its messages is stored alone, so one bad message never costs the
//! others theirs. SQLite only: its single writer makes every transaction wait its turn anyway.

use std::sync::{Arc, Weak};

use kefu_store::conversations::Conversation;
use kefu_store::messages::Message;
use tokio::sync::{mpsc, oneshot};

use super::{Actor, finish, stage, store_alone};
use crate::error::{AppError, AppResult};
use crate::state::{AppState, Inner};

/// The most messages one transaction takes.
const MAX_BATCH: usize = 256;

/// A message to store, as its sender gave it.
#[derive(Clone)]
pub struct Job {
    pub actor: Actor,
    pub conv: Conversation,
    pub client_id: Option<String>,
    pub kind: String,
    pub body: String,
    pub meta: String,
    pub mail: Option<crate::mail::MailOptions>,
}

type Reply = oneshot::Sender<AppResult<(Message, bool)>>;

/// The sending side of this instance's committer (started with the first message).
#[derive(Default)]
pub struct Committer {
    tx: std::sync::OnceLock<mpsc::UnboundedSender<(Job, Reply)>>,
}

/// Stores `job` in the next shared transaction; returns once it committed.
pub async fn submit(state: &AppState, job: Job) -> AppResult<(Message, bool)> {
    // PostgreSQL commits many transactions side by side from its pool; funnelling them into
    // one committer measured slower there (docs/benchmarks.md), so it keeps its own.
    if state.db.backend() == kefu_store::Backend::Postgres {
        return store_alone(state, &job).await;
    }
    let sender = state.committer.tx.get_or_init(|| {
        let (tx, rx) = mpsc::unbounded_channel();
        // The task holds the state weakly: when the server is dropped, the channel closes
        // and the task ends.
        tokio::spawn(run(Arc::downgrade(&state.0), rx));
        tx
    });
    let (reply, answer) = oneshot::channel();
    if sender.send((job.clone(), reply)).is_err() {
        return store_alone(state, &job).await;
    }
    match answer.await {
        Ok(r) => r,
        // The committer is gone (shutting down): store it here.
        Err(_) => store_alone(state, &job).await,
    }
}

async fn run(state: Weak<Inner>, mut rx: mpsc::UnboundedReceiver<(Job, Reply)>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let Some(inner) = state.upgrade() else {
            return;
        };
        let state = AppState(inner);
        let (jobs, replies): (Vec<Job>, Vec<Reply>) = batch.into_iter().unzip();
        for (reply, r) in replies.into_iter().zip(store_batch(&state, &jobs).await) {
            let _ = reply.send(r);
        }
    }
}

/// Stores `jobs` in one transaction (one alone when there is one), announces them, and gives
/// each its result; when the shared transaction fails, each is stored alone instead.
pub async fn store_batch(state: &AppState, jobs: &[Job]) -> Vec<AppResult<(Message, bool)>> {
    if jobs.len() == 1 {
        return vec![store_alone(state, &jobs[0]).await];
    }
    match together(state, jobs).await {
        Ok(staged) => {
            let mut out = Vec::with_capacity(jobs.len());
            for (job, s) in jobs.iter().zip(staged) {
                finish(state, job, &s).await;
                out.push(Ok((s.msg, s.fresh)));
            }
            out
        }
        Err(e) => {
            tracing::debug!(error = %e, n = jobs.len(), "a shared transaction failed; storing its messages one by one");
            let mut out = Vec::with_capacity(jobs.len());
            for job in jobs {
                out.push(store_alone(state, job).await);
            }
            out
        }
    }
}

/// Stores every message of `batch` in one transaction and commits it.
async fn together(state: &AppState, jobs: &[Job]) -> AppResult<Vec<super::Staged>> {
    let mut tx = state.db.begin().await?;
    let mut staged = Vec::with_capacity(jobs.len());
    for job in jobs {
        staged.push(stage(state, &mut tx, job).await?);
    }
    tx.commit().await.map_err(AppError::from)?;
    Ok(staged)
}
