//! The chat load both the `load` and the `bench` examples drive: a shop on a fresh database,
//! one agent and N visitors over WebSocket, each visitor sending its messages one after another
//! (the next when the previous is acknowledged, i.e. committed), the agent receiving all.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use kefu_core::Role;
use kefu_store::people::NewPerson;
use kefu_store::{Db, conversations, people, teams, visitors};
use kefu_web::{AppState, WebConfig};
use tokio_tungstenite::tungstenite::Message;

type Sent = Arc<Mutex<HashMap<String, Instant>>>;

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub struct Figures {
    pub messages: usize,
    pub seconds: f64,
    pub delivery: Vec<f64>,
    pub ack: Vec<f64>,
}

/// Runs the chat load against Kefu on `db`; the figures of the run.
pub async fn run_kefu(db: Db, visitors_n: usize, per_visitor: usize) -> Figures {
    db.migrate().await.expect("migrate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let uploads = tempfile::tempdir().unwrap();
    let state = AppState::new(
        db.clone(),
        WebConfig {
            public_url: format!("http://{addr}"),
            uploads_dir: uploads.path().to_path_buf(),
            // Load clients send far faster than people (still counted on every message).
            messages_per_minute: u32::MAX,
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
        &NewPerson {
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
    let inbox = teams::create_inbox(&db, "Load", kefu_core::kinds::Channel::Widget)
        .await
        .unwrap();
    let mut visitor_list = vec![];
    for _ in 0..visitors_n {
        let mut tx = db.begin().await.unwrap();
        let contact = people::insert(
            &mut tx,
            &NewPerson {
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

    let (token, _) = kefu_service::chat::token::issue(&state, &agent.id)
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
                    let t = match ws.next().await {
                        Some(Ok(Message::Text(t))) => t,
                        // The server's pacing pings: the library answers them by itself.
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                        _ => panic!("visitor socket ended"),
                    };
                    if t.starts_with("{\"type\":\"message\"") || !t.contains(&format!("\"{cid}\""))
                    {
                        continue;
                    }
                    if t.contains("\"ack\"") {
                        acks.push(t0.elapsed().as_secs_f64() * 1000.0);
                        break;
                    }
                    // Refused by load shedding: like the widget, the same frame again after a
                    // pause (shorter than the widget's, this measures the most it stores).
                    if t.contains("\"busy\"") {
                        tokio::time::sleep(Duration::from_millis(10 + (n * 7 + i) as u64 % 20))
                            .await;
                        ws.send(Message::Text(frame.to_string().into()))
                            .await
                            .unwrap();
                        continue;
                    }
                    panic!("send refused: {t}");
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
