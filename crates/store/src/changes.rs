//! The change log the search index follows. Every change to something searchable writes a row
//! here in the same transaction; each instance's indexer reads the rows after the last one its
//! index reflects.
//!
//! Numbers come from the `search` counter row, which the writing transaction holds locked until
//! it commits: a later number can only be taken once the earlier one's transaction is done, so
//! a reader that has seen number N has seen every number below it (on SQLite the single writer
//! gives the same order for free).

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

/// Records that `object_id` changed. Call it last in the transaction: the counter row stays
/// locked until commit.
pub async fn record(tx: &mut Tx, kind: &str, object_id: &str) -> Result<i64> {
    let (seq,): (i64,) = tx
        .fetch_one(
            "UPDATE counters SET value = value + 1 WHERE name = 'search' RETURNING value",
            args![],
        )
        .await?;
    tx.execute(
        "INSERT INTO search_changes (seq, kind, object_id, created_at) VALUES ($1, $2, $3, $4)",
        args![seq, kind, object_id, now_ms()],
    )
    .await?;
    Ok(seq)
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
