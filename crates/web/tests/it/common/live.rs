//! Helpers for live chat tests: the socket, a shop with two agents in two teams, visitors.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use kefu_core::Role;
use kefu_store::teams;
use kefu_store::testing::TestDb;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

use super::*;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(s: &Server, origin: Option<&str>) -> Result<Ws, tungstenite::Error> {
    let mut req = format!("{}/ws", s.url.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req)
        .await
        .map(|(ws, _)| ws)
}

pub async fn put(ws: &mut Ws, v: Value) {
    ws.send(tungstenite::Message::Text(v.to_string().into()))
        .await
        .unwrap();
}

/// Frames that come on their own schedule (the queue chores, presence) and that most tests
/// step over.
pub const BACKGROUND: [&str; 3] = ["queue", "presence", "availability"];

/// The next JSON frame, stepping over background frames; panics after 5 s.
pub async fn next(ws: &mut Ws) -> Value {
    loop {
        let f = next_any(ws).await;
        if !BACKGROUND.contains(&f["type"].as_str().unwrap_or_default()) {
            return f;
        }
    }
}

/// The next JSON frame of any type; panics after 5 s.
pub async fn next_any(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("no frame within 5 s");
        match m.expect("socket ended").expect("socket error") {
            tungstenite::Message::Text(t) => return serde_json::from_str(&t).unwrap(),
            tungstenite::Message::Close(c) => {
                return json!({"type": "closed", "code": c.map(|c| u16::from(c.code))});
            }
            _ => continue,
        }
    }
}

/// Reads up to and including the next ack, returning it.
pub async fn ack(ws: &mut Ws) -> Value {
    loop {
        let f = next(ws).await;
        if f["type"] == "ack" {
            return f;
        }
        assert_ne!(f["type"], "error", "{f}");
    }
}

/// No frame but background ones arrives within `ms`.
pub async fn quiet(ws: &mut Ws, ms: u64) {
    let end = tokio::time::Instant::now() + Duration::from_millis(ms);
    while let Ok(Some(Ok(tungstenite::Message::Text(t)))) =
        tokio::time::timeout_at(end, ws.next()).await
    {
        let f: Value = serde_json::from_str(&t).unwrap();
        assert!(
            BACKGROUND.contains(&f["type"].as_str().unwrap_or_default()),
            "unexpected frame {t}"
        );
    }
}

pub struct Shop {
    pub s: Server,
    pub inbox: String,
    pub agent: Browser,
    pub other_agent: Browser,
}

pub async fn shop(t: TestDb) -> Shop {
    shop_with(t, |_| {}).await
}

pub async fn shop_with(t: TestDb, tweak: impl FnOnce(&mut kefu_web::WebConfig)) -> Shop {
    let s = start_with(t, tweak).await;
    let a = person(&s, "agent@shop.com", Role::Agent).await;
    let o = person(&s, "other@shop.com", Role::Agent).await;
    let pre = teams::create_team(&s.t.db, "售前").await.unwrap();
    let post = teams::create_team(&s.t.db, "售后").await.unwrap();
    teams::add_member(&s.t.db, &pre.id, &a.id).await.unwrap();
    teams::add_member(&s.t.db, &post.id, &o.id).await.unwrap();
    let inbox = teams::create_inbox(&s.t.db, "Website", kefu_core::kinds::Channel::Widget)
        .await
        .unwrap();
    teams::assign_inbox(&s.t.db, &inbox.id, &pre.id)
        .await
        .unwrap();
    let agent = signed_in(&s, "agent@shop.com").await;
    let other_agent = signed_in(&s, "other@shop.com").await;
    Shop {
        inbox: inbox.id,
        agent,
        other_agent,
        s,
    }
}

/// A visitor of the shop's widget: `(token, browser with the header set)`.
pub async fn visitor(shop: &Shop) -> (String, Browser) {
    let b = Browser::new(&shop.s);
    let r = b
        .send(
            b.req(Method::POST, "/widget/api/visitors")
                .json(&json!({"inbox_id": shop.inbox})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.json()["visitor_token"].as_str().unwrap().to_string();
    let mut vb = Browser::new(&shop.s);
    vb.extra_headers
        .push(("x-kefu-visitor".into(), token.clone()));
    (token, vb)
}

pub async fn open_conversation(vb: &Browser) -> String {
    let r = vb
        .send(
            vb.req(Method::POST, "/widget/api/conversations")
                .json(&json!({"subject": "咨询"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

pub async fn hello_visitor(s: &Server, token: &str, since: Value) -> Ws {
    let mut ws = connect(s, Some(&s.url)).await.unwrap();
    put(
        &mut ws,
        json!({"type": "hello", "v": 1, "visitor": token, "since": since}),
    )
    .await;
    assert_eq!(next(&mut ws).await["type"], "welcome");
    ws
}

pub async fn hello_person(s: &Server, b: &Browser, since: Value) -> Ws {
    let token = b
        .api(Method::POST, "/api/v1/realtime/token", None)
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut ws = connect(s, Some(&s.url)).await.unwrap();
    put(
        &mut ws,
        json!({"type": "hello", "v": 1, "token": token, "since": since}),
    )
    .await;
    let w = next(&mut ws).await;
    assert_eq!(w["type"], "welcome", "{w}");
    ws
}

pub fn send(cid: &str, conv: &str, body: &str) -> Value {
    json!({"type": "send", "cid": cid, "conversation": conv, "body": body})
}
