//! Live chat over the real-time protocol, against the real server on both databases.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use crate::common::live::*;
use crate::common::*;
use futures_util::{SinkExt, StreamExt};
use kefu_store::both_backends;
use kefu_store::testing::TestDb;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio_tungstenite::tungstenite;

both_backends!(a_visitor_and_an_agent_chat_in_real_time, chat_live);
async fn chat_live(t: TestDb) {
    let shop = shop(t).await;
    let (token, vb) = visitor(&shop).await;
    let conv = open_conversation(&vb).await;
    let mut agent = hello_person(&shop.s, &shop.agent, json!({})).await;
    let mut other = hello_person(&shop.s, &shop.other_agent, json!({})).await;
    let mut v = hello_visitor(&shop.s, &token, json!({conv.clone(): 0})).await;

    put(&mut v, send("v-1", &conv, "请问什么时候发货？")).await;
    let first_ack = next(&mut v).await;
    assert_eq!(
        (
            first_ack["type"].as_str(),
            first_ack["seq"].as_i64(),
            first_ack["duplicate"].as_bool()
        ),
        (Some("ack"), Some(1), Some(false)),
        "{first_ack}"
    );
    let echo = next(&mut v).await;
    assert_eq!(
        (echo["type"].as_str(), echo["seq"].as_i64()),
        (Some("message"), Some(1))
    );
    let got = next(&mut agent).await;
    assert_eq!(
        (
            got["type"].as_str(),
            got["body"].as_str(),
            got["author"]["kind"].as_str()
        ),
        (Some("message"), Some("请问什么时候发货？"), Some("contact"))
    );

    put(&mut agent, send("a-1", &conv, "今天下午就发货。")).await;
    ack(&mut agent).await;
    let reply = next(&mut v).await;
    assert_eq!(
        (reply["seq"].as_i64(), reply["author"]["name"].as_str()),
        (Some(2), Some("agent"))
    );
    // Answering an unassigned conversation takes it; the visitor sees the agent join.
    let joined = next(&mut v).await;
    assert_eq!(
        (joined["seq"].as_i64(), joined["kind"].as_str()),
        (Some(3), Some("event")),
        "{joined}"
    );

    // A private note reaches staff only; the visitor's next frame is the next public message.
    put(&mut agent, json!({"type": "send", "cid": "a-2", "conversation": conv, "body": "VIP 客户", "note": true})).await;
    assert_eq!(ack(&mut agent).await["seq"], 4);
    put(&mut agent, send("a-3", &conv, "还有其他问题吗？")).await;
    let after_note = next(&mut v).await;
    assert_eq!(
        (after_note["seq"].as_i64(), after_note["kind"].as_str()),
        (Some(5), Some("text")),
        "{after_note}"
    );

    // Typing and read receipts reach the other side.
    put(
        &mut v,
        json!({"type": "typing", "conversation": conv, "on": true}),
    )
    .await;
    loop {
        let f = next(&mut agent).await;
        if f["type"] == "typing" {
            assert_eq!(f["who"]["kind"], "contact");
            break;
        }
    }
    put(
        &mut agent,
        json!({"type": "read", "conversation": conv, "seq": 1}),
    )
    .await;
    let r = next(&mut v).await;
    assert_eq!(
        (r["type"].as_str(), r["seq"].as_i64()),
        (Some("read"), Some(1)),
        "{r}"
    );
    // The agent of another team heard nothing of it.
    quiet(&mut other, 300).await;
    put(&mut v, json!({"type": "ping"})).await;
    assert_eq!(next(&mut v).await["type"], "pong");
}

both_backends!(a_resent_message_is_never_stored_twice, resend);
async fn resend(t: TestDb) {
    let shop = shop(t).await;
    let (token, vb) = visitor(&shop).await;
    let conv = open_conversation(&vb).await;
    let mut v = hello_visitor(&shop.s, &token, json!({})).await;
    put(&mut v, send("same-id", &conv, "hello")).await;
    let first = next(&mut v).await;
    next(&mut v).await; // the message itself
    put(&mut v, send("same-id", &conv, "hello")).await;
    let second = next(&mut v).await;
    assert_eq!(
        (
            second["seq"].clone(),
            second["id"].clone(),
            second["duplicate"].as_bool()
        ),
        (first["seq"].clone(), first["id"].clone(), Some(true))
    );
    // And over HTTP: 200 with the stored message instead of 201 with a new one.
    let path = format!("/widget/api/conversations/{conv}/messages");
    let r = vb
        .send(
            vb.req(Method::POST, &path)
                .json(&json!({"client_id": "same-id", "body": "hello"})),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["id"].clone()),
        (StatusCode::OK, first["id"].clone())
    );
    let r = vb
        .send(
            vb.req(Method::POST, &path)
                .json(&json!({"client_id": "http-1", "body": "again"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let all = vb.get(&path).await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);
}

both_backends!(
    a_reconnecting_client_gets_exactly_what_it_missed_in_order,
    resume
);
async fn resume(t: TestDb) {
    let shop = shop(t).await;
    let (token, vb) = visitor(&shop).await;
    let conv = open_conversation(&vb).await;
    let mut v = hello_visitor(&shop.s, &token, json!({})).await;
    for i in 1..=2 {
        put(&mut v, send(&format!("v{i}"), &conv, "q")).await;
        assert_eq!(next(&mut v).await["type"], "ack");
        assert_eq!(next(&mut v).await["seq"], i);
    }
    v.close(None).await.unwrap();
    // While the visitor is away the agent answers three times (over HTTP).
    for i in 1..=3 {
        let r = shop
            .agent
            .api(
                Method::POST,
                &format!("/api/v1/conversations/{conv}/messages"),
                Some(json!({"client_id": format!("a{i}"), "body": format!("answer {i}")})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let mut v = hello_visitor(&shop.s, &token, json!({conv.clone(): 2})).await;
    // The first answer, the agent joining (an event), the other two answers.
    for (seq, kind) in [(3, "text"), (4, "event"), (5, "text"), (6, "text")] {
        let m = next(&mut v).await;
        assert_eq!(
            (m["type"].as_str(), m["seq"].as_i64(), m["kind"].as_str()),
            (Some("message"), Some(seq), Some(kind)),
            "{m}"
        );
    }
    // Then live traffic continues without a repeat.
    put(&mut v, send("v3", &conv, "thanks")).await;
    assert_eq!(next(&mut v).await["type"], "ack");
    assert_eq!(next(&mut v).await["seq"], 7);
    quiet(&mut v, 200).await;
}

both_backends!(fifty_fast_sends_arrive_in_order_without_gaps, ordering);
async fn ordering(t: TestDb) {
    let shop = shop(t).await;
    let (token, vb) = visitor(&shop).await;
    let conv = open_conversation(&vb).await;
    let mut agent = hello_person(&shop.s, &shop.agent, json!({})).await;
    let mut v = hello_visitor(&shop.s, &token, json!({})).await;
    for i in 0..50 {
        put(&mut v, send(&format!("m{i}"), &conv, &format!("第{i}条"))).await;
    }
    let mut seqs = vec![];
    while seqs.len() < 50 {
        let f = next(&mut agent).await;
        if f["type"] == "message" {
            seqs.push(f["seq"].as_i64().unwrap());
        }
    }
    assert_eq!(seqs, (1..=50).collect::<Vec<i64>>());
}

both_backends!(
    nobody_reaches_a_conversation_that_is_not_theirs,
    socket_access
);
async fn socket_access(t: TestDb) {
    let shop = shop(t).await;
    let (_, alice) = visitor(&shop).await;
    let conv = open_conversation(&alice).await;
    let (bob_token, bob) = visitor(&shop).await;
    // Over HTTP.
    let path = format!("/widget/api/conversations/{conv}/messages");
    assert_eq!(bob.get(&path).await.status, StatusCode::NOT_FOUND);
    let r = bob
        .send(
            bob.req(Method::POST, &path)
                .json(&json!({"client_id": "x", "body": "hi"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        shop.other_agent
            .api(
                Method::GET,
                &format!("/api/v1/conversations/{conv}/messages"),
                None
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        Browser::new(&shop.s).get(&path).await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut forged = Browser::new(&shop.s);
    forged
        .extra_headers
        .push(("x-kefu-visitor".into(), "v_forged".into()));
    assert_eq!(forged.get(&path).await.status, StatusCode::UNAUTHORIZED);
    // Over the socket: another visitor, an agent of another team.
    let mut b = hello_visitor(&shop.s, &bob_token, json!({conv.clone(): 0})).await;
    assert_eq!(
        next(&mut b).await["code"],
        "not_found",
        "resume of someone else's conversation"
    );
    put(&mut b, send("b1", &conv, "let me in")).await;
    let e = next(&mut b).await;
    assert_eq!(
        (e["type"].as_str(), e["code"].as_str(), e["cid"].as_str()),
        (Some("error"), Some("not_found"), Some("b1"))
    );
    let mut o = hello_person(&shop.s, &shop.other_agent, json!({})).await;
    put(&mut o, send("o1", &conv, "hi")).await;
    assert_eq!(next(&mut o).await["code"], "not_found");
    put(
        &mut o,
        json!({"type": "typing", "conversation": conv, "on": true}),
    )
    .await;
    assert_eq!(next(&mut o).await["code"], "not_found");
    // Bad credentials and a foreign origin.
    let mut ws = connect(&shop.s, Some(&shop.s.url)).await.unwrap();
    put(
        &mut ws,
        json!({"type": "hello", "v": 1, "token": "rt1.x.9999999999.00"}),
    )
    .await;
    assert_eq!(next(&mut ws).await["code"], "unauthorized");
    assert_eq!(next(&mut ws).await["type"], "closed");
    let mut ws = connect(&shop.s, Some(&shop.s.url)).await.unwrap();
    put(&mut ws, send("x", &conv, "no hello")).await;
    assert_eq!(next(&mut ws).await["code"], "hello_expected");
    let refused = connect(&shop.s, Some("https://evil.example")).await;
    assert!(matches!(refused, Err(tungstenite::Error::Http(r)) if r.status() == 403));
    // Frames that are not protocol get a clear error, not a crash.
    put(
        &mut b,
        json!({"type": "send", "cid": "bad id!", "conversation": conv, "body": "x"}),
    )
    .await;
    assert_eq!(next(&mut b).await["code"], "bad_client_id");
    b.send(tungstenite::Message::Text("{not json".into()))
        .await
        .unwrap();
    assert_eq!(next(&mut b).await["code"], "bad_frame");
    put(
        &mut b,
        json!({"type": "send", "cid": "n1", "conversation": conv, "body": "x", "note": true}),
    )
    .await;
    assert_eq!(next(&mut b).await["code"], "not_found");
}

both_backends!(a_client_that_cannot_keep_up_is_dropped, slow_client);
async fn slow_client(t: TestDb) {
    // One sender floods on purpose here: their per-minute limit is lifted.
    let shop = shop_with(t, |c| c.messages_per_minute = u32::MAX).await;
    let (_, vb) = visitor(&shop).await;
    let conv = open_conversation(&vb).await;
    // A reader that never reads, next to one that does.
    let _stalled = hello_person(&shop.s, &shop.agent, json!({})).await;
    let mut reader = hello_person(&shop.s, &shop.agent, json!({})).await;
    assert_eq!(shop.s.state.hub.connections(), 2);
    let big = "慢".repeat(10_000);
    let path = format!("/widget/api/conversations/{conv}/messages");
    let mut dropped = false;
    for i in 0..1500 {
        let r = vb
            .send(
                vb.req(Method::POST, &path)
                    .json(&json!({"client_id": format!("m{i}"), "body": big})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        // Keep the healthy reader drained.
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(1), reader.next()).await
        {
        }
        if shop.s.state.hub.connections() == 1 {
            dropped = true;
            break;
        }
    }
    // On a busy machine the stalled connection's writer may still be working through its
    // queue when the last message is stored: wait for it (a generous bound, not a timer).
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !dropped && std::time::Instant::now() < deadline {
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(1), reader.next()).await
        {
        }
        dropped = shop.s.state.hub.connections() == 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(dropped, "the stalled connection was never cut off");
}

/// Two instances on one PostgreSQL: a visitor on one and an agent on the other talk live.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_on_one_instance_and_an_agent_on_another_talk_live() {
    let Some(t) = TestDb::open(kefu_store::Backend::Postgres).await else {
        return;
    };
    let a = shop(t).await;
    let b = second_instance(&a.s).await;
    let (token, vb) = visitor(&a).await;
    let conv = open_conversation(&vb).await;
    let agent_on_b = signed_in(&b, "agent@shop.com").await;
    let mut agent = hello_person(&b, &agent_on_b, json!({})).await;
    let mut v = hello_visitor(&a.s, &token, json!({conv.clone(): 0})).await;
    // Wait until both listeners are up.
    for s in [&a.s, &b] {
        for _ in 0..100 {
            if s.state
                .metrics
                .events_ok
                .load(std::sync::atomic::Ordering::Relaxed)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    put(&mut v, send("v1", &conv, "A 上的访客")).await;
    ack(&mut v).await;
    let got = next(&mut agent).await;
    assert_eq!(
        (got["type"].as_str(), got["body"].as_str()),
        (Some("message"), Some("A 上的访客")),
        "{got}"
    );
    put(&mut agent, send("b1", &conv, "B 上的客服")).await;
    ack(&mut agent).await;
    loop {
        let f = next(&mut v).await;
        if f["type"] == "message" && f["seq"] == 2 {
            assert_eq!(f["body"], "B 上的客服");
            break;
        }
    }
    // Typing crosses instances too.
    put(
        &mut v,
        json!({"type": "typing", "conversation": conv, "on": true}),
    )
    .await;
    loop {
        let f = next(&mut agent).await;
        if f["type"] == "typing" {
            break;
        }
    }

    // B's listener is cut off; messages written meanwhile arrive once it is back (resync).
    // Only this test's listeners: other tests run beside it on the same server.
    let listening = format!("LISTEN %{}%", a.s.t.db.events_channel());
    kefu_store::Exec::execute(
        &a.s.t.db,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()",
        vec![kefu_store::Value::from(listening.as_str())],
    )
    .await
    .unwrap();
    put(&mut v, send("v2", &conv, "断线期间的消息")).await;
    ack(&mut v).await;
    loop {
        let f = next(&mut agent).await;
        // 2 was B's answer, 3 the agent joining.
        if f["type"] == "message" && f["seq"] == 4 {
            assert_eq!(f["body"], "断线期间的消息");
            break;
        }
    }
}

both_backends!(a_resync_reads_back_what_the_listener_missed, resync);
async fn resync(t: TestDb) {
    let shop = shop(t).await;
    let (_, vb) = visitor(&shop).await;
    let conv = open_conversation(&vb).await;
    let mut agent = hello_person(&shop.s, &shop.agent, json!({conv.clone(): 0})).await;
    // The (empty) replay that follows the welcome is over.
    quiet(&mut agent, 200).await;
    // A message written without any announcement, as if the notification were lost.
    let mut tx = shop.s.t.db.begin().await.unwrap();
    kefu_store::messages::append(
        &mut tx,
        &kefu_store::messages::NewMessage {
            conversation_id: &conv,
            kind: kefu_core::kinds::MessageKind::Text,
            author_kind: "contact",
            body: "unannounced",
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    quiet(&mut agent, 200).await;
    shop.s.state.hub.resync();
    let f = next(&mut agent).await;
    assert_eq!(
        (f["type"].as_str(), f["body"].as_str(), f["seq"].as_i64()),
        (Some("message"), Some("unannounced"), Some(1)),
        "{f}"
    );
    assert_eq!(next(&mut agent).await["type"], "resync");
}

both_backends!(
    new_visitors_and_conversations_are_limited_per_visitor_first_and_per_address_by_settings,
    widget_limits
);
async fn widget_limits(t: TestDb) {
    let shop = shop_with(t, |c| {
        c.visitors_per_ip = 3;
        c.conversations_per_visitor = 2;
        c.conversations_per_ip = 3;
    })
    .await;
    // Three visitors from this address; the fourth is told to wait.
    let (_, a) = visitor(&shop).await;
    let (_, b) = visitor(&shop).await;
    let (_, _c) = visitor(&shop).await;
    let extra = Browser::new(&shop.s);
    let r = extra
        .send(
            extra
                .req(Method::POST, "/widget/api/visitors")
                .json(&json!({"inbox_id": shop.inbox})),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.headers.contains_key("retry-after"));
    // Two conversations for one visitor, then its own limit; the address's is the third.
    open_conversation(&a).await;
    open_conversation(&a).await;
    async fn new(vb: &Browser) -> Resp {
        vb.send(
            vb.req(Method::POST, "/widget/api/conversations")
                .json(&json!({"subject": "咨询"})),
        )
        .await
    }
    assert_eq!(new(&a).await.status, StatusCode::TOO_MANY_REQUESTS);
    open_conversation(&b).await;
    let r = new(&b).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
}

both_backends!(
    an_api_token_with_conversations_write_opens_a_socket_as_the_admin_who_made_it,
    token_socket
);
async fn token_socket(t: TestDb) {
    let shop = shop(t).await;
    let admin = person(&shop.s, "boss@shop.com", kefu_core::Role::Admin).await;
    let (_, vb) = visitor(&shop).await;
    let conv = open_conversation(&vb).await;
    let bearer = |scopes: &'static [&'static str]| {
        let s = &shop.s;
        let admin = admin.id.clone();
        async move {
            let (plain, _) = kefu_store::api_tokens::create(&s.t.db, "bot", scopes, &admin, None)
                .await
                .unwrap();
            let mut b = Browser::new(s);
            b.extra_headers
                .push(("authorization".into(), format!("Bearer {plain}")));
            b
        }
    };
    let reader = bearer(&["conversations:read"]).await;
    let r = reader
        .api(Method::POST, "/api/v1/realtime/token", None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let bot = bearer(&["conversations:read", "conversations:write"]).await;
    let r = bot.api(Method::POST, "/api/v1/realtime/token", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut ws = connect(&shop.s, None).await.unwrap();
    put(
        &mut ws,
        json!({"type": "hello", "v": 1, "token": r.json()["token"], "since": {&conv: 0}}),
    )
    .await;
    let welcome = next(&mut ws).await;
    assert_eq!(
        (
            welcome["type"].as_str(),
            welcome["role"].as_str(),
            welcome["id"].as_str()
        ),
        (Some("welcome"), Some("admin"), Some(admin.id.as_str())),
        "{welcome}"
    );
    // It writes as the admin, acknowledged after commit.
    put(
        &mut ws,
        json!({"type": "send", "cid": "bot-1", "conversation": conv, "body": "您好，我来帮您查。"}),
    )
    .await;
    let a = ack(&mut ws).await;
    assert_eq!(a["conversation"], conv.as_str());
}
