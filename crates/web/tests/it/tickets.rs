//! Conversations worked as tickets, on both databases against the real server: numbers, types,
//! admin-defined fields, merge, split, macros; SLA clocks, reminders, breaches and the report;
//! public complaints and after-sale claims with their codes, escalation, status page and flow.

#![allow(clippy::unwrap_used)]

use crate::common::live::*;
use crate::common::*;
use kefu_core::Role;
use kefu_store::testing::TestDb;
use kefu_store::{both_backends, teams};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn customer_writes(vb: &Browser, conv: &str, cid: &str, text: &str) {
    let r = vb
        .send(
            vb.req(
                Method::POST,
                &format!("/widget/api/conversations/{conv}/messages"),
            )
            .json(&json!({"client_id": cid, "body": text})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
}

async fn agent_replies(b: &Browser, conv: &str, text: &str) {
    let r = b
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(json!({"body": text, "client_id": kefu_core::id::new_id()})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
}

async fn admin(shop: &Shop) -> Browser {
    person(&shop.s, "boss@shop.com", Role::Admin).await;
    signed_in(&shop.s, "boss@shop.com").await
}

async fn conv(b: &Browser, id: &str) -> Value {
    b.get(&format!("/api/v1/conversations/{id}")).await.json()
}

both_backends!(
    tickets_have_numbers_types_fields_merge_split_and_macros,
    tickets
);
async fn tickets(t: TestDb) {
    let shop = shop(t).await;
    let boss = admin(&shop).await;
    let (_, vb) = visitor(&shop).await;
    let a = open_conversation(&vb).await;
    customer_writes(&vb, &a, "a1", "我的快递丢了").await;
    let b = open_conversation(&vb).await;
    customer_writes(&vb, &b, "b1", "还有发票的问题").await;
    let (na, nb) = (
        conv(&shop.agent, &a).await["number"].as_i64().unwrap(),
        conv(&shop.agent, &b).await["number"].as_i64().unwrap(),
    );
    assert!(na > 1000 && nb == na + 1, "{na} {nb}");
    // The list finds a ticket by its number.
    let found = shop
        .agent
        .get(&format!("/api/v1/conversations?q=%23{nb}"))
        .await
        .json();
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["id"], b.as_str());

    // Fields: admins define them; values are checked; required ones block resolving.
    let r = boss
        .api(
            Method::PUT,
            "/api/v1/ticket-fields",
            Some(json!([
                {"key": "order", "label": "订单号", "kind": "text", "required": true},
                {"key": "carrier", "label": "快递", "kind": "select", "options": ["顺丰", "圆通"]}
            ])),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = shop
        .agent
        .api(Method::PUT, "/api/v1/ticket-fields", Some(json!([])))
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "agents cannot define fields"
    );
    let path = format!("/api/v1/conversations/{a}");
    let r = shop
        .agent
        .api(
            Method::PATCH,
            &path,
            Some(json!({"fields": {"carrier": "中通"}})),
        )
        .await;
    assert_eq!(r.code(), "invalid_field", "{}", r.body);
    let r = shop
        .agent
        .api(Method::PATCH, &path, Some(json!({"status": "resolved"})))
        .await;
    assert_eq!(r.code(), "required_fields", "{}", r.body);
    assert!(r.body.contains("订单号"), "{}", r.body);
    let r = shop
        .agent
        .api(
            Method::PATCH,
            &path,
            Some(json!({"ticket_type": "complaint", "fields": {"order": "A-1001", "carrier": "顺丰"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["ticket_type"], "complaint");
    assert_eq!(r.json()["fields"]["carrier"], "顺丰");
    let r = shop
        .agent
        .api(Method::PATCH, &path, Some(json!({"ticket_type": "rant"})))
        .await;
    assert_eq!(r.code(), "invalid_type");

    // Split: a message of `a` becomes the first of a new ticket.
    let msgs = shop
        .agent
        .get(&format!("/api/v1/conversations/{a}/messages"))
        .await
        .json();
    let first = msgs
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"] == "我的快递丢了")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{a}/split"),
            Some(json!({"message_id": first})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let c = r.json()["id"].as_str().unwrap().to_string();
    let split_msgs = shop
        .agent
        .get(&format!("/api/v1/conversations/{c}/messages"))
        .await
        .json();
    assert!(
        split_msgs
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "我的快递丢了"
                && m["meta"].as_str().unwrap().contains("copied_from")),
        "{split_msgs}"
    );
    let r = shop
        .other_agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{a}/split"),
            Some(json!({"message_id": first})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "an agent of another team");

    // Merge: b into a (one customer); the customer sees both events.
    let r = shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{b}/merge"),
            Some(json!({"into": a})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let old = conv(&shop.agent, &b).await;
    assert_eq!(
        (old["status"].as_str(), old["merged_into"].as_str()),
        (Some("resolved"), Some(a.as_str()))
    );
    let merged = shop
        .agent
        .get(&format!("/api/v1/conversations/{a}/messages"))
        .await
        .body;
    assert!(merged.contains("还有发票的问题"), "{merged}");
    assert!(merged.contains(&format!("#{nb}")), "{merged}");
    let r = shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{b}/merge"),
            Some(json!({"into": a})),
        )
        .await;
    assert_eq!(r.code(), "invalid_merge", "merged twice");
    // Another customer's conversation cannot be merged in.
    let (_, other_vb) = visitor(&shop).await;
    let d = open_conversation(&other_vb).await;
    customer_writes(&other_vb, &d, "d1", "别人的问题").await;
    let r = shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{d}/merge"),
            Some(json!({"into": a})),
        )
        .await;
    assert_eq!(r.code(), "invalid_merge");

    // Macros: a reply with variables, changes and an assignment in one click.
    let r = shop
        .agent
        .api(
            Method::POST,
            "/api/v1/macros",
            Some(json!({"name": "物流理赔", "actions": {
                "reply": "您好，{agent.name} 已为您登记工单 {ticket.number}，订单 {order.number}。",
                "priority": "high", "add_tags": ["物流"], "assign": "me", "status": "pending"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let m = r.json()["id"].as_str().unwrap().to_string();
    let r = shop
        .agent
        .api(
            Method::POST,
            "/api/v1/macros",
            Some(json!({"name": "shared", "shared": true, "actions": {"priority": "low"}})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "agents do not share macros"
    );
    let r = shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{c}/macros/{m}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let res = r.json();
    assert_eq!(res["unfilled"], json!(["order.number"]));
    let cv = &res["conversation"];
    assert_eq!(
        (
            cv["priority"].as_str(),
            cv["status"].as_str(),
            cv["tags"].clone()
        ),
        (Some("high"), Some("pending"), json!(["物流"]))
    );
    assert!(cv["assignee_id"].is_string());
    let number_c = cv["number"].as_i64().unwrap();
    let seen = vb
        .get(&format!("/widget/api/conversations/{c}/messages"))
        .await
        .body;
    assert!(
        seen.contains(&format!("已为您登记工单 {number_c}")),
        "{seen}"
    );
    // Someone else's macro is not theirs to apply.
    let r = shop
        .other_agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{c}/macros/{m}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

both_backends!(sla_clocks_remind_breach_and_report, sla);
async fn sla(t: TestDb) {
    let shop = shop(t).await;
    let boss = admin(&shop).await;
    // A calendar that is always open, so the test does not depend on the hour it runs.
    let r = boss
        .api(
            Method::PUT,
            "/api/v1/sla",
            Some(json!({
                "calendars": [{"id": "cn", "name": "中国", "time_zone": "Asia/Shanghai", "hours": [], "holidays": ["2026-10-01"]}],
                "policies": [
                    {"id": "urgent", "name": "Urgent", "priority": "urgent", "calendar_id": "cn",
                     "first_response_minutes": 5, "resolution_minutes": 60},
                    {"id": "std", "name": "Standard", "calendar_id": "cn",
                     "first_response_minutes": 60, "next_response_minutes": 30,
                     "resolution_minutes": 1440, "remind_before_minutes": 15}
                ]
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let bad = boss
        .api(
            Method::PUT,
            "/api/v1/sla",
            Some(json!({"calendars": [{"id": "x", "name": "x", "time_zone": "Mars/Base"}], "policies": []})),
        )
        .await;
    assert_eq!(bad.code(), "invalid_calendar", "{}", bad.body);
    assert!(bad.body.contains("Mars/Base"));

    let (_, vb) = visitor(&shop).await;
    let c = open_conversation(&vb).await;
    customer_writes(&vb, &c, "c1", "请尽快处理").await;
    let db = &shop.s.t.db;
    let clock = kefu_store::sla::get(db, &c).await.unwrap().unwrap();
    assert_eq!(clock.policy_id, "std");
    let created = conv(&shop.agent, &c).await["created_at"].as_i64().unwrap();
    assert_eq!(clock.first_response_due, Some(created + 60 * 60_000));
    assert_eq!(clock.resolution_due, Some(created + 1440 * 60_000));
    let listed = conv(&shop.agent, &c).await;
    assert_eq!(listed["sla_metric"], "first_response");
    assert_eq!(listed["sla_due"].as_i64(), clock.first_response_due);

    // Urgent: another policy applies and the targets are counted again.
    let r = shop
        .agent
        .api(
            Method::PATCH,
            &format!("/api/v1/conversations/{c}"),
            Some(json!({"priority": "urgent"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let clock = kefu_store::sla::get(db, &c).await.unwrap().unwrap();
    assert_eq!(clock.policy_id, "urgent");
    assert_eq!(clock.first_response_due, Some(created + 5 * 60_000));
    // Back to standard, then time passes: the reminder is due (clock moved back 50 minutes).
    shop.agent
        .api(
            Method::PATCH,
            &format!("/api/v1/conversations/{c}"),
            Some(json!({"priority": "normal", "assignee_id": kefu_store::people::by_email(db, "agent@shop.com").await.unwrap().unwrap().id})),
        )
        .await;
    let shift = |mut k: kefu_store::sla::Clock, by: i64| {
        k.first_response_due = k.first_response_due.map(|d| d - by);
        k.resolution_due = k.resolution_due.map(|d| d - by);
        k.next_response_due = k.next_response_due.map(|d| d - by);
        k.next_check = Some(0);
        k
    };
    let k = kefu_store::sla::get(db, &c).await.unwrap().unwrap();
    let mut tx = db.begin().await.unwrap();
    kefu_store::sla::put(&mut tx, &shift(k, 50 * 60_000))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    kefu_service::tickets::sla::check(&shop.s.state)
        .await
        .unwrap();
    let notes = shop.agent.get("/api/v1/notifications").await.body;
    assert!(notes.contains("first response target is due in"), "{notes}");
    assert!(
        kefu_store::sla::breaches_of(db, &c)
            .await
            .unwrap()
            .is_empty()
    );
    // Twenty more minutes: breached, once, with an activity in the conversation.
    let k = kefu_store::sla::get(db, &c).await.unwrap().unwrap();
    let mut tx = db.begin().await.unwrap();
    kefu_store::sla::put(&mut tx, &shift(k, 20 * 60_000))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    kefu_service::tickets::sla::check(&shop.s.state)
        .await
        .unwrap();
    kefu_service::tickets::sla::check(&shop.s.state)
        .await
        .unwrap();
    let b = kefu_store::sla::breaches_of(db, &c).await.unwrap();
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0].metric, "first_response");
    let msgs = shop
        .agent
        .get(&format!("/api/v1/conversations/{c}/messages"))
        .await
        .body;
    assert!(msgs.contains("first response target was missed"), "{msgs}");
    assert!(
        !vb.get(&format!("/widget/api/conversations/{c}/messages"))
            .await
            .body
            .contains("target was missed"),
        "the customer does not see staff's breaches"
    );

    // The reply meets it late; the customer's next message starts the next-response target.
    agent_replies(&shop.agent, &c, "您好，马上处理").await;
    let k = kefu_store::sla::get(db, &c).await.unwrap().unwrap();
    assert!(k.first_response_at.is_some());
    customer_writes(&vb, &c, "c2", "还没好吗").await;
    let k = kefu_store::sla::get(db, &c).await.unwrap().unwrap();
    let from = k.next_response_from.unwrap();
    assert_eq!(k.next_response_due, Some(from + 30 * 60_000));
    agent_replies(&shop.agent, &c, "好了").await;
    let k = kefu_store::sla::get(db, &c).await.unwrap().unwrap();
    assert_eq!(k.next_response_due, None);
    shop.agent
        .api(
            Method::PATCH,
            &format!("/api/v1/conversations/{c}"),
            Some(json!({"status": "resolved"})),
        )
        .await;
    let k = kefu_store::sla::get(db, &c).await.unwrap().unwrap();
    assert!(k.resolved_at.is_some());
    assert_eq!(conv(&shop.agent, &c).await["sla_due"], Value::Null);

    // The report: supervisors and admins only.
    let r = shop.agent.get("/api/v1/reports/sla").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let rep = boss.get("/api/v1/reports/sla").await.json();
    assert_eq!(rep["first_response"]["breached"], 1, "{rep}");
    assert_eq!(rep["resolution"]["met"], 1, "{rep}");
    assert_eq!(rep["by_policy"], json!([["Standard", 1]]));
    assert_eq!(rep["by_assignee"][0][1], 1);
    assert_eq!(rep["breaches"][0]["metric"], "first_response");

    // With its policy removed, a running clock stops instead of breaching.
    let (_, vb2) = visitor(&shop).await;
    let c2 = open_conversation(&vb2).await;
    customer_writes(&vb2, &c2, "d1", "在吗").await;
    assert!(kefu_store::sla::get(db, &c2).await.unwrap().is_some());
    let r = boss
        .api(
            Method::PUT,
            "/api/v1/sla",
            Some(json!({"calendars": [], "policies": []})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let k = kefu_store::sla::get(db, &c2).await.unwrap().unwrap();
    let mut tx = db.begin().await.unwrap();
    kefu_store::sla::put(&mut tx, &shift(k, 10 * 86_400_000))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    kefu_service::tickets::sla::check(&shop.s.state)
        .await
        .unwrap();
    assert!(
        kefu_store::sla::breaches_of(db, &c2)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        kefu_store::sla::get(db, &c2)
            .await
            .unwrap()
            .unwrap()
            .next_check,
        None
    );
}

/// The code mailed to `to` for filing a case.
async fn mailed_code(s: &Server, to: &str) -> String {
    let mails = kefu_store::outbox::list(&s.t.db, 500).await.unwrap();
    let m = mails
        .iter()
        .find(|m| m.to_addr == to && m.kind == "case-code")
        .unwrap_or_else(|| panic!("no code mailed to {to}"));
    let body = &m.body_text;
    let digits: String = body
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap()
        .to_string();
    digits
}

both_backends!(complaints_are_filed_tracked_and_escalated, complaints);
async fn complaints(t: TestDb) {
    let shop = shop(t).await;
    let boss = admin(&shop).await;
    let db = &shop.s.t.db;
    let sup = teams::create_team(db, "主管").await.unwrap();
    let r = boss
        .api(
            Method::PUT,
            "/api/v1/case-settings",
            Some(
                json!({"inbox_id": shop.inbox, "categories": ["商品质量", "物流"],
                        "escalate_from": "high", "supervisor_team_id": sup.id}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let anon = Browser::new(&shop.s);
    let filing = json!({"kind": "complaint", "email": "wang@example.com", "code": "000000",
        "name": "王女士", "category": "商品质量", "severity": "critical", "order_ref": "E20261130",
        "description": "收到的杯子是碎的"});
    let r = anon
        .api(Method::POST, "/api/v1/cases", Some(filing.clone()))
        .await;
    assert_eq!(r.code(), "invalid_code", "no code was sent: {}", r.body);
    let r = anon
        .api(
            Method::POST,
            "/api/v1/cases/code",
            Some(json!({"email": "wang@example.com"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let code = mailed_code(&shop.s, "wang@example.com").await;
    // The code only works for the address it went to.
    let mut other = filing.clone();
    other["email"] = json!("li@example.com");
    other["code"] = json!(code);
    assert_eq!(
        anon.api(Method::POST, "/api/v1/cases", Some(other))
            .await
            .code(),
        "invalid_code"
    );
    let mut wrong = filing.clone();
    wrong["code"] = json!(code);
    wrong["severity"] = json!("apocalyptic");
    assert_eq!(
        anon.api(Method::POST, "/api/v1/cases", Some(wrong))
            .await
            .code(),
        "invalid_severity"
    );
    let mut ok = filing.clone();
    ok["code"] = json!(code);
    let r = anon
        .api(Method::POST, "/api/v1/cases", Some(ok.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let filed = r.json();
    let tracking = filed["tracking"].as_str().unwrap().to_string();
    let key = filed["key"].as_str().unwrap().to_string();
    assert!(tracking.starts_with("TS-"), "{tracking}");
    // Spent: the same code does not file a second case.
    assert_eq!(
        anon.api(Method::POST, "/api/v1/cases", Some(ok))
            .await
            .code(),
        "invalid_code"
    );
    // The confirmation mail carries the link.
    let mails = kefu_store::outbox::list(db, 500).await.unwrap();
    assert!(
        mails.iter().any(|m| m.to_addr == "wang@example.com"
            && m.body_text
                .contains(&format!("/track/{tracking}#key={key}"))),
        "the link was mailed"
    );

    // Escalated: the supervisor team has it, urgent; an agent of the inbox still sees it.
    let case = kefu_store::cases::by_tracking(db, &tracking)
        .await
        .unwrap()
        .unwrap();
    let c = conv(&boss, &case.conversation_id).await;
    assert_eq!(
        (
            c["team_id"].as_str(),
            c["priority"].as_str(),
            c["ticket_type"].as_str()
        ),
        (Some(sup.id.as_str()), Some("urgent"), Some("complaint"))
    );
    let acts = boss
        .get(&format!(
            "/api/v1/conversations/{}/messages",
            case.conversation_id
        ))
        .await
        .body;
    assert!(acts.contains("escalated to team 主管"), "{acts}");

    // The status page's API: the key opens it, anything else looks like nothing is there.
    let view = |key: &str| {
        let b = Browser::new(&shop.s);
        let (t, k) = (tracking.clone(), key.to_string());
        async move {
            b.send(
                b.req(Method::GET, &format!("/api/v1/cases/{t}"))
                    .header("x-kefu-case-key", k),
            )
            .await
        }
    };
    let r = view(&key).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (v["status"].as_str(), v["severity"].as_str()),
        (Some("received"), Some("critical"))
    );
    assert_eq!(v["timeline"][0]["body"], "收到的杯子是碎的");
    assert!(v.get("access_digest").is_none());
    assert_eq!(view("wrong").await.status, StatusCode::NOT_FOUND);
    assert_eq!(view("").await.status, StatusCode::NOT_FOUND);
    let missing = anon.get("/api/v1/cases/TS-23456789").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Staff move it; the customer sees the move and adds information, which reopens it.
    let path = format!("/api/v1/conversations/{}/case/status", case.conversation_id);
    let r = boss
        .api(Method::POST, &path, Some(json!({"status": "closed"})))
        .await;
    assert_eq!(r.code(), "invalid_status", "{}", r.body);
    assert!(r.body.contains("investigating"), "{}", r.body);
    let r = boss
        .api(
            Method::POST,
            &path,
            Some(json!({"status": "waiting_customer", "note": "请提供照片"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["next"], json!(["investigating", "resolved"]));
    let v = view(&key).await.json();
    assert_eq!(v["status"], "waiting_customer");
    assert!(v["timeline"].to_string().contains("请提供照片"));
    let b = Browser::new(&shop.s);
    // The status page sets the CSRF cookie its script sends back.
    assert_eq!(
        b.get(&format!("/track/{tracking}")).await.status,
        StatusCode::OK
    );
    let r = b
        .send(
            b.req(Method::POST, &format!("/api/v1/cases/{tracking}/messages"))
                .header("x-kefu-case-key", &key)
                .header("x-csrf-token", b.csrf())
                .json(&json!({"body": "照片已上传"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = b
        .send(
            b.req(
                Method::POST,
                &format!("/api/v1/cases/{tracking}/files?name=cup.png"),
            )
            .header("x-kefu-case-key", &key)
            .header("x-csrf-token", b.csrf())
            .body(PNG.to_vec()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = view(&key).await.json();
    assert_eq!(
        v["status"], "investigating",
        "the customer's answer reopens it"
    );
    let file = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"].is_array())
        .unwrap();
    let att = file["file"][0].as_str().unwrap();
    let r = b
        .send(
            b.req(
                Method::GET,
                &format!("/api/v1/cases/{tracking}/files/{att}"),
            )
            .header("x-kefu-case-key", &key),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = Browser::new(&shop.s)
        .get(&format!("/api/v1/cases/{tracking}/files/{att}"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "no key, no file");
    let page = Browser::new(&shop.s)
        .get(&format!("/track/{tracking}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("收到的杯子"),
        "the page shell holds no case data"
    );
}

both_backends!(after_sale_claims_follow_their_flow, claims);
async fn claims(t: TestDb) {
    let shop = shop(t).await;
    let db = &shop.s.t.db;
    let chen = person(&shop.s, "chen@example.com", Role::Customer).await;
    // Mails about the case follow the customer's language, not the shop's (Chinese).
    kefu_store::people::set_language(&shop.s.t.db, &chen.id, "en")
        .await
        .unwrap();
    let me = signed_in(&shop.s, "chen@example.com").await;
    let r = me
        .api(
            Method::POST,
            "/api/v1/cases",
            Some(
                json!({"kind": "claim", "order_ref": "E1001", "resolution": "refund",
                        "reason": "尺码不合适", "description": "想退款"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let tracking = r.json()["tracking"].as_str().unwrap().to_string();
    assert!(tracking.starts_with("SH-"));
    // Signed in, the customer opens it without the key; another customer cannot.
    let account = me.get("/account").await.body;
    assert!(
        account.contains(&format!("/track/{tracking}")),
        "listed on the account page"
    );
    let v = me.get(&format!("/api/v1/cases/{tracking}")).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.body);
    assert_eq!(v.json()["status"], "requested");
    person(&shop.s, "liu@example.com", Role::Customer).await;
    let liu = signed_in(&shop.s, "liu@example.com").await;
    assert_eq!(
        liu.get(&format!("/api/v1/cases/{tracking}")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = me
        .api(
            Method::POST,
            "/api/v1/cases",
            Some(
                json!({"kind": "claim", "resolution": "refund", "reason": "x", "description": "y"}),
            ),
        )
        .await;
    assert_eq!(r.code(), "invalid_order");

    let case = kefu_store::cases::by_tracking(db, &tracking)
        .await
        .unwrap()
        .unwrap();
    let path = format!("/api/v1/conversations/{}/case/status", case.conversation_id);
    // The agent of the inbox works it through.
    let r = shop
        .agent
        .get(&format!(
            "/api/v1/conversations/{}/case",
            case.conversation_id
        ))
        .await;
    assert_eq!(r.json()["next"], json!(["approved", "rejected", "closed"]));
    let r = shop
        .agent
        .api(Method::POST, &path, Some(json!({"status": "refunded"})))
        .await;
    assert_eq!(r.code(), "invalid_status", "approval comes first");
    for s in ["approved", "item_received", "refunded", "closed"] {
        let r = shop
            .agent
            .api(Method::POST, &path, Some(json!({"status": s})))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{s}: {}", r.body);
        assert_eq!(
            me.get(&format!("/api/v1/cases/{tracking}")).await.json()["status"],
            s
        );
    }
    let c = conv(&shop.agent, &case.conversation_id).await;
    assert_eq!(c["status"], "resolved", "a closed case resolves its ticket");
    let r = me
        .api(
            Method::POST,
            &format!("/api/v1/cases/{tracking}/messages"),
            Some(json!({"body": "再问一下"})),
        )
        .await;
    assert_eq!(r.code(), "case_closed");
    // Every move was mailed to the customer, in their language, the status in words.
    assert!(mails_to(&shop.s, "chen@example.com").await >= 5);
    let mails = kefu_store::outbox::list(&shop.s.t.db, 500).await.unwrap();
    assert!(
        mails
            .iter()
            .any(|m| m.to_addr == "chen@example.com"
                && m.subject == format!("{tracking}: now Closed")),
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    // The other team's agent cannot touch it.
    let r = shop
        .other_agent
        .api(Method::POST, &path, Some(json!({"status": "closed"})))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // An agent turns a chat into a claim.
    let (_, vb) = visitor(&shop).await;
    let chat = open_conversation(&vb).await;
    customer_writes(&vb, &chat, "x1", "鞋子开胶了").await;
    let r = shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{chat}/case"),
            Some(json!({"kind": "claim", "order_ref": "E2002", "resolution": "exchange", "reason": "开胶"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let seen = vb
        .get(&format!("/widget/api/conversations/{chat}/messages"))
        .await
        .body;
    assert!(
        seen.contains("/track/SH-"),
        "the customer gets the link: {seen}"
    );
    let again = shop
        .agent
        .api(Method::POST, &format!("/api/v1/conversations/{chat}/case"), Some(json!({"kind": "complaint", "category": "商品质量 Product quality", "severity": "low"})))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

both_backends!(
    mail_to_a_merged_conversation_goes_where_it_went,
    merged_mail
);
async fn merged_mail(t: TestDb) {
    use kefu_service::mail::{Ingested, ingest};
    let shop = shop(t).await;
    let db = &shop.s.t.db;
    let inbox = teams::create_inbox(db, "Mail", kefu_core::kinds::Channel::Email)
        .await
        .unwrap();
    let team = teams::teams_of(
        db,
        &kefu_store::people::by_email(db, "agent@shop.com")
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .await
    .unwrap()
    .remove(0);
    teams::assign_inbox(db, &inbox.id, &team.id).await.unwrap();
    let mail = |id: &str, subject: &str, reply_to: Option<&str>| {
        let mut m = format!(
            "From: Buyer <buyer@customer.test>\r\nTo: support@shop.test\r\nSubject: {subject}\r\n\
             Message-ID: <{id}>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0800\r\n"
        );
        if let Some(r) = reply_to {
            m.push_str(&format!("In-Reply-To: <{r}>\r\nReferences: <{r}>\r\n"));
        }
        m.push_str("Content-Type: text/plain; charset=utf-8\r\n\r\n");
        m.push_str(subject);
        m.push_str("\r\n");
        m.into_bytes()
    };
    let conv_of = |i: Ingested| match i {
        Ingested::Stored {
            conversation_id, ..
        } => conversation_id,
        other => panic!("not stored: {other:?}"),
    };
    let s = &shop.s.state;
    let a = conv_of(
        ingest(
            s,
            &inbox.id,
            &mail("a@customer.test", "杯子碎了", None),
            None,
        )
        .await
        .unwrap(),
    );
    let b = conv_of(
        ingest(s, &inbox.id, &mail("b@customer.test", "发票", None), None)
            .await
            .unwrap(),
    );
    assert_ne!(a, b);
    let r = shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{b}/merge"),
            Some(json!({"into": a})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let reply = ingest(
        s,
        &inbox.id,
        &mail("c@customer.test", "Re: 发票", Some("b@customer.test")),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        conv_of(reply),
        a,
        "the answer to the merged mail joins the surviving ticket"
    );
}

both_backends!(
    a_customer_message_does_the_same_by_chat_and_by_mail,
    same_by_every_channel
);
/// One path for "a customer wrote": the same words, once by the chat widget and once by mail,
/// into a resolved conversation, leave the conversation, its activity and its SLA clock alike.
async fn same_by_every_channel(t: TestDb) {
    let shop = shop(t).await;
    let boss = admin(&shop).await;
    let db = &shop.s.t.db;
    let r = boss
        .api(
            Method::PUT,
            "/api/v1/sla",
            Some(json!({
                "calendars": [{"id": "all", "name": "always", "time_zone": "Asia/Shanghai", "hours": []}],
                "policies": [{"id": "std", "name": "Standard", "calendar_id": "all",
                              "first_response_minutes": 60, "next_response_minutes": 30,
                              "resolution_minutes": 1440}]
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let resolve = async |c: &str| {
        let path = format!("/api/v1/conversations/{c}");
        let r = boss
            .api(Method::PATCH, &path, Some(json!({"status": "resolved"})))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // The customer writes strictly after: events of the same millisecond would count as
        // "since the message".
        let done = kefu_core::time::now_ms();
        while kefu_core::time::now_ms() <= done {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    };
    // What the customer's message left behind, with times as "set or not" (the two
    // conversations were written to at different moments).
    let outcome = async |c: &str, wrote_at: i64| {
        let conv = kefu_store::conversations::get(db, c)
            .await
            .unwrap()
            .unwrap();
        let clock = kefu_store::sla::get(db, c).await.unwrap().unwrap();
        let after: Vec<Value> = kefu_store::messages::after(db, c, 0, 500, true)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.created_at >= wrote_at)
            .map(|m| {
                let meta: Value = serde_json::from_str(&m.meta).unwrap_or_default();
                json!([m.kind, m.author_kind, meta["event"]])
            })
            .collect();
        let from = |t: Option<i64>| t.map(|t| t - wrote_at);
        json!({
            "status": conv.status,
            "waiting_since_the_message": conv.waiting_since.is_some_and(|w| w >= wrote_at),
            "assigned": conv.assignee_id.is_some(),
            "since_the_message": after,
            "policy": clock.policy_id,
            "running": clock.running().iter().map(|(m, _)| *m).collect::<Vec<_>>(),
            // The resolution target runs again, from the message on.
            "resolution_due_after_the_message": from(clock.resolution_due).map(|d| d >= 1440 * 60_000),
            "resolved_at": clock.resolved_at,
        })
    };

    // By chat.
    let (_, vb) = visitor(&shop).await;
    let chat = open_conversation(&vb).await;
    customer_writes(&vb, &chat, "c1", "我的订单还没到").await;
    resolve(&chat).await;
    let wrote_at = kefu_core::time::now_ms();
    customer_writes(&vb, &chat, "c2", "还是没有收到，请再查一下").await;
    let by_chat = outcome(&chat, wrote_at).await;

    // By mail, into a mail inbox of the same shop.
    let inbox = teams::create_inbox(db, "Mail", kefu_core::kinds::Channel::Email)
        .await
        .unwrap();
    let ingest = async |raw: String| match kefu_service::mail::ingest(
        &shop.s.state,
        &inbox.id,
        raw.as_bytes(),
        None,
    )
    .await
    .unwrap()
    {
        kefu_service::mail::Ingested::Stored {
            conversation_id, ..
        } => conversation_id,
        other => panic!("not stored: {other:?}"),
    };
    let mail = ingest(
        "From: Li <li@customer.test>\nTo: s@shop.test\nSubject: 订单\nMessage-ID: <m1@customer.test>\n\n\
         我的订单还没到\n"
            .into(),
    )
    .await;
    resolve(&mail).await;
    let wrote_at = kefu_core::time::now_ms();
    let again = ingest(
        "From: Li <li@customer.test>\nTo: s@shop.test\nSubject: Re: 订单\nMessage-ID: <m2@customer.test>\n\
         In-Reply-To: <m1@customer.test>\nReferences: <m1@customer.test>\n\n\
         还是没有收到，请再查一下\n"
            .into(),
    )
    .await;
    assert_eq!(again, mail, "the reply joins its conversation");
    let by_mail = outcome(&mail, wrote_at).await;

    assert_eq!(by_chat, by_mail);
    assert_eq!(by_chat["status"], "open");
    assert_eq!(
        by_chat["since_the_message"],
        json!([
            ["text", "contact", null],
            ["activity", "system", "reopened"]
        ]),
    );
    assert_eq!(by_chat["waiting_since_the_message"], true);
}
