//! The scenarios run against Kefu as its own process (the release binary): connections and
//! their memory (C1), delivery latency with idle connections open (L1), overload (L2), a mass
//! reconnect (C2), search under chat load (S1), start time (R1), idle memory (R2) and the
//! binary's size (R3). Each returns its figures as JSON, next to its baseline where it has one.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use kefu_search::corpus::{EN_WORDS, Rng, ZH_WORDS, en_text, zh_text};
use kefu_store::knowledge::{self, ArticleInput, CategoryInput, reason};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::chat_load::percentile;
use crate::fleet::{self, EchoServer, Holder, Server, field, prepare};
use crate::open_loop::{Offered, offer};

pub struct Sizes {
    /// Idle connections for C1 (split over two holder processes: 10,000 + the rest).
    pub c1: usize,
    /// Idle connections during L1 and the reconnect of C2.
    pub idle: usize,
    pub active: usize,
    pub l1_seconds: f64,
    pub l2_seconds: f64,
    pub s1_seconds: f64,
    pub articles: usize,
    pub messages: usize,
    pub starts: usize,
}

impl Sizes {
    pub fn full() -> Sizes {
        // Smaller runs while working on one part.
        let env = |k: &str, d: f64| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        Sizes {
            c1: env("KEFU_BENCH_C1", 19_000.0) as usize,
            l2_seconds: env("KEFU_BENCH_L2_SECONDS", 60.0),
            articles: env("KEFU_BENCH_ARTICLES", 100_000.0) as usize,
            messages: env("KEFU_BENCH_MESSAGES", 1_000_000.0) as usize,
            ..Sizes::standard()
        }
    }

    fn standard() -> Sizes {
        Sizes {
            c1: 19_000,
            idle: 10_000,
            active: 50,
            l1_seconds: 10.0,
            l2_seconds: 60.0,
            s1_seconds: 15.0,
            articles: 100_000,
            messages: 1_000_000,
            starts: 7,
        }
    }

    pub fn smoke() -> Sizes {
        Sizes {
            c1: 60,
            idle: 40,
            active: 4,
            l1_seconds: 1.0,
            l2_seconds: 1.0,
            s1_seconds: 1.0,
            articles: 60,
            messages: 1_000,
            starts: 2,
        }
    }
}

fn ms_stats(sorted: &[f64]) -> Value {
    json!({
        "n": sorted.len(),
        "p50_ms": percentile(sorted, 0.5),
        "p99_ms": percentile(sorted, 0.99),
        "p999_ms": percentile(sorted, 0.999),
        "max_ms": sorted.last().copied(),
    })
}

fn offered_json(o: &Offered, rate: f64) -> Value {
    json!({
        "offered_per_s": rate,
        "offered": o.offered,
        "acknowledged": o.acked.len(),
        "shed_busy": o.shed,
        "other_errors": o.errors,
        "acknowledged_per_s": o.acked.len() as f64 / o.seconds,
        "undelivered_acknowledged": o.undelivered,
        "delivery": ms_stats(&o.delivery),
        "delivery_from_send": ms_stats(&o.delivery_from_send),
    })
}

/// Splits `list` over holder processes of at most 10,000 connections each.
fn hold(url: &str, list: &[(String, String)]) -> (Vec<Holder>, Vec<String>) {
    let mut holders = vec![];
    let mut answers = vec![];
    for chunk in list.chunks(10_000) {
        let (h, a) = Holder::start(url, Some(chunk), chunk.len());
        holders.push(h);
        answers.push(a);
    }
    (holders, answers)
}

/// C1's baseline: the bare echo server's memory per idle connection, KiB.
pub async fn echo_memory(n: usize) -> Value {
    let echo = EchoServer::start();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = fleet::rss_kib(echo.child.id());
    let url = format!("ws://127.0.0.1:{}/", echo.port);
    let mut holders = vec![];
    let mut failed = 0.0;
    let mut left = n;
    while left > 0 {
        let k = left.min(10_000);
        let (h, a) = Holder::start(&url, None, k);
        failed += field(&[a], 3)[0];
        holders.push(h);
        left -= k;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = fleet::rss_kib(echo.child.id());
    for h in holders {
        h.stop();
    }
    echo.stop();
    json!({
        "connections": n,
        "failed": failed,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "kib_per_connection": (after.saturating_sub(before)) as f64 / n as f64,
    })
}

/// Sends one message from the agent into each conversation, over 8 sockets; returns the time.
async fn agent_round(url: &str, token: &str, convs: &[String], tag: &str) -> f64 {
    let t0 = Instant::now();
    let mut tasks = vec![];
    let per = convs.len().div_ceil(8).max(1);
    for (k, chunk) in convs.chunks(per).enumerate() {
        let chunk = chunk.to_vec();
        let (url, token, tag) = (url.to_string(), token.to_string(), tag.to_string());
        tasks.push(tokio::spawn(async move {
            let mut ws = fleet::connect(&url, &json!({"type": "hello", "v": 1, "token": token}))
                .await
                .expect("agent socket");
            let mut pending: HashSet<String> = HashSet::new();
            let mut frames = vec![];
            for (i, conv) in chunk.iter().enumerate() {
                let cid = format!("{tag}-{k}-{i}");
                pending.insert(cid.clone());
                frames.push(json!({"type": "send", "cid": cid, "conversation": conv,
                    "body": "您好，您的包裹今天已经发出，请留意查收。", "accept_warnings": true}));
            }
            // A window of frames in flight, reading as it goes (an agent socket also receives
            // every message it sends; one that stops reading is cut off as too slow).
            let (mut next, mut inflight, mut retries) = (0usize, 0usize, 0usize);
            while !pending.is_empty() {
                while inflight < 32 && next < frames.len() {
                    ws.send(Message::Text(frames[next].to_string().into()))
                        .await
                        .expect("send");
                    next += 1;
                    inflight += 1;
                }
                let t = match tokio::time::timeout(Duration::from_secs(60), ws.next()).await {
                    Ok(Some(Ok(Message::Text(t)))) => t,
                    // The server's pacing pings: the library answers them by itself.
                    Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                    _ => panic!("agent socket ended with {} unanswered", pending.len()),
                };
                let f: Value = serde_json::from_str(&t).expect("json");
                let cid = f["cid"].as_str().unwrap_or("").to_string();
                match f["type"].as_str() {
                    Some("ack") => {
                        pending.remove(&cid);
                        inflight -= 1;
                    }
                    Some("error") if f["code"] == "busy" => {
                        // Shed: the same frame again shortly.
                        retries += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        if let Some(frame) = frames.iter().find(|x| x["cid"] == cid.as_str()) {
                            ws.send(Message::Text(frame.to_string().into()))
                                .await
                                .expect("send");
                        }
                    }
                    Some("error") => panic!("agent send failed: {t}"),
                    _ => {}
                }
            }
            retries
        }));
    }
    for t in tasks {
        t.await.expect("agent");
    }
    t0.elapsed().as_secs_f64()
}

/// The ledger check: every acknowledged client id is stored exactly once.
async fn ledger(data_dir: &Path, acked: &[String], prefix: &str) -> Value {
    let db = fleet::open_db(data_dir, false).await;
    let rows: Vec<(String, i64)> = kefu_store::Exec::fetch_all(
        &db,
        "SELECT client_id, COUNT(*) FROM messages WHERE client_id IS NOT NULL GROUP BY client_id",
        vec![],
    )
    .await
    .expect("ledger");
    db.close().await;
    let stored: HashMap<String, i64> = rows
        .into_iter()
        .filter(|(c, _)| c.starts_with(prefix))
        .collect();
    let lost = acked.iter().filter(|c| !stored.contains_key(*c)).count();
    let doubled = stored.values().filter(|n| **n > 1).count();
    json!({"acknowledged": acked.len(), "stored": stored.len(), "lost": lost, "stored_twice": doubled})
}

/// C1, L1, L2 and C2 on one server: `p1` is the chat throughput the rounds measured (msg/s).
pub async fn connections(root: &Path, s: &Sizes, p1: f64) -> Value {
    let echo = echo_memory(s.c1).await;
    eprintln!("C1 baseline (echo server): {echo}");

    let data = root.join("connections");
    let shop = prepare(&data, s.c1 + s.active).await;
    let (idle, active) = shop.visitors.split_at(s.c1);
    let (server, _) = Server::start(&data).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = server.rss_kib();
    let t0 = Instant::now();
    let (mut holders, answers) = hold(&server.ws_url(), idle);
    let connect_s = t0.elapsed().as_secs_f64();
    let failed: f64 = field(&answers, 3).iter().sum();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = server.rss_kib();
    let kefu_per = after.saturating_sub(before) as f64 / s.c1 as f64;
    let echo_per = echo["kib_per_connection"].as_f64().unwrap_or(f64::NAN);
    let c1 = json!({
        "connections": s.c1,
        "failed": failed,
        "connect_seconds": connect_s,
        "rss_before_kib": before,
        "rss_after_kib": after,
        "kib_per_connection": kefu_per,
        "echo": echo,
        "ratio": kefu_per / echo_per,
        "target": 1.5,
    });
    eprintln!("C1: {c1}");

    // Keep the first holder's connections (s.idle of them) for L1, L2 and C2.
    while holders.len() > 1 {
        holders.pop().expect("holder").stop();
    }
    let mut holder = holders.pop().expect("holder");
    let kept = idle.len().min(10_000);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let agent = fleet::agent_token(&data).await;

    // P1 of this server process (with its search indexer and chores running, unlike the
    // in-process rounds): what it admits when twice the rounds' P1 is offered.
    let probe = offer(
        &server.ws_url(),
        &agent,
        active,
        p1 * 2.0,
        s.l1_seconds.min(5.0),
        "P1S",
        None,
    )
    .await;
    let p1_server = probe.acked.len() as f64 / probe.seconds;
    eprintln!(
        "P1 of the server process: {p1_server:.0} msg/s admitted of {:.0} offered",
        p1 * 2.0
    );
    let p1 = p1_server;
    let rate = p1 / 2.0;
    let o = offer(
        &server.ws_url(),
        &agent,
        active,
        rate,
        s.l1_seconds,
        "L1",
        Some(server.child.id()),
    )
    .await;
    let l1 = json!({"idle_connections": kept, "p1_server_msg_s": p1_server,
        "p1_probe": offered_json(&probe, probe.offered as f64 / probe.seconds),
        "offered": offered_json(&o, rate),
        "targets": {"p99_ms": 10, "p999_ms": 50}});
    eprintln!("L1: {l1}");
    let l1_p99 = percentile(&o.delivery, 0.99);

    let rate2 = p1 * 2.0;
    let rss_start = server.rss_kib();
    let o2 = offer(
        &server.ws_url(),
        &agent,
        active,
        rate2,
        s.l2_seconds,
        "L2",
        Some(server.child.id()),
    )
    .await;
    let rss_max = o2
        .rss
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .max(server.rss_kib());
    let mut l2 = json!({
        "offered": offered_json(&o2, rate2),
        "rss_start_kib": rss_start,
        "rss_max_kib": rss_max,
        "memory_growth": (rss_max as f64 - rss_start as f64) / rss_start as f64,
        "admitted_p99_over_l1_p99": percentile(&o2.delivery, 0.99) / l1_p99,
        // The same without the senders' lag behind their schedule (see docs/benchmarks.md).
        "admitted_p99_over_l1_p99_from_send": percentile(&o2.delivery_from_send, 0.99)
            / percentile(&o.delivery_from_send, 0.99),
        "targets": {"admitted_p99_over_l1_p99": 2, "memory_growth": 0.10, "lost": 0},
    });
    eprintln!("L2: {l2}");

    // C2: one message into each held conversation while connected, then all drop; one more
    // each while they are away; all reconnect at once, resuming.
    let convs: Vec<String> = idle[..kept].iter().map(|(_, c)| c.clone()).collect();
    let agent = fleet::agent_token(&data).await;
    let first = agent_round(&server.ws_url(), &agent, &convs, "C2a").await;
    holder.command("expect 1");
    let got = holder.answer();
    holder.command("drop");
    let _ = holder.answer();
    let second = agent_round(&server.ws_url(), &agent, &convs, "C2b").await;
    holder.command("reconnect 1");
    let resumed = holder.answer();
    let r = field(std::slice::from_ref(&resumed), 1);
    let c2 = json!({
        "clients": kept,
        "before_drop": got,
        "agent_messages_s": [first, second],
        "resumed_ms": r[0],
        "all_connected_ms": field(std::slice::from_ref(&resumed), 2)[0],
        "missing": field(std::slice::from_ref(&resumed), 3)[0],
        "repeated": field(std::slice::from_ref(&resumed), 4)[0],
        "failed_connections": field(std::slice::from_ref(&resumed), 5)[0],
        "target_ms": 5000,
    });
    eprintln!("C2: {c2}");
    holder.stop();
    server.stop();
    l2["ledger"] = ledger(&data, &o2.acked, "L2-").await;
    eprintln!("L2 ledger: {}", l2["ledger"]);
    json!({"C1": c1, "L1": l1, "L2": l2, "C2": c2})
}

/// Loads pages as a first visitor would, then lets the server settle: its idle memory.
async fn idle_rss(server: &Server) -> u64 {
    let client = reqwest::Client::new();
    for path in [
        "/",
        "/help",
        "/help/search?q=%E9%80%80%E8%B4%A7",
        "/help/search?q=refund",
    ] {
        let _ = client
            .get(format!("{}{path}", server.url()))
            .send()
            .await
            .and_then(|r| r.error_for_status());
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.rss_kib()
}

async fn starts(data: &Path, n: usize, fresh: bool) -> Vec<f64> {
    let mut v = vec![];
    for i in 0..n {
        let dir = if fresh {
            data.join(format!("empty-{i}"))
        } else {
            data.to_path_buf()
        };
        let (server, ms) = Server::start(&dir).await;
        server.stop();
        v.push(ms);
    }
    v.sort_by(f64::total_cmp);
    v
}

/// Writes `n` published articles (70 % English, 30 % Chinese) and `m` messages in resolved
/// conversations of 100 messages each into the shop's database.
async fn fill(data: &Path, n: usize, m: usize) -> f64 {
    let t0 = Instant::now();
    let db = fleet::open_db(data, false).await;
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
    // The archive: conversations of 100 messages each, written by SQL in bulk.
    let inbox: (String,) = kefu_store::Exec::fetch_one(
        &db,
        "SELECT id FROM inboxes ORDER BY created_at LIMIT 1",
        vec![],
    )
    .await
    .expect("inbox");
    let convs = m.div_ceil(100);
    let mut tx = db.begin().await.expect("tx");
    for _ in 0..convs {
        kefu_store::conversations::create(&mut tx, &inbox.0, None, "archive")
            .await
            .expect("conversation");
    }
    tx.commit().await.expect("commit");
    for sql in [
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) \
         INSERT INTO messages (id, conversation_id, seq, kind, author_kind, author_id, client_id, body, meta, created_at) \
         SELECT c.id || '-' || n.i, c.id, n.i, 'text', CASE WHEN n.i % 2 = 1 THEN 'contact' ELSE 'agent' END, NULL, NULL, \
           CASE n.i % 5 WHEN 0 THEN '您好，请问第 ' || n.i || ' 号订单什么时候发货？' \
             WHEN 1 THEN '亲，您的包裹已经在路上了，单号 SF' || (n.i * 7919) || '，预计明天送达。' \
             WHEN 2 THEN 'Hi, I would like to return item ' || n.i || ', it arrived damaged.' \
             WHEN 3 THEN '退款已经原路退回，一般 1 到 3 个工作日到账，请留意。' \
             ELSE 'Thanks! Could you check the shipping address for order ' || n.i || '?' END, \
           '', c.created_at + n.i * 1000 \
         FROM conversations c, n WHERE c.subject = 'archive'",
        "UPDATE conversations SET last_seq = 100, status = 'resolved' WHERE subject = 'archive'",
    ] {
        kefu_store::Exec::execute(&db, sql, vec![])
            .await
            .expect("archive");
    }
    db.close().await;
    t0.elapsed().as_secs_f64()
}

/// R1, R2, S1 and R3: start time and idle memory, empty and with the large shop; search while
/// chat runs at a quarter of P1.
pub async fn large(root: &Path, s: &Sizes, p1: f64) -> Value {
    let empty_root = root.join("empty");
    let r1_empty = starts(&empty_root, s.starts, true).await;
    let (server, _) = Server::start(&empty_root.join("idle")).await;
    let r2_empty = idle_rss(&server).await;
    server.stop();

    let data = root.join("large");
    let shop = prepare(&data, s.active).await;
    let filled = fill(&data, s.articles, s.messages).await;
    let t0 = Instant::now();
    let status = std::process::Command::new(fleet::kefu_binary())
        .args(["search", "reindex", "--data-dir"])
        .arg(&data)
        .env("KEFU_LOG_LEVEL", "error")
        .status()
        .expect("reindex");
    assert!(status.success(), "reindex failed");
    let reindex = t0.elapsed().as_secs_f64();
    eprintln!("large shop written in {filled:.1} s, indexed in {reindex:.1} s");

    let r1_large = starts(&data, s.starts, false).await;
    let (server, _) = Server::start(&data).await;
    let r2_large = idle_rss(&server).await;

    // S1: the help centre's search while chat runs at a quarter of P1.
    let agent = fleet::agent_token(&data).await;
    let mut qrng = Rng(7);
    let mut queries: Vec<String> = vec![];
    for i in 0..200 {
        let q = match i % 4 {
            0 => EN_WORDS[qrng.below(EN_WORDS.len())].to_string(),
            1 => ZH_WORDS[qrng.below(ZH_WORDS.len())].to_string(),
            2 => format!(
                "{} {}",
                EN_WORDS[qrng.below(EN_WORDS.len())],
                EN_WORDS[qrng.below(EN_WORDS.len())]
            ),
            _ => [
                "怎么申请退货退款",
                "where is my package",
                "七天无理由退货",
                "refnud",
            ][i / 4 % 4]
                .to_string(),
        };
        queries.push(q);
    }
    let base = server.url();
    let seconds = s.s1_seconds;
    let searcher = tokio::spawn(async move {
        let client = reqwest::Client::new();
        let end = Instant::now() + Duration::from_secs_f64(seconds);
        let mut lat = vec![];
        let mut bad = 0;
        let mut i = 0;
        while Instant::now() < end {
            let q = &queries[i % queries.len()];
            i += 1;
            let t = Instant::now();
            let r = client
                .get(format!("{base}/help/search"))
                .query(&[("q", q.as_str())])
                .send()
                .await;
            match r {
                Ok(r) if r.status().is_success() => {
                    let _ = r.bytes().await;
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                _ => bad += 1,
            }
        }
        lat.sort_by(f64::total_cmp);
        (lat, bad)
    });
    let rate = p1 / 4.0;
    let chat = offer(
        &server.ws_url(),
        &agent,
        &shop.visitors,
        rate,
        s.s1_seconds,
        "S1",
        None,
    )
    .await;
    let (lat, bad) = searcher.await.expect("searcher");
    server.stop();
    let s1 = json!({
        "articles": s.articles,
        "messages": s.messages,
        "search": ms_stats(&lat),
        "search_failed": bad,
        "chat": offered_json(&chat, rate),
        "target_p99_ms": 10,
    });
    eprintln!("S1: {s1}");
    let binary = std::fs::metadata(fleet::kefu_binary())
        .map(|m| m.len())
        .unwrap_or(0);
    json!({
        "R1": {"empty_ms": r1_empty, "empty_median_ms": percentile(&r1_empty, 0.5),
               "large_ms": r1_large, "large_median_ms": percentile(&r1_large, 0.5),
               "targets_ms": [50, 200]},
        "R2": {"empty_kib": r2_empty, "large_kib": r2_large, "targets_mb": [20, 80]},
        "R3": {"bytes": binary, "mib": binary as f64 / 1048576.0, "target_mb": 15},
        "S1": s1,
        "fill_seconds": filled,
        "reindex_seconds": reindex,
    })
}
