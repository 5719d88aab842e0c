//! Group commit on both databases: many senders at once all get their message stored exactly
//! once, numbered without gaps, acknowledged after commit; a message that fails in a shared
//! transaction fails alone and costs the others nothing.

#![allow(clippy::unwrap_used)]

use crate::common::live::*;
use crate::common::*;
use kefu_core::Role;
use kefu_service::chat::Actor;
use kefu_service::chat::commit::{Job, store_batch};
use kefu_store::testing::TestDb;
use kefu_store::{both_backends, conversations, messages, teams};
use reqwest::{Method, StatusCode};
use serde_json::json;

both_backends!(many_senders_at_once_are_stored_exactly_once_in_order, many);
async fn many(t: TestDb) {
    let shop = shop(t).await;
    let mut convs = vec![];
    for _ in 0..12 {
        let (_, vb) = visitor(&shop).await;
        let conv = open_conversation(&vb).await;
        convs.push((vb, conv));
    }
    let mut tasks = vec![];
    for (i, (vb, conv)) in convs.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut ids = vec![];
            for n in 0..15 {
                let r = vb
                    .send(
                        vb.req(Method::POST, &format!("/widget/api/conversations/{conv}/messages"))
                            .json(&json!({"client_id": format!("c{i}-{n}"), "body": format!("第 {n} 条")})),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
                ids.push(r.json()["id"].as_str().unwrap().to_string());
            }
            assert_eq!(ids.len(), 15);
            (vb, conv)
        }));
    }
    let mut convs = vec![];
    for t in tasks {
        convs.push(t.await.unwrap());
    }
    let db = &shop.s.t.db;
    for (i, (vb, conv)) in convs.iter().enumerate() {
        let stored = messages::after(db, conv, 0, 100, true).await.unwrap();
        let texts: Vec<&messages::Message> = stored
            .iter()
            .filter(|m| m.kind.as_str() == "text")
            .collect();
        assert_eq!(texts.len(), 15, "every message once");
        let seqs: Vec<i64> = stored.iter().map(|m| m.seq).collect();
        assert_eq!(
            seqs,
            (1..=stored.len() as i64).collect::<Vec<_>>(),
            "no gaps"
        );
        for (n, m) in texts.iter().enumerate() {
            assert_eq!(m.body, format!("第 {n} 条"), "in the order sent");
        }
        // A resend is answered with the stored message, not stored again.
        let r = vb
            .send(
                vb.req(
                    Method::POST,
                    &format!("/widget/api/conversations/{conv}/messages"),
                )
                .json(&json!({"client_id": format!("c{i}-3"), "body": "第 3 条"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["id"], texts[3].id.as_str());
    }
}

both_backends!(a_failing_message_fails_alone, failing);
async fn failing(t: TestDb) {
    let shop = shop(t).await;
    let db = &shop.s.t.db;
    let state = &shop.s.state;
    let agent = kefu_store::people::by_email(db, "agent@shop.com")
        .await
        .unwrap()
        .unwrap();
    let customer = person(&shop.s, "buyer@example.com", Role::Customer).await;
    let mail_inbox = teams::create_inbox(db, "Mail", kefu_core::kinds::Channel::Email)
        .await
        .unwrap();
    kefu_service::mail::save(
        state,
        &mail_inbox.id,
        &kefu_service::mail::StoredSettings {
            address: "support@shop.test".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mail_conv = conversations::create(db, &mail_inbox.id, Some(&customer.id), "发票")
        .await
        .unwrap();
    let chat = conversations::create(db, &shop.inbox, Some(&customer.id), "在吗")
        .await
        .unwrap();
    let job = |actor: Actor, conv: &conversations::Conversation, cid: &str, body: &str| Job {
        actor,
        conv: conv.clone(),
        client_id: Some(cid.into()),
        kind: kefu_core::kinds::MessageKind::Text,
        body: body.into(),
        meta: String::new(),
        mail: None,
    };
    let mut bad = job(Actor::Person(agent.clone()), &mail_conv, "bad", "您好");
    bad.mail = Some(kefu_service::mail::MailOptions {
        signature_id: Some("no-such-signature".into()),
        ..Default::default()
    });
    let jobs = vec![
        job(Actor::Person(customer.clone()), &chat, "a", "第一条"),
        bad,
        job(Actor::Person(customer.clone()), &chat, "b", "第二条"),
    ];
    let results = store_batch(state, &jobs).await;
    assert!(results[0].as_ref().is_ok_and(|(_, fresh)| *fresh));
    assert!(
        matches!(&results[1], Err(e) if e.to_string().contains("signature")),
        "{:?}",
        results[1].as_ref().err()
    );
    assert!(results[2].as_ref().is_ok_and(|(_, fresh)| *fresh));
    let stored = messages::after(db, &chat.id, 0, 10, true).await.unwrap();
    let bodies: Vec<&str> = stored
        .iter()
        .filter(|m| m.kind.as_str() == "text")
        .map(|m| m.body.as_str())
        .collect();
    assert_eq!(bodies, ["第一条", "第二条"]);
    assert!(
        messages::after(db, &mail_conv.id, 0, 10, true)
            .await
            .unwrap()
            .is_empty(),
        "the failed message left nothing behind"
    );
    // A batch of good ones shares one transaction and all land.
    let jobs: Vec<Job> = (0..5)
        .map(|i| {
            job(
                Actor::Person(customer.clone()),
                &chat,
                &format!("g{i}"),
                &format!("好 {i}"),
            )
        })
        .collect();
    let results = store_batch(state, &jobs).await;
    assert!(results.iter().all(|r| r.as_ref().is_ok_and(|(_, f)| *f)));
    let seqs: Vec<i64> = results.iter().map(|r| r.as_ref().unwrap().0.seq).collect();
    assert_eq!(
        seqs.windows(2).filter(|w| w[1] == w[0] + 1).count(),
        4,
        "{seqs:?}"
    );
}

both_backends!(
    a_flood_is_shed_with_busy_and_nothing_admitted_is_lost,
    flood
);
async fn flood(t: TestDb) {
    let shop = shop(t).await;
    let db = &shop.s.t.db;
    let state = &shop.s.state;
    let customer = person(&shop.s, "flood@example.com", Role::Customer).await;
    let chat = conversations::create(db, &shop.inbox, Some(&customer.id), "在吗")
        .await
        .unwrap();
    // Far more at once than the queue takes: some are refused at once, the rest stored.
    let mut tasks = vec![];
    for i in 0..1500 {
        let state = state.clone();
        let job = Job {
            actor: Actor::Person(customer.clone()),
            conv: chat.clone(),
            client_id: Some(format!("f{i}")),
            kind: kefu_core::kinds::MessageKind::Text,
            body: format!("洪水 {i}"),
            meta: String::new(),
            mail: None,
        };
        tasks.push(tokio::spawn(async move {
            (i, kefu_service::chat::commit::submit(&state, job).await)
        }));
    }
    let (mut admitted, mut refused) = (vec![], vec![]);
    for t in tasks {
        match t.await.unwrap() {
            (i, Ok(_)) => admitted.push(format!("洪水 {i}")),
            (i, Err(e)) => {
                assert_eq!(e.code().as_str(), "busy", "{e}");
                let e = kefu_web::error::AppError::from(e);
                assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
                refused.push(format!("洪水 {i}"));
            }
        }
    }
    assert!(!refused.is_empty(), "a flood is shed");
    assert!(!admitted.is_empty(), "and the rest admitted");
    let stored: Vec<String> = messages::after(db, &chat.id, 0, 5000, true)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind.as_str() == "text")
        .map(|m| m.body)
        .collect();
    admitted.sort();
    let mut sorted = stored.clone();
    sorted.sort();
    assert_eq!(sorted, admitted, "exactly the admitted ones are stored");
    assert!(
        state
            .committer
            .shed
            .load(std::sync::atomic::Ordering::Relaxed)
            >= refused.len()
    );
    // Once the flood is over, sending works again.
    let r = kefu_service::chat::commit::submit(
        state,
        Job {
            actor: Actor::Person(customer.clone()),
            conv: chat.clone(),
            client_id: Some("after".into()),
            kind: kefu_core::kinds::MessageKind::Text,
            body: "之后".into(),
            meta: String::new(),
            mail: None,
        },
    )
    .await;
    assert!(r.is_ok());
}

both_backends!(hellos_record_visitors_activity_in_one_write, hellos);
async fn hellos(t: TestDb) {
    let shop = shop(t).await;
    let db = &shop.s.t.db;
    let state = &shop.s.state;
    let mut tokens = vec![];
    for _ in 0..3 {
        tokens.push(visitor(&shop).await.0);
    }
    // Seen long ago: the next hello is worth recording.
    kefu_store::Exec::execute(db, "UPDATE visitors SET last_seen_at = 0", vec![])
        .await
        .unwrap();
    let mut sockets = vec![];
    for t in &tokens {
        sockets.push(hello_visitor(&shop.s, t, json!({})).await);
    }
    assert_eq!(
        state.seen_visitors.lock().unwrap().len(),
        3,
        "noted, not yet written"
    );
    // Visitors whose "last seen" was never written.
    let stale = async || -> i64 {
        let (n,): (i64,) = kefu_store::Exec::fetch_one(
            db,
            "SELECT COUNT(*) FROM visitors WHERE last_seen_at = 0",
            vec![],
        )
        .await
        .unwrap();
        n
    };
    assert_eq!(stale().await, 3);
    kefu_service::chat::desk::record_seen_visitors(state)
        .await
        .unwrap();
    assert_eq!(stale().await, 0, "all three written at once");
    assert!(state.seen_visitors.lock().unwrap().is_empty());
    // Seen just now: another hello writes nothing.
    drop(sockets);
    let _again = hello_visitor(&shop.s, &tokens[0], json!({})).await;
    assert!(state.seen_visitors.lock().unwrap().is_empty());
}
