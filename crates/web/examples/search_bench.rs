//! The search benchmark. On a generated corpus of N articles (default 100,000; 70 % English,
//! 30 % Chinese) in a fresh SQLite database, it measures in one run:
//!
//! - the full index build from the database (what a new instance or `kefu search reindex`
//!   does), and the same documents into tantivy alone;
//! - search latency p50/p99 in-process (the index's own `search`) and over HTTP (the public
//!   help-centre search page, which also checks each hit in the database and renders HTML);
//! - the time from saving an article over the API until the help centre finds it;
//! - the baseline: a brute-force scan of the same texts in memory for the same queries, in the
//!   same run.
//!
//! Run: `cargo run --release -p kefu-web --example search_bench -- [articles]`

// A measuring harness, like a test: a failed step should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use kefu_search::corpus::{EN_WORDS, Rng, ZH_WORDS, en_text, zh_text};
use kefu_search::{Kind, Request, SearchIndex};
use kefu_store::knowledge::{self, ArticleInput, CategoryInput, reason};
use kefu_store::{Db, DbOptions};
use kefu_web::{AppState, WebConfig};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

fn stats(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (percentile(&v, 0.5), percentile(&v, 0.99))
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

    // The corpus, written to the database in batches.
    let started = Instant::now();
    let cat = knowledge::create_category(
        &db,
        &CategoryInput {
            slug: "faq".into(),
            name_zh: "常见问题".into(),
            name_en: "FAQ".into(),
            ..Default::default()
        },
    )
    .await
    .expect("category");
    let mut rng = Rng(0x5eed_1234);
    let mut texts: Vec<String> = Vec::with_capacity(n);
    let mut tx = db.begin().await.expect("tx");
    for i in 0..n {
        let zh = i % 10 < 3;
        let (title_zh, body_zh, title_en, body_en) = if zh {
            (
                zh_text(&mut rng, 4),
                zh_text(&mut rng, 120),
                String::new(),
                String::new(),
            )
        } else {
            (
                String::new(),
                String::new(),
                en_text(&mut rng, 6),
                en_text(&mut rng, 150),
            )
        };
        texts.push(format!("{title_zh}\n{body_zh}{title_en}\n{body_en}"));
        knowledge::create_article(
            &mut tx,
            &ArticleInput {
                category_id: cat.id.clone(),
                slug: format!("a-{i}"),
                status: "published".into(),
                title_zh,
                body_zh,
                title_en,
                body_en,
                ..Default::default()
            },
            None,
            reason::IMPORT,
        )
        .await
        .expect("article");
        if i % 2000 == 1999 {
            tx.commit().await.expect("commit");
            tx = db.begin().await.expect("tx");
        }
    }
    tx.commit().await.expect("commit");
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "corpus: {n} articles (70 % English, 30 % Chinese), {:.1} MB of text, written in {:.1} s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    // Full build from the database, as an instance does.
    let index_dir = tmp.path().join("index");
    let (index, _) = SearchIndex::open(&index_dir).expect("index");
    let index = Arc::new(index);
    let started = Instant::now();
    kefu_service::search::rebuild(&db, &index)
        .await
        .expect("rebuild");
    let build = started.elapsed().as_secs_f64();
    println!(
        "full build from the database: {build:.1} s ({} documents)",
        index.num_docs()
    );

    // Queries: Chinese substrings of 1 to 4 characters taken from the texts, English words,
    // mixed, a sentence, a typo.
    let mut queries: Vec<String> = Vec::new();
    let mut qrng = Rng(99);
    while queries.len() < 120 {
        let t = &texts[qrng.below(n / 10 * 3) / 3 * 10 % n];
        let chars: Vec<char> = t
            .chars()
            .filter(|c| kefu_search::analyze::is_cjk(*c))
            .collect();
        if chars.len() > 10 {
            let len = 1 + queries.len() % 4;
            let at = qrng.below(chars.len() - len);
            queries.push(chars[at..at + len].iter().collect());
        }
    }
    for _ in 0..60 {
        queries.push(qrng.pick(EN_WORDS).to_string());
    }
    for _ in 0..20 {
        queries.push(format!("{} {}", qrng.pick(EN_WORDS), qrng.pick(ZH_WORDS)));
    }
    queries.extend(
        [
            "refnud",
            "shiping address",
            "怎么申请退货退款",
            "where is my package",
            "七天无理由退货",
        ]
        .iter()
        .map(|s| s.to_string()),
    );

    // In-process.
    let public = ["public".to_string()];
    for q in &queries {
        let mut r = Request::new(q, Kind::Article);
        r.scopes = Some(&public);
        index.search(&r).expect("warm-up");
    }
    let mut in_process = Vec::new();
    for _ in 0..3 {
        for q in &queries {
            let mut r = Request::new(q, Kind::Article);
            r.scopes = Some(&public);
            r.limit = 10;
            let t = Instant::now();
            let hits = index.search(&r).expect("search");
            in_process.push(t.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(hits);
        }
    }
    let classes: [(&str, std::ops::Range<usize>); 4] = [
        ("Chinese, 1-4 characters", 0..120),
        ("English word", 120..180),
        ("English word + Chinese word", 180..200),
        ("typos and sentences", 200..queries.len()),
    ];
    for (name, range) in classes {
        let q = queries.len();
        let times: Vec<f64> = in_process
            .iter()
            .enumerate()
            .filter(|(i, _)| range.contains(&(i % q)))
            .map(|(_, t)| *t)
            .collect();
        let max = times.iter().copied().fold(0.0, f64::max);
        let (p50, p99) = stats(times);
        println!("  in-process, {name}: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms");
    }
    let (p50, p99) = stats(in_process);
    println!(
        "search in-process ({} queries × 3): p50 {p50:.2} ms, p99 {p99:.2} ms",
        queries.len()
    );

    // Baseline: scanning every text for the query (substring), as a LIKE '%…%' would.
    let mut scan = Vec::new();
    for q in &queries {
        let t = Instant::now();
        let found = texts.iter().filter(|t| t.contains(q.as_str())).count();
        scan.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(found);
    }
    let (s50, s99) = stats(scan);
    println!("baseline, brute-force substring scan in memory: p50 {s50:.2} ms, p99 {s99:.2} ms");
    drop(index);

    // Over HTTP: a server on this database with its index in a folder of its own.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = AppState::new(
        db.clone(),
        WebConfig {
            public_url: format!("http://{addr}"),
            uploads_dir: tmp.path().join("uploads"),
            index_dir: Some(index_dir.clone()),
            ..WebConfig::default()
        },
        None,
    );
    let (_stop, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(kefu_service::search::run(
        state.service.clone(),
        Some(index_dir),
        stop_rx,
    ));
    let (router, _) = kefu_web::app(state.clone());
    tokio::spawn(kefu_web::serve(listener, router, std::future::pending()));
    state.search.index().await.expect("index ready");
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let get = async |q: &str| {
        let url = format!(
            "{base}/help/search?lang=zh&q={}",
            kefu_core::url::encode(q, b"")
        );
        let t = Instant::now();
        let r = http.get(&url).send().await.expect("request");
        let ok = r.status().is_success();
        let body = r.text().await.expect("body");
        (t.elapsed().as_secs_f64() * 1000.0, ok, body)
    };
    for q in &queries {
        get(q).await;
    }
    let mut over_http = Vec::new();
    for _ in 0..3 {
        for q in &queries {
            let (ms, ok, _) = get(q).await;
            assert!(ok, "search page failed for {q}");
            over_http.push(ms);
        }
    }
    let (h50, h99) = stats(over_http);
    println!(
        "search over HTTP (/help/search, 20 results rendered): p50 {h50:.2} ms, p99 {h99:.2} ms"
    );

    // Freshness: save an article, then search until the help centre finds it.
    let mut fresh = Vec::new();
    for i in 0..5 {
        let word = format!("zqxfresh{i}");
        let mut tx = db.begin().await.expect("tx");
        knowledge::create_article(
            &mut tx,
            &ArticleInput {
                category_id: cat.id.clone(),
                slug: format!("fresh-{i}"),
                status: "published".into(),
                title_en: format!("Fresh {word}"),
                body_en: "Just saved.".into(),
                ..Default::default()
            },
            None,
            reason::EDIT,
        )
        .await
        .expect("fresh article");
        tx.commit().await.expect("commit");
        let saved = Instant::now();
        // No local wake-up: this measures what another instance sees (the poll), the worst case.
        loop {
            let (_, _, body) = get(&word).await;
            if body.contains(&format!("/help/articles/fresh-{i}")) {
                break;
            }
            if saved.elapsed() > Duration::from_secs(10) {
                panic!("not searchable after 10 s");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        fresh.push(saved.elapsed().as_secs_f64() * 1000.0);
    }
    fresh.sort_by(f64::total_cmp);
    println!(
        "saved → found by the help centre (no wake-up, as on another instance): median {:.0} ms, max {:.0} ms",
        percentile(&fresh, 0.5),
        fresh.last().copied().unwrap_or(f64::NAN)
    );
    let _ = std::io::Write::flush(&mut std::io::stdout());
}
