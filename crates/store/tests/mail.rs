#![allow(clippy::unwrap_used)]
//! Mail records on both backends: a mail is stored once, replies find their conversation.

use kefu_store::mail::{self, NewMail, outcome};
use kefu_store::testing::TestDb;
use kefu_store::{both_backends, conversations, teams};

both_backends!(
    a_mail_is_recorded_once_and_replies_find_their_thread,
    records
);
async fn records(t: TestDb) {
    let inbox = teams::create_inbox(&t.db, "Mail", kefu_core::kinds::Channel::Email)
        .await
        .unwrap();
    let other = teams::create_inbox(&t.db, "Other", kefu_core::kinds::Channel::Email)
        .await
        .unwrap();
    let conv = conversations::create(&t.db, &inbox.id, None, "退货")
        .await
        .unwrap();
    let first = NewMail {
        inbox_id: &inbox.id,
        message_id: "first@customer.example",
        conversation_id: Some(&conv.id),
        direction: "in",
        outcome: outcome::STORED,
        ..Default::default()
    };
    let mut tx = t.db.begin().await.unwrap();
    assert!(mail::record(&mut tx, &first).await.unwrap());
    // The same mail fetched again: not a second record.
    assert!(!mail::record(&mut tx, &first).await.unwrap());
    let reply = NewMail {
        message_id: "kefu.x.sig.m1@shop.example",
        direction: "out",
        outcome: outcome::SENT,
        ..first.clone()
    };
    assert!(mail::record(&mut tx, &reply).await.unwrap());
    // An auto-reply is remembered without a conversation.
    let auto = NewMail {
        message_id: "ooo@customer.example",
        conversation_id: None,
        outcome: outcome::AUTO_REPLY,
        ..first.clone()
    };
    assert!(mail::record(&mut tx, &auto).await.unwrap());
    // The same Message-ID in another inbox is another mail.
    let elsewhere = NewMail {
        inbox_id: &other.id,
        conversation_id: None,
        ..first.clone()
    };
    assert!(mail::record(&mut tx, &elsewhere).await.unwrap());
    tx.commit().await.unwrap();

    let refs = vec![
        "<unknown@elsewhere>".to_string(),
        "<first@customer.example>".to_string(),
        "kefu.x.sig.m1@shop.example".to_string(),
    ];
    assert_eq!(
        mail::thread_of(&t.db, &inbox.id, &refs).await.unwrap(),
        Some(conv.id.clone())
    );
    assert_eq!(
        mail::thread_of(&t.db, &other.id, &refs).await.unwrap(),
        None
    );
    assert_eq!(
        mail::thread_of(&t.db, &inbox.id, &["ooo@customer.example".into()])
            .await
            .unwrap(),
        None
    );
    let all = mail::of_conversation(&t.db, &conv.id).await.unwrap();
    assert_eq!(all.len(), 2);
    let r = mail::get(&t.db, &inbox.id, "ooo@customer.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.outcome, "auto_reply");
}
