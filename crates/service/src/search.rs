//! This instance's search index and the task that keeps it up to date.
//!
//! The index is derived data. At start the task opens it (rebuilding from the database when it
//! is missing, of another version or damaged), then follows the change log: every change after
//! the index's mark is applied and committed with the new mark. A local write wakes the task at
//! once; changes made by other instances are picked up by polling every half second.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kefu_search::{Doc, Kind, Opened, SearchIndex};
use kefu_store::Db;
use kefu_store::changes::{self, kind};
use kefu_store::knowledge::{self, Article};
use kefu_store::messages::{self, Searchable};
use tokio::sync::{Notify, OnceCell, watch};

use crate::Service;
use crate::error::{Error, Result};
use crate::knowledge::markdown;

const POLL: Duration = Duration::from_millis(500);
/// Changes older than this are forgotten; an instance away longer rebuilds its index.
const KEEP_CHANGES_MS: i64 = 7 * 24 * 3600 * 1000;
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
const BATCH: i64 = 1000;

#[derive(Default)]
pub struct Search {
    index: OnceCell<Arc<SearchIndex>>,
    ready: Notify,
    /// Wakes the indexer: something searchable changed here.
    pub wake: Notify,
    /// How the index was found at start, for the health page and logs.
    pub opened: std::sync::Mutex<Option<String>>,
}

impl Search {
    /// The index, once the indexer has opened it (waiting a few seconds at most at start).
    pub async fn index(&self) -> Result<Arc<SearchIndex>> {
        if let Some(i) = self.index.get() {
            return Ok(i.clone());
        }
        let wait = self.ready.notified();
        if let Some(i) = self.index.get() {
            return Ok(i.clone());
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), wait).await;
        self.index
            .get()
            .cloned()
            .ok_or_else(|| Error::Unavailable("the search index is starting".into()))
    }

    pub fn changed(&self) {
        self.wake.notify_one();
    }
}

/// The documents of one article: one per language it has.
pub fn article_docs(a: &Article) -> Vec<Doc> {
    let scope = if a.is_published() { "public" } else { "staff" };
    [
        ("zh", &a.title_zh, &a.body_zh),
        ("en", &a.title_en, &a.body_en),
    ]
    .into_iter()
    .filter(|(_, t, b)| !t.trim().is_empty() || !b.trim().is_empty())
    .map(|(lang, title, body)| Doc {
        key: format!("article:{}:{lang}", a.id),
        id: a.id.clone(),
        kind: Kind::Article,
        lang: lang.into(),
        scope: scope.into(),
        title: title.clone(),
        body: markdown::to_text(body),
        updated_at: a.updated_at,
    })
    .collect()
}

pub fn message_doc(m: &Searchable) -> Doc {
    Doc {
        key: format!("message:{}", m.id),
        id: m.conversation_id.clone(),
        kind: Kind::Conversation,
        lang: String::new(),
        scope: format!("inbox:{}", m.inbox_id),
        title: m.subject.clone(),
        body: m.body.clone(),
        updated_at: m.created_at,
    }
}

/// Why one step of the indexer failed (it is retried; the reason is logged).
#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    #[error(transparent)]
    Store(#[from] kefu_store::Error),
    #[error(transparent)]
    Index(#[from] kefu_search::Error),
    #[error("the indexing thread stopped")]
    Stopped,
}

type TaskResult<T> = Result<T, IndexerError>;

/// Runs the indexer until shutdown. `dir` is the index folder; `None` keeps it in memory.
pub async fn run(state: Service, dir: Option<PathBuf>, mut shutdown: watch::Receiver<bool>) {
    let opened = tokio::task::spawn_blocking(move || match &dir {
        Some(d) => SearchIndex::open(d),
        None => SearchIndex::in_memory().map(|i| (i, Opened::Created)),
    })
    .await;
    let (index, opened) = match opened {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "search is off: the index cannot be opened");
            return;
        }
        Err(e) => {
            tracing::error!(error = %e, "search is off");
            return;
        }
    };
    let index = Arc::new(index);
    let mut mark = match &opened {
        Opened::Existing { mark } => *mark,
        _ => -1,
    };
    *state
        .search
        .opened
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Some(format!("{opened:?}"));
    if let Opened::Replaced { reason } = &opened {
        tracing::warn!(%reason, "search index rebuilt");
    }
    let _ = state.search.index.set(index.clone());
    state.search.ready.notify_waiters();

    let mut last_prune = std::time::Instant::now();
    loop {
        if last_prune.elapsed() >= PRUNE_EVERY {
            last_prune = std::time::Instant::now();
            prune(&state.db).await;
        }
        let step = async {
            if mark < 0 || mark < changes::pruned_through(&state.db).await? {
                mark = rebuild(&state.db, &index).await?;
                return Ok::<bool, IndexerError>(false);
            }
            let (next, more, applied) = catch_up(&state.db, &index, mark).await?;
            let Some(next) = next else {
                tracing::warn!("search index too far behind the change log; rebuilding");
                mark = -1;
                return Ok(true);
            };
            if !applied && index.has_writer() {
                // Quiet again: give the writer's memory back until the next change.
                let i = index.clone();
                let (tx, rx) = tokio::sync::oneshot::channel();
                if background(Box::new(move || {
                    i.release_writer();
                    let _ = tx.send(());
                }))
                .is_ok()
                {
                    let _ = rx.await;
                }
            }
            mark = next;
            Ok(more)
        };
        let more = match step.await {
            Ok(more) => more,
            Err(e) => {
                tracing::warn!(error = %e, "search indexing failed; retrying");
                false
            }
        };
        if more {
            continue;
        }
        tokio::select! {
            _ = state.search.wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// Forgets old changes (any instance may do it; doing it twice is harmless).
async fn prune(db: &Db) {
    let run = async {
        let mut tx = db.begin().await?;
        let n = changes::prune(&mut tx, kefu_core::time::now_ms() - KEEP_CHANGES_MS).await?;
        tx.commit().await?;
        Ok::<u64, kefu_store::Error>(n)
    };
    match run.await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(n, "old search changes pruned"),
        Err(e) => tracing::warn!(error = %e, "pruning search changes failed"),
    }
}

/// Indexes everything from scratch; returns the change-log position it reflects.
pub async fn rebuild(db: &Db, index: &Arc<SearchIndex>) -> TaskResult<i64> {
    let started = std::time::Instant::now();
    // Changes after this point are applied again by catch-up; applying one twice is harmless.
    let mark = changes::latest(db).await?;
    blocking(index, |i| i.clear()).await?;
    let mut after = String::new();
    let mut articles = 0;
    loop {
        let page = knowledge::all_articles(db, &after, 500).await?;
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        articles += page.len();
        let docs: Vec<Doc> = page.iter().flat_map(article_docs).collect();
        blocking(index, move |i| i.upsert(&docs)).await?;
    }
    let mut after = String::new();
    let mut messages = 0;
    loop {
        let page = messages::searchable_after(db, &after, 2000).await?;
        let Some(last) = page.last() else { break };
        after = last.id.clone();
        messages += page.len();
        let docs: Vec<Doc> = page.iter().map(message_doc).collect();
        blocking(index, move |i| i.upsert(&docs)).await?;
    }
    blocking(index, move |i| i.commit(mark)).await?;
    tracing::info!(
        articles,
        messages,
        ms = started.elapsed().as_millis() as u64,
        "search index built"
    );
    Ok(mark)
}

/// Applies the changes after `mark`; returns the new mark (`None`: too far behind, rebuild),
/// whether more are waiting and whether anything was applied.
async fn catch_up(
    db: &Db,
    index: &Arc<SearchIndex>,
    mark: i64,
) -> TaskResult<(Option<i64>, bool, bool)> {
    let p = changes::pending(db, mark, BATCH).await?;
    if p.overflow {
        return Ok((None, false, false));
    }
    if p.changes.is_empty() {
        // Nothing new (on PostgreSQL the horizon may still move: it is kept in memory and
        // written with the next commit; a restart before then reads a few changes again).
        return Ok((Some(p.mark), false, false));
    }
    let next = p.mark;
    let more = p.more;
    // The latest change of each object is enough: documents are read as they are now.
    let mut objects: HashMap<(String, String), ()> = HashMap::new();
    for c in &p.changes {
        objects.insert((c.kind.clone(), c.object_id.clone()), ());
    }
    let mut deletes = Vec::new();
    let mut docs = Vec::new();
    for (k, id) in objects.into_keys() {
        match k.as_str() {
            kind::ARTICLE => {
                deletes.push(id.clone());
                if let Some(a) = knowledge::get_article(db, &id).await? {
                    docs.extend(article_docs(&a));
                }
            }
            kind::MESSAGE => {
                if let Some(m) = messages::searchable(db, &id).await? {
                    docs.push(message_doc(&m));
                }
            }
            kind::CONVERSATION => {
                deletes.push(id.clone());
                for m in messages::searchable_in(db, &id).await? {
                    docs.push(message_doc(&m));
                }
            }
            other => tracing::debug!(kind = other, "unknown change kind"),
        }
    }
    blocking(index, move |i| {
        for id in &deletes {
            i.delete_object(id)?;
        }
        i.upsert(&docs)?;
        let started = std::time::Instant::now();
        let r = i.commit(next);
        kefu_store::slow("a search index commit", started);
        r
    })
    .await?;
    Ok((Some(next), more, true))
}

async fn blocking<T: Send + 'static>(
    index: &Arc<SearchIndex>,
    f: impl FnOnce(&SearchIndex) -> kefu_search::Result<T> + Send + 'static,
) -> TaskResult<T> {
    let index = index.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    background(Box::new(move || {
        let _ = tx.send(f(&index));
    }))?;
    rx.await
        .map_err(|_| IndexerError::Stopped)?
        .map_err(IndexerError::from)
}

type Work = Box<dyn FnOnce() + Send>;

/// Runs index writes on one thread of lower priority (nice 10). Tantivy's indexing and merge
/// threads are started from it and inherit that priority, so tokenizing and merging yield the
/// CPU to chat and HTTP when both want it (docs/benchmarks.md, L1 and S1).
fn background(work: Work) -> TaskResult<()> {
    static THREAD: std::sync::OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<Work>>> =
        std::sync::OnceLock::new();
    let sender = THREAD.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Work>();
        let spawned = std::thread::Builder::new()
            .name("kefu-indexer".into())
            .spawn(move || {
                lower_priority();
                while let Ok(work) = rx.recv() {
                    // A panic in one write must not take the thread (and every later write).
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "the indexing thread cannot start");
        }
        std::sync::Mutex::new(tx)
    });
    sender
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send(work)
        .map_err(|_| IndexerError::Stopped)
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // On Linux a thread's nice value is its own (PRIO_PROCESS with no pid: the calling thread).
    if let Err(e) = rustix::process::setpriority_process(None, 10) {
        tracing::debug!(error = %e, "the indexing thread keeps its priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}
