//! The change log the search index follows. Every change to something searchable writes a row
//! here in the same transaction; each instance's indexer reads the rows after the last one its
//! index reflects.
//!
//! Numbers come from the `search` counter row, which the writing transaction takes just before
//! it commits and holds locked until then: a later number can only be taken once the earlier
//! one's transaction is done, so a reader that has seen number N has seen every number below it
//! (on SQLite the single writer gives the same order for free). Taking it last keeps the lock to
//! the commit itself, and never before another row's lock, so it cannot deadlock.

use kefu_core::time::now_ms;

use crate::{Exec, Result, Tx, args};

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

/// Writes a committing transaction's changes: numbers taken from the counter row (locked from
/// here to the commit), one row each.
pub(crate) async fn write(tx: &mut Tx, changes: &[(&'static str, String)]) -> Result<()> {
    let (last,): (i64,) = tx
        .fetch_one(
            "UPDATE counters SET value = value + $1 WHERE name = 'search' RETURNING value",
            args![changes.len() as i64],
        )
        .await?;
    let now = now_ms();
    let first = last - changes.len() as i64 + 1;
    for (i, (kind, id)) in changes.iter().enumerate() {
        tx.execute(
            "INSERT INTO search_changes (seq, kind, object_id, created_at) VALUES ($1, $2, $3, $4)",
            args![first + i as i64, *kind, id.as_str(), now],
        )
        .await?;
    }
    Ok(())
}

/// Changes after `after`, oldest first.
pub async fn after(x: impl Exec, after: i64, limit: i64) -> Result<Vec<Change>> {
    x.fetch_all(
        "SELECT seq, kind, object_id, created_at FROM search_changes WHERE seq > $1 \
         ORDER BY seq LIMIT $2",
        args![after, limit],
    )
    .await
}

/// The newest change's number (0 when none).
pub async fn latest(x: impl Exec) -> Result<i64> {
    let (v,): (i64,) = x
        .fetch_one("SELECT value FROM counters WHERE name = 'search'", args![])
        .await?;
    Ok(v)
}

/// Changes up to this number have been pruned: an index behind it must be rebuilt.
pub async fn pruned_through(x: impl Exec) -> Result<i64> {
    let (v,): (i64,) = x
        .fetch_one(
            "SELECT value FROM counters WHERE name = 'search_pruned'",
            args![],
        )
        .await?;
    Ok(v)
}

/// Forgets changes older than `before` (milliseconds), keeping the newest one.
pub async fn prune(tx: &mut Tx, before: i64) -> Result<u64> {
    let (through,): (i64,) = tx
        .fetch_one(
            "SELECT COALESCE(MAX(seq), 0) FROM search_changes WHERE created_at < $1 \
             AND seq < (SELECT value FROM counters WHERE name = 'search')",
            args![before],
        )
        .await?;
    if through == 0 {
        return Ok(0);
    }
    let n = tx
        .execute("DELETE FROM search_changes WHERE seq <= $1", args![through])
        .await?;
    tx.execute(
        "UPDATE counters SET value = $1 WHERE name = 'search_pruned' AND value < $1",
        args![through],
    )
    .await?;
    Ok(n)
}
