//! Offered load: visitors send chat messages on a fixed schedule (open loop: a slow server does
//! not slow the senders down), an agent socket receives them. Delivery latency runs from each
//! message's *scheduled* send time to its arrival at the agent, so a stalled sender counts
//! against the server too. Refusals (`busy`) are counted, and every acknowledged client id is
//! kept so the caller can check the database holds each exactly once.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::fleet::{connect, rss_kib};

/// A message's client id, with the milliseconds from when it was due and from when it was
/// written to when the agent got it.
type Delivery = (String, (f64, f64));

#[derive(Default, Debug)]
pub struct Offered {
    pub offered: usize,
    pub acked: Vec<String>,
    pub shed: usize,
    pub errors: usize,
    /// Delivery latencies of acknowledged messages, ms, sorted.
    pub delivery: Vec<f64>,
    /// The same from when each frame was actually written (without the sender's own lag behind
    /// its schedule, which on a saturated machine is partly the load client's), ms, sorted.
    pub delivery_from_send: Vec<f64>,
    pub undelivered: usize,
    pub seconds: f64,
    /// The server's resident memory, KiB, sampled each second.
    pub rss: Vec<u64>,
}

/// Offers `rate` messages a second for `seconds` from `visitors` (token, conversation), with
/// client ids `{tag}-{visitor}-{n}`; `pid`: the server's process, whose memory is sampled.
pub async fn offer(
    ws_url: &str,
    agent_token: &str,
    visitors: &[(String, String)],
    rate: f64,
    seconds: f64,
    tag: &str,
    pid: Option<u32>,
) -> Offered {
    // Client id -> (when it was due, when it was written).
    let scheduled: Arc<Mutex<HashMap<String, (Instant, Instant)>>> = Arc::default();
    let mut agent = connect(
        ws_url,
        &serde_json::json!({"type": "hello", "v": 1, "token": agent_token}),
    )
    .await
    .expect("agent socket");
    let delivered: Arc<Mutex<Vec<Delivery>>> = Arc::default();
    let receiver = {
        let (scheduled, delivered) = (scheduled.clone(), delivered.clone());
        let prefix = format!("\"cid\":\"{tag}-");
        let tag = tag.to_string();
        tokio::spawn(async move {
            while let Some(Ok(m)) = agent.next().await {
                let Message::Text(t) = m else { continue };
                // Picked out without a full parse, like the visitors' answers below: at twice
                // P1 the load client's own CPU would otherwise slow this socket's reading.
                if !t.starts_with("{\"type\":\"message\"") {
                    continue;
                }
                let Some(cid) = t
                    .split_once(prefix.as_str())
                    .and_then(|(_, rest)| rest.split_once('"'))
                    .map(|(c, _)| format!("{tag}-{c}"))
                else {
                    continue;
                };
                if let Some((due, sent)) = scheduled.lock().expect("map").get(&cid) {
                    let ms = |t: &Instant| t.elapsed().as_secs_f64() * 1000.0;
                    delivered
                        .lock()
                        .expect("list")
                        .push((cid, (ms(due), ms(sent))));
                }
            }
        })
    };

    let a = visitors.len();
    let mut sockets = vec![];
    for (token, conv) in visitors {
        let ws = connect(
            ws_url,
            &serde_json::json!({"type": "hello", "v": 1, "visitor": token}),
        )
        .await
        .expect("visitor socket");
        sockets.push((ws, conv.clone()));
    }
    let rss: Arc<Mutex<Vec<u64>>> = Arc::default();
    let rss_task = pid.map(|pid| {
        let rss = rss.clone();
        tokio::spawn(async move {
            loop {
                rss.lock().expect("rss").push(rss_kib(pid));
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    });

    let start = Instant::now() + Duration::from_millis(50);
    let end = start + Duration::from_secs_f64(seconds);
    let mut tasks = vec![];
    for (i, (ws, conv)) in sockets.into_iter().enumerate() {
        let (mut sink, mut stream) = ws.split();
        let scheduled = scheduled.clone();
        let tag = tag.to_string();
        // How many this visitor sent, and whether it is done.
        let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (sent_w, done_w) = (sent.clone(), done.clone());
        let writer = tokio::spawn(async move {
            let mut n = 0usize;
            loop {
                let at = start + Duration::from_secs_f64((n * a + i) as f64 / rate);
                if at >= end {
                    break;
                }
                tokio::time::sleep_until(at.into()).await;
                let cid = format!("{tag}-{i}-{n}");
                scheduled
                    .lock()
                    .expect("map")
                    .insert(cid.clone(), (at, Instant::now()));
                let frame = serde_json::json!({"type": "send", "cid": cid, "conversation": conv,
                    "body": format!("第 {n} 条：这个水壶可以寄到香港吗？")});
                if sink
                    .send(Message::Text(frame.to_string().into()))
                    .await
                    .is_err()
                {
                    break;
                }
                n += 1;
                sent_w.store(n, std::sync::atomic::Ordering::Release);
            }
            done_w.store(true, std::sync::atomic::Ordering::Release);
            (n, sink)
        });
        let reader = tokio::spawn(async move {
            let (mut acked, mut shed, mut errors) = (vec![], 0usize, 0usize);
            let deadline = end + Duration::from_secs(15);
            loop {
                if done.load(std::sync::atomic::Ordering::Acquire)
                    && acked.len() + shed + errors
                        >= sent.load(std::sync::atomic::Ordering::Acquire)
                {
                    break;
                }
                if Instant::now() > deadline {
                    break;
                }
                let m = match tokio::time::timeout(Duration::from_millis(100), stream.next()).await
                {
                    Ok(Some(Ok(m))) => m,
                    Ok(_) => break,
                    Err(_) => continue,
                };
                let Message::Text(t) = m else { continue };
                // The visitor's own messages come back too; only answers matter here, and
                // they are picked out without a full parse (the client shares the machine).
                if t.starts_with("{\"type\":\"message\"") {
                    continue;
                }
                if t.starts_with("{\"type\":\"ack\"") {
                    let cid = t
                        .split_once("\"cid\":\"")
                        .and_then(|(_, rest)| rest.split_once('"'))
                        .map(|(c, _)| c.to_string())
                        .unwrap_or_default();
                    acked.push(cid);
                    continue;
                }
                if t.starts_with("{\"type\":\"error\"") && t.contains("\"code\":\"busy\"") {
                    shed += 1;
                    continue;
                }
                let Ok(f) = serde_json::from_str::<serde_json::Value>(&t) else {
                    continue;
                };
                match f["type"].as_str() {
                    Some("error") if f["code"] == "busy" => shed += 1,
                    Some("error") => {
                        if errors < 3 {
                            eprintln!("send refused: {t}");
                        }
                        errors += 1
                    }
                    _ => {}
                }
            }
            (acked, shed, errors)
        });
        tasks.push((writer, reader));
    }
    let mut out = Offered::default();
    let mut readers = vec![];
    let mut sinks = vec![];
    for (w, r) in tasks {
        let (n, sink) = w.await.expect("writer");
        out.offered += n;
        sinks.push(sink);
        readers.push(r);
    }
    out.seconds = seconds;
    for r in readers {
        let (acked, shed, errors) = r.await.expect("reader");
        out.acked.extend(acked);
        out.shed += shed;
        out.errors += errors;
    }
    // Deliveries of acknowledged messages still on their way (at most 5 s).
    let wait_start = Instant::now();
    while delivered.lock().expect("list").len() < out.acked.len()
        && wait_start.elapsed() < Duration::from_secs(5)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(sinks);
    receiver.abort();
    if let Some(t) = rss_task {
        t.abort();
    }
    out.rss = rss.lock().expect("rss").clone();
    let got: HashMap<String, (f64, f64)> = delivered.lock().expect("list").drain(..).collect();
    for cid in &out.acked {
        match got.get(cid) {
            Some((due, sent)) => {
                out.delivery.push(*due);
                out.delivery_from_send.push(*sent);
            }
            None => out.undelivered += 1,
        }
    }
    out.delivery.sort_by(f64::total_cmp);
    out.delivery_from_send.sort_by(f64::total_cmp);
    out
}
