//! The baseline the benchmarks report their figures next to, measured in the same run on the
//! same disk.

use std::time::Instant;

use sqlx::ConnectOptions;

/// Raw inserts into a fresh SQLite file in `dir`: rows per second.
pub async fn sqlite_baseline(dir: &std::path::Path, rows: usize) -> f64 {
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join("baseline.db"))
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
    let mut conn = opts.connect().await.expect("baseline database");
    sqlx::query("CREATE TABLE t (id TEXT PRIMARY KEY, body TEXT NOT NULL, at INTEGER NOT NULL)")
        .execute(&mut conn)
        .await
        .expect("baseline table");
    let start = Instant::now();
    for i in 0..rows {
        sqlx::query("INSERT INTO t (id, body, at) VALUES ($1, $2, $3)")
            .bind(format!("row-{i}"))
            .bind("您好，请问这个水壶可以寄到香港吗？")
            .bind(i as i64)
            .execute(&mut conn)
            .await
            .expect("baseline insert");
    }
    rows as f64 / start.elapsed().as_secs_f64()
}
