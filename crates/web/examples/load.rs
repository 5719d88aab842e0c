//! A small load client for live chat. It measures, in one run on this machine:
//!
//! - the baseline: raw SQLite inserts per second on the same disk, one row per transaction,
//!   with the durability Kefu uses (WAL, `synchronous=FULL`);
//! - Kefu: visitors connected over WebSocket each send messages one after another (the next
//!   when the previous is acknowledged, i.e. committed); one agent connected to the same
//!   server receives all of them. Reported: messages per second, and the delivery latency
//!   (sent by the visitor → received by the agent) and acknowledgement latency, p50 and p99.
//!
//! Run: `cargo run --release -p kefu-web --example load -- [visitors] [messages each]`
//! (default 20 × 50). Set `KEFU_LOAD_PG_URL` to run Kefu on PostgreSQL as well.

// A measuring harness, like a test: a failed step should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/baseline.rs"]
mod baseline;
#[path = "common/chat_load.rs"]
mod chat_load;
use baseline::sqlite_baseline;
use chat_load::{Figures, percentile, run_kefu};
use kefu_store::{Db, DbOptions};

fn report(name: &str, mut f: Figures) {
    f.delivery.sort_by(f64::total_cmp);
    f.ack.sort_by(f64::total_cmp);
    println!(
        "{name}: {} messages in {:.2} s = {:.0} msg/s; delivery p50 {:.1} ms, p99 {:.1} ms \
         ({} received); ack p50 {:.1} ms, p99 {:.1} ms",
        f.messages,
        f.seconds,
        f.messages as f64 / f.seconds,
        percentile(&f.delivery, 0.5),
        percentile(&f.delivery, 0.99),
        f.delivery.len(),
        percentile(&f.ack, 0.5),
        percentile(&f.ack, 0.99),
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let visitors_n = args.first().copied().unwrap_or(20);
    let per_visitor = args.get(1).copied().unwrap_or(50);
    let dir = tempfile::tempdir_in(".").expect("a folder on this disk");
    let baseline = sqlite_baseline(dir.path(), 2000).await;
    println!(
        "baseline: raw SQLite inserts (WAL, synchronous=FULL, one per transaction): {baseline:.0} rows/s"
    );

    let sqlite = Db::connect(&DbOptions {
        url: format!("sqlite://{}", dir.path().join("kefu.db").display()),
        sqlite_synchronous_full: true,
        max_connections: 8,
        pg_schema: None,
    })
    .await
    .expect("kefu database");
    let f = run_kefu(sqlite, visitors_n, per_visitor).await;
    let rate = f.messages as f64 / f.seconds;
    report(
        &format!("kefu on SQLite, {visitors_n} visitors × {per_visitor}"),
        f,
    );
    println!(
        "ratio: {:.2} of the raw insert rate (each message is a transaction that also numbers it and updates its conversation)",
        rate / baseline
    );

    if let Ok(url) = std::env::var("KEFU_LOAD_PG_URL") {
        let schema = format!("load_{}", std::process::id());
        let admin = Db::connect(&DbOptions {
            url: url.clone(),
            sqlite_synchronous_full: true,
            max_connections: 1,
            pg_schema: None,
        })
        .await
        .expect("postgres");
        kefu_store::Exec::execute(
            &admin,
            Box::leak(format!("CREATE SCHEMA {schema}").into_boxed_str()),
            vec![],
        )
        .await
        .unwrap();
        let pg = Db::connect(&DbOptions {
            url,
            sqlite_synchronous_full: true,
            max_connections: 16,
            pg_schema: Some(schema.clone()),
        })
        .await
        .unwrap();
        let f = run_kefu(pg.clone(), visitors_n, per_visitor).await;
        report(
            &format!("kefu on PostgreSQL, {visitors_n} visitors × {per_visitor}"),
            f,
        );
        pg.close().await;
        kefu_store::Exec::execute(
            &admin,
            Box::leak(format!("DROP SCHEMA {schema} CASCADE").into_boxed_str()),
            vec![],
        )
        .await
        .unwrap();
    }
}
