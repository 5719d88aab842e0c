//! The baselines the benchmarks report their figures next to, measured in the same run on the
//! same disk and machine: raw SQLite inserts (one row per transaction, and batched), raw
//! PostgreSQL inserts from several connections, and a bare WebSocket echo server.
// Each example uses the baselines it needs.
#![allow(dead_code)]

use std::time::Instant;

use sqlx::ConnectOptions;

/// Raw inserts into a fresh SQLite file in `dir`: rows per second.
pub async fn sqlite_baseline(dir: &std::path::Path, rows: usize) -> f64 {
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join(format!("baseline-{}.db", kefu_core::id::new_id())))
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

/// Raw inserts into a fresh SQLite file in `dir`, `batch` rows per transaction: rows per second.
pub async fn sqlite_batched(dir: &std::path::Path, rows: usize, batch: usize) -> f64 {
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join(format!("batched-{}.db", kefu_core::id::new_id())))
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
    let mut conn = opts.connect().await.expect("baseline database");
    sqlx::query("CREATE TABLE t (id TEXT PRIMARY KEY, body TEXT NOT NULL, at INTEGER NOT NULL)")
        .execute(&mut conn)
        .await
        .expect("baseline table");
    let start = Instant::now();
    let mut i = 0;
    while i < rows {
        let mut tx = sqlx::Connection::begin(&mut conn).await.expect("begin");
        for _ in 0..batch.min(rows - i) {
            sqlx::query("INSERT INTO t (id, body, at) VALUES ($1, $2, $3)")
                .bind(format!("row-{i}"))
                .bind("您好，请问这个水壶可以寄到香港吗？")
                .bind(i as i64)
                .execute(&mut *tx)
                .await
                .expect("baseline insert");
            i += 1;
        }
        tx.commit().await.expect("commit");
    }
    rows as f64 / start.elapsed().as_secs_f64()
}

/// Raw single-row inserts (autocommit) into PostgreSQL from `conns` connections at once, in a
/// throwaway schema: rows per second.
pub async fn pg_multi(url: &str, conns: usize, rows: usize) -> f64 {
    let schema = format!(
        "bench_{}",
        kefu_core::id::new_id()
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "")
    );
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(conns as u32)
        .connect(url)
        .await
        .expect("postgres");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&pool)
        .await
        .expect("schema");
    // The schema's name is ours (letters and digits), not input.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE {schema}.t (id TEXT PRIMARY KEY, body TEXT NOT NULL, at BIGINT NOT NULL)"
    )))
    .execute(&pool)
    .await
    .expect("table");
    let insert = format!("INSERT INTO {schema}.t (id, body, at) VALUES ($1, $2, $3)");
    let start = Instant::now();
    let mut tasks = vec![];
    for c in 0..conns {
        let pool = pool.clone();
        let insert = insert.clone();
        tasks.push(tokio::spawn(async move {
            for i in (c..rows).step_by(conns) {
                sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
                    .bind(format!("row-{i}"))
                    .bind("您好，请问这个水壶可以寄到香港吗？")
                    .bind(i as i64)
                    .execute(&pool)
                    .await
                    .expect("insert");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let rate = rows as f64 / start.elapsed().as_secs_f64();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&pool)
        .await
        .expect("drop");
    pool.close().await;
    rate
}

/// A bare WebSocket echo server (tokio-tungstenite, default buffers, no Nagle delay) and
/// `clients` clients each sending `each` frames one after another: round trips per second.
pub async fn ws_echo(clients: usize, each: usize) -> f64 {
    use futures_util::{SinkExt, StreamExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let _ = tcp.set_nodelay(true);
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                while let Some(Ok(m)) = ws.next().await {
                    if m.is_text() && ws.send(m).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let url = format!("ws://{addr}/");
    let mut sockets = vec![];
    for _ in 0..clients {
        let (ws, _) = tokio_tungstenite::connect_async_with_config(url.as_str(), None, true)
            .await
            .expect("connect");
        sockets.push(ws);
    }
    let start = Instant::now();
    let mut tasks = vec![];
    for (c, mut ws) in sockets.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            for n in 0..each {
                let frame = format!(
                    "{{\"type\":\"send\",\"cid\":\"v{c}-{n}\",\"body\":\"第 {n} 条：这个水壶可以寄到香港吗？\"}}"
                );
                ws.send(tokio_tungstenite::tungstenite::Message::Text(frame.into()))
                    .await
                    .expect("send");
                ws.next().await.expect("echo").expect("frame");
            }
        }));
    }
    for t in tasks {
        t.await.expect("client");
    }
    let rate = (clients * each) as f64 / start.elapsed().as_secs_f64();
    server.abort();
    rate
}
