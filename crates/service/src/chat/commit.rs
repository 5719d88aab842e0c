//! Group commit: messages from many senders share one transaction. Senders hand their message
//! to this instance's committer and wait; the committer takes everything that queued while the
//! previous transaction committed, stores it all in one transaction, commits once, then
//! announces each message and answers each sender. A message is acknowledged only after the
//! transaction holding it committed, so nothing acknowledged is lost; one durable commit (one
//! fsync on SQLite) now serves many messages. If anything in a shared transaction fails, it is
//! rolled back and each of its messages is stored alone, so one bad message never costs the
//! others theirs. On SQLite its single writer makes every transaction wait its turn anyway; on
//! PostgreSQL one batch in three statements measured 36 % faster than each message in its own
//! transaction from the pool (docs/benchmarks.md, third pass). Several instances' committers may
//! lock the same conversations in another order: PostgreSQL then aborts one batch as a deadlock,
//! and its messages are stored one by one.

use kefu_core::kinds::MessageKind;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use kefu_store::conversations::Conversation;
use kefu_store::messages::{self, Message, NewMessage};
use tokio::sync::{mpsc, oneshot};

use super::{Actor, finish, stage_stored, store_alone, store_alone_then};
use crate::Service;
use crate::{Error, Result};

/// The most messages one transaction takes.
const MAX_BATCH: usize = 256;
/// Load shedding: the most messages that may wait for the committer. Beyond it a
/// message is refused at once (`busy`, nothing stored) instead of queueing: at about 5,000
/// messages a second this keeps an admitted message's wait near 20 ms however much is offered
/// (docs/benchmarks.md, L2), and memory bounded.
pub const MAX_QUEUED: usize = 96;

/// A message to store, as its sender gave it.
#[derive(Clone)]
pub struct Job {
    pub actor: Actor,
    pub conv: Conversation,
    pub client_id: Option<String>,
    pub kind: MessageKind,
    pub body: String,
    pub meta: String,
    pub mail: Option<crate::mail::MailOptions>,
}

type Reply = oneshot::Sender<Result<(Message, bool)>>;
/// A queued message: what to store, where to answer, and its place in the queue (let go when
/// the committer takes it).
type Queued = (Job, Reply, Slot);

/// The sending side of this instance's committer (started with the first message).
#[derive(Default)]
pub struct Committer {
    tx: std::sync::OnceLock<mpsc::UnboundedSender<Queued>>,
    /// Messages handed over and not yet taken into a transaction.
    queued: Arc<AtomicUsize>,
    /// Messages refused by load shedding since the start.
    pub shed: AtomicUsize,
}

/// Counts a message in while it is queued or stored; refuses it when too many are.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(counter: &Arc<AtomicUsize>, limit: usize) -> Option<Slot> {
        counter
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(counter.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn shed(state: &Service) -> Error {
    state.committer.shed.fetch_add(1, Ordering::Relaxed);
    Error::Busy
}

/// Stores `job` in the next shared transaction; returns once it committed.
pub async fn submit(state: &Service, job: Job) -> Result<(Message, bool)> {
    let place = admit(state)?;
    enqueue(state, job, place).await?.await
}

/// A message's place among those waiting to be stored, taken before anything else is done
/// for it: an overloaded server refuses a message for the cost of a counter, before reading
/// its conversation (at twice the rate it can store, checking first and refusing after left
/// the server behind on reading what it was sent, docs/benchmarks.md, L2).
pub struct Place(Slot);

/// Takes a place for one message, or refuses it at once with [`Error::Busy`] when too
/// many are waiting on this instance.
pub fn admit(state: &Service) -> Result<Place> {
    Slot::take(&state.committer.queued, MAX_QUEUED)
        .map(Place)
        .ok_or_else(|| shed(state))
}

/// Queues `job` for the next shared transaction (messages are stored in the order they were
/// queued) and returns the future that waits for its commit.
pub async fn enqueue(state: &Service, job: Job, place: Place) -> Result<super::Sending> {
    let Place(slot) = place;
    let sender = state.committer.tx.get_or_init(|| {
        let (tx, rx) = mpsc::unbounded_channel();
        // The task holds the state weakly: when the server is dropped, the channel closes
        // and the task ends.
        tokio::spawn(run(Arc::downgrade(&state.0), rx));
        tx
    });
    let (reply, answer) = oneshot::channel();
    let state = state.clone();
    if let Err(mpsc::error::SendError((job, _, _))) = sender.send((job, reply, slot)) {
        return Ok(Box::pin(async move { store_alone(&state, &job).await }));
    }
    Ok(Box::pin(async move {
        match answer.await {
            Ok(r) => r,
            // The committer is gone (shutting down): nothing was stored.
            Err(_) => Err(Error::Unavailable("the server is shutting down".into())),
        }
    }))
}

async fn run(state: Weak<crate::Shared>, mut rx: mpsc::UnboundedReceiver<Queued>) {
    while let Some((job, reply, slot)) = rx.recv().await {
        drop(slot);
        let (mut jobs, mut replies) = (vec![job], vec![reply]);
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                // Taken: its place in the queue is free again.
                Ok((j, r, _slot)) => {
                    jobs.push(j);
                    replies.push(r);
                }
                Err(_) => break,
            }
        }
        let Some(inner) = state.upgrade() else {
            return;
        };
        let state = Service(inner);
        store_and_answer(&state, &jobs, replies).await;
    }
}

/// Stores `jobs` in one transaction (one alone when there is one) and answers each sender.
/// A sender is answered as soon as its message committed and before the message is
/// announced, so its acknowledgement goes out ahead of its own echo; when the shared
/// transaction fails, each is stored alone instead.
async fn store_and_answer(state: &Service, jobs: &[Job], replies: Vec<Reply>) {
    let alone = async |job: &Job, reply: Reply| {
        let mut reply = Some(reply);
        let r = store_alone_then(state, job, |m| {
            if let Some(rp) = reply.take() {
                let _ = rp.send(Ok((m.clone(), true)));
            }
        })
        .await;
        if let Some(rp) = reply {
            let _ = rp.send(r);
        }
    };
    if jobs.len() == 1 {
        for (job, reply) in jobs.iter().zip(replies) {
            alone(job, reply).await;
        }
        return;
    }
    match together(state, jobs).await {
        Ok(staged) => {
            for ((job, s), reply) in jobs.iter().zip(staged).zip(replies) {
                let _ = reply.send(Ok((s.msg.clone(), s.fresh)));
                finish(state, job, &s).await;
            }
        }
        Err(e) => {
            tracing::debug!(error = %e, n = jobs.len(), "a shared transaction failed; storing its messages one by one");
            for (job, reply) in jobs.iter().zip(replies) {
                alone(job, reply).await;
            }
        }
    }
}

/// Stores `jobs` as the committer does and returns each one's result.
pub async fn store_batch(state: &Service, jobs: &[Job]) -> Vec<Result<(Message, bool)>> {
    let (replies, answers): (Vec<Reply>, Vec<_>) = jobs.iter().map(|_| oneshot::channel()).unzip();
    store_and_answer(state, jobs, replies).await;
    let mut out = Vec::with_capacity(jobs.len());
    for a in answers {
        out.push(
            a.await
                .unwrap_or_else(|_| Err(Error::Internal("no answer".into()))),
        );
    }
    out
}

impl Job {
    /// The row to append, written by `author` (the job's actor).
    pub fn new_message<'a>(&'a self, author: &'a kefu_core::protocol::Author) -> NewMessage<'a> {
        NewMessage {
            conversation_id: &self.conv.id,
            kind: self.kind,
            author_kind: &author.kind,
            author_id: author.id.as_deref(),
            client_id: self.client_id.as_deref(),
            body: &self.body,
            meta: &self.meta,
        }
    }
}

/// Stores every message of `batch` in one transaction and commits it: the messages
/// themselves in a few statements together, then what each brings with it.
async fn together(state: &Service, jobs: &[Job]) -> Result<Vec<super::Staged>> {
    let started = std::time::Instant::now();
    let mut tx = state.db.begin().await?;
    let authors: Vec<_> = jobs.iter().map(|j| j.actor.author()).collect();
    let rows: Vec<_> = jobs
        .iter()
        .zip(&authors)
        .map(|(j, a)| j.new_message(a))
        .collect();
    let stored = messages::append_many(&mut tx, &rows).await?;
    let mut staged = Vec::with_capacity(jobs.len());
    for (job, (msg, fresh)) in jobs.iter().zip(stored) {
        staged.push(stage_stored(state, &mut tx, job, msg, fresh).await?);
    }
    tx.commit().await.map_err(Error::from)?;
    kefu_store::slow("a shared chat transaction", started);
    Ok(staged)
}
