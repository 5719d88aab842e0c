//! Kefu against the limits of this machine, in one run (issue 7's harness; its first scenarios).
//!
//! Rounds interleave the baselines (A) and Kefu (B) — A B A B … — and each round notes the
//! machine's load average before and after. Per round: raw SQLite inserts one row per
//! transaction and batched (100 per transaction) on the same disk with Kefu's durability, raw
//! PostgreSQL single-row inserts from 8 connections, a bare WebSocket echo server's round trips;
//! then Kefu's durable chat throughput on SQLite (P1) and PostgreSQL (P3): messages
//! acknowledged after commit and delivered to the agent's socket. Reported: absolute figures,
//! the per-round ratios and their medians against the targets (P1 ≥ 0.40 × batched, P2: P1 ≥
//! 25 × one-row, P3 ≥ 2 × PostgreSQL, P4: P1 ≥ 0.5 × echo), as a table and a JSON file.
//!
//! `cargo run --release -p kefu-web --example bench -- [--smoke] [--rounds N] [--out FILE]`;
//! `scripts/bench` runs it in release mode. PostgreSQL from `KEFU_BENCH_PG_URL` (or
//! `KEFU_TEST_PG_URL`); without it those scenarios are skipped.

// A measuring harness, like a test: a failed step should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/baseline.rs"]
mod baseline;
#[path = "common/chat_load.rs"]
mod chat_load;
#[path = "common/fleet.rs"]
mod fleet;
#[path = "common/open_loop.rs"]
mod open_loop;
#[path = "common/scenarios.rs"]
mod scenarios;

use baseline::{pg_multi, sqlite_baseline, sqlite_batched, ws_echo};
use chat_load::{percentile, run_kefu};
use kefu_store::{Db, DbOptions};
use serde_json::{Value, json};

struct Sizes {
    rows: usize,
    visitors: usize,
    each: usize,
}

fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

async fn kefu_sqlite(dir: &std::path::Path, s: &Sizes) -> (f64, f64, f64) {
    let db = Db::connect(&DbOptions {
        url: format!(
            "sqlite://{}",
            dir.join(format!("kefu-{}.db", kefu_core::id::new_id()))
                .display()
        ),
        sqlite_synchronous_full: true,
        max_connections: 8,
        pg_schema: None,
    })
    .await
    .expect("kefu database");
    chat(db, s).await
}

/// Messages per second, delivery p99 and p99.9 (ms).
async fn chat(db: Db, s: &Sizes) -> (f64, f64, f64) {
    let mut f = run_kefu(db.clone(), s.visitors, s.each).await;
    db.close().await;
    assert_eq!(
        f.delivery.len(),
        f.messages,
        "every acknowledged message reached the agent"
    );
    f.delivery.sort_by(f64::total_cmp);
    (
        f.messages as f64 / f.seconds,
        percentile(&f.delivery, 0.99),
        percentile(&f.delivery, 0.999),
    )
}

async fn kefu_pg(url: &str, s: &Sizes) -> (f64, f64, f64) {
    let schema = format!(
        "bench_kefu_{}",
        kefu_core::id::new_id()
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "")
    );
    let admin = Db::connect(&DbOptions {
        url: url.into(),
        sqlite_synchronous_full: true,
        max_connections: 1,
        pg_schema: None,
    })
    .await
    .expect("postgres");
    let create: &'static str = Box::leak(format!("CREATE SCHEMA {schema}").into_boxed_str());
    kefu_store::Exec::execute(&admin, create, vec![])
        .await
        .expect("schema");
    let db = Db::connect(&DbOptions {
        url: url.into(),
        sqlite_synchronous_full: true,
        max_connections: 16,
        pg_schema: Some(schema.clone()),
    })
    .await
    .expect("postgres schema");
    let r = chat(db, s).await;
    let drop: &'static str = Box::leak(format!("DROP SCHEMA {schema} CASCADE").into_boxed_str());
    kefu_store::Exec::execute(&admin, drop, vec![])
        .await
        .expect("drop");
    admin.close().await;
    r
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Child processes of the benchmark itself.
    match args.first().map(String::as_str) {
        Some("--hold") => return fleet::hold(args[1].clone(), args[2].clone()).await,
        Some("--echo-server") => return fleet::echo_server().await,
        _ => {}
    }
    let smoke = args.iter().any(|a| a == "--smoke");
    let rounds_only = args.iter().any(|a| a == "--rounds-only");
    // For working on one part: `--only connections|large` with `--p1 RATE` (msg/s) skips the
    // rounds and runs that part alone.
    let only = arg_of(&args, "--only");
    let given_p1: Option<f64> = arg_of(&args, "--p1").and_then(|v| v.parse().ok());
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let rounds: usize = arg("--rounds")
        .and_then(|r| r.parse().ok())
        .unwrap_or(if smoke { 1 } else { 3 });
    let out = arg("--out").unwrap_or_else(|| "target/bench/report.json".into());
    let sizes = if smoke {
        Sizes {
            rows: 200,
            visitors: 4,
            each: 10,
        }
    } else {
        // Overridable while working on one part.
        let env = |k: &str, d: usize| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        Sizes {
            rows: 3000,
            visitors: env("KEFU_BENCH_VISITORS", 20),
            each: env("KEFU_BENCH_EACH", 100),
        }
    };
    let pg = std::env::var("KEFU_BENCH_PG_URL")
        .or_else(|_| std::env::var("KEFU_TEST_PG_URL"))
        .ok();
    let dir = tempfile::tempdir_in(".").expect("a folder on this disk");

    let mut rows: Vec<Value> = vec![];
    for round in 1..=if only.is_some() { 0 } else { rounds } {
        let load_before = loadavg();
        // A: the baselines.
        let single = sqlite_baseline(dir.path(), sizes.rows).await;
        let batched = sqlite_batched(dir.path(), sizes.rows * 5, 100).await;
        let echo = ws_echo(sizes.visitors, sizes.each * 5).await;
        let pg_rows = match &pg {
            Some(u) => Some(pg_multi(u, 8, sizes.rows).await),
            None => None,
        };
        // B: Kefu.
        let (p1, p1_p99, p1_p999) = kefu_sqlite(dir.path(), &sizes).await;
        let p3 = match &pg {
            Some(u) => Some(kefu_pg(u, &sizes).await),
            None => None,
        };
        let load_after = loadavg();
        let row = json!({
            "round": round,
            "load_before": load_before,
            "load_after": load_after,
            "sqlite_one_row_per_tx_rows_s": single,
            "sqlite_batched_rows_s": batched,
            "ws_echo_round_trips_s": echo,
            "pg_8_connections_rows_s": pg_rows,
            "p1_sqlite_chat_msg_s": p1,
            "p1_delivery_p99_ms": p1_p99,
            "p1_delivery_p999_ms": p1_p999,
            "p3_pg_chat_msg_s": p3.map(|p| p.0),
            "ratio_p1_batched": p1 / batched,
            "ratio_p2_p1_single": p1 / single,
            "ratio_p3_pg": p3.zip(pg_rows).map(|(p, b)| p.0 / b),
            "ratio_p4_p1_echo": p1 / echo,
        });
        eprintln!("round {round}: {row}");
        rows.push(row);
    }

    let med = |key: &str| median(rows.iter().filter_map(|r| r[key].as_f64()).collect());
    let targets = [
        (
            "P1",
            "durable chat on SQLite / raw batched SQLite inserts",
            "ratio_p1_batched",
            0.40,
        ),
        (
            "P2",
            "durable chat on SQLite / raw one-row-per-transaction inserts",
            "ratio_p2_p1_single",
            25.0,
        ),
        (
            "P3",
            "durable chat on PostgreSQL / raw inserts from 8 connections",
            "ratio_p3_pg",
            2.0,
        ),
        (
            "P4",
            "durable chat on SQLite / bare WebSocket echo round trips",
            "ratio_p4_p1_echo",
            0.5,
        ),
    ];
    println!("| id | scenario | median ratio | target | met |");
    println!("|---|---|---:|---:|---|");
    let mut summary = vec![];
    for (id, what, key, target) in targets {
        let m = med(key);
        let met = m.is_finite() && m >= target;
        println!(
            "| {id} | {what} | {} | ≥ {target} | {} |",
            if m.is_finite() {
                format!("{m:.2}")
            } else {
                "—".into()
            },
            if !m.is_finite() {
                "skipped"
            } else if met {
                "yes"
            } else {
                "no"
            }
        );
        summary.push(json!({"id": id, "scenario": what, "median_ratio": m.is_finite().then_some(m), "target": target, "met": met}));
    }
    println!(
        "absolute medians: P1 {:.0} msg/s (delivery p99 {:.1} ms), one-row SQLite {:.0} rows/s, batched {:.0} rows/s, echo {:.0} round trips/s{}",
        med("p1_sqlite_chat_msg_s"),
        med("p1_delivery_p99_ms"),
        med("sqlite_one_row_per_tx_rows_s"),
        med("sqlite_batched_rows_s"),
        med("ws_echo_round_trips_s"),
        if pg.is_some() {
            format!(
                ", P3 {:.0} msg/s, PostgreSQL 8 connections {:.0} rows/s",
                med("p3_pg_chat_msg_s"),
                med("pg_8_connections_rows_s")
            )
        } else {
            String::new()
        }
    );
    let mut processes = Value::Null;
    if !rounds_only {
        // Without rounds (`--only`) and no `--p1`, the probe starts from a guess; the server's
        // own P1 is measured by the probe either way.
        let p1 = given_p1
            .or(Some(med("p1_sqlite_chat_msg_s")).filter(|v| v.is_finite() && *v > 0.0))
            .unwrap_or(3000.0);
        let sizes = if smoke {
            scenarios::Sizes::smoke()
        } else {
            scenarios::Sizes::full()
        };
        let part = |name: &str| only.as_deref().is_none_or(|o| o == name);
        let connections = if part("connections") {
            scenarios::connections(dir.path(), &sizes, p1).await
        } else {
            Value::Null
        };
        let large = if part("large") {
            scenarios::large(dir.path(), &sizes, p1).await
        } else {
            Value::Null
        };
        print_processes(&connections, &large);
        processes = json!({"connections": connections, "large": large});
    }
    let report =
        json!({"smoke": smoke, "rounds": rows, "summary": summary, "processes": processes});
    if let Some(parent) = std::path::Path::new(&out).parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    std::fs::write(&out, serde_json::to_string_pretty(&report).expect("json")).expect("report");
    println!("report: {out}");
}

fn arg_of(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn yes(met: bool) -> &'static str {
    if met { "yes" } else { "no" }
}

/// The table of the scenarios run against the server process.
fn print_processes(c: &Value, l: &Value) {
    println!();
    println!("| id | figure | baseline | target | met |");
    println!("|---|---|---|---|---|");
    if !c.is_null() {
        connection_rows(c);
    }
    if !l.is_null() {
        large_rows(l);
    }
}

fn connection_rows(c: &Value) {
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let c1 = &c["C1"];
    println!(
        "| C1 | {:.2} KiB per idle widget connection ({} connections, {} failed) | echo server {:.2} KiB: ratio {:.2} | ≤ 1.5 × | {} |",
        f(&c1["kib_per_connection"]),
        c1["connections"],
        c1["failed"],
        f(&c1["echo"]["kib_per_connection"]),
        f(&c1["ratio"]),
        yes(f(&c1["ratio"]) <= 1.5)
    );
    let l1 = &c["L1"]["offered"];
    println!(
        "| L1 | delivery p99 {:.1} ms, p99.9 {:.1} ms at {:.0} msg/s offered ({} idle connections) | — | ≤ 10 / 50 ms | {} |",
        f(&l1["delivery"]["p99_ms"]),
        f(&l1["delivery"]["p999_ms"]),
        f(&l1["offered_per_s"]),
        c["L1"]["idle_connections"],
        yes(f(&l1["delivery"]["p99_ms"]) <= 10.0 && f(&l1["delivery"]["p999_ms"]) <= 50.0)
    );
    let l2 = &c["L2"];
    let lost = l2["ledger"]["lost"].as_u64().unwrap_or(u64::MAX);
    println!(
        "| L2 | {:.0} msg/s offered: {:.0} admitted/s, {} shed (busy), admitted p99 {:.1} ms ({:.2} × L1; from the actual send {:.1} ms, {:.2} × L1), memory +{:.1} %, lost {} | — | ≤ 2 × L1, ≤ 10 %, 0 | {} |",
        f(&l2["offered"]["offered_per_s"]),
        f(&l2["offered"]["acknowledged_per_s"]),
        l2["offered"]["shed_busy"],
        f(&l2["offered"]["delivery"]["p99_ms"]),
        f(&l2["admitted_p99_over_l1_p99"]),
        f(&l2["offered"]["delivery_from_send"]["p99_ms"]),
        f(&l2["admitted_p99_over_l1_p99_from_send"]),
        f(&l2["memory_growth"]) * 100.0,
        lost,
        yes(f(&l2["admitted_p99_over_l1_p99"]) <= 2.0
            && f(&l2["memory_growth"]) <= 0.10
            && lost == 0)
    );
    let c2 = &c["C2"];
    println!(
        "| C2 | {} clients resumed in {:.0} ms (all connected after {:.0} ms), {} missing, {} repeated | — | ≤ 5000 ms, 0, 0 | {} |",
        c2["clients"],
        f(&c2["resumed_ms"]),
        f(&c2["all_connected_ms"]),
        c2["missing"],
        c2["repeated"],
        yes(f(&c2["resumed_ms"]) <= 5000.0
            && f(&c2["missing"]) == 0.0
            && f(&c2["repeated"]) == 0.0)
    );
}

fn large_rows(l: &Value) {
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let s1 = &l["S1"];
    println!(
        "| S1 | search p99 {:.1} ms (p50 {:.1}) on {} articles while chat runs at {:.0} msg/s | — | ≤ 10 ms | {} |",
        f(&s1["search"]["p99_ms"]),
        f(&s1["search"]["p50_ms"]),
        s1["articles"],
        f(&s1["chat"]["offered_per_s"]),
        yes(f(&s1["search"]["p99_ms"]) <= 10.0)
    );
    let r1 = &l["R1"];
    println!(
        "| R1 | cold start to /healthz 200: empty {:.1} ms, {} messages {:.1} ms (medians) | — | ≤ 50 / 200 ms | {} |",
        f(&r1["empty_median_ms"]),
        l["S1"]["messages"],
        f(&r1["large_median_ms"]),
        yes(f(&r1["empty_median_ms"]) <= 50.0 && f(&r1["large_median_ms"]) <= 200.0)
    );
    let r2 = &l["R2"];
    println!(
        "| R2 | idle RSS: empty {:.1} MiB, large {:.1} MiB | — | ≤ 20 / 80 MB | {} |",
        f(&r2["empty_kib"]) / 1024.0,
        f(&r2["large_kib"]) / 1024.0,
        yes(f(&r2["empty_kib"]) * 1024.0 <= 20e6 && f(&r2["large_kib"]) * 1024.0 <= 80e6)
    );
    let r3 = &l["R3"];
    println!(
        "| R3 | stripped release binary {:.1} MiB | — | ≤ 15 MB | {} |",
        f(&r3["mib"]),
        yes(f(&r3["bytes"]) <= 15e6)
    );
}
