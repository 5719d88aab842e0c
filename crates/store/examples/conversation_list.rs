//! The conversation list (the console's and the API's first page) at N conversations on SQLite:
//! how long the list takes with no filter and with each kind of filter, and the plan SQLite
//! chooses. The baseline in the same run is a plain `SELECT id … ORDER BY rowid LIMIT 200`.
//!
//! Run: `cargo run --release -p kefu-store --example conversation_list -- [conversations]`

use std::time::Instant;

use kefu_core::kinds::Channel;
use kefu_store::conversations::{self, Filter};
use kefu_store::{Db, DbOptions, Exec, args, teams};

fn p(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(((v.len() - 1) as f64) * q).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut options = DbOptions::new(format!("sqlite://{}", tmp.path().join("kefu.db").display()));
    options.sqlite_synchronous_full = false;
    let db = Db::connect(&options).await.expect("database");
    db.migrate().await.expect("migrate");
    let a = teams::create_inbox(&db, "网站", Channel::Widget)
        .await
        .expect("inbox");
    let b = teams::create_inbox(&db, "邮件", Channel::Email)
        .await
        .expect("inbox");
    let started = Instant::now();
    for chunk in 0..n.div_ceil(10_000) {
        let mut tx = db.begin().await.expect("tx");
        for i in chunk * 10_000..((chunk + 1) * 10_000).min(n) {
            let inbox = if i % 4 == 0 { &b.id } else { &a.id };
            let subject = if i % 50 == 0 {
                "订单没到"
            } else {
                "咨询尺码"
            };
            conversations::create(&mut tx, inbox, None, subject)
                .await
                .expect("create");
        }
        tx.commit().await.expect("commit");
    }
    // Spread the activity over a month; a third resolved; one in a hundred tagged vip.
    db.execute(
        "UPDATE conversations SET updated_at = created_at - (number * 7919 % 2592000000), \
         status = CASE WHEN number % 3 = 0 THEN 'resolved' ELSE 'open' END, \
         tags = CASE WHEN number % 100 = 0 THEN 'vip' ELSE '' END",
        args![],
    )
    .await
    .expect("spread");
    db.execute("ANALYZE", args![]).await.expect("analyze");
    println!(
        "{n} conversations written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let filters: Vec<(&str, Filter<'_>)> = vec![
        ("no filter", Filter::default()),
        (
            "status open",
            Filter {
                status: "open",
                ..Default::default()
            },
        ),
        (
            "one inbox",
            Filter {
                inbox: &b.id,
                ..Default::default()
            },
        ),
        (
            "tag vip (1 %)",
            Filter {
                tag: "vip",
                ..Default::default()
            },
        ),
        (
            "search 订单 (2 %)",
            Filter {
                search: "订单",
                ..Default::default()
            },
        ),
        (
            "resolved in one inbox",
            Filter {
                status: "resolved",
                inbox: &b.id,
                ..Default::default()
            },
        ),
    ];
    let mut base = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let rows: Vec<(String,)> = db
            .fetch_all(
                "SELECT id FROM conversations ORDER BY rowid LIMIT 200",
                args![],
            )
            .await
            .expect("baseline");
        base.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(rows);
    }
    println!(
        "baseline, 200 ids in table order: p50 {:.2} ms, p99 {:.2} ms",
        p(&mut base, 0.5),
        p(&mut base, 0.99)
    );
    for (name, f) in &filters {
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..30 {
            let t = Instant::now();
            let list = conversations::list(&db, f).await.expect("list");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            rows = list.len();
        }
        println!(
            "{name:>24}: {rows} rows, p50 {:.2} ms, p99 {:.2} ms",
            p(&mut times, 0.5),
            p(&mut times, 0.99)
        );
    }
}
