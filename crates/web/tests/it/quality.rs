//! Service quality against the real server on both databases: the forbidden-phrase guard on
//! agents' chat replies (HTTP and WebSocket), admins' rules, the e-mail etiquette check with
//! packing files into one archive, and the quality report with its CSV.

#![allow(clippy::unwrap_used)]

use crate::common::live::*;
use crate::common::*;
use kefu_core::Role;
use kefu_store::testing::TestDb;
use kefu_store::{both_backends, teams};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn waiting(shop: &Shop) -> (Browser, String) {
    let (_, vb) = visitor(shop).await;
    let conv = open_conversation(&vb).await;
    let r = vb
        .send(
            vb.req(
                Method::POST,
                &format!("/widget/api/conversations/{conv}/messages"),
            )
            .json(&json!({"client_id": "c1", "body": "但是我不能等了，我不能再等"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "customers are never checked: {}",
        r.body
    );
    (vb, conv)
}

async fn reply(b: &Browser, conv: &str, cid: &str, body: &str, accept: bool) -> Resp {
    b.api(
        Method::POST,
        &format!("/api/v1/conversations/{conv}/messages"),
        Some(json!({"client_id": cid, "body": body, "accept_warnings": accept})),
    )
    .await
}

both_backends!(the_guard_stops_forbidden_phrases_in_chat, chat_guard);
async fn chat_guard(t: TestDb) {
    let shop = shop(t).await;
    let (vb, conv) = waiting(&shop).await;
    // Checked as the agent types.
    let r = shop
        .agent
        .api(
            Method::POST,
            "/api/v1/quality/check",
            Some(json!({"text": "您好，我不能退款，但是可以换货"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let found = r.json()["phrases"].clone();
    assert_eq!(found.as_array().unwrap().len(), 2, "{found}");
    assert_eq!(found[0]["rule_id"], "zh-cannot");
    assert_eq!(
        (
            found[0]["char_start"].as_i64(),
            found[0]["char_end"].as_i64()
        ),
        (Some(3), Some(6))
    );
    assert!(found[1]["suggestion"].as_str().unwrap().contains("因为"));
    // A warning stops the reply until the agent sends it anyway.
    let r = reply(&shop.agent, &conv, "r1", "我不能退款", false).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.code(), "reply_warnings");
    assert!(r.body.contains("我不能"), "{}", r.body);
    let r = reply(&shop.agent, &conv, "r1", "我不能退款", true).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A blocking phrase never goes out.
    let r = reply(&shop.agent, &conv, "r2", "这不是我应该做的", true).await;
    assert_eq!(r.code(), "reply_blocked", "{}", r.body);
    // Clean replies, notes and the customer's own words quoted back pass.
    assert_eq!(
        reply(
            &shop.agent,
            &conv,
            "r3",
            "因为库存不足，我们可以为您换货",
            false
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        reply(
            &shop.agent,
            &conv,
            "r4",
            "您说“我不能等了”，我们马上处理",
            false
        )
        .await
        .status,
        StatusCode::CREATED
    );
    let r = shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(json!({"client_id": "n1", "body": "但是这个客户很急", "note": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "notes are among staff");
    let seen = vb
        .get(&format!("/widget/api/conversations/{conv}/messages"))
        .await
        .body;
    assert!(seen.contains("我不能退款") && !seen.contains("这不是我应该做的"));

    // The same over the socket.
    let mut ws = hello_person(&shop.s, &shop.agent, json!({})).await;
    put(&mut ws, send("w1", &conv, "I can't do that")).await;
    let f = next(&mut ws).await;
    assert_eq!(
        (f["type"].as_str(), f["code"].as_str(), f["cid"].as_str()),
        (Some("error"), Some("reply_warnings"), Some("w1")),
        "{f}"
    );
    let mut frame = send("w1", &conv, "I can't do that");
    frame["accept_warnings"] = json!(true);
    put(&mut ws, frame).await;
    // Its own message frame may come before or after the acknowledgement.
    let f = loop {
        let f = next(&mut ws).await;
        if f["type"] != "message" {
            break f;
        }
    };
    assert_eq!(
        (f["type"].as_str(), f["cid"].as_str()),
        (Some("ack"), Some("w1")),
        "{f}"
    );
    put(&mut ws, send("w2", &conv, "That is not my job")).await;
    let f = loop {
        // The sent reply's own message frame comes first.
        let f = next(&mut ws).await;
        if f["cid"] == "w2" {
            break f;
        }
    };
    assert_eq!(f["code"], "reply_blocked", "{f}");

    // Admins edit the rules; a bad rule is explained.
    let boss = {
        person(&shop.s, "boss@shop.com", Role::Admin).await;
        signed_in(&shop.s, "boss@shop.com").await
    };
    let mut rules = boss.get("/api/v1/quality/rules").await.json();
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["phrase"] == "我不能"),
        "seeded from the seed's list"
    );
    rules.as_array_mut().unwrap().push(
        json!({"id": "zh-bu-zhidao", "phrase": "不知道", "lang": "zh",
        "severity": "block", "suggestion": "我帮您查一下", "exceptions": []}),
    );
    let r = boss
        .api(Method::PUT, "/api/v1/quality/rules", Some(rules.clone()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        shop.agent
            .api(Method::PUT, "/api/v1/quality/rules", Some(rules))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        reply(&shop.agent, &conv, "r5", "这个我不知道", true)
            .await
            .code(),
        "reply_blocked"
    );
    let r = boss
        .api(
            Method::PUT,
            "/api/v1/quality/rules",
            Some(json!([{"id": "x", "phrase": "但是", "lang": "zh",
            "severity": "warn", "suggestion": "", "exceptions": ["完全无关"]}])),
        )
        .await;
    assert_eq!(r.code(), "invalid_rule", "{}", r.body);

    // The report: per agent, by rule, with examples; CSV for spreadsheets.
    let rep = boss.get("/api/v1/reports/quality").await.json();
    let me = &rep["agents"][0];
    assert_eq!(me["agent"], "agent", "{rep}");
    assert_eq!(
        (
            me["clean"].as_i64(),
            me["sent_anyway"].as_i64(),
            me["stopped"].as_i64(),
            me["blocked"].as_i64()
        ),
        (Some(2), Some(2), Some(2), Some(3)),
        "{me}"
    );
    assert_eq!(me["checked"], 9);
    assert_eq!(me["by_rule"]["zh-cannot"], 2);
    assert_eq!(me["by_rule"]["zh-not-my-job"], 1);
    assert!(me["examples"].to_string().contains("我不能退款"));
    assert_eq!(
        shop.agent.get("/api/v1/reports/quality").await.status,
        StatusCode::FORBIDDEN
    );
    let csv = boss.get("/api/v1/reports/quality.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .starts_with("\u{feff}agent,checked,clean,sent_anyway,stopped,blocked"),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("agent,9,2,2,2,3,"), "{}", csv.body);
}

both_backends!(
    mail_etiquette_is_checked_and_files_are_packed,
    mail_etiquette
);
async fn mail_etiquette(t: TestDb) {
    let shop = shop(t).await;
    let db = &shop.s.t.db;
    let inbox = teams::create_inbox(db, "Mail", kefu_core::kinds::Channel::Email)
        .await
        .unwrap();
    let agent = kefu_store::people::by_email(db, "agent@shop.com")
        .await
        .unwrap()
        .unwrap();
    let team = teams::teams_of(db, &agent.id).await.unwrap().remove(0);
    teams::assign_inbox(db, &inbox.id, &team.id).await.unwrap();
    kefu_service::mail::save(
        &shop.s.state,
        &inbox.id,
        &kefu_service::mail::StoredSettings {
            address: "support@shop.test".into(),
            display_name: "演示店铺".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let raw = "From: Buyer <buyer@customer.test>\r\nTo: support@shop.test\r\nSubject: 杯子碎了\r\n\
               Message-ID: <m1@customer.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n收到的杯子碎了\r\n";
    let conv = match kefu_service::mail::ingest(&shop.s.state, &inbox.id, raw.as_bytes(), None)
        .await
        .unwrap()
    {
        kefu_service::mail::Ingested::Stored {
            conversation_id, ..
        } => conversation_id,
        other => panic!("{other:?}"),
    };
    // Five files with camera names.
    let mut ids = vec![];
    for i in 1..=5 {
        let r = shop
            .agent
            .send(
                shop.agent
                    .req(Method::POST, &format!("/api/v1/conversations/{conv}/attachments?name=IMG_{i}.png&client_id=f{i}"))
                    .header("x-csrf-token", shop.agent.csrf())
                    .body(PNG.to_vec()),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(serde_json::from_str::<Value>(r.json()["meta"].as_str().unwrap()).unwrap()["attachment"].as_str().unwrap().to_string());
    }
    let check = |body: Value| {
        let b = &shop.agent;
        let path = format!("/api/v1/conversations/{conv}/mail/check");
        async move { b.api(Method::POST, &path, Some(body)).await }
    };
    let body = "您好！\n\n破损照片见附件。\n\n祝您生活愉快！";
    let r = check(json!({"subject": " ", "body": body, "attachment_ids": ids})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes: Vec<String> = r.json()["mail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes[0], "blank_subject");
    assert!(
        codes.contains(&"too_many_attachments".to_string()),
        "{codes:?}"
    );
    assert_eq!(codes.iter().filter(|c| *c == "meaningless_name").count(), 5);
    assert!(codes.contains(&"no_signature".to_string()));
    // Sending with a blank subject is refused, whatever the agent accepts.
    let send = |body: Value| {
        let b = &shop.agent;
        let path = format!("/api/v1/conversations/{conv}/mail");
        async move { b.api(Method::POST, &path, Some(body)).await }
    };
    let r =
        send(json!({"subject": "", "body": body, "attachment_ids": ids, "accept_warnings": true}))
            .await;
    assert_eq!(r.code(), "reply_blocked", "{}", r.body);
    // Packed into one archive with a meaningful name, the warnings about files go away.
    let r = shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/attachments/zip"),
            Some(json!({"attachment_ids": ids, "name": "破损照片"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let zip = r.json()["attachment"].clone();
    assert_eq!(zip["name"], "破损照片.zip");
    let zip_id = zip["id"].as_str().unwrap().to_string();
    let bytes = shop
        .agent
        .send(
            shop.agent
                .req(Method::GET, &format!("/api/v1/attachments/{zip_id}")),
        )
        .await;
    assert!(bytes.body.starts_with("PK"), "a zip archive");
    let sig = shop
        .agent
        .api(
            Method::POST,
            "/api/v1/signatures",
            Some(json!({"name": "李娜", "body": "客服 李娜\n演示店铺 400-000-0000"})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let good = json!({"subject": "您的杯子破损处理", "body": body, "attachment_ids": [zip_id], "signature_id": sig});
    let r = check(good.clone()).await;
    assert_eq!(r.json()["mail"], json!([]), "{}", r.body);
    let r = send(good).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A warning alone stops a mail until the agent accepts it.
    let plain = json!({"subject": "Re", "body": "退款已受理", "signature_id": sig});
    assert_eq!(send(plain.clone()).await.code(), "reply_warnings");
    let mut accepted = plain;
    accepted["accept_warnings"] = json!(true);
    assert_eq!(send(accepted).await.status, StatusCode::CREATED);
    let rep = {
        person(&shop.s, "boss@shop.com", Role::Admin).await;
        signed_in(&shop.s, "boss@shop.com")
            .await
            .get("/api/v1/reports/quality")
            .await
            .json()
    };
    let me = &rep["agents"][0];
    assert_eq!(
        (
            me["blocked"].as_i64(),
            me["clean"].as_i64(),
            me["stopped"].as_i64(),
            me["sent_anyway"].as_i64()
        ),
        (Some(1), Some(1), Some(1), Some(1)),
        "{rep}"
    );
    assert_eq!(me["by_rule"]["mail:blank_subject"], 1);
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

both_backends!(standard_phrases_fill_in_and_make_the_call_script, phrases);
async fn phrases(t: TestDb) {
    let shop = shop(t).await;
    let db = &shop.s.t.db;
    let boss = {
        person(&shop.s, "boss@shop.com", Role::Admin).await;
        signed_in(&shop.s, "boss@shop.com").await
    };
    kefu_store::settings::set(db, kefu_store::settings::SHOP_NAME, "小店")
        .await
        .unwrap();
    let list = shop.agent.get("/api/v1/phrases").await.json();
    let kinds: std::collections::BTreeSet<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["apology", "greeting", "inquiry", "response", "thanks"],
        "the seed's five kinds"
    );
    assert!(list.as_array().unwrap().iter().all(|p| p["shared"] == true));

    // An agent keeps their own; only admins and supervisors share.
    let mine = json!({"kind": "greeting", "title": "我的问候", "body_zh": "{customer.name}您好，我是{agent.name}", "body_en": "Hi {customer.name}, {agent.name} here"});
    let r = shop
        .agent
        .api(Method::POST, "/api/v1/phrases", Some(mine.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let my_id = r.json()["id"].as_str().unwrap().to_string();
    let mut shared = mine.clone();
    shared["shared"] = json!(true);
    assert_eq!(
        shop.agent
            .api(Method::POST, "/api/v1/phrases", Some(shared.clone()))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        boss.api(Method::POST, "/api/v1/phrases", Some(shared))
            .await
            .status,
        StatusCode::CREATED
    );
    let theirs = shop.other_agent.get("/api/v1/phrases").await.json();
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != my_id.as_str()),
        "personal phrases stay personal"
    );
    assert_eq!(
        shop.other_agent
            .api(Method::DELETE, &format!("/api/v1/phrases/{my_id}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = shop
        .agent
        .api(
            Method::POST,
            "/api/v1/phrases",
            Some(json!({"kind": "hangup", "title": "挂机", "body_zh": "再见"})),
        )
        .await;
    assert_eq!(
        r.code(),
        "invalid_kind",
        "kinds admins have not added are refused"
    );

    // Filled in from the conversation; what has no value is reported.
    let (_, vb) = visitor(&shop).await;
    let conv = open_conversation(&vb).await;
    vb.send(
        vb.req(Method::POST, "/widget/api/contact")
            .json(&json!({"name": "陈静", "email": "chen@example.com"})),
    )
    .await;
    let order_phrase = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["body_zh"].as_str().unwrap().contains("{order.number}"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/phrases/{order_phrase}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["unfilled"], json!(["order.number"]));
    boss.api(
        Method::PUT,
        "/api/v1/ticket-fields",
        Some(json!([{"key": "order", "label": "订单", "kind": "text"}])),
    )
    .await;
    shop.agent
        .api(
            Method::PATCH,
            &format!("/api/v1/conversations/{conv}"),
            Some(json!({"fields": {"order": "E1001"}})),
        )
        .await;
    let r = shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/phrases/{order_phrase}"),
            None,
        )
        .await
        .json();
    assert_eq!(r["unfilled"], json!([]));
    assert!(r["text"].as_str().unwrap().contains("订单 E1001"), "{r}");
    let r = shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/phrases/{my_id}?lang=en"),
            None,
        )
        .await
        .json();
    assert_eq!(r["lang"], "en");
    let text = r["text"].as_str().unwrap();
    assert!(
        text.starts_with("Hi ") && text.ends_with("agent here"),
        "{text}"
    );

    // Admins add a kind for hanging up; the call script uses it.
    let r = boss
        .api(
            Method::PUT,
            "/api/v1/phrase-kinds",
            Some(json!([{"key": "hangup", "label_zh": "挂机", "label_en": "Hanging up"}])),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        boss.api(
            Method::PUT,
            "/api/v1/phrase-kinds",
            Some(json!([{"key": "thanks", "label_zh": "x", "label_en": "x"}]))
        )
        .await
        .code(),
        "invalid_kind"
    );
    let r = boss.api(Method::POST, "/api/v1/phrases", Some(json!({"kind": "hangup", "title": "挂机", "body_zh": "感谢来电，{shop.name}祝您生活愉快，再见！", "shared": true}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let script = shop
        .agent
        .get(&format!("/api/v1/call-script?conversation_id={conv}"))
        .await
        .json();
    let stages: Vec<&str> = script
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        ["answer", "ask", "respond", "apologise", "thank", "hang_up"]
    );
    assert!(
        script[0]["lines"]
            .to_string()
            .contains("您好，我是小店的客服agent"),
        "{script}"
    );
    assert_eq!(
        script[5]["lines"][0]["text"],
        "感谢来电，小店祝您生活愉快，再见！"
    );
}

both_backends!(callbacks_wait_as_tasks_and_calls_are_logged, phone);
async fn phone(t: TestDb) {
    let shop = shop(t).await;
    let (_, vb) = visitor(&shop).await;
    let conv = open_conversation(&vb).await;
    let anon = Browser::new(&shop.s);
    anon.get("/help").await;
    let ask = |body: Value| {
        let b = &anon;
        async move {
            b.send(
                b.req(Method::POST, "/api/v1/callbacks")
                    .header("x-csrf-token", b.csrf())
                    .json(&body),
            )
            .await
        }
    };
    assert_eq!(
        ask(json!({"phone": "call me"})).await.code(),
        "invalid_phone"
    );
    let soon = kefu_core::time::now_ms() + 3_600_000;
    let r = ask(json!({"name": "王先生", "phone": "+86 138-0000-0000", "preferred_at": soon, "note": "下午方便"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cb = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        ask(json!({"phone": "13800000000", "preferred_at": soon + 90 * 86_400_000i64}))
            .await
            .code(),
        "invalid_time"
    );
    // A flood from one address is stopped.
    let mut last = StatusCode::CREATED;
    for _ in 0..6 {
        last = ask(json!({"phone": "13800000000"})).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);

    // A queued task: one agent takes it, the other cannot.
    let list = shop.agent.get("/api/v1/callbacks").await.json();
    let item = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == cb.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (item["status"].as_str(), item["phone"].as_str()),
        (Some("open"), Some("+86 138-0000-0000"))
    );
    assert_eq!(
        shop.agent
            .api(Method::POST, &format!("/api/v1/callbacks/{cb}/take"), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        shop.other_agent
            .api(Method::POST, &format!("/api/v1/callbacks/{cb}/take"), None)
            .await
            .code(),
        "callback_taken"
    );
    assert_eq!(
        anon.get("/api/v1/callbacks").await.status,
        StatusCode::UNAUTHORIZED
    );

    // The call is logged on the conversation and answers the callback.
    let r = shop
        .agent
        .api(
            Method::POST,
            "/api/v1/calls",
            Some(json!({"conversation_id": conv, "direction": "outbound",
            "duration_seconds": 185, "outcome": "resolved", "notes": "已改派", "callback_id": cb})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.json()["number"],
        "+86 138-0000-0000",
        "the callback's number"
    );
    let list = shop.agent.get("/api/v1/callbacks").await.json();
    assert!(
        !list.to_string().contains(&cb),
        "answered callbacks leave the queue"
    );
    let calls = shop
        .agent
        .get(&format!("/api/v1/calls?conversation_id={conv}"))
        .await
        .json();
    assert_eq!(calls[0]["duration_seconds"], 185);
    let msgs = shop
        .agent
        .get(&format!("/api/v1/conversations/{conv}/messages"))
        .await
        .body;
    assert!(
        msgs.contains("logged a outbound call (3:05, resolved)"),
        "{msgs}"
    );
    assert_eq!(
        shop.other_agent
            .get(&format!("/api/v1/calls?conversation_id={conv}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = shop
        .agent
        .api(
            Method::POST,
            "/api/v1/calls",
            Some(json!({"direction": "sideways", "outcome": "resolved"})),
        )
        .await;
    assert_eq!(r.code(), "invalid_direction");
    let r = shop
        .agent
        .api(
            Method::POST,
            "/api/v1/calls",
            Some(json!({"direction": "inbound", "outcome": "resolved", "callback_id": cb})),
        )
        .await;
    assert_eq!(r.code(), "callback_closed");
}
