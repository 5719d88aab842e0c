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

#[path = "common/baseline.rs"]
mod baseline;
use baseline::sqlite_baseline;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use kefu_core::Role;
use kefu_store::people::NewUser;
use kefu_store::{Db, DbOptions, conversations, people, teams, visitors};
use kefu_web::{AppState, WebConfig};
use tokio_tungstenite::tungstenite::Message;

type Sent = Arc<Mutex<HashMap<String, Instant>>>;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Figures {
    messages: usize,
    seconds: f64,
    delivery: Vec<f64>,
    ack: Vec<f64>,
}

async fn run_kefu(db: Db, visitors_n: usize, per_visitor: usize) -> Figures {
    db.migrate().await.expect("migrate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let uploads = tempfile::tempdir().unwrap();
    let state = AppState::new(
        db.clone(),
        WebConfig {
            public_url: format!("http://{addr}"),
            uploads_dir: uploads.path().to_path_buf(),
            ..WebConfig::default()
        },
        None,
    );
    let (router, _) = kefu_web::app(state.clone());
    tokio::spawn(kefu_web::serve(listener, router, std::future::pending()));

    // A shop: an admin who watches every inbox, one widget inbox, the visitors.
    let mut tx = db.begin().await.unwrap();
    let agent = people::insert(
        &mut tx,
        &NewUser {
            role: Some(Role::Admin),
            email: format!("load-{}@shop.test", kefu_core::id::new_id()),
            name: "agent".into(),
            verified: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let inbox = teams::create_inbox(&db, "Load", "widget").await.unwrap();
    let mut visitor_list = vec![];
    for _ in 0..visitors_n {
        let mut tx = db.begin().await.unwrap();
        let contact = people::insert(
            &mut tx,
            &NewUser {
                role: Some(Role::Customer),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let (token, _) = visitors::create(&mut tx, &inbox.id, &contact.id)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let conv = conversations::create(&db, &inbox.id, Some(&contact.id), "load")
            .await
            .unwrap();
        visitor_list.push((token, conv.id));
    }

    let ws_url = format!("ws://{addr}/ws");
    let origin = format!("http://{addr}");
    let connect = async |hello: serde_json::Value| {
        let mut req =
            tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
                ws_url.as_str(),
            )
            .unwrap();
        req.headers_mut().insert("origin", origin.parse().unwrap());
        // Like a browser: no Nagle delay on small frames.
        let (mut ws, _) = tokio_tungstenite::connect_async_with_config(req, None, true)
            .await
            .unwrap();
        ws.send(Message::Text(hello.to_string().into()))
            .await
            .unwrap();
        loop {
            if let Some(Ok(Message::Text(t))) = ws.next().await
                && t.contains("\"welcome\"")
            {
                break;
            }
        }
        ws
    };

    let (token, _) = kefu_web::realtime::token::issue(&state, &agent.id)
        .await
        .unwrap();
    let mut agent_ws = connect(serde_json::json!({"type": "hello", "v": 1, "token": token})).await;
    let sent: Sent = Arc::default();
    let total = visitors_n * per_visitor;
    let receiver = {
        let sent = sent.clone();
        tokio::spawn(async move {
            let mut delivery = Vec::with_capacity(total);
            while delivery.len() < total {
                let Ok(Some(Ok(m))) =
                    tokio::time::timeout(Duration::from_secs(30), agent_ws.next()).await
                else {
                    break;
                };
                let Message::Text(t) = m else { continue };
                let f: serde_json::Value = serde_json::from_str(&t).unwrap();
                if f["type"] == "message"
                    && let Some(cid) = f["cid"].as_str()
                    && let Some(at) = sent.lock().unwrap().get(cid)
                {
                    delivery.push(at.elapsed().as_secs_f64() * 1000.0);
                }
            }
            delivery
        })
    };

    let start = Instant::now();
    let mut tasks = vec![];
    for (i, (token, conv)) in visitor_list.into_iter().enumerate() {
        let mut ws = connect(serde_json::json!({"type": "hello", "v": 1, "visitor": token})).await;
        let sent = sent.clone();
        tasks.push(tokio::spawn(async move {
            let mut acks = vec![];
            for n in 0..per_visitor {
                let cid = format!("v{i}-{n}");
                let frame = serde_json::json!({"type": "send", "cid": cid, "conversation": conv,
                    "body": format!("第 {n} 条：这个水壶可以寄到香港吗？")});
                let t0 = Instant::now();
                sent.lock().unwrap().insert(cid.clone(), t0);
                ws.send(Message::Text(frame.to_string().into()))
                    .await
                    .unwrap();
                loop {
                    let Some(Ok(Message::Text(t))) = ws.next().await else {
                        panic!("visitor socket ended");
                    };
                    if t.contains("\"ack\"") && t.contains(&format!("\"{cid}\"")) {
                        acks.push(t0.elapsed().as_secs_f64() * 1000.0);
                        break;
                    }
                }
            }
            acks
        }));
    }
    let mut ack = vec![];
    for t in tasks {
        ack.extend(t.await.unwrap());
    }
    let delivery = receiver.await.unwrap();
    let seconds = start.elapsed().as_secs_f64();
    Figures {
        messages: total,
        seconds,
        delivery,
        ack,
    }
}

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
