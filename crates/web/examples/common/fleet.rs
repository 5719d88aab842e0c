//! Kefu as its own process, and crowds of WebSocket clients in processes of their own: what the
//! benchmark's latency, connection, search and start-up scenarios need (a process's open-file
//! limit here is 20,000, so 19,000 connections take a server and two client processes).
//!
//! - [`Server`]: the release `kefu` binary started on a data folder, timed to `/healthz` 200,
//!   its resident memory read from `/proc`.
//! - [`prepare`]: a shop written straight into a data folder's database before the server
//!   starts: an admin, a widget inbox, visitors each with a conversation, a socket token.
//! - [`Holder`]: a child process (this same binary with `--hold`) that opens a share of the
//!   visitors' connections, says hello, and then on command waits for messages, drops every
//!   connection at once and reconnects resuming from the last sequence each one saw.
//! - [`echo_server`]: the baseline, a bare tokio-tungstenite echo server with Kefu's buffer
//!   settings, in a process of its own (this binary with `--echo-server`).
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use kefu_core::Role;
use kefu_store::people::NewPerson;
use kefu_store::{Db, DbOptions, conversations, people, teams, visitors};
use kefu_web::{AppState, WebConfig};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Resident memory of process `pid`, KiB.
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The `kefu` binary beside this example (`target/release/examples/bench` → `target/release/kefu`),
/// or `KEFU_BENCH_BIN`.
pub fn kefu_binary() -> PathBuf {
    if let Ok(b) = std::env::var("KEFU_BENCH_BIN") {
        return b.into();
    }
    let exe = std::env::current_exe().expect("own path");
    exe.parent()
        .and_then(Path::parent)
        .map(|d| d.join("kefu"))
        .expect("target folder")
}

async fn healthz(port: u16) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    if s.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 12];
    s.read_exact(&mut buf).await.is_ok() && &buf[9..12] == b"200"
}

pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    /// Starts `kefu serve` on `data_dir`; returns it with the time to the first `/healthz` 200.
    pub async fn start(data_dir: &Path) -> (Server, f64) {
        Server::start_with(data_dir, &[]).await
    }

    /// The same with more environment (for example `KEFU_DATABASE_URL`).
    pub async fn start_with(data_dir: &Path, env: &[(&str, &str)]) -> (Server, f64) {
        let port = free_port();
        let t0 = Instant::now();
        let mut child = Command::new(kefu_binary())
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(data_dir)
            .env(
                "KEFU_LOG_LEVEL",
                std::env::var("KEFU_BENCH_SERVER_LOG").unwrap_or_else(|_| "error".into()),
            )
            // The load clients send far faster than people: the per-sender limit is lifted
            // (still counted on every message).
            .env("KEFU_CHAT_MESSAGES_PER_MINUTE", "1000000000")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            // The server logs to stdout: shown only when a level was asked for.
            .stdout(if std::env::var_os("KEFU_BENCH_SERVER_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .stderr(Stdio::inherit())
            .spawn()
            .expect("kefu binary (scripts/bench builds it)");
        loop {
            if healthz(port).await {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("kefu exited: {status}");
            }
            assert!(t0.elapsed() < Duration::from_secs(60), "kefu did not start");
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        (Server { child, port }, ms)
    }

    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.child.id())
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.port)
    }

    /// Stops it gracefully (SIGTERM) and waits.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// A benchmark that fails half-way leaves no server behind to skew the next run.
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Shop {
    pub agent_token: String,
    /// Visitor token and conversation id.
    pub visitors: Vec<(String, String)>,
    pub inbox: String,
}

pub async fn open_db(data_dir: &Path, durable: bool) -> Db {
    std::fs::create_dir_all(data_dir).expect("data folder");
    let db = Db::connect(&DbOptions {
        url: format!("sqlite://{}", data_dir.join("kefu.db").display()),
        sqlite_synchronous_full: durable,
        max_connections: 4,
        pg_schema: None,
    })
    .await
    .expect("database");
    db.migrate().await.expect("migrate");
    db
}

/// A shop in `data_dir`'s database (made if missing): an admin, a widget inbox, `n` visitors
/// each with a conversation.
pub async fn prepare(data_dir: &Path, n: usize) -> Shop {
    let db = open_db(data_dir, false).await;
    let shop = prepare_db(&db, n).await;
    db.close().await;
    shop
}

/// The same in any database (already migrated).
pub async fn prepare_db(db: &Db, n: usize) -> Shop {
    let mut tx = db.begin().await.expect("tx");
    let agent = people::insert(
        &mut tx,
        &NewPerson {
            role: Some(Role::Admin),
            email: format!("bench-{}@shop.test", kefu_core::id::new_id()),
            name: "agent".into(),
            verified: true,
            ..Default::default()
        },
    )
    .await
    .expect("agent");
    tx.commit().await.expect("commit");
    let inbox = teams::create_inbox(db, "Bench", kefu_core::kinds::Channel::Widget)
        .await
        .expect("inbox");
    let mut list = Vec::with_capacity(n);
    let mut tx = db.begin().await.expect("tx");
    for i in 0..n {
        let contact = people::insert(
            &mut tx,
            &NewPerson {
                role: Some(Role::Customer),
                ..Default::default()
            },
        )
        .await
        .expect("contact");
        let (token, _) = visitors::create(&mut tx, &inbox.id, &contact.id)
            .await
            .expect("visitor");
        let conv = conversations::create(&mut tx, &inbox.id, Some(&contact.id), "bench")
            .await
            .expect("conversation");
        list.push((token, conv.id));
        if i % 2000 == 1999 {
            tx.commit().await.expect("commit");
            tx = db.begin().await.expect("tx");
        }
    }
    tx.commit().await.expect("commit");
    let state = AppState::new(db.clone(), WebConfig::default(), None);
    let (agent_token, _) = kefu_service::chat::token::issue(&state, &agent.id)
        .await
        .expect("token");
    drop(state);
    Shop {
        agent_token,
        visitors: list,
        inbox: inbox.id,
    }
}

/// Commands that undo what a run set up (kill its server, unmount its folder), run by [`fail`].
static ON_FAIL: std::sync::Mutex<Vec<Vec<String>>> = std::sync::Mutex::new(Vec::new());

/// Registers a command for [`fail`] to run first.
pub fn undo_on_failure(args: &[&str]) {
    if let Ok(mut list) = ON_FAIL.lock() {
        list.push(args.iter().map(|a| a.to_string()).collect());
    }
}

/// Reports a broken promise and exits non-zero, after the registered undo commands (exit skips
/// destructors, so a server child would outlive the run).
pub fn fail(msg: String) -> ! {
    if let Ok(list) = ON_FAIL.lock() {
        for c in list.iter().rev() {
            let _ = Command::new(&c[0]).args(&c[1..]).status();
        }
    }
    eprintln!("{msg}");
    std::process::exit(1);
}

/// Why a message sent with [`send_one`] was not acknowledged.
#[derive(Debug)]
pub enum Unsent {
    /// Refused: `code: message`.
    Refused(String),
    NoAnswer,
    Closed,
}

impl std::fmt::Display for Unsent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unsent::Refused(s) => f.write_str(s),
            Unsent::NoAnswer => f.write_str("no answer"),
            Unsent::Closed => f.write_str("socket closed"),
        }
    }
}

/// Sends one chat message and waits at most `wait` for its answer: the sequence when
/// acknowledged.
pub async fn send_one(
    ws: &mut Ws,
    conv: &str,
    cid: &str,
    body: &str,
    wait: Duration,
) -> Result<i64, Unsent> {
    let f = serde_json::json!({"type": "send", "cid": cid, "conversation": conv, "body": body});
    ws.send(Message::Text(f.to_string().into()))
        .await
        .map_err(|_| Unsent::Closed)?;
    let until = Instant::now() + wait;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let m = match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(m))) => m,
            Ok(_) => return Err(Unsent::Closed),
            Err(_) => return Err(Unsent::NoAnswer),
        };
        let Message::Text(t) = m else { continue };
        let f: serde_json::Value = serde_json::from_str(&t).unwrap_or_default();
        if f["cid"] != cid {
            continue;
        }
        match f["type"].as_str() {
            Some("ack") => return Ok(f["seq"].as_i64().unwrap_or(-1)),
            Some("error") => {
                return Err(Unsent::Refused(format!(
                    "{}: {}",
                    f["code"].as_str().unwrap_or("?"),
                    f["message"].as_str().unwrap_or("")
                )));
            }
            _ => {}
        }
    }
}

/// Each acknowledged client id (with the sequence its ack gave) is stored exactly once, with
/// that sequence; returns the first that is not, and how many rows each kept.
pub async fn check_acked(db: &Db, acked: &HashMap<String, i64>) -> Result<usize, String> {
    let rows: Vec<(String, i64)> = kefu_store::Exec::fetch_all(
        db,
        "SELECT client_id, seq FROM messages WHERE client_id IS NOT NULL",
        vec![],
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut stored: HashMap<String, Vec<i64>> = HashMap::new();
    for (c, s) in rows {
        stored.entry(c).or_default().push(s);
    }
    for (cid, seq) in acked {
        match stored.get(cid) {
            Some(s) if s.len() == 1 && s[0] == *seq => {}
            other => return Err(format!("{cid} acknowledged as {seq}, stored as {other:?}")),
        }
    }
    Ok(stored.values().filter(|s| s.len() > 1).count())
}

/// A new socket token for the shop's agent (they last five minutes).
pub async fn agent_token(data_dir: &Path) -> String {
    let db = open_db(data_dir, false).await;
    let (id,): (String,) = kefu_store::Exec::fetch_one(
        &db,
        "SELECT id FROM people WHERE email LIKE 'bench-%' ORDER BY created_at LIMIT 1",
        vec![],
    )
    .await
    .expect("agent");
    let state = AppState::new(db.clone(), WebConfig::default(), None);
    let (t, _) = kefu_service::chat::token::issue(&state, &id)
        .await
        .expect("token");
    drop(state);
    db.close().await;
    t
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects and says `hello`; returns once welcomed. No `Origin` (not a browser).
pub async fn connect(url: &str, hello: &serde_json::Value) -> Result<Ws, String> {
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
        .await
        .map_err(|e| e.to_string())?;
    ws.send(Message::Text(hello.to_string().into()))
        .await
        .map_err(|e| e.to_string())?;
    loop {
        match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) if t.contains("\"welcome\"") || t == "hello" => {
                return Ok(ws);
            }
            Ok(Some(Ok(Message::Text(t)))) if t.contains("\"error\"") => return Err(t.to_string()),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => return Err(e.to_string()),
            Ok(None) => return Err("closed".into()),
            Err(_) => return Err("no welcome within 30 s".into()),
        }
    }
}

// ---- the echo server baseline (its own process) ----

/// Runs the bare echo server: prints its port, serves until stdin closes.
pub async fn echo_server() {
    let listener = {
        let s = tokio::net::TcpSocket::new_v4().expect("socket");
        s.set_reuseaddr(true).expect("reuse");
        s.bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
        s.listen(4096).expect("listen")
    };
    println!("{}", listener.local_addr().expect("addr").port());
    std::io::stdout().flush().expect("stdout");
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(64 * 1024);
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            tokio::spawn(async move {
                let Ok(mut ws) =
                    tokio_tungstenite::accept_async_with_config(tcp, Some(config)).await
                else {
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
    let _ = tokio::task::spawn_blocking(|| {
        let mut s = String::new();
        let _ = std::io::stdin().read_line(&mut s);
    })
    .await;
}

pub struct EchoServer {
    pub child: Child,
    pub port: u16,
}

impl EchoServer {
    pub fn start() -> EchoServer {
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .arg("--echo-server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("echo server");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("port");
        EchoServer {
            port: line.trim().parse().expect("port"),
            child,
        }
    }

    pub fn stop(mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

// ---- client processes holding connections ----

/// One connection a holder keeps: its hello, its conversation, the newest sequence it saw and
/// how many messages arrived, repeated or out of order.
#[derive(Default)]
struct Seen {
    last: i64,
    got: usize,
    repeats: usize,
}

/// The holder process's main: `--hold URL FILE` (lines `token<TAB>conversation`; `-` for the
/// echo server: the hello is the text `hello`). Commands on stdin, one answer line each:
/// `expect K` (wait until every connection has K messages since its start), `drop` (close
/// every connection at once, without a close frame), `reconnect K` (open them all again at
/// once, resuming from the last sequence each saw, and wait until each has K more).
pub async fn hold(url: String, file: String) {
    let entries: Vec<(String, String)> = if file == "-" {
        let n: usize = std::env::var("KEFU_BENCH_HOLD_N")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        (0..n).map(|_| (String::new(), String::new())).collect()
    } else {
        std::fs::read_to_string(&file)
            .expect("tokens")
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    let n = entries.len();
    let seen: Arc<Vec<std::sync::Mutex<Seen>>> =
        Arc::new((0..n).map(|_| Default::default()).collect());
    let changed = Arc::new(Notify::new());
    let failed = Arc::new(AtomicUsize::new(0));
    let entries = Arc::new(entries);

    let open_all = async |tasks: &mut Vec<tokio::task::JoinHandle<()>>, limit: usize| {
        let gate = Arc::new(tokio::sync::Semaphore::new(limit));
        let opened = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(Notify::new());
        for i in 0..n {
            let (url, entries, seen, changed, failed, gate, opened, done) = (
                url.clone(),
                entries.clone(),
                seen.clone(),
                changed.clone(),
                failed.clone(),
                gate.clone(),
                opened.clone(),
                done.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let (token, conv) = &entries[i];
                let hello = if token.is_empty() {
                    None
                } else {
                    let last = seen[i].lock().expect("seen").last;
                    let mut since = serde_json::Map::new();
                    since.insert(conv.clone(), last.into());
                    Some(serde_json::json!({"type": "hello", "v": 1, "visitor": token, "since": since}))
                };
                let permit = gate.acquire_owned().await.expect("gate");
                let ws = match &hello {
                    Some(h) => connect(&url, h).await,
                    None => connect_echo(&url).await,
                };
                drop(permit);
                let finished = |failed_one: bool| {
                    if failed_one {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                    if opened.fetch_add(1, Ordering::AcqRel) + 1 == n {
                        done.notify_one();
                    }
                };
                let mut ws = match ws {
                    Ok(ws) => {
                        finished(false);
                        ws
                    }
                    Err(e) => {
                        if failed.load(Ordering::Relaxed) < 3 {
                            eprintln!("holder: connection failed: {e}");
                        }
                        finished(true);
                        return;
                    }
                };
                while let Some(Ok(m)) = ws.next().await {
                    let Message::Text(t) = m else { continue };
                    if !t.contains("\"message\"") {
                        continue;
                    }
                    let Ok(f) = serde_json::from_str::<serde_json::Value>(&t) else {
                        continue;
                    };
                    if f["type"] != "message" {
                        continue;
                    }
                    let seq = f["seq"].as_i64().unwrap_or(0);
                    {
                        let mut s = seen[i].lock().expect("seen");
                        if seq <= s.last {
                            s.repeats += 1;
                        } else {
                            s.last = seq;
                            s.got += 1;
                        }
                    }
                    changed.notify_one();
                }
            }));
        }
        if n > 0 {
            done.notified().await;
        }
    };

    let wait_for = async |target: usize, timeout: Duration| -> (f64, usize) {
        let t0 = Instant::now();
        loop {
            let short = seen
                .iter()
                .filter(|s| s.lock().expect("seen").got < target)
                .count();
            if short == 0 || t0.elapsed() > timeout {
                return (t0.elapsed().as_secs_f64() * 1000.0, short);
            }
            let _ = tokio::time::timeout(Duration::from_millis(20), changed.notified()).await;
        }
    };

    let mut tasks = vec![];
    let t0 = Instant::now();
    open_all(&mut tasks, 512).await;
    println!(
        "ready {} {:.0} {}",
        n,
        t0.elapsed().as_secs_f64() * 1000.0,
        failed.load(Ordering::Relaxed)
    );
    std::io::stdout().flush().expect("stdout");

    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for l in std::io::stdin().lock().lines() {
            let Ok(l) = l else { break };
            if lines_tx.send(l).is_err() {
                break;
            }
        }
    });
    let mut base = 0usize;
    while let Some(cmd) = lines.recv().await {
        let mut parts = cmd.split_whitespace();
        let answer = match (
            parts.next(),
            parts.next().and_then(|k| k.parse::<usize>().ok()),
        ) {
            (Some("expect"), Some(k)) => {
                let (ms, short) = wait_for(k, Duration::from_secs(60)).await;
                base = k;
                format!("got {ms:.0} {short}")
            }
            (Some("drop"), _) => {
                for t in tasks.drain(..) {
                    t.abort();
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                "dropped".to_string()
            }
            (Some("reconnect"), Some(k)) => {
                failed.store(0, Ordering::Relaxed);
                let t0 = Instant::now();
                // All at once, as after a network blip.
                open_all(&mut tasks, usize::MAX >> 4).await;
                let connected = t0.elapsed().as_secs_f64() * 1000.0;
                let (_, short) = wait_for(base + k, Duration::from_secs(60)).await;
                base += k;
                let repeats: usize = seen.iter().map(|s| s.lock().expect("seen").repeats).sum();
                format!(
                    "resumed {:.0} {:.0} {} {} {}",
                    t0.elapsed().as_secs_f64() * 1000.0,
                    connected,
                    short,
                    repeats,
                    failed.load(Ordering::Relaxed)
                )
            }
            _ => break,
        };
        println!("{answer}");
        std::io::stdout().flush().expect("stdout");
    }
}

async fn connect_echo(url: &str) -> Result<Ws, String> {
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
        .await
        .map_err(|e| e.to_string())?;
    ws.send(Message::Text("hello".into()))
        .await
        .map_err(|e| e.to_string())?;
    match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
        Ok(Some(Ok(_))) => Ok(ws),
        _ => Err("no echo".into()),
    }
}

/// A holder child process.
pub struct Holder {
    child: Child,
    stdin: ChildStdin,
    stdout: std::io::BufReader<ChildStdout>,
    _file: Option<tempfile::NamedTempFile>,
}

impl Holder {
    /// Starts a holder for `entries` (token, conversation) on `url`; `None` entries: `n` echo
    /// connections. Returns once it says it is ready, with its answer line.
    pub fn start(url: &str, entries: Option<&[(String, String)]>, n: usize) -> (Holder, String) {
        let mut cmd = Command::new(std::env::current_exe().expect("own path"));
        cmd.arg("--hold").arg(url);
        let file = match entries {
            Some(list) => {
                let mut f = tempfile::NamedTempFile::new().expect("temp file");
                for (t, c) in list {
                    writeln!(f, "{t}\t{c}").expect("write");
                }
                f.flush().expect("flush");
                cmd.arg(f.path());
                Some(f)
            }
            None => {
                cmd.arg("-").env("KEFU_BENCH_HOLD_N", n.to_string());
                None
            }
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("holder");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut h = Holder {
            child,
            stdin,
            stdout,
            _file: file,
        };
        let ready = h.line();
        (h, ready)
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        self.stdout.read_line(&mut l).expect("holder answer");
        l.trim().to_string()
    }

    /// Sends a command; the answer is read by [`Holder::answer`].
    pub fn command(&mut self, cmd: &str) {
        writeln!(self.stdin, "{cmd}").expect("holder command");
        self.stdin.flush().expect("flush");
    }

    pub fn answer(&mut self) -> String {
        self.line()
    }

    pub fn stop(self) {}
}

/// Sends `cmd` to every holder at once and collects their answers.
pub fn all(holders: &mut [Holder], cmd: &str) -> Vec<String> {
    for h in holders.iter_mut() {
        h.command(cmd);
    }
    holders.iter_mut().map(Holder::answer).collect()
}

/// Splits the answers' `i`th numbers (after the word) and sums / takes the max.
pub fn field(answers: &[String], i: usize) -> Vec<f64> {
    answers
        .iter()
        .map(|a| {
            a.split_whitespace()
                .nth(i)
                .and_then(|x| x.parse().ok())
                .unwrap_or(f64::NAN)
        })
        .collect()
}

pub type Tally = HashMap<String, usize>;
