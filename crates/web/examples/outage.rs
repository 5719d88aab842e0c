//! PostgreSQL going away under a running Kefu (issue 8): the database is stopped with
//! `-m immediate` while visitors chat, then started again; Kefu is not restarted.
//!
//! Checked: `/healthz` reports the gap (503, database unreachable) while it lasts; a message
//! sent meanwhile is refused with a clear error, never acknowledged; once the database is back,
//! real-time delivery to the agent's socket (opened before the outage, not reopened) resumes
//! within 5 s and `/healthz` is 200 again; every acknowledged message is stored exactly once.
//!
//! `outage --pg URL --stop CMD --start CMD [--rounds N]`: URL names a server this run may stop
//! (scripts/outage starts a throwaway cluster for it); CMD are shell commands that stop it
//! immediately and start it again. Prints a JSON summary; exits non-zero on a broken promise.

// A measuring harness, like a test: a failed step should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/fleet.rs"]
mod fleet;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fleet::{Server, Ws, connect, fail};
use futures_util::StreamExt;
use kefu_store::{Db, DbOptions};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn sh(cmd: &str) {
    let ok = std::process::Command::new("sh")
        .args(["-c", cmd])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "`{cmd}` failed");
}

/// `/healthz`: status code and body.
async fn health(http: &reqwest::Client, base: &str) -> (u16, Value) {
    match http
        .get(format!("{base}/healthz"))
        .timeout(Duration::from_secs(3))
        .send()
        .await
    {
        Ok(r) => {
            let code = r.status().as_u16();
            (code, r.json().await.unwrap_or(Value::Null))
        }
        Err(e) => (0, json!({"error": e.to_string()})),
    }
}

/// Sends one message and waits (at most `wait`) for its answer.
async fn send(ws: &mut Ws, conv: &str, cid: &str, wait: Duration) -> Result<i64, String> {
    fleet::send_one(ws, conv, cid, &format!("{cid}：还在吗？"), wait)
        .await
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() {
    let (Some(pg), Some(stop), Some(start)) = (arg("--pg"), arg("--stop"), arg("--start")) else {
        fail("usage: outage --pg URL --stop CMD --start CMD [--rounds N]".into());
    };
    let rounds: usize = arg("--rounds").and_then(|r| r.parse().ok()).unwrap_or(3);
    let root = tempfile::Builder::new()
        .prefix("kefu-outage-")
        .tempdir()
        .expect("temp folder");
    let data = root.path().join("data");
    std::fs::create_dir_all(&data).expect("data folder");
    let db = Db::connect(&DbOptions::new(pg.clone()))
        .await
        .expect("database");
    db.migrate().await.expect("migrate");
    let shop = fleet::prepare_db(&db, 3).await;
    db.close().await;
    let (server, _) = Server::start_with(&data, &[("KEFU_DATABASE_URL", pg.as_str())]).await;
    let pid = server.child.id().to_string();
    fleet::undo_on_failure(&["kill", "-9", &pid]);
    let base = server.url();
    let http = reqwest::Client::new();

    // The agent's console: what it receives, with when. Like the real one, it reconnects when
    // its socket closes, resuming from the last sequence it saw in each conversation.
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel::<(String, Instant)>();
    let ws_url = server.ws_url();
    let agent_token = shop.agent_token.clone();
    let reconnects = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let agent_reconnects = reconnects.clone();
    tokio::spawn(async move {
        let mut since: HashMap<String, i64> = HashMap::new();
        loop {
            let hello = json!({"type": "hello", "v": 1, "token": agent_token, "since": since});
            let Ok(mut agent) = connect(&ws_url, &hello).await else {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            };
            while let Some(Ok(m)) = agent.next().await {
                let Message::Text(t) = m else { continue };
                let f: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                if f["type"] == "message" {
                    if let (Some(c), Some(s)) = (f["conversation"].as_str(), f["seq"].as_i64()) {
                        since.insert(c.to_string(), s);
                    }
                    if let Some(cid) = f["cid"].as_str() {
                        let _ = seen_tx.send((cid.to_string(), Instant::now()));
                    }
                }
            }
            agent_reconnects.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let (token, conv) = shop.visitors[0].clone();
    let mut visitor = connect(
        &server.ws_url(),
        &json!({"type": "hello", "v": 1, "visitor": token}),
    )
    .await
    .unwrap_or_else(|e| fail(format!("visitor: {e}")));

    let mut acked: HashMap<String, i64> = HashMap::new();
    let mut report = vec![];
    let mut delivered: HashMap<String, Instant> = HashMap::new();
    for round in 0..rounds {
        // Before: a few messages, each acknowledged and delivered.
        for i in 0..5 {
            let cid = format!("o{round}-before-{i}");
            match send(&mut visitor, &conv, &cid, Duration::from_secs(5)).await {
                Ok(seq) => acked.insert(cid, seq),
                Err(e) => fail(format!("round {round}: a message before the outage: {e}")),
            };
        }
        // The outage.
        sh(&stop);
        let down = Instant::now();
        let mut gap_seen = None;
        while down.elapsed() < Duration::from_secs(10) {
            let (code, body) = health(&http, &base).await;
            if code == 503 && body["database"] == "unreachable" {
                gap_seen = Some(down.elapsed().as_secs_f64() * 1000.0);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let Some(gap_ms) = gap_seen else {
            fail(format!("round {round}: /healthz did not report the outage"));
        };
        let cid = format!("o{round}-during");
        let during = send(&mut visitor, &conv, &cid, Duration::from_secs(10)).await;
        if let Ok(seq) = during {
            fail(format!(
                "round {round}: acknowledged ({seq}) with the database down"
            ));
        }
        let refusal = during.err().unwrap_or_default();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (code, _) = health(&http, &base).await;
        if code != 503 {
            fail(format!(
                "round {round}: /healthz {code} while the database is down"
            ));
        }
        sh(&start);
        let up = Instant::now();
        // After: the visitor sends until one is acknowledged, and the agent's old socket gets it.
        let mut n = 0;
        let resumed_ms = loop {
            if up.elapsed() > Duration::from_secs(30) {
                fail(format!(
                    "round {round}: no delivery 30 s after the database came back"
                ));
            }
            let cid = format!("o{round}-after-{n}");
            n += 1;
            match send(&mut visitor, &conv, &cid, Duration::from_secs(2)).await {
                Ok(seq) => {
                    acked.insert(cid.clone(), seq);
                    let until = Instant::now() + Duration::from_secs(10);
                    while !delivered.contains_key(&cid) && Instant::now() < until {
                        if let Ok(Some((c, at))) =
                            tokio::time::timeout(Duration::from_millis(100), seen_rx.recv()).await
                        {
                            delivered.insert(c, at);
                        }
                    }
                    match delivered.get(&cid) {
                        Some(at) => break at.duration_since(up).as_secs_f64() * 1000.0,
                        None => fail(format!(
                            "round {round}: {cid} acknowledged but not delivered to the agent"
                        )),
                    }
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let mut healthy_ms = None;
        while up.elapsed() < Duration::from_secs(30) {
            if health(&http, &base).await.0 == 200 {
                healthy_ms = Some(up.elapsed().as_secs_f64() * 1000.0);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        eprintln!(
            "round {round}: outage seen by /healthz after {gap_ms:.0} ms; a send meanwhile: \
             {refusal}; delivery resumed {resumed_ms:.0} ms after the database came back"
        );
        if resumed_ms > 5000.0 {
            fail(format!(
                "round {round}: delivery resumed after {resumed_ms:.0} ms (> 5 s)"
            ));
        }
        report.push(
            json!({"healthz_saw_outage_ms": gap_ms, "refused_during": refusal,
            "agent_reconnects": reconnects.load(std::sync::atomic::Ordering::Relaxed),
            "delivery_resumed_ms": resumed_ms, "healthz_ok_ms": healthy_ms}),
        );
    }
    // Every acknowledged message stored exactly once; everything delivered was acknowledged or
    // refused-then-stored is fine, but nothing acknowledged may be missing.
    while let Ok((c, at)) = seen_rx.try_recv() {
        delivered.insert(c, at);
    }
    let db = Db::connect(&DbOptions::new(pg.clone()))
        .await
        .expect("database");
    let twice = fleet::check_acked(&db, &acked)
        .await
        .unwrap_or_else(|e| fail(e));
    db.close().await;
    server.stop();
    println!(
        "{}",
        json!({"rounds": report, "acknowledged": acked.len(), "lost": 0,
            "stored_twice": twice})
    );
}
