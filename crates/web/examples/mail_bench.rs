//! Mails ingested per second from a real IMAP server, next to the raw SQLite insert rate on
//! the same disk in the same run.
//!
//! ```sh
//! eval "$(scripts/mailservers start)"
//! cargo run --release -p kefu-web --example mail_bench -- 500
//! scripts/mailservers stop "$KEFU_TEST_MAIL_DIR"
//! ```
//!
//! N mails (Chinese text, one new customer each, every fifth with a small attachment) are
//! handed to Postfix, which delivers them to Dovecot; once all are in the mailbox, Kefu (SQLite,
//! `synchronous=FULL`) starts reading it and the clock runs until every mail is a conversation
//! message (fetch, parse, raw copy kept, contact, conversation, message, files and the UID
//! position, one transaction per mail).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/baseline.rs"]
mod baseline;

use std::time::{Duration, Instant};

use kefu_mail::TlsMode;
use kefu_store::{Db, DbOptions, teams};
use kefu_web::{AppState, WebConfig};
use lettre::AsyncTransport;

fn addr(var: &str) -> (String, u16) {
    let v = std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run eval \"$(scripts/mailservers start)\" first")
    });
    let (h, p) = v.rsplit_once(':').unwrap();
    (h.to_string(), p.parse().unwrap())
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    let imap = addr("KEFU_TEST_IMAP");
    let smtp = addr("KEFU_TEST_SMTP");
    let dir = tempfile::tempdir_in(".").expect("a folder on this disk");
    let base = baseline::sqlite_baseline(dir.path(), 2000).await;
    println!(
        "baseline: raw SQLite inserts (WAL, synchronous=FULL, one per transaction): {base:.0} rows/s"
    );

    // Fill the mailbox.
    let tag = kefu_core::id::new_id().to_lowercase()[..8].to_string();
    let support = format!("bench-{tag}@shop.test");
    let t = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(&smtp.0)
        .port(smtp.1)
        .build();
    let fill = Instant::now();
    for i in 0..n {
        let from = format!("c{i}-{tag}@customer.test");
        let attachment = if i % 5 == 0 {
            "--b\nContent-Type: application/pdf; name=\"r.pdf\"\nContent-Disposition: attachment; filename=\"r.pdf\"\n\
             Content-Transfer-Encoding: base64\n\nJVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK\n"
        } else {
            ""
        };
        let raw = format!(
            "From: =?UTF-8?B?5a6i5oi3?= <{from}>\nTo: {support}\nSubject: =?UTF-8?B?6K6i5Y2V?= {i}\n\
             Message-ID: <m{i}-{tag}@customer.test>\nMIME-Version: 1.0\n\
             Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n\
             您好，我的订单 {i} 还没有发货，请帮我查一下物流。谢谢！\n\n> 之前的邮件\n{attachment}--b--\n"
        );
        let env = lettre::address::Envelope::new(
            Some(from.parse().unwrap()),
            vec![support.parse().unwrap()],
        )
        .unwrap();
        t.send_raw(&env, raw.replace('\n', "\r\n").as_bytes())
            .await
            .expect("SMTP");
    }
    let cfg = kefu_mail::imap::ImapConfig {
        host: imap.0.clone(),
        port: imap.1,
        tls: TlsMode::None,
        username: support.clone(),
        password: "kefu".into(),
        folder: "INBOX".into(),
    };
    loop {
        if let Ok(mut mb) = kefu_mail::imap::open(&cfg).await {
            let have = mb.uids_after(0, n + 1).await.unwrap().len();
            mb.logout().await;
            if have >= n {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "{n} mails in the mailbox after {:.1} s (Postfix → Dovecot)",
        fill.elapsed().as_secs_f64()
    );

    // Kefu reads them.
    let db = Db::connect(&DbOptions {
        url: format!("sqlite://{}", dir.path().join("kefu.db").display()),
        sqlite_synchronous_full: true,
        max_connections: 8,
        pg_schema: None,
    })
    .await
    .expect("kefu database");
    db.migrate().await.expect("migrate");
    let state = AppState::new(
        db.clone(),
        WebConfig {
            uploads_dir: dir.path().join("uploads"),
            ..WebConfig::default()
        },
        None,
    );
    let inbox = teams::create_inbox(&db, "Mail", kefu_core::kinds::Channel::Email)
        .await
        .unwrap();
    let form = kefu_service::mail::MailSettingsForm {
        address: support.clone(),
        imap: Some(kefu_service::mail::ServerForm {
            host: imap.0.clone(),
            port: imap.1,
            tls: "none".into(),
            username: support.clone(),
            password: "kefu".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let stored = kefu_service::mail::merge(&state, &Default::default(), &form).unwrap();
    let (_stop, rx) = tokio::sync::watch::channel(false);
    let start = Instant::now();
    kefu_service::mail::save(&state, &inbox.id, &stored)
        .await
        .unwrap();
    tokio::spawn(kefu_service::mail::run(state.service.clone(), rx));
    while state
        .metrics
        .value("kefu_mail_received_total")
        .unwrap_or(0.0)
        < n as f64
    {
        if start.elapsed() > Duration::from_secs(600) {
            panic!("not every mail was read within 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let secs = start.elapsed().as_secs_f64();
    let not_stored = kefu_store::mail::not_stored(&db, None, 5).await.unwrap();
    let read = kefu_store::mail::state(&db, &inbox.id)
        .await
        .unwrap()
        .last_uid;
    assert!(
        not_stored.is_empty(),
        "every mail is a message: {not_stored:?}"
    );
    assert!(read as usize >= n, "read up to UID {read} of {n}");
    let rate = n as f64 / secs;
    println!(
        "kefu: {n} mails read over IMAP and stored in {secs:.2} s: {rate:.0} mails/s \
         ({:.2} of the raw insert rate; each mail is one transaction of about 6 to 9 rows and a raw copy on disk)",
        rate / base
    );
}
