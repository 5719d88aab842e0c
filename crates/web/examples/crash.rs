//! Crash durability (issue 8): the real `kefu` binary under chat load is killed with SIGKILL at
//! a random moment, again and again, and started again on the same data.
//!
//! Visitors keep up to eight messages in flight each (sent before the earlier ones are
//! acknowledged), resend what was not acknowledged when the server comes back (as the widget
//! does, with the same client id), and resume from the last sequence they saw. After every
//! restart the ledger is checked against the database:
//!
//! - every acknowledged message is stored exactly once, with the sequence its ack gave;
//! - no client id is stored twice, even when its first ack was lost in the crash and it was sent
//!   again;
//! - each visitor's messages are stored in the order it sent them;
//! - a client never receives the same message twice, and at the end every visitor has received
//!   every stored message of its conversation (missed ones replayed on resume).
//!
//! `cargo run --release -p kefu-web --example crash -- [--cycles N] [--visitors N] [--pg URL]
//! [--seed N]`: SQLite in a fresh data folder by default; with `--pg` (a server URL whose user
//! may create databases) in a database of its own, dropped at the end. The `kefu` binary beside
//! this example is the one started (`KEFU_BENCH_BIN` to choose another). Exits non-zero on the
//! first broken promise; prints a JSON summary.

// A measuring harness, like a test: a failed step should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/fleet.rs"]
mod fleet;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use fleet::{Server, connect};
use futures_util::{SinkExt, StreamExt};
use kefu_store::{Db, DbOptions, Exec};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// Messages a visitor may have sent and not yet seen acknowledged.
const WINDOW: usize = 8;

struct Visitor {
    i: usize,
    token: String,
    conv: String,
    next_n: u64,
    /// Sent, not acknowledged: n -> client id.
    unacked: BTreeMap<u64, String>,
    /// Acknowledged: n -> sequence.
    acked: BTreeMap<u64, i64>,
    /// Sequences received as `message` frames.
    seen: BTreeSet<i64>,
    repeated: usize,
    refused: usize,
}

impl Visitor {
    fn cid(&self, n: u64) -> String {
        format!("k-{}-{n}", self.i)
    }

    fn frame(&self, n: u64) -> Message {
        let f = json!({"type": "send", "cid": self.cid(n), "conversation": self.conv,
            "body": format!("第 {n} 条：退货地址是哪里？ crash test")});
        Message::Text(f.to_string().into())
    }

    /// One connection: resend what is unacknowledged, then (when `more`) keep the window full
    /// until the server goes away; without `more`, return once nothing is outstanding and the
    /// socket has been quiet for `quiet`.
    async fn session(&mut self, url: &str, more: bool, quiet: Duration) -> Result<(), String> {
        let last = self.seen.last().copied().unwrap_or(0);
        let hello = json!({"type": "hello", "v": 1, "visitor": self.token,
            "since": {self.conv.clone(): last}});
        let mut ws = connect(url, &hello).await?;
        let (mut again, mut resend_at) = (BTreeSet::new(), None::<Instant>);
        let resend: Vec<u64> = self.unacked.keys().copied().collect();
        for n in resend {
            ws.send(self.frame(n)).await.map_err(|e| e.to_string())?;
        }
        loop {
            while more && self.unacked.len() < WINDOW {
                let n = self.next_n;
                self.next_n += 1;
                self.unacked.insert(n, self.cid(n));
                ws.send(self.frame(n)).await.map_err(|e| e.to_string())?;
            }
            if resend_at.is_some_and(|at| at <= Instant::now()) {
                resend_at = None;
                for n in std::mem::take(&mut again) {
                    if self.unacked.contains_key(&n) {
                        ws.send(self.frame(n)).await.map_err(|e| e.to_string())?;
                    }
                }
            }
            let wait = resend_at.map_or(quiet, |at| at.saturating_duration_since(Instant::now()));
            let m = match tokio::time::timeout(wait, ws.next()).await {
                Ok(Some(Ok(m))) => m,
                Ok(Some(Err(e))) => return Err(e.to_string()),
                Ok(None) => return Err("closed".into()),
                Err(_) if resend_at.is_some() => continue,
                Err(_) if !more && self.unacked.is_empty() => return Ok(()),
                Err(_) if more => return Err("the server went quiet".into()),
                Err(_) => continue,
            };
            let Message::Text(t) = m else { continue };
            let f: Value = serde_json::from_str(&t).map_err(|e| e.to_string())?;
            match f["type"].as_str() {
                Some("message") if f["conversation"] == self.conv.as_str() => {
                    let seq = f["seq"].as_i64().unwrap_or(-1);
                    if !self.seen.insert(seq) {
                        self.repeated += 1;
                    }
                }
                Some("ack") => {
                    let cid = f["cid"].as_str().unwrap_or_default();
                    let n: u64 = cid
                        .rsplit('-')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                    if self.unacked.remove(&n).is_some() {
                        self.acked.insert(n, f["seq"].as_i64().unwrap_or(-1));
                    }
                }
                Some("error") if f["code"] == "busy" => {
                    // Refused before it was taken: sent again after a pause, in order with the
                    // others refused meanwhile, as the widget does.
                    self.refused += 1;
                    if let Some(n) = f["cid"]
                        .as_str()
                        .and_then(|c| c.rsplit('-').next()?.parse().ok())
                    {
                        again.insert(n);
                        resend_at.get_or_insert_with(|| Instant::now() + Duration::from_millis(20));
                    }
                }
                Some("error") => return Err(format!("refused: {t}")),
                _ => {}
            }
        }
    }
}

/// Every visitor's [`Visitor::session`] in a task of its own; each gives back its visitor.
fn sessions(
    visitors: &mut Vec<Visitor>,
    url: &str,
    more: bool,
    quiet: Duration,
) -> Vec<tokio::task::JoinHandle<(Visitor, Result<(), String>)>> {
    visitors
        .drain(..)
        .map(|mut v| {
            let url = url.to_string();
            tokio::spawn(async move {
                let r = v.session(&url, more, quiet).await;
                (v, r)
            })
        })
        .collect()
}

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Stops the server, keeps the data folder for a look, and exits with the broken promise.
fn fail(server: Server, data: &std::path::Path, msg: String) -> ! {
    drop(server);
    eprintln!("{msg}\n(data kept in {})", data.display());
    std::process::exit(1);
}

/// Statements are `&'static str`; these few are made once each.
fn sql(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// What the database holds: client id -> (conversation, sequence), and every sequence per
/// conversation.
async fn stored(db: &Db) -> (HashMap<String, Vec<i64>>, HashMap<String, BTreeSet<i64>>) {
    let rows: Vec<(String, i64, Option<String>)> = db
        .fetch_all(
            "SELECT conversation_id, seq, client_id FROM messages",
            vec![],
        )
        .await
        .expect("messages");
    let mut by_cid: HashMap<String, Vec<i64>> = HashMap::new();
    let mut by_conv: HashMap<String, BTreeSet<i64>> = HashMap::new();
    for (conv, seq, cid) in rows {
        by_conv.entry(conv).or_default().insert(seq);
        if let Some(c) = cid.filter(|c| c.starts_with("k-")) {
            by_cid.entry(c).or_default().push(seq);
        }
    }
    (by_cid, by_conv)
}

/// Checks the ledger; returns (acknowledged, stored unacknowledged) or the first broken promise.
fn check(
    visitors: &[Visitor],
    by_cid: &HashMap<String, Vec<i64>>,
) -> Result<(usize, usize), String> {
    if let Some((cid, seqs)) = by_cid.iter().find(|(_, s)| s.len() > 1) {
        return Err(format!("{cid} stored {} times: {seqs:?}", seqs.len()));
    }
    let (mut acked, mut extra) = (0, 0);
    for v in visitors {
        for (n, seq) in &v.acked {
            acked += 1;
            match by_cid.get(&v.cid(*n)).map(|s| s[0]) {
                None => return Err(format!("{} was acknowledged and is lost", v.cid(*n))),
                Some(s) if s != *seq => {
                    return Err(format!(
                        "{} acknowledged as {seq}, stored as {s}",
                        v.cid(*n)
                    ));
                }
                Some(_) => {}
            }
        }
        extra += v
            .unacked
            .keys()
            .filter(|n| by_cid.contains_key(&v.cid(**n)))
            .count();
        // Stored in the order sent: sequences rise with n.
        let mut mine: Vec<(u64, i64)> = (0..v.next_n)
            .filter_map(|n| by_cid.get(&v.cid(n)).map(|s| (n, s[0])))
            .collect();
        mine.sort();
        if let Some(w) = mine.windows(2).find(|w| w[1].1 <= w[0].1) {
            return Err(format!(
                "visitor {}: message {} stored as {} before message {} as {}",
                v.i, w[1].0, w[1].1, w[0].0, w[0].1
            ));
        }
        if v.repeated > 0 {
            return Err(format!(
                "visitor {} received {} messages twice",
                v.i, v.repeated
            ));
        }
    }
    Ok((acked, extra))
}

#[tokio::main]
async fn main() {
    let cycles: usize = arg("--cycles").and_then(|c| c.parse().ok()).unwrap_or(100);
    let n_visitors: usize = arg("--visitors").and_then(|c| c.parse().ok()).unwrap_or(20);
    let seed: u64 = arg("--seed").and_then(|c| c.parse().ok()).unwrap_or(0x5eed);
    let pg = arg("--pg");
    let root = tempfile::Builder::new()
        .prefix("kefu-crash-")
        .tempdir()
        .expect("temp folder");
    let data = root.path().join("data");
    std::fs::create_dir_all(&data).expect("data folder");

    // The database: SQLite in the data folder, or a PostgreSQL database of its own.
    let (url, pg_admin) = match &pg {
        None => (format!("sqlite://{}", data.join("kefu.db").display()), None),
        Some(server) => {
            let name = format!("kefu_crash_{}", std::process::id());
            let admin = Db::connect(&DbOptions::new(server.clone()))
                .await
                .expect("PostgreSQL");
            admin
                .execute(sql(format!("DROP DATABASE IF EXISTS {name}")), vec![])
                .await
                .expect("drop");
            admin
                .execute(sql(format!("CREATE DATABASE {name}")), vec![])
                .await
                .expect("create database");
            let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(server);
            (format!("{base}/{name}"), Some((admin, name)))
        }
    };
    let db = Db::connect(&DbOptions {
        url: url.clone(),
        sqlite_synchronous_full: true,
        max_connections: 2,
        pg_schema: None,
    })
    .await
    .expect("database");
    db.migrate().await.expect("migrate");
    let shop = fleet::prepare_db(&db, n_visitors).await;
    let mut visitors: Vec<Visitor> = shop
        .visitors
        .iter()
        .enumerate()
        .map(|(i, (token, conv))| Visitor {
            i,
            token: token.clone(),
            conv: conv.clone(),
            next_n: 0,
            unacked: BTreeMap::new(),
            acked: BTreeMap::new(),
            seen: BTreeSet::new(),
            repeated: 0,
            refused: 0,
        })
        .collect();

    let env = [("KEFU_DATABASE_URL", url.as_str())];
    let mut rng = Rng(seed | 1);
    let t0 = Instant::now();
    let mut starts = vec![];
    // Messages stored whose ack the crash cut off (sent again later: acknowledged as repeats).
    let (mut acked, mut extra) = (0, 0);
    for cycle in 0..=cycles {
        let (mut server, start_ms) = Server::start_with(&data, &env).await;
        starts.push(start_ms);
        let (by_cid, _) = stored(&db).await;
        match check(&visitors, &by_cid) {
            Ok((a, e)) => (acked, extra) = (a, extra + e),
            Err(e) => {
                fail(server, &data, format!("cycle {cycle}: {e}"));
            }
        }
        if cycle == cycles {
            // The last start: everyone comes back, sends nothing new, and must end up with every
            // message of its conversation, each once.
            let tasks = sessions(
                &mut visitors,
                &server.ws_url(),
                false,
                Duration::from_millis(500),
            );
            for t in tasks {
                let (v, r) = t.await.expect("visitor");
                if let Err(e) = r {
                    fail(
                        server,
                        &data,
                        format!("visitor {} could not resume: {e}", v.i),
                    );
                }
                visitors.push(v);
            }
            let (by_cid, by_conv) = stored(&db).await;
            match check(&visitors, &by_cid) {
                Ok((a, _)) => acked = a,
                Err(e) => {
                    fail(server, &data, format!("after resuming: {e}"));
                }
            }
            for v in &visitors {
                let want = by_conv.get(&v.conv).cloned().unwrap_or_default();
                if v.seen != want || !v.unacked.is_empty() {
                    let missing: Vec<_> = want.difference(&v.seen).take(5).collect();
                    let msg = format!(
                        "visitor {}: {} of {} messages received (missing {missing:?}), {} \
                         unacknowledged",
                        v.i,
                        v.seen.len(),
                        want.len(),
                        v.unacked.len()
                    );
                    fail(server, &data, msg);
                }
            }
            server.stop();
            break;
        }
        // Load, then SIGKILL at a random moment.
        let tasks = sessions(
            &mut visitors,
            &server.ws_url(),
            true,
            Duration::from_secs(20),
        );
        tokio::time::sleep(Duration::from_millis(100 + rng.below(1400))).await;
        let _ = server.child.kill();
        let _ = server.child.wait();
        for t in tasks {
            // Each session ends when the server is killed (an error, expected here).
            visitors.push(t.await.expect("visitor").0);
        }
        visitors.sort_by_key(|v| v.i);
        if cycle % 10 == 0 || cycle + 1 == cycles {
            eprintln!(
                "cycle {cycle}: {acked} acknowledged, {extra} stored before their ack was lost, \
                 {:.0} s",
                t0.elapsed().as_secs_f64()
            );
        }
    }
    starts.sort_by(f64::total_cmp);
    let summary = json!({
        "backend": if pg.is_some() { "postgres" } else { "sqlite" },
        "cycles": cycles,
        "visitors": n_visitors,
        "acknowledged": acked,
        "lost": 0,
        "stored_twice": 0,
        "stored_before_ack_lost": extra,
        "received_twice": 0,
        "refused_busy": visitors.iter().map(|v| v.refused).sum::<usize>(),
        "restart_ms_median": starts[starts.len() / 2],
        "restart_ms_max": starts[starts.len() - 1],
        "seconds": t0.elapsed().as_secs_f64(),
    });
    println!("{summary}");
    db.close().await;
    if let Some((admin, name)) = pg_admin {
        let _ = admin
            .execute(
                sql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")),
                vec![],
            )
            .await;
        admin.close().await;
    }
}
