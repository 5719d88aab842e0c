//! The change log the search index follows. Every change to something searchable is noted on
//! the transaction and written to `search_changes` as it commits; each instance's indexer reads
//! what it has not applied yet. Applying a change twice is harmless (documents are read as they
//! are now), so a reader may see a change again but must never miss one.
//!
//! The reader's position (its *mark*) differs by backend:
//!
//! - **SQLite**: rows are numbered from the `search` counter row. The single writer commits one
//!   transaction at a time, so numbers appear in order and the mark is the last number read.
//! - **PostgreSQL**: a counter row would make every message's commit wait for the previous one,
//!   so rows are numbered from a sequence (no lock) and carry their transaction's id. A reader
//!   takes, in one statement, the rows of transactions at or above its mark together with its
//!   snapshot's `xmin` (the oldest transaction still running). Every transaction below `xmin`
//!   has finished and its rows were visible to that statement, so `xmin` is the next mark; rows
//!   of transactions still running then are read on a later pass.

use kefu_core::time::now_ms;

use crate::{Backend, Db, Exec, Result, Tx, args};

pub mod kind {
    pub const ARTICLE: &str = "article";
    pub const MESSAGE: &str = "message";
    pub const CONVERSATION: &str = "conversation";
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Change {
    pub seq: i64,
    pub kind: String,
    pub object_id: String,
    pub created_at: i64,
}

/// Records that `object_id` changed: the row is written when the transaction commits.
pub fn record(tx: &mut Tx, kind: &'static str, object_id: &str) {
    tx.changed(kind, object_id);
}

/// Writes a committing transaction's changes, in one statement whatever their number.
pub(crate) async fn write(tx: &mut Tx, changes: &[(&'static str, String)]) -> Result<()> {
    let now = now_ms();
    let rows: Vec<(&str, &str)> = changes.iter().map(|(k, id)| (*k, id.as_str())).collect();
    let json = serde_json::to_string(&rows).unwrap_or_default();
    if tx.backend() == Backend::Postgres {
        tx.execute(
            "INSERT INTO search_changes (seq, kind, object_id, created_at, txid) \
             SELECT nextval('search_changes_seq'), j.value->>0, j.value->>1, $1, \
             pg_current_xact_id()::text::bigint \
             FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS j(value, n) ORDER BY j.n",
            args![now, json],
        )
        .await?;
        return Ok(());
    }
    // SQLite: numbers from the counter row, taken last so the lock covers only the commit.
    let (last,): (i64,) = tx
        .fetch_one(
            "UPDATE counters SET value = value + $1 WHERE name = 'search' RETURNING value",
            args![changes.len() as i64],
        )
        .await?;
    let first = last - changes.len() as i64 + 1;
    tx.execute(
        "INSERT INTO search_changes (seq, kind, object_id, created_at) \
         SELECT $1 + key, json_extract(value, '$[0]'), json_extract(value, '$[1]'), $2 \
         FROM json_each($3)",
        args![first, now, json],
    )
    .await?;
    Ok(())
}

/// What a reader has not applied yet.
#[derive(Debug, Clone, Default)]
pub struct Pending {
    pub changes: Vec<Change>,
    /// The mark to keep once these are applied.
    pub mark: i64,
    /// More are waiting (read again at once).
    pub more: bool,
    /// Too many to catch up on: rebuild instead.
    pub overflow: bool,
}

#[derive(sqlx::FromRow)]
struct PgRow {
    horizon: i64,
    seq: Option<i64>,
    kind: Option<String>,
    object_id: Option<String>,
    created_at: Option<i64>,
}

/// The changes after `mark`, oldest first (at most `limit` on SQLite; on PostgreSQL more than
/// `limit` waiting is reported as an overflow).
pub async fn pending(db: &Db, mark: i64, limit: i64) -> Result<Pending> {
    if db.backend() == Backend::Postgres {
        let rows: Vec<PgRow> = db
            .fetch_all(
                "SELECT h.horizon, c.seq, c.kind, c.object_id, c.created_at \
                 FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon) h \
                 LEFT JOIN search_changes c ON c.txid >= $1 \
                 ORDER BY c.seq LIMIT $2",
                args![mark, limit + 1],
            )
            .await?;
        let horizon = rows.first().map_or(mark, |r| r.horizon);
        if rows.len() as i64 > limit {
            return Ok(Pending {
                mark,
                overflow: true,
                ..Default::default()
            });
        }
        let changes = rows
            .into_iter()
            .filter_map(|r| {
                Some(Change {
                    seq: r.seq?,
                    kind: r.kind?,
                    object_id: r.object_id?,
                    created_at: r.created_at?,
                })
            })
            .collect();
        return Ok(Pending {
            changes,
            mark: horizon.max(mark),
            more: false,
            overflow: false,
        });
    }
    let changes: Vec<Change> = db
        .fetch_all(
            "SELECT seq, kind, object_id, created_at FROM search_changes WHERE seq > $1 \
             ORDER BY seq LIMIT $2",
            args![mark, limit],
        )
        .await?;
    Ok(Pending {
        mark: changes.last().map_or(mark, |c| c.seq),
        more: changes.len() as i64 == limit,
        overflow: false,
        changes,
    })
}

/// A mark that covers everything committed so far (taken before a full build: changes after it
/// are applied again by catching up).
pub async fn latest(db: &Db) -> Result<i64> {
    let (v,): (i64,) = if db.backend() == Backend::Postgres {
        db.fetch_one(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
            args![],
        )
        .await?
    } else {
        db.fetch_one("SELECT value FROM counters WHERE name = 'search'", args![])
            .await?
    };
    Ok(v)
}

/// Changes up to this mark have been pruned: an index behind it must be rebuilt.
pub async fn pruned_through(x: impl Exec) -> Result<i64> {
    let (v,): (i64,) = x
        .fetch_one(
            "SELECT value FROM counters WHERE name = 'search_pruned'",
            args![],
        )
        .await?;
    Ok(v)
}

/// Forgets changes older than `before` (milliseconds), keeping the newest one, and notes how
/// far (in marks) the log was pruned.
pub async fn prune(tx: &mut Tx, before: i64) -> Result<u64> {
    let (through, marked): (i64, i64) = if tx.backend() == Backend::Postgres {
        tx.fetch_one(
            "SELECT COALESCE(MAX(seq), 0), COALESCE(MAX(txid) + 1, 0) FROM search_changes \
             WHERE created_at < $1 AND seq < (SELECT MAX(seq) FROM search_changes)",
            args![before],
        )
        .await?
    } else {
        tx.fetch_one(
            "SELECT COALESCE(MAX(seq), 0), COALESCE(MAX(seq), 0) FROM search_changes \
             WHERE created_at < $1 AND seq < (SELECT value FROM counters WHERE name = 'search')",
            args![before],
        )
        .await?
    };
    if through == 0 {
        return Ok(0);
    }
    let n = tx
        .execute(
            "DELETE FROM search_changes WHERE seq <= $1 AND created_at < $2",
            args![through, before],
        )
        .await?;
    tx.execute(
        "UPDATE counters SET value = $1 WHERE name = 'search_pruned' AND value < $1",
        args![marked],
    )
    .await?;
    Ok(n)
}
