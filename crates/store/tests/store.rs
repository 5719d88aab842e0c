#![allow(clippy::unwrap_used)]
//! The store on both backends: the same SQL, the same results.

use kefu_core::Role;
use kefu_store::testing::TestDb;
use kefu_store::tokens::{NewToken, Purpose};
use kefu_store::{
    Backend, Error, both_backends, conversations, messages, outbox, people, sessions, teams, tokens,
};

async fn new_user(t: &TestDb, email: &str, role: Role) -> people::Person {
    let mut tx = t.db.begin().await.unwrap();
    let u = people::insert(
        &mut tx,
        &people::NewPerson {
            role: Some(role),
            email: email.into(),
            name: "测试".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    u
}

both_backends!(
    users_round_trip_and_email_is_unique_case_insensitively,
    users_round_trip
);
async fn users_round_trip(t: TestDb) {
    let u = new_user(&t, "Li.Lei@Shop.com", Role::Agent).await;
    assert_eq!(u.role(), Role::Agent);
    assert!(u.active);
    let found = people::by_email(&t.db, "li.lei@shop.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, u.id);
    assert_eq!(found.name, "测试");

    let mut tx = t.db.begin().await.unwrap();
    let dup = people::insert(
        &mut tx,
        &people::NewPerson {
            email: "LI.LEI@shop.com".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(dup, Err(Error::Conflict(_))), "{dup:?}");
}

both_backends!(
    a_one_time_token_works_once_and_not_after_expiry,
    tokens_once
);
async fn tokens_once(t: TestDb) {
    let u = new_user(&t, "a@b.com", Role::Customer).await;
    let (plain, _) = tokens::issue(
        &t.db,
        Purpose::ResetPassword,
        &NewToken {
            person_id: Some(&u.id),
            email: &u.email,
            ttl_ms: 60_000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        tokens::peek(&t.db, Purpose::ResetPassword, &plain)
            .await
            .unwrap()
            .is_some()
    );
    // The wrong purpose never matches.
    let mut tx = t.db.begin().await.unwrap();
    assert!(
        tokens::consume(&mut tx, Purpose::VerifyEmail, &plain)
            .await
            .unwrap()
            .is_none()
    );
    let got = tokens::consume(&mut tx, Purpose::ResetPassword, &plain)
        .await
        .unwrap();
    assert_eq!(got.unwrap().person_id.as_deref(), Some(u.id.as_str()));
    assert!(
        tokens::consume(&mut tx, Purpose::ResetPassword, &plain)
            .await
            .unwrap()
            .is_none()
    );
    tx.commit().await.unwrap();

    let (expired, _) = tokens::issue(
        &t.db,
        Purpose::ResetPassword,
        &NewToken {
            person_id: Some(&u.id),
            ttl_ms: -1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut tx = t.db.begin().await.unwrap();
    assert!(
        tokens::consume(&mut tx, Purpose::ResetPassword, &expired)
            .await
            .unwrap()
            .is_none()
    );
}

both_backends!(
    a_rolled_back_transaction_leaves_no_mail,
    rollback_leaves_nothing
);
async fn rollback_leaves_nothing(t: TestDb) {
    let mut tx = t.db.begin().await.unwrap();
    outbox::enqueue(&mut tx, "test", "a@b.com", "hi", "body")
        .await
        .unwrap();
    drop(tx);
    assert_eq!(outbox::count_pending(&t.db).await.unwrap(), 0);
    let mut tx = t.db.begin().await.unwrap();
    outbox::enqueue(&mut tx, "test", "a@b.com", "hi", "body")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(outbox::count_pending(&t.db).await.unwrap(), 1);
}

both_backends!(an_outbox_mail_is_claimed_by_one_sender_only, outbox_claim);
async fn outbox_claim(t: TestDb) {
    outbox::enqueue(&t.db, "test", "a@b.com", "hi", "body")
        .await
        .unwrap();
    let due = outbox::due(&t.db, 10, false).await.unwrap();
    assert_eq!(due.len(), 1);
    assert!(outbox::claim(&t.db, &due[0], 60_000).await.unwrap());
    assert!(!outbox::claim(&t.db, &due[0], 60_000).await.unwrap());
    assert!(outbox::due(&t.db, 10, false).await.unwrap().is_empty());
    outbox::mark_attempt_failed(&t.db, &due[0], "connection refused")
        .await
        .unwrap();
    let m = outbox::get(&t.db, &due[0].id).await.unwrap().unwrap();
    assert_eq!((m.status.as_str(), m.attempts), ("pending", 1));
    assert!(m.next_attempt_at > kefu_core::time::now_ms());
    outbox::mark_sent(&t.db, &m.id).await.unwrap();
    assert_eq!(outbox::count_pending(&t.db).await.unwrap(), 0);
}

both_backends!(agents_see_only_the_inboxes_of_their_teams, inbox_visibility);
async fn inbox_visibility(t: TestDb) {
    let a = new_user(&t, "a@shop.com", Role::Agent).await;
    let b = new_user(&t, "b@shop.com", Role::Agent).await;
    let pre = teams::create_team(&t.db, "售前").await.unwrap();
    let post = teams::create_team(&t.db, "售后").await.unwrap();
    teams::add_member(&t.db, &pre.id, &a.id).await.unwrap();
    teams::add_member(&t.db, &post.id, &b.id).await.unwrap();
    let web = teams::create_inbox(&t.db, "Website", kefu_core::kinds::Channel::Widget)
        .await
        .unwrap();
    teams::assign_inbox(&t.db, &web.id, &pre.id).await.unwrap();
    teams::assign_inbox(&t.db, &web.id, &pre.id).await.unwrap(); // idempotent
    assert!(
        teams::is_member_of_inbox(&t.db, &a.id, &web.id)
            .await
            .unwrap()
    );
    assert!(
        !teams::is_member_of_inbox(&t.db, &b.id, &web.id)
            .await
            .unwrap()
    );
    assert_eq!(
        teams::inboxes_of_member(&t.db, &a.id).await.unwrap().len(),
        1
    );
    assert!(
        teams::inboxes_of_member(&t.db, &b.id)
            .await
            .unwrap()
            .is_empty()
    );
    let c = kefu_store::conversations::create(&t.db, &web.id, None, "退货")
        .await
        .unwrap();
    let seen = kefu_store::conversations::list_for_member(&t.db, &a.id)
        .await
        .unwrap();
    assert_eq!(seen.iter().map(|c| &c.id).collect::<Vec<_>>(), vec![&c.id]);
    assert!(
        kefu_store::conversations::list_for_member(&t.db, &b.id)
            .await
            .unwrap()
            .is_empty()
    );
}

both_backends!(
    sessions_expire_and_sign_out_everywhere_keeps_the_current_one,
    session_life
);
async fn session_life(t: TestDb) {
    let u = new_user(&t, "s@shop.com", Role::Agent).await;
    for (d, ttl) in [("d1", 60_000), ("d2", 60_000), ("old", -1)] {
        sessions::create(
            &t.db,
            &sessions::NewSession {
                digest: d,
                person_id: &u.id,
                stage: sessions::STAGE_FULL,
                ttl_ms: ttl,
                ip: "127.0.0.1",
                user_agent: "test",
            },
        )
        .await
        .unwrap();
    }
    assert!(sessions::get(&t.db, "old").await.unwrap().is_none());
    assert_eq!(
        sessions::delete_for_user(&t.db, &u.id, Some("d1"))
            .await
            .unwrap(),
        2
    );
    assert!(sessions::get(&t.db, "d1").await.unwrap().is_some());
    assert!(sessions::get(&t.db, "d2").await.unwrap().is_none());
}

both_backends!(a_totp_step_is_accepted_once, totp_once);
async fn totp_once(t: TestDb) {
    let u = new_user(&t, "t@shop.com", Role::Admin).await;
    assert!(people::use_totp_step(&t.db, &u.id, 100).await.unwrap());
    assert!(!people::use_totp_step(&t.db, &u.id, 100).await.unwrap());
    assert!(!people::use_totp_step(&t.db, &u.id, 99).await.unwrap());
    assert!(people::use_totp_step(&t.db, &u.id, 101).await.unwrap());
}

/// Both backends' migrations must produce the same tables and columns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_schemas_have_the_same_tables_and_columns() {
    let sqlite = TestDb::open(Backend::Sqlite).await.unwrap();
    let Some(pg) = TestDb::open(Backend::Postgres).await else {
        return;
    };
    let a = sqlite.db.schema_columns().await.unwrap();
    let b = pg.db.schema_columns().await.unwrap();
    assert!(
        a.len() > 50,
        "expected the whole schema, got {} columns",
        a.len()
    );
    assert_eq!(a, b);
}

#[test]
fn migration_folders_have_the_same_versions() {
    let names = |dir: &str| {
        let mut v: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
}

async fn conversation(t: &TestDb) -> kefu_store::conversations::Conversation {
    let inbox = teams::create_inbox(&t.db, "Web", kefu_core::kinds::Channel::Widget)
        .await
        .unwrap();
    kefu_store::conversations::create(&t.db, &inbox.id, None, "hi")
        .await
        .unwrap()
}

fn text<'a>(conv: &'a str, cid: Option<&'a str>, body: &'a str) -> messages::NewMessage<'a> {
    messages::NewMessage {
        conversation_id: conv,
        kind: messages::kind::TEXT,
        author_kind: messages::author::CONTACT,
        client_id: cid,
        body,
        ..Default::default()
    }
}

both_backends!(a_resent_message_is_stored_once, message_idempotency);
async fn message_idempotency(t: TestDb) {
    let c = conversation(&t).await;
    let mut tx = t.db.begin().await.unwrap();
    let (a, new_a) = messages::append(&mut tx, &text(&c.id, Some("cid-1"), "你好"))
        .await
        .unwrap();
    let (b, new_b) = messages::append(&mut tx, &text(&c.id, Some("cid-1"), "你好"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(new_a && !new_b);
    assert_eq!((a.id, a.seq), (b.id, b.seq));
    let all = messages::after(&t.db, &c.id, 0, 100, true).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        kefu_store::conversations::get(&t.db, &c.id)
            .await
            .unwrap()
            .unwrap()
            .last_seq,
        1
    );
}

both_backends!(
    many_appended_at_once_are_numbered_in_order_and_stored_once,
    append_many
);
async fn append_many(t: TestDb) {
    let (a, b) = (conversation(&t).await, conversation(&t).await);
    let mut tx = t.db.begin().await.unwrap();
    messages::append(&mut tx, &text(&a.id, Some("old"), "earlier"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.db.begin().await.unwrap();
    let rows = [
        text(&a.id, Some("a1"), "一"),
        text(&b.id, Some("b1"), "壹"),
        text(&a.id, Some("old"), "earlier, resent"),
        text(&a.id, None, "二 \"quoted\" \\ and\nnew line"),
        text(&b.id, Some("b1"), "壹, twice in one batch"),
        text(&a.id, Some("a3"), "三"),
    ];
    let out = messages::append_many(&mut tx, &rows).await.unwrap();
    tx.commit().await.unwrap();
    let got: Vec<(&str, i64, bool)> = out
        .iter()
        .map(|(m, fresh)| (m.body.as_str(), m.seq, *fresh))
        .collect();
    assert_eq!(
        got,
        [
            ("一", 2, true),
            ("壹", 1, true),
            ("earlier", 1, false),
            ("二 \"quoted\" \\ and\nnew line", 3, true),
            ("壹", 1, false),
            ("三", 4, true),
        ]
    );
    let stored = messages::after(&t.db, &a.id, 0, 100, true).await.unwrap();
    let seqs: Vec<(i64, &str)> = stored.iter().map(|m| (m.seq, m.body.as_str())).collect();
    assert_eq!(
        seqs,
        [
            (1, "earlier"),
            (2, "一"),
            (3, "二 \"quoted\" \\ and\nnew line"),
            (4, "三")
        ]
    );
    assert_eq!(stored[1].client_id.as_deref(), Some("a1"));
    assert_eq!(stored[2].client_id, None);
    assert_eq!(stored[1].created_at, out[0].0.created_at);
    for (c, last) in [(&a, 4), (&b, 1)] {
        let c = kefu_store::conversations::get(&t.db, &c.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.last_seq, last);
    }
    // A conversation that does not exist fails the whole call; nothing is stored.
    let mut tx = t.db.begin().await.unwrap();
    let bad = [text(&a.id, Some("a5"), "五"), text("nope", None, "x")];
    assert!(messages::append_many(&mut tx, &bad).await.is_err());
    drop(tx);
    assert_eq!(
        messages::after(&t.db, &a.id, 4, 100, true)
            .await
            .unwrap()
            .len(),
        0
    );
    // Text messages reach search's change log, one row each.
    let pending = kefu_store::changes::pending(&t.db, 0, 100).await.unwrap();
    let ids: Vec<&str> = pending
        .changes
        .iter()
        .map(|c| c.object_id.as_str())
        .collect();
    for (m, fresh) in &out {
        if *fresh {
            assert_eq!(ids.iter().filter(|i| **i == m.id).count(), 1, "{}", m.body);
        }
    }
}

both_backends!(concurrent_appends_get_gap_free_sequences, gap_free);
async fn gap_free(t: TestDb) {
    let c = conversation(&t).await;
    let mut tasks = vec![];
    for i in 0..40 {
        let db = t.db.clone();
        let conv = c.id.clone();
        tasks.push(tokio::spawn(async move {
            let cid = format!("c{i}");
            let mut tx = db.begin().await.unwrap();
            let (m, _) = messages::append(&mut tx, &text(&conv, Some(&cid), "x"))
                .await
                .unwrap();
            // Every fifth one rolls back: it must leave no hole.
            if i % 5 == 0 {
                drop(tx);
                None
            } else {
                tx.commit().await.unwrap();
                Some(m.seq)
            }
        }));
    }
    let mut committed = 0;
    for t in tasks {
        if t.await.unwrap().is_some() {
            committed += 1;
        }
    }
    let all = messages::after(&t.db, &c.id, 0, 1000, true).await.unwrap();
    let seqs: Vec<i64> = all.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=committed).collect::<Vec<i64>>());
}

both_backends!(
    notes_stay_among_staff_and_reads_only_move_forward,
    notes_and_reads
);
async fn notes_and_reads(t: TestDb) {
    let c = conversation(&t).await;
    let mut tx = t.db.begin().await.unwrap();
    messages::append(&mut tx, &text(&c.id, None, "question"))
        .await
        .unwrap();
    let note = messages::NewMessage {
        kind: messages::kind::NOTE,
        author_kind: messages::author::AGENT,
        ..text(&c.id, None, "VIP")
    };
    messages::append(&mut tx, &note).await.unwrap();
    messages::append(&mut tx, &text(&c.id, None, "answer"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        messages::after(&t.db, &c.id, 0, 10, true)
            .await
            .unwrap()
            .len(),
        3
    );
    let public: Vec<i64> = messages::after(&t.db, &c.id, 0, 10, false)
        .await
        .unwrap()
        .iter()
        .map(|m| m.seq)
        .collect();
    assert_eq!(public, vec![1, 3]);
    messages::mark_read(&t.db, &c.id, "reader", 3)
        .await
        .unwrap();
    messages::mark_read(&t.db, &c.id, "reader", 2)
        .await
        .unwrap();
    assert_eq!(messages::read_seq(&t.db, &c.id, "reader").await.unwrap(), 3);
    assert_eq!(messages::range(&t.db, &c.id, 2, 3).await.unwrap().len(), 2);
}

/// A full disk inside a transaction: SQLite rolls the transaction back itself, sqlx's own
/// rollback then fails and it kept counting the transaction as open, so the single writer
/// connection refused every later `BEGIN` until a restart (found by `examples/disk.rs`). The
/// disk is "full" here through `max_page_count`, which fails writes the same way (SQLITE_FULL).
#[tokio::test]
async fn the_writer_recovers_after_a_full_disk() {
    let t = TestDb::open(Backend::Sqlite).await.unwrap();
    let (pages,): (i64,) = kefu_store::Exec::fetch_one(&t.db, "PRAGMA page_count", vec![])
        .await
        .unwrap();
    kefu_store::Exec::execute(
        &t.db,
        leak(format!("PRAGMA max_page_count = {}", pages + 2)),
        vec![],
    )
    .await
    .unwrap();
    let big = "满".repeat(20_000);
    let mut tx = t.db.begin().await.unwrap();
    let mut failed = None;
    for i in 0..50 {
        if let Err(e) = kefu_store::Exec::execute(
            &mut tx,
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, 0)",
            vec![format!("filler-{i}").into(), big.clone().into()],
        )
        .await
        {
            failed = Some(e);
            break;
        }
    }
    let failed = failed.expect("the writes should have filled the database");
    assert!(failed.is_storage_full(), "{failed}");
    drop(tx);
    // Space again: the next transaction works.
    kefu_store::Exec::execute(&t.db, "PRAGMA max_page_count = 1073741823", vec![])
        .await
        .unwrap();
    let mut tx =
        t.db.begin()
            .await
            .expect("a transaction after the disk was full");
    kefu_store::Exec::execute(
        &mut tx,
        "INSERT INTO settings (key, value, updated_at) VALUES ('after', 'ok', 0)",
        vec![],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The conversation list reads only its page: SQLite walks the recency index instead of
/// reading and sorting the whole table (which made the first page cost grow with the count).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conversation_list_walks_the_recency_index_and_sorts_nothing() {
    let Some(t) = TestDb::open(kefu_store::Backend::Sqlite).await else {
        return;
    };
    let inbox = kefu_store::teams::create_inbox(&t.db, "网站", kefu_core::kinds::Channel::Widget)
        .await
        .unwrap();
    for _ in 0..20 {
        conversations::create(&t.db, &inbox.id, None, "咨询")
            .await
            .unwrap();
    }
    for f in [
        conversations::Filter::default(),
        conversations::Filter {
            status: "open",
            ..Default::default()
        },
        conversations::Filter {
            tag: "vip",
            ..Default::default()
        },
    ] {
        let plan = conversations::explain_list(&t.db, &f).await.unwrap();
        assert!(
            plan.iter().any(|d| d.contains("conversations_recent")),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|d| d.contains("TEMP B-TREE FOR ORDER BY")),
            "{plan:?}"
        );
    }
}
