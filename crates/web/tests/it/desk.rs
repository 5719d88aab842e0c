//! The agent's desk against the real server on both databases: conversation actions, routing
//! and the queue, files, the offline form and mailed replies, browse consult and invitations,
//! signed identities in the widget, mentions and collision warnings.

#![allow(clippy::unwrap_used)]

use std::sync::Mutex;
use std::time::Duration;

use crate::common::live::*;
use crate::common::*;
use kefu_core::Role;
use kefu_store::testing::TestDb;
use kefu_store::{both_backends, teams};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn patch(b: &Browser, conv: &str, body: Value) -> Resp {
    b.api(
        Method::PATCH,
        &format!("/api/v1/conversations/{conv}"),
        Some(body),
    )
    .await
}

/// A visitor who opened a conversation and wrote in it over HTTP.
async fn waiting_visitor(shop: &Shop, text: &str) -> (String, Browser, String) {
    let (token, vb) = visitor(shop).await;
    let conv = open_conversation(&vb).await;
    let r = vb
        .send(
            vb.req(
                Method::POST,
                &format!("/widget/api/conversations/{conv}/messages"),
            )
            .json(&json!({"client_id": "first", "body": text})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (token, vb, conv)
}

async fn kinds_seen_by_visitor(vb: &Browser, conv: &str) -> Vec<String> {
    vb.get(&format!("/widget/api/conversations/{conv}/messages"))
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_string())
        .collect()
}

both_backends!(agents_assign_transfer_tag_and_snooze_conversations, actions);
async fn actions(t: TestDb) {
    let shop = shop(t).await;
    let (_, vb, conv) = waiting_visitor(&shop, "我的订单还没到").await;
    let agent_id = kefu_store::people::by_email(&shop.s.t.db, "agent@shop.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    let r = patch(
        &shop.agent,
        &conv,
        json!({"assignee_id": agent_id, "stage": "after_sale", "priority": "high",
               "tags": ["物流", " 物流 ", "VIP"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let c = r.json();
    assert_eq!(
        (
            c["assignee_id"].as_str(),
            c["stage"].as_str(),
            c["priority"].as_str(),
            c["tags"].clone()
        ),
        (
            Some(agent_id.as_str()),
            Some("after_sale"),
            Some("high"),
            json!(["vip", "物流"])
        )
    );
    assert!(c["waiting_since"].is_null(), "assigned: no longer waiting");
    // The customer sees that an agent joined, not the staff's bookkeeping.
    assert_eq!(kinds_seen_by_visitor(&vb, &conv).await, ["text", "event"]);
    let staff_view = shop
        .agent
        .get(&format!("/api/v1/conversations/{conv}/messages"))
        .await
        .json();
    let kinds: Vec<&str> = staff_view
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["text", "event", "activity", "activity", "activity"]);

    // Lists by view, status, stage, tag and customer search.
    let list = async |q: &str| -> Vec<String> {
        let r = shop.agent.get(&format!("/api/v1/conversations?{q}")).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, _, other) = waiting_visitor(&shop, "还有货吗").await;
    assert_eq!(list("view=mine").await, std::slice::from_ref(&conv));
    assert_eq!(list("view=unassigned").await, std::slice::from_ref(&other));
    assert_eq!(
        list("stage=after_sale&tag=VIP").await,
        std::slice::from_ref(&conv)
    );
    assert_eq!(
        list("tag=%E7%89%A9%E6%B5%81").await,
        std::slice::from_ref(&conv)
    );
    assert_eq!(list("q=%E5%92%A8%E8%AF%A2").await.len(), 2, "subject 咨询");
    // A team narrows any view to its inboxes' conversations.
    let teams = kefu_store::teams::list_teams(&shop.s.t.db).await.unwrap();
    let team_of = |name: &str| teams.iter().find(|t| t.name == name).unwrap().id.clone();
    let pre = team_of("售前");
    assert_eq!(list(&format!("team={pre}")).await.len(), 2);
    assert_eq!(
        list(&format!("view=unassigned&team={pre}")).await,
        std::slice::from_ref(&other)
    );
    let after = teams
        .iter()
        .find(|t| t.id != pre)
        .map(|t| t.id.clone())
        .unwrap();
    assert!(list(&format!("team={after}")).await.is_empty());
    assert!(list("q=nobody-like-this").await.is_empty());
    assert_eq!(
        shop.agent
            .get("/api/v1/conversations?view=odd")
            .await
            .code(),
        "invalid_view"
    );

    // Bad values are refused with their own codes.
    for (body, code) in [
        (json!({"status": "closed"}), "invalid_status"),
        (json!({"stage": "售后"}), "invalid_stage"),
        (json!({"priority": "p0"}), "invalid_priority"),
        (json!({"status": "snoozed"}), "invalid_snooze"),
        (json!({"snoozed_until": 1}), "invalid_snooze"),
        (json!({"assignee_id": "nobody"}), "invalid_assignee"),
        (json!({"team_id": "nothing"}), "invalid_team"),
        (json!({"tags": ["x".repeat(41)]}), "invalid_tags"),
        (json!({"colour": "red"}), "invalid_body"),
    ] {
        let r = patch(&shop.agent, &conv, body.clone()).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::BAD_REQUEST, code.to_string()),
            "{body}"
        );
    }
    // The other team's agent cannot assign to themselves what they cannot see.
    let other_id = kefu_store::people::by_email(&shop.s.t.db, "other@shop.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        patch(&shop.other_agent, &conv, json!({"status": "resolved"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        patch(&shop.agent, &conv, json!({"assignee_id": other_id}))
            .await
            .code(),
        "invalid_assignee",
        "the other agent does not work this inbox"
    );
    // A transfer to a team the assignee is not in puts the conversation in that team's queue.
    let post = teams::list_teams(&shop.s.t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "售后")
        .unwrap();
    let c = patch(&shop.agent, &conv, json!({"team_id": post.id}))
        .await
        .json();
    assert_eq!(
        (
            c["team_id"].as_str(),
            c["assignee_id"].is_null(),
            c["waiting_since"].is_i64()
        ),
        (Some(post.id.as_str()), true, true)
    );

    // Snoozed, then woken by the chores when the time comes.
    let until = kefu_core::time::now_ms() + 300;
    let c = patch(
        &shop.agent,
        &conv,
        json!({"status": "snoozed", "snoozed_until": until}),
    )
    .await
    .json();
    assert_eq!(c["status"], "snoozed");
    let mut woke = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let c = shop
            .agent
            .get(&format!("/api/v1/conversations/{conv}"))
            .await
            .json();
        if c["status"] == "open" && c["snoozed_until"].is_null() {
            woke = true;
            break;
        }
    }
    assert!(woke, "the snooze never ended");

    // Resolved; the customer writing again reopens it.
    patch(&shop.agent, &conv, json!({"status": "resolved"})).await;
    vb.send(
        vb.req(
            Method::POST,
            &format!("/widget/api/conversations/{conv}/messages"),
        )
        .json(&json!({"client_id": "again", "body": "又出问题了"})),
    )
    .await;
    let c = shop
        .agent
        .get(&format!("/api/v1/conversations/{conv}"))
        .await
        .json();
    assert_eq!(c["status"], "open");
}

async fn go_online(b: &Browser, max_chats: i64) {
    let r = b
        .api(
            Method::PUT,
            "/api/v1/me/presence",
            Some(json!({"presence": "online", "max_chats": max_chats})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn assignee(s: &Server, conv: &str) -> Option<String> {
    kefu_store::conversations::get(&s.t.db, conv)
        .await
        .unwrap()
        .unwrap()
        .assignee_id
}

/// Waits until `f` holds (the chores run every two seconds, or when woken).
async fn eventually<F: AsyncFn() -> bool>(what: &str, f: F) {
    for _ in 0..60 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never: {what}");
}

both_backends!(
    chats_go_round_robin_within_capacity_and_then_wait_in_line,
    routing
);
async fn routing(t: TestDb) {
    let shop = shop(t).await;
    let pre = teams::list_teams(&shop.s.t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "售前")
        .unwrap();
    let other = kefu_store::people::by_email(&shop.s.t.db, "other@shop.com")
        .await
        .unwrap()
        .unwrap();
    teams::add_member(&shop.s.t.db, &pre.id, &other.id)
        .await
        .unwrap();
    // Nobody online: the widget offers the offline form.
    let (token1, vb1) = visitor(&shop).await;
    let st = vb1.get("/widget/api/status").await.json();
    assert_eq!(
        (st["open"].as_bool(), st["agents_online"].as_i64()),
        (Some(false), Some(0))
    );

    go_online(&shop.agent, 1).await;
    go_online(&shop.other_agent, 1).await;
    assert_eq!(vb1.get("/widget/api/status").await.json()["open"], true);
    let agents = shop.agent.get("/api/v1/agents").await.json();
    assert!(
        agents
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["presence"] == "online" && a["connected"] == true)
            .count()
            == 2,
        "{agents}"
    );

    let conv1 = open_conversation(&vb1).await;
    let mut ws1 = hello_visitor(&shop.s, &token1, json!({conv1.clone(): 0})).await;
    put(&mut ws1, send("c1", &conv1, "第一位")).await;
    let (_, _, conv2) = waiting_visitor(&shop, "第二位").await;
    let (_, vb3, conv3) = waiting_visitor(&shop, "第三位").await;
    let s = &shop.s;
    eventually("two chats assigned", async || {
        assignee(s, &conv1).await.is_some() && assignee(s, &conv2).await.is_some()
    })
    .await;
    let (a1, a2) = (
        assignee(s, &conv1).await.unwrap(),
        assignee(s, &conv2).await.unwrap(),
    );
    assert_ne!(a1, a2, "round-robin: one each");
    // Both are full (capacity 1): the third waits, first in line.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(assignee(s, &conv3).await, None);
    let q = vb3
        .get(&format!("/widget/api/conversations/{conv3}/queue"))
        .await
        .json();
    assert_eq!(q["position"], 1);
    // The first visitor heard they were being served.
    loop {
        let f = next_any(&mut ws1).await;
        if f["type"] == "message" && f["kind"] == "event" {
            break;
        }
    }
    // The first chat ends: its agent has room and gets the waiting one.
    let first_agent = if a1 == other.id {
        &shop.other_agent
    } else {
        &shop.agent
    };
    patch(first_agent, &conv1, json!({"status": "resolved"})).await;
    eventually("the waiting chat assigned", async || {
        assignee(s, &conv3).await.as_deref() == Some(a1.as_str())
    })
    .await;
    let q = vb3
        .get(&format!("/widget/api/conversations/{conv3}/queue"))
        .await
        .json();
    assert_eq!(q["position"], 0);
    // Away agents get nothing new.
    for b in [&shop.agent, &shop.other_agent] {
        b.api(
            Method::PUT,
            "/api/v1/me/presence",
            Some(json!({"presence": "away"})),
        )
        .await;
    }
    let (_, _, conv4) = waiting_visitor(&shop, "第四位").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(assignee(s, &conv4).await, None);
    assert_eq!(
        shop.agent
            .api(
                Method::PUT,
                "/api/v1/me/presence",
                Some(json!({"presence": "busy"}))
            )
            .await
            .code(),
        "invalid_presence"
    );
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

both_backends!(files_go_both_ways_typed_by_their_content, files);
async fn files(t: TestDb) {
    // Files may be larger than JSON bodies (1 MiB), up to their own limit.
    let shop = shop_with(t, |c| c.max_upload_bytes = 2 * 1024 * 1024).await;
    let (_, vb, conv) = waiting_visitor(&shop, "看图").await;
    async fn up(b: &Browser, path: String, bytes: Vec<u8>) -> Resp {
        let req = b
            .req(Method::POST, &path)
            .header("x-csrf-token", b.csrf())
            .header("content-type", "application/octet-stream")
            .body(bytes);
        b.send(req).await
    }
    let r = up(
        &vb,
        format!("/widget/api/conversations/{conv}/attachments?name=..%2Fphoto.png&client_id=f1"),
        PNG.to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let m = r.json();
    let meta: Value = serde_json::from_str(m["meta"].as_str().unwrap()).unwrap();
    assert_eq!(
        (
            m["kind"].as_str(),
            meta["name"].as_str(),
            meta["content_type"].as_str()
        ),
        (Some("attachment"), Some("photo.png"), Some("image/png"))
    );
    // A retry with the same client id stores nothing new.
    let again = up(
        &vb,
        format!("/widget/api/conversations/{conv}/attachments?name=photo.png&client_id=f1"),
        PNG.to_vec(),
    )
    .await;
    assert_eq!(
        (again.status, again.json()["id"].clone()),
        (StatusCode::OK, m["id"].clone())
    );
    let id = meta["attachment"].as_str().unwrap();
    let d = shop.agent.get(&format!("/api/v1/attachments/{id}")).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.body, String::from_utf8_lossy(PNG), "the same bytes back");
    assert_eq!(d.headers["x-content-type-options"], "nosniff");
    assert_eq!(d.headers["content-type"], "application/octet-stream");
    assert!(
        d.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let preview = shop
        .agent
        .get(&format!("/api/v1/attachments/{id}?inline=1"))
        .await;
    assert_eq!(preview.headers["content-type"], "image/png");
    let csp = preview.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("sandbox"),
        "the preview keeps its own policy: {csp}"
    );
    // The other team's agent and another visitor get nothing.
    assert_eq!(
        shop.other_agent
            .get(&format!("/api/v1/attachments/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let (_, stranger) = visitor(&shop).await;
    assert_eq!(
        stranger
            .get(&format!("/widget/api/attachments/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The agent sends a PDF back; the visitor downloads it.
    let r = up(
        &shop.agent,
        format!("/api/v1/conversations/{conv}/attachments?name=%E5%8F%91%E7%A5%A8.pdf"),
        b"%PDF-1.4\n%fake but typed by its magic number\n".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let meta: Value = serde_json::from_str(r.json()["meta"].as_str().unwrap()).unwrap();
    let got = vb
        .get(&format!(
            "/widget/api/attachments/{}",
            meta["attachment"].as_str().unwrap()
        ))
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.body.starts_with("%PDF-1.4"));
    assert!(
        got.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("UTF-8''%E5%8F%91%E7%A5%A8.pdf")
    );

    // HTML dressed as an image, an empty file and a file over the limit are refused.
    let bad = up(
        &vb,
        format!("/widget/api/conversations/{conv}/attachments?name=x.png"),
        b"<html><script>alert(1)</script>".to_vec(),
    )
    .await;
    assert_eq!(
        (bad.status, bad.code()),
        (StatusCode::BAD_REQUEST, "unsupported_file_type".into())
    );
    let empty = up(
        &vb,
        format!("/widget/api/conversations/{conv}/attachments?name=x"),
        vec![],
    )
    .await;
    assert_eq!(empty.code(), "empty_file");
    let mut fits = PNG.to_vec();
    fits.resize(1536 * 1024, 0);
    let fits = up(
        &vb,
        format!("/widget/api/conversations/{conv}/attachments?name=scan.png"),
        fits,
    )
    .await;
    assert_eq!(fits.status, StatusCode::CREATED, "{}", fits.body);
    let mut big = PNG.to_vec();
    big.resize(2 * 1024 * 1024 + 1, 0);
    let big = up(
        &vb,
        format!("/widget/api/conversations/{conv}/attachments?name=big.png"),
        big,
    )
    .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// Keeps what the outbox worker would send.
#[derive(Default)]
struct Collect(Mutex<Vec<(String, String, String)>>);

impl kefu_service::mail::delivery::Transport for Collect {
    async fn send(
        &self,
        mail: &kefu_store::outbox::OutboxMail,
    ) -> Result<(), kefu_service::mail::MailFailure> {
        self.0.lock().unwrap().push((
            mail.to_addr.clone(),
            mail.subject.clone(),
            mail.body_text.clone(),
        ));
        Ok(())
    }
}

both_backends!(
    the_offline_form_gets_its_reply_by_mail_and_transcripts_go_out,
    offline
);
async fn offline(t: TestDb) {
    let shop = shop_with(t, |c| c.reply_mail_delay_ms = 0).await;
    // She already has an account, with an earlier conversation (by e-mail, say).
    let account = person(&shop.s, "Fang@Example.com", Role::Customer).await;
    kefu_store::conversations::create(&shop.s.t.db, &shop.inbox, Some(&account.id), "发票")
        .await
        .unwrap();
    let (token, vb) = visitor(&shop).await;
    assert_eq!(vb.get("/widget/api/status").await.json()["open"], false);
    let r = vb
        .send(
            vb.req(Method::POST, "/widget/api/offline")
                .json(&json!({"name": "王芳", "email": "", "message": "退货地址是哪里？"})),
        )
        .await;
    assert_eq!(r.code(), "email_required");
    let r = vb
        .send(vb.req(Method::POST, "/widget/api/offline").json(
            &json!({"name": "王芳", "email": "fang@example.com", "message": "退货地址是哪里？"}),
        ))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let conv = r.json()["id"].as_str().unwrap().to_string();
    // The agent sees it waiting, with who wrote it.
    let ctx = shop
        .agent
        .get(&format!("/api/v1/conversations/{conv}/context"))
        .await
        .json();
    assert_eq!(
        (
            ctx["customer"]["name"].as_str(),
            ctx["customer"]["email"].as_str(),
            ctx["customer"]["verified"].as_bool(),
            ctx["queue_position"].as_i64()
        ),
        (Some("王芳"), Some("fang@example.com"), Some(false), Some(1))
    );
    // The agent sees her earlier conversation beside this one; she does not see it in the widget.
    assert_eq!(ctx["past"][0]["subject"], "发票", "{ctx}");
    assert_eq!(
        vb.get("/widget/api/conversations")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(json!({"client_id": "r1", "body": "请寄到上海市浦东新区 1 号。"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let mail = Collect::default();
    kefu_service::mail::delivery::deliver_due(&shop.s.state, Some(&mail))
        .await
        .unwrap();
    {
        let sent = mail.0.lock().unwrap();
        assert_eq!(sent.len(), 1, "{sent:?}");
        let (to, subject, body) = &sent[0];
        assert_eq!(to, "fang@example.com");
        assert!(subject.contains("回复"), "{subject}");
        assert!(
            body.contains("王芳") && body.contains("agent: 请寄到上海市浦东新区 1 号。"),
            "{body}"
        );
    }
    // On the next visit the reply is in the widget too; once read there, no mail goes out.
    let seen = vb
        .get(&format!("/widget/api/conversations/{conv}/messages"))
        .await
        .json();
    assert!(
        seen.as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "请寄到上海市浦东新区 1 号。")
    );
    let r = shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(json!({"client_id": "r2", "body": "收到了吗？"})),
        )
        .await;
    let seq = r.json()["seq"].as_i64().unwrap();
    let mut ws = hello_visitor(&shop.s, &token, json!({})).await;
    put(
        &mut ws,
        json!({"type": "read", "conversation": conv, "seq": seq}),
    )
    .await;
    put(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(next(&mut ws).await["type"], "pong");
    kefu_service::mail::delivery::deliver_due(&shop.s.state, Some(&mail))
        .await
        .unwrap();
    assert_eq!(mail.0.lock().unwrap().len(), 1, "read in the chat: no mail");

    // The transcript, on request.
    let bad = vb
        .send(
            vb.req(
                Method::POST,
                &format!("/widget/api/conversations/{conv}/transcript"),
            )
            .json(&json!({"email": "not an address"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let r = vb
        .send(
            vb.req(
                Method::POST,
                &format!("/widget/api/conversations/{conv}/transcript"),
            )
            .json(&json!({"email": "fang@example.com"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    kefu_service::mail::delivery::deliver_due(&shop.s.state, Some(&mail))
        .await
        .unwrap();
    {
        let sent = mail.0.lock().unwrap();
        let (_, subject, body) = sent.last().unwrap();
        assert!(subject.contains("对话记录"), "{subject}");
        assert!(
            body.contains("退货地址是哪里？") && body.contains("收到了吗？"),
            "{body}"
        );
    }
    // The shop's language is the customer's until they choose one: switched to English, the
    // next transcript is English.
    person(&shop.s, "boss@shop.com", Role::Admin).await;
    let boss = signed_in(&shop.s, "boss@shop.com").await;
    let r = boss
        .post("/admin/settings", &[("name", "小店"), ("language", "fr")])
        .await;
    assert!(
        r.body.contains("zh-CN"),
        "an unknown language is refused: {}",
        r.body
    );
    let r = boss
        .post("/admin/settings", &[("name", "小店"), ("language", "en")])
        .await;
    assert!(
        r.status.is_redirection() || r.status.is_success(),
        "{}",
        r.body
    );
    assert!(
        boss.get("/admin/settings")
            .await
            .body
            .contains("<option value=\"en\" selected>")
    );
    let r = vb
        .send(
            vb.req(
                Method::POST,
                &format!("/widget/api/conversations/{conv}/transcript"),
            )
            .json(&json!({"email": "fang@example.com"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    kefu_service::mail::delivery::deliver_due(&shop.s.state, Some(&mail))
        .await
        .unwrap();
    let sent = mail.0.lock().unwrap();
    let (_, subject, _) = sent.last().unwrap();
    assert_eq!(subject, "Your conversation with 小店");
}

both_backends!(agents_see_who_browses_where_and_rules_invite_them, browsing);
async fn browsing(t: TestDb) {
    let shop = shop(t).await;
    person(&shop.s, "boss@shop.com", Role::Admin).await;
    let boss = signed_in(&shop.s, "boss@shop.com").await;
    let rules = format!("/api/v1/inboxes/{}/invitations", shop.inbox);
    let r = boss
        .api(
            Method::POST,
            &rules,
            Some(json!({"url_pattern": "*/checkout*", "min_seconds": 5, "message": "结账遇到问题了吗？"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        boss.api(
            Method::POST,
            &rules,
            Some(json!({"url_pattern": "", "message": "x"}))
        )
        .await
        .code(),
        "invalid_pattern"
    );
    assert_eq!(
        shop.agent.api(Method::GET, &rules, None).await.status,
        StatusCode::FORBIDDEN
    );

    let (_, vb) = visitor(&shop).await;
    let page = async |url: &str| {
        // Views are ordered by their start (ms): keep them apart.
        tokio::time::sleep(Duration::from_millis(3)).await;
        vb.send(vb.req(Method::POST, "/widget/api/pages").json(
            &json!({"url": url, "title": "页面", "referrer": "https://www.baidu.com/s?wd=x"}),
        ))
        .await
    };
    let first = page("https://shop.example/p/42").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(first.json()["invitation"].is_null());
    // Nobody could answer yet: no invitation.
    assert!(page("https://shop.example/checkout").await.json()["invitation"].is_null());
    go_online(&shop.agent, 5).await;
    let checkout = page("https://shop.example/checkout?step=2").await.json();
    assert_eq!(
        (
            checkout["invitation"]["message"].as_str(),
            checkout["invitation"]["after_seconds"].as_i64()
        ),
        (Some("结账遇到问题了吗？"), Some(5))
    );
    assert_eq!(page("javascript:alert(1)").await.code(), "invalid_url");
    let ping = vb
        .send(vb.req(
            Method::POST,
            &format!(
                "/widget/api/pages/{}/ping",
                checkout["view_id"].as_str().unwrap()
            ),
        ))
        .await;
    assert_eq!(ping.status, StatusCode::NO_CONTENT);

    // The agent sees the visitor live, on the checkout page; the other team does not.
    let live = shop.agent.get("/api/v1/visitors/live").await.json();
    let row = &live.as_array().unwrap()[0];
    assert_eq!(
        row["url"].as_str(),
        Some("https://shop.example/checkout?step=2")
    );
    assert!(
        shop.other_agent
            .get("/api/v1/visitors/live")
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Beside the conversation: the trail, newest first.
    let conv = open_conversation(&vb).await;
    let ctx = shop
        .agent
        .get(&format!("/api/v1/conversations/{conv}/context"))
        .await
        .json();
    let urls: Vec<&str> = ctx["trail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "https://shop.example/checkout?step=2",
            "https://shop.example/checkout",
            "https://shop.example/p/42"
        ]
    );
    // Someone already chatting is not invited again.
    assert!(page("https://shop.example/checkout").await.json()["invitation"].is_null());
}

both_backends!(
    a_shop_signed_identity_turns_the_visitor_into_the_customer,
    identify
);
async fn identify(t: TestDb) {
    let shop = shop(t).await;
    kefu_store::settings::set(
        &shop.s.t.db,
        kefu_store::settings::IDENTITY_SECRET,
        "shop-secret",
    )
    .await
    .unwrap();
    let now = kefu_core::time::now_ms() / 1000;
    let signed = |secret: &str| {
        json!({"external_id": "c-77", "email": "lei@example.com", "name": "李雷", "timestamp": now,
               "signature": kefu_core::identity::sign(secret, "c-77", "lei@example.com", "李雷", now)})
    };
    // An earlier conversation of this customer, from another browser.
    let (_, old_browser) = visitor(&shop).await;
    let r = old_browser
        .send(
            old_browser
                .req(Method::POST, "/widget/api/identify")
                .json(&signed("shop-secret")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let customer = r.json()["customer_id"].as_str().unwrap().to_string();
    let old_conv = open_conversation(&old_browser).await;

    let (_, vb) = visitor(&shop).await;
    let anon_conv = open_conversation(&vb).await;
    let forged = vb
        .send(
            vb.req(Method::POST, "/widget/api/identify")
                .json(&signed("guess")),
        )
        .await;
    assert_eq!(forged.code(), "invalid_identity");
    assert_eq!(
        vb.get("/widget/api/conversations")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1,
        "a forgery shows nothing more"
    );
    let r = vb
        .send(
            vb.req(Method::POST, "/widget/api/identify")
                .json(&signed("shop-secret")),
        )
        .await;
    assert_eq!(r.json()["customer_id"].as_str(), Some(customer.as_str()));
    let mut mine: Vec<String> = vb
        .get("/widget/api/conversations")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    mine.sort();
    let mut expected = vec![old_conv, anon_conv.clone()];
    expected.sort();
    assert_eq!(mine, expected, "past conversations, and the anonymous one");
    let ctx = shop
        .agent
        .get(&format!("/api/v1/conversations/{anon_conv}/context"))
        .await
        .json();
    assert_eq!(
        (
            ctx["customer"]["verified"].as_bool(),
            ctx["customer"]["name"].as_str(),
            ctx["past"].as_array().unwrap().len()
        ),
        (Some(true), Some("李雷"), 1)
    );
    assert_eq!(
        vb.get("/widget/api/status").await.json()["customer"]["verified"],
        true
    );
}

both_backends!(
    mentions_notify_and_a_second_agent_sees_the_collision,
    mentions
);
async fn mentions(t: TestDb) {
    let shop = shop(t).await;
    let pre = teams::list_teams(&shop.s.t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "售前")
        .unwrap();
    let other = kefu_store::people::by_email(&shop.s.t.db, "other@shop.com")
        .await
        .unwrap()
        .unwrap();
    teams::add_member(&shop.s.t.db, &pre.id, &other.id)
        .await
        .unwrap();
    let (_, _, conv) = waiting_visitor(&shop, "发票怎么开？").await;
    let mut a = hello_person(&shop.s, &shop.agent, json!({})).await;
    let mut o = hello_person(&shop.s, &shop.other_agent, json!({})).await;
    put(
        &mut a,
        json!({"type": "viewing", "conversation": conv, "on": true}),
    )
    .await;
    let seen = loop {
        let f = next(&mut o).await;
        if f["type"] == "viewing" {
            break f;
        }
    };
    assert_eq!(
        (seen["who"]["name"].as_str(), seen["on"].as_bool()),
        (Some("agent"), Some(true))
    );
    put(
        &mut a,
        json!({"type": "send", "cid": "n1", "conversation": conv,
        "body": "@other 这位客户要增值税发票，你来处理？", "note": true}),
    )
    .await;
    let n = loop {
        let f = next(&mut o).await;
        if f["type"] == "notification" {
            break f;
        }
    };
    assert_eq!(
        (n["kind"].as_str(), n["conversation"].as_str()),
        (Some("mention"), Some(conv.as_str()))
    );
    let list = shop.other_agent.get("/api/v1/notifications").await.json();
    let id = list[0]["id"].as_str().unwrap();
    assert!(list[0]["body"].as_str().unwrap().contains("增值税发票"));
    assert!(
        shop.agent
            .get("/api/v1/notifications")
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty(),
        "nobody else is notified"
    );
    let r = shop
        .other_agent
        .api(
            Method::POST,
            &format!("/api/v1/notifications/{id}/read"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    // Leaving (the socket closes) ends the warning.
    a.close(None).await.unwrap();
    loop {
        let f = next(&mut o).await;
        if f["type"] == "viewing" && f["on"] == false {
            break;
        }
    }
    // Visitors may not announce viewing.
    let (token, _) = visitor(&shop).await;
    let mut v = hello_visitor(&shop.s, &token, json!({})).await;
    put(
        &mut v,
        json!({"type": "viewing", "conversation": conv, "on": true}),
    )
    .await;
    assert_eq!(next(&mut v).await["code"], "forbidden");
}

both_backends!(
    customers_read_and_answer_their_conversations_in_their_account,
    account_thread
);
async fn account_thread(t: TestDb) {
    let shop = shop(t).await;
    let me = person(&shop.s, "buyer@example.com", Role::Customer).await;
    person(&shop.s, "someone@example.com", Role::Customer).await;
    let conv = kefu_store::conversations::create(&shop.s.t.db, &shop.inbox, Some(&me.id), "尺码")
        .await
        .unwrap();
    for (cid, body, note) in [
        ("a1", "M 码偏大半码。", false),
        ("a2", "<b>内部</b>备注", true),
    ] {
        let r = shop
            .agent
            .api(
                Method::POST,
                &format!("/api/v1/conversations/{}/messages", conv.id),
                Some(json!({"client_id": cid, "body": body, "note": note})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let buyer = signed_in(&shop.s, "buyer@example.com").await;
    let path = format!("/account/conversations/{}", conv.id);
    let page = buyer.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("M 码偏大半码。"));
    assert!(!page.body.contains("内部"), "notes stay among staff");
    let r = buyer
        .post(&path, &[("client_id", "web-1"), ("body", "那我要 S 码。")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A double submit of the same form stores one message.
    buyer
        .post(&path, &[("client_id", "web-1"), ("body", "那我要 S 码。")])
        .await;
    let msgs = shop
        .agent
        .get(&format!("/api/v1/conversations/{}/messages", conv.id))
        .await
        .json();
    let answers = msgs
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["body"] == "那我要 S 码。")
        .count();
    assert_eq!(answers, 1);
    let other = signed_in(&shop.s, "someone@example.com").await;
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other
            .post(&path, &[("client_id", "x"), ("body", "hi")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

both_backends!(
    a_connected_widget_hears_when_its_inbox_opens_and_closes,
    availability_live
);
async fn availability_live(t: TestDb) {
    let shop = shop(t).await;
    let (token, _vb) = visitor(&shop).await;
    let mut ws = hello_visitor(&shop.s, &token, json!({})).await;
    // Right after the welcome: nobody online, so closed.
    let f = next_any(&mut ws).await;
    assert_eq!(
        (f["type"].as_str(), f["open"].as_bool()),
        (Some("availability"), Some(false)),
        "{f}"
    );
    // The agent of the inbox's team comes online: the open widget hears it, unasked.
    go_online(&shop.agent, 5).await;
    let open = availability_change(&mut ws).await;
    assert_eq!(
        (open["open"].as_bool(), open["agents_online"].as_i64()),
        (Some(true), Some(1)),
        "{open}"
    );
    // An agent of another team does not count; this one leaving closes it again.
    go_online(&shop.other_agent, 5).await;
    let r = shop
        .agent
        .api(
            Method::PUT,
            "/api/v1/me/presence",
            Some(json!({"presence": "away"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let closed = availability_change(&mut ws).await;
    assert_eq!(closed["open"], false, "{closed}");
}

/// The next availability frame (the chores look about once a second).
async fn availability_change(ws: &mut Ws) -> Value {
    for _ in 0..20 {
        let f = next_any(ws).await;
        if f["type"] == "availability" {
            return f;
        }
    }
    panic!("no availability frame");
}

both_backends!(
    the_list_shows_the_last_words_the_channel_and_what_is_unread,
    list_previews
);
async fn list_previews(t: TestDb) {
    let shop = shop(t).await;
    let (_, vb, conv) = waiting_visitor(&shop, "第一句").await;
    let r = vb
        .send(
            vb.req(
                Method::POST,
                &format!("/widget/api/conversations/{conv}/messages"),
            )
            .json(&json!({"client_id": "second", "body": "还有第二句"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let row = |list: Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == conv.as_str())
            .cloned()
            .unwrap()
    };
    let c = row(shop.agent.get("/api/v1/conversations").await.json());
    assert_eq!(
        (
            &c["preview"],
            &c["preview_author"],
            &c["channel"],
            &c["unread"]
        ),
        (
            &json!("还有第二句"),
            &json!("contact"),
            &json!("widget"),
            &json!(2)
        ),
        "{c}"
    );
    // Read by this agent: nothing unread for them, still two for the other.
    let mut ws = hello_person(&shop.s, &shop.agent, json!({})).await;
    put(
        &mut ws,
        json!({"type": "read", "conversation": conv, "seq": 2}),
    )
    .await;
    eventually("read recorded", async || {
        row(shop.agent.get("/api/v1/conversations").await.json())["unread"] == 0
    })
    .await;
    // An agent's note is the preview now, and is not unread.
    put(
        &mut ws,
        json!({"type": "send", "cid": "n1", "conversation": conv, "body": "查一下库存", "note": true}),
    )
    .await;
    ack(&mut ws).await;
    let c = row(shop.agent.get("/api/v1/conversations").await.json());
    assert_eq!(
        (&c["preview"], &c["preview_kind"], &c["unread"]),
        (&json!("查一下库存"), &json!("note"), &json!(0)),
        "{c}"
    );
}

both_backends!(
    staff_correct_customers_and_signatures_and_errors_speak_the_callers_language,
    desk_pages
);
async fn desk_pages(t: TestDb) {
    let shop = shop(t).await;
    let (_, _, conv) = waiting_visitor(&shop, "我的订单到哪了").await;
    let customer = kefu_store::conversations::get(&shop.s.t.db, &conv)
        .await
        .unwrap()
        .unwrap()
        .customer_id
        .unwrap();
    let path = format!("/api/v1/customers/{customer}");
    // The agent of the customer's inbox corrects them; mails to them follow the new language.
    let r = shop
        .agent
        .api(
            Method::PATCH,
            &path,
            Some(json!({"name": "陈静", "email": "Chen@Example.com", "phone": "138 0013 8000", "language": "en"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let card = r.json();
    assert_eq!(
        (
            &card["name"],
            &card["email"],
            &card["phone"],
            &card["language"]
        ),
        (
            &json!("陈静"),
            &json!("Chen@example.com"),
            &json!("138 0013 8000"),
            &json!("en")
        )
    );
    // An agent of another team does not know them.
    let r = shop
        .other_agent
        .api(Method::PATCH, &path, Some(json!({"name": "x"})))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A bad address: the code stays, the words are the caller's language.
    let bad = json!({"email": "not an address"});
    let r = shop
        .agent
        .api(Method::PATCH, &path, Some(bad.clone()))
        .await;
    // English readers get the server's own words, which name the value.
    assert_eq!(r.code(), "invalid_email");
    assert_eq!(
        r.json()["error"]["message"],
        "not an address is not an e-mail address"
    );
    let mut zh = Browser::new(&shop.s);
    zh.cookies = Mutex::new(shop.agent.cookies.lock().unwrap().clone());
    zh.extra_headers
        .push(("accept-language".into(), "zh-CN,zh;q=0.9".into()));
    let r = zh.api(Method::PATCH, &path, Some(bad)).await;
    assert_eq!(r.code(), "invalid_email");
    assert_eq!(r.json()["error"]["message"], "电子邮箱格式不正确。");

    // Signatures are changed by their owner only.
    let r = shop
        .agent
        .api(
            Method::POST,
            "/api/v1/signatures",
            Some(json!({"name": "正式", "body": "李娜\n客服部"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sig = r.json()["id"].as_str().unwrap().to_string();
    let edit = json!({"name": "正式", "body": "李娜\n好物商城客服部"});
    let r = shop
        .other_agent
        .api(
            Method::PUT,
            &format!("/api/v1/signatures/{sig}"),
            Some(edit.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = shop
        .agent
        .api(
            Method::PUT,
            &format!("/api/v1/signatures/{sig}"),
            Some(edit),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["body"], "李娜\n好物商城客服部");
    let r = shop
        .agent
        .api(
            Method::PUT,
            &format!("/api/v1/signatures/{sig}"),
            Some(json!({"name": "", "body": "x"})),
        )
        .await;
    assert_eq!(r.code(), "invalid_name");

    // The desk pages: every tab but the reports for an agent.
    for s in ["macros", "signatures", "phrases", "customers"] {
        let r = shop.agent.get(&format!("/desk/{s}")).await;
        assert_eq!(r.status, StatusCode::OK, "{s}: {}", r.body);
    }
    assert_eq!(
        shop.agent.get("/desk/reports").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        shop.agent.get("/desk/nothing").await.status,
        StatusCode::NOT_FOUND
    );
}
