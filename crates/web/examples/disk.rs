//! A full disk and a read-only data folder under a running Kefu (issue 8).
//!
//! The data folder is a small tmpfs mounted for the run (root only: `mount`). A visitor chats
//! while a filler file takes the rest of the space, then while the folder is remounted
//! read-only. Checked: every send is answered, acknowledged or refused with a clear error (no
//! hang, no crash); the server keeps answering `/healthz`; once space is freed and the folder is
//! writable again, chat works without a restart; every acknowledged message is stored exactly
//! once. Prints a JSON summary; exits non-zero on a broken promise.
//!
//! `disk [--size-mib N]`; scripts/test runs it when it may mount (skipped otherwise).

// A measuring harness, like a test: a failed step should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/fleet.rs"]
mod fleet;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fleet::{Server, Unsent, Ws, connect, fail};
use serde_json::json;

/// A fresh tmpfs of `size_mib` MiB mounted at `dir` (made first).
fn mount_tmpfs(dir: &Path, size_mib: u64) {
    std::fs::create_dir_all(dir).expect("mount point");
    run(&[
        "mount",
        "-t",
        "tmpfs",
        "-o",
        &format!("size={size_mib}m"),
        "tmpfs",
        dir.to_str().unwrap_or_default(),
    ]);
}

fn run(args: &[&str]) {
    let ok = Command::new(args[0])
        .args(&args[1..])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        fail(format!("`{}` failed", args.join(" ")));
    }
}

/// Sends one message: `Ok(seq)` when acknowledged, `Err(why)` when refused; a send that is
/// not answered within 30 s breaks a promise.
async fn send(ws: &mut Ws, conv: &str, cid: &str, body: &str) -> Result<i64, String> {
    match fleet::send_one(ws, conv, cid, body, Duration::from_secs(30)).await {
        Ok(seq) => Ok(seq),
        Err(Unsent::Refused(why)) => Err(why),
        Err(e) => fail(format!("{cid}: {e}")),
    }
}

/// A visitor's socket.
async fn visitor(server: &Server, token: &str) -> Ws {
    connect(
        &server.ws_url(),
        &json!({"type": "hello", "v": 1, "visitor": token}),
    )
    .await
    .unwrap_or_else(|e| fail(format!("visitor: {e}")))
}

async fn healthz(url: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{url}/healthz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}

fn free_kib(dir: &Path) -> u64 {
    let out = Command::new("df")
        .args(["-k", "--output=avail"])
        .arg(dir)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
        .unwrap_or_default();
    out.lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let size: u64 = std::env::args()
        .skip_while(|a| a != "--size-mib")
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(24);
    let root = tempfile::Builder::new()
        .prefix("kefu-disk-")
        .tempdir()
        .expect("temp folder");
    let mnt = root.path().join("mnt");
    mount_tmpfs(&mnt, size);
    fleet::undo_on_failure(&["umount", "-l", mnt.to_str().unwrap_or_default()]);
    let data = mnt.join("data");
    let shop = fleet::prepare(&data, 1).await;
    let (token, conv) = shop.visitors[0].clone();
    let (server, _) = Server::start(&data).await;
    let pid = server.child.id().to_string();
    fleet::undo_on_failure(&["kill", "-9", &pid]);
    let url = server.url();
    let mut ws = visitor(&server, &token).await;
    let body = "满".repeat(3000);
    let mut acked: HashMap<String, i64> = HashMap::new();
    let mut n = 0;
    let mut next = |tag: &str| {
        n += 1;
        format!("d-{tag}-{n}")
    };

    // 1. Space for a while, then none: a filler takes all but a little.
    for _ in 0..20 {
        let cid = next("ok");
        match send(&mut ws, &conv, &cid, &body).await {
            Ok(s) => acked.insert(cid, s),
            Err(e) => fail(format!("{cid} refused with space left: {e}")),
        };
    }
    let filler = mnt.join("filler");
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=64k", "status=none"])
        .stderr(std::process::Stdio::null())
        .arg(format!("of={}", filler.display()))
        .status();
    let left = free_kib(&mnt);
    let (mut full_acked, mut refused, mut refusal) = (0, 0, String::new());
    let t0 = Instant::now();
    while refused < 10 && t0.elapsed() < Duration::from_secs(60) {
        let cid = next("full");
        match send(&mut ws, &conv, &cid, &body).await {
            Ok(s) => {
                acked.insert(cid, s);
                full_acked += 1;
            }
            Err(e) => {
                refused += 1;
                refusal = e;
            }
        }
    }
    if refused == 0 {
        fail("the disk never filled".into());
    }
    if !refusal.contains("storage_full") {
        fail(format!(
            "a full disk should be said as storage_full: {refusal}"
        ));
    }
    let health_full = healthz(&url).await;
    if health_full == 0 {
        fail("/healthz did not answer with the disk full".into());
    }
    // 2. Space again: chat works without a restart.
    let _ = std::fs::remove_file(&filler);
    let t1 = Instant::now();
    let recovered_ms = loop {
        let cid = next("freed");
        match send(&mut ws, &conv, &cid, &body).await {
            Ok(s) => {
                acked.insert(cid, s);
                break t1.elapsed().as_secs_f64() * 1000.0;
            }
            Err(_) if t1.elapsed() < Duration::from_secs(10) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => fail(format!(
                "still refused 10 s after space was freed: {e} (when full: {refusal}, {full_acked} acknowledged while filling)"
            )),
        }
    };

    // 3. A read-only data folder: Kefu refuses to start with a clear error. (A folder cannot be
    // remounted read-only while its database is open for writing.)
    drop(ws);
    server.stop();
    // A copy of the data on a second tmpfs, remounted read-only (nothing holds it open).
    let ro = root.path().join("ro");
    mount_tmpfs(&ro, size);
    run(&[
        "cp",
        "-a",
        data.to_str().unwrap_or_default(),
        ro.to_str().unwrap_or_default(),
    ]);
    run(&["mount", "-o", "remount,ro", ro.to_str().unwrap_or_default()]);
    let out = Command::new(fleet::kefu_binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(ro.join("data"))
        .env("KEFU_LOG_LEVEL", "error")
        .output()
        .expect("kefu");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success()
        || said.contains("panicked")
        || !said.to_lowercase().contains("read-only")
    {
        fail(format!("kefu on a read-only folder: {} {said}", out.status));
    }
    let ro_refusal = said.trim().lines().last().unwrap_or_default().to_string();
    run(&["umount", ro.to_str().unwrap_or_default()]);
    let (server, _) = Server::start(&data).await;
    let pid = server.child.id().to_string();
    fleet::undo_on_failure(&["kill", "-9", &pid]);
    let mut ws = visitor(&server, &token).await;
    let cid = next("rw");
    match send(&mut ws, &conv, &cid, "又可以写了").await {
        Ok(s) => acked.insert(cid, s),
        Err(e) => fail(format!("refused once the folder was writable again: {e}")),
    };
    drop(ws);
    server.stop();

    // 4. Every acknowledged message stored once, with its sequence.
    let db = fleet::open_db(&data, true).await;
    if let Err(e) = fleet::check_acked(&db, &acked).await {
        fail(e);
    }
    db.close().await;
    run(&["umount", "-l", mnt.to_str().unwrap_or_default()]);
    println!(
        "{}",
        json!({"acknowledged": acked.len(), "lost": 0, "kib_left_by_filler": left,
            "acknowledged_while_filling": full_acked, "refused_full": refused,
            "refusal_full": refusal, "healthz_full": health_full,
            "recovered_after_free_ms": recovered_ms, "read_only_start": ro_refusal})
    );
}
