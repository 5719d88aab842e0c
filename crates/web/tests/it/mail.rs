//! The e-mail channel against real mail servers (Dovecot for IMAP, Postfix for SMTP, started by
//! `scripts/test` through `scripts/mailservers`) on both databases: a customer's mail becomes a
//! conversation, the agent's reply leaves with the right headers and recipients, the customer's
//! answer threads back, forged tokens, automatic replies and duplicates do not.
//!
//! Without `KEFU_TEST_IMAP` / `KEFU_TEST_SMTP` the tests are skipped, except under CI where
//! that is a failure.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use crate::common::live::*;
use crate::common::*;
use kefu_core::Role;
use kefu_mail::TlsMode;
use kefu_mail::imap::{self, ImapConfig};
use kefu_store::testing::TestDb;
use kefu_store::{both_backends, conversations};
use lettre::AsyncTransport;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct MailServers {
    imap: (String, u16),
    smtp: (String, u16),
}

fn servers() -> Option<MailServers> {
    let split = |v: String| {
        let (h, p) = v.rsplit_once(':').unwrap();
        (h.to_string(), p.parse::<u16>().unwrap())
    };
    match (
        std::env::var("KEFU_TEST_IMAP"),
        std::env::var("KEFU_TEST_SMTP"),
    ) {
        (Ok(i), Ok(s)) => Some(MailServers {
            imap: split(i),
            smtp: split(s),
        }),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "KEFU_TEST_IMAP and KEFU_TEST_SMTP must be set under CI (scripts/test sets them)"
            );
            eprintln!("skipped: no mail servers (run scripts/test)");
            None
        }
    }
}

/// Hands a raw mail to the SMTP server, as another mail system would.
async fn smtp_send(m: &MailServers, from: &str, to: &[&str], raw: &str) {
    smtp_send_bytes(m, Some(from), to, raw.replace('\n', "\r\n").as_bytes()).await;
}

/// The same for bytes as they are (raw 8-bit headers); no sender is a bounce's `MAIL FROM:<>`.
async fn smtp_send_bytes(m: &MailServers, from: Option<&str>, to: &[&str], raw: &[u8]) {
    let t = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(&m.smtp.0)
        .port(m.smtp.1)
        .build();
    let env = lettre::address::Envelope::new(
        from.map(|f| f.parse().unwrap()),
        to.iter().map(|a| a.parse().unwrap()).collect(),
    )
    .unwrap();
    t.send_raw(&env, raw).await.unwrap();
}

fn mailbox(m: &MailServers, user: &str) -> ImapConfig {
    ImapConfig {
        host: m.imap.0.clone(),
        port: m.imap.1,
        tls: TlsMode::None,
        username: user.into(),
        password: "kefu".into(),
        folder: "INBOX".into(),
    }
}

/// Every raw mail in a mailbox, waiting up to 20 s for at least `n`.
async fn wait_for_mails(m: &MailServers, user: &str, n: usize) -> Vec<String> {
    for _ in 0..200 {
        if let Ok(mut mb) = imap::open(&mailbox(m, user)).await {
            let uids = mb.uids_after(0, 100).await.unwrap();
            if uids.len() >= n {
                let got = mb.fetch(&uids).await.unwrap();
                mb.logout().await;
                return got
                    .into_iter()
                    .map(|(_, raw)| String::from_utf8_lossy(&raw).to_string())
                    .collect();
            }
            mb.logout().await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {n} mails for {user} within 20 s");
}

async fn wait_until<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..200 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    let head = raw.split("\r\n\r\n").next().unwrap_or(raw);
    head.split("\r\n").find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

struct MailShop {
    shop: Shop,
    admin: Browser,
    inbox: String,
    support: String,
    _stop: tokio::sync::watch::Sender<bool>,
}

/// A shop with an e-mail inbox worked by the agent's team, reading `support-<id>@shop.test`
/// over IMAP and sending through Postfix, with the receiver and the outbox worker running.
async fn mail_shop(t: TestDb, m: &MailServers) -> MailShop {
    mail_shop_with(t, m, |_| {}).await
}

async fn mail_shop_with(
    t: TestDb,
    m: &MailServers,
    tweak: impl FnOnce(&mut kefu_web::WebConfig),
) -> MailShop {
    let shop = shop_with(t, tweak).await;
    person(&shop.s, "admin@shop.com", Role::Admin).await;
    let admin = signed_in(&shop.s, "admin@shop.com").await;
    let r = admin
        .api(
            Method::POST,
            "/api/v1/inboxes",
            Some(json!({"name": "客服邮箱", "channel": "email"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let inbox = r.json()["id"].as_str().unwrap().to_string();
    let team = kefu_store::teams::list_teams(&shop.s.t.db).await.unwrap();
    let pre = team.iter().find(|t| t.name == "售前").unwrap();
    kefu_store::teams::assign_inbox(&shop.s.t.db, &inbox, &pre.id)
        .await
        .unwrap();
    // Short, so the signed reply address stays within the 64 characters of a local part.
    let support = format!(
        "support-{}@shop.test",
        &kefu_core::id::new_id().to_lowercase()[..8]
    );
    let r = admin
        .api(
            Method::PUT,
            &format!("/api/v1/inboxes/{inbox}/mail"),
            Some(json!({
                "address": support, "display_name": "小店客服",
                "imap": {"host": m.imap.0, "port": m.imap.1, "tls": "none",
                         "username": support, "password": "kefu"},
                "smtp": {"host": m.smtp.0, "port": m.smtp.1, "tls": "none"},
                "poll_seconds": 30,
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (stop, rx) = tokio::sync::watch::channel(false);
    // The mail workers, which the harness leaves off.
    kefu_service::workers::start_mail::<kefu_service::mail::delivery::NoTransport>(
        &shop.s.state,
        None,
        rx,
    );
    MailShop {
        shop,
        admin,
        inbox,
        support,
        _stop: stop,
    }
}

async fn inbox_conversations(ms: &MailShop) -> Vec<conversations::Conversation> {
    conversations::list_all(&ms.shop.s.t.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.inbox_id == ms.inbox)
        .collect()
}

async fn messages_of(ms: &MailShop, conv: &str) -> Vec<Value> {
    let r = ms
        .shop
        .agent
        .get(&format!("/api/v1/conversations/{conv}/messages"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json().as_array().unwrap().clone()
}

both_backends!(
    an_invitation_leaves_with_a_text_and_an_html_part_in_the_inviters_language,
    system_mail
);
async fn system_mail(t: TestDb) {
    let Some(m) = servers() else { return };
    let shop = shop(t).await;
    let boss = person(&shop.s, "boss@shop.com", Role::Admin).await;
    kefu_store::people::set_language(&shop.s.t.db, &boss.id, "en")
        .await
        .unwrap();
    let admin = signed_in(&shop.s, "boss@shop.com").await;
    let invitee = format!(
        "agent-{}@shop.test",
        &kefu_core::id::new_id().to_lowercase()[..8]
    );
    let r = admin
        .api(
            Method::POST,
            "/api/v1/invitations",
            Some(json!({"email": invitee, "role": "agent"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sender = kefu_mail::SmtpSender::new(&kefu_mail::SmtpConfig {
        host: m.smtp.0.clone(),
        port: m.smtp.1,
        username: String::new(),
        password: String::new(),
        from: "Kefu <noreply@shop.test>".into(),
        tls: TlsMode::None,
    })
    .unwrap();
    let transport = kefu_service::mail::delivery::SmtpTransport(sender);
    let sent = kefu_service::mail::delivery::deliver_due(&shop.s.state, Some(&transport))
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let raw = wait_for_mails(&m, &invitee, 1).await.remove(0);
    assert!(raw.contains("multipart/alternative"), "{raw}");
    let mail = kefu_mail::inbound::parse(raw.as_bytes()).unwrap();
    assert!(
        mail.subject.starts_with("You are invited"),
        "{}",
        mail.subject
    );
    let link = mail
        .text
        .lines()
        .find(|l| l.contains("/invite?token="))
        .expect("the link in the text part")
        .trim()
        .to_string();
    let html = mail.html.expect("an HTML part");
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(
        html.contains(&format!("<a href=\"{link}\">")),
        "the link is clickable: {html}"
    );
    // The link in the mail works.
    let path = link.split_once("/invite").unwrap().1;
    let page = Browser::new(&shop.s).get(&format!("/invite{path}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
}

both_backends!(
    the_inbox_page_says_a_connected_reader_reads_and_saving_keeps_the_interval,
    reader_state
);
async fn reader_state(t: TestDb) {
    let Some(m) = servers() else { return };
    let ms = mail_shop(t, &m).await;
    let db = ms.shop.s.t.db.clone();
    let inbox = ms.inbox.clone();
    // Connected, and nothing to read yet: the page says it reads, not "not read yet".
    wait_until("the reader connected", || async {
        kefu_store::mail::state(&db, &inbox)
            .await
            .unwrap()
            .last_ok_at
            .is_some()
    })
    .await;
    let path = format!("/admin/inboxes/{}/mail", ms.inbox);
    let page = ms.admin.get(&path).await.body;
    assert!(page.contains("<p class=\"ok\">"), "{page}");
    // The page's form, saved as it is shown, keeps the interval set through the API.
    let imap_port = m.imap.1.to_string();
    let smtp_port = m.smtp.1.to_string();
    let fields = |poll: &'static str| {
        vec![
            ("address", ms.support.clone()),
            ("display_name", "小店客服".to_string()),
            ("imap_host", m.imap.0.clone()),
            ("imap_port", imap_port.clone()),
            ("imap_tls", "none".to_string()),
            ("imap_username", ms.support.clone()),
            ("imap_folder", "INBOX".to_string()),
            ("smtp_host", m.smtp.0.clone()),
            ("smtp_port", smtp_port.clone()),
            ("smtp_tls", "none".to_string()),
            ("poll_seconds", poll.to_string()),
        ]
    };
    let post = async |poll: &'static str| {
        let f = fields(poll);
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = ms.admin.post(&path, &pairs).await;
        assert!(
            r.status.is_redirection() || r.status.is_success(),
            "{}",
            r.body
        );
        kefu_service::mail::load(&ms.shop.s.state, &ms.inbox)
            .await
            .unwrap()
            .poll_seconds
    };
    assert_eq!(post("").await, 30, "unchanged");
    assert_eq!(post("120").await, 120);
    assert_eq!(post("5").await, 30, "at least 30 s");
}

both_backends!(settings_are_sealed_checked_and_explained, settings_check);
async fn settings_check(t: TestDb) {
    let Some(m) = servers() else { return };
    let ms = mail_shop(t, &m).await;
    // The password is stored sealed, never as given, and never shown.
    let stored = kefu_store::settings::get(&ms.shop.s.t.db, &format!("inbox_mail:{}", ms.inbox))
        .await
        .unwrap()
        .unwrap();
    assert!(stored.contains("\"password\":\"v1:"), "{stored}");
    assert!(!stored.contains("\"password\":\"kefu\""));
    let r = ms
        .admin
        .get(&format!("/api/v1/inboxes/{}/mail", ms.inbox))
        .await;
    let v = r.json();
    assert_eq!(v["settings"]["imap"]["password"], "");
    assert_eq!(v["settings"]["imap"]["password_set"], true);
    // Both servers answer.
    let r = ms
        .admin
        .api(
            Method::POST,
            &format!("/api/v1/inboxes/{}/mail/check", ms.inbox),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["imap"]["ok"], true, "{v}");
    assert_eq!(v["smtp"]["ok"], true, "{v}");
    // A wrong password and a closed port are told in plain words; an empty password keeps
    // the stored one.
    let r = ms
        .admin
        .api(
            Method::PUT,
            &format!("/api/v1/inboxes/{}/mail", ms.inbox),
            Some(json!({
                "address": ms.support,
                "imap": {"host": m.imap.0, "port": m.imap.1, "tls": "none",
                         "username": ms.support, "password": "wrong"},
                "smtp": {"host": "127.0.0.1", "port": 1, "tls": "none"},
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = ms
        .admin
        .api(
            Method::POST,
            &format!("/api/v1/inboxes/{}/mail/check", ms.inbox),
            None,
        )
        .await
        .json();
    assert_eq!(v["imap"]["ok"], false);
    assert!(
        v["imap"]["error"]
            .as_str()
            .unwrap()
            .contains("refused the user name or password"),
        "{v}"
    );
    assert_eq!(v["smtp"]["ok"], false);
    assert!(v["smtp"]["error"].as_str().unwrap().contains("SMTP"), "{v}");
    // Bad input is a clear 400; an agent cannot see the settings; a widget inbox has none.
    let r = ms
        .admin
        .api(
            Method::PUT,
            &format!("/api/v1/inboxes/{}/mail", ms.inbox),
            Some(json!({"address": "not an address"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), "invalid_address");
    let r = ms
        .shop
        .agent
        .get(&format!("/api/v1/inboxes/{}/mail", ms.inbox))
        .await;
    assert!(r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND);
    let r = ms
        .admin
        .get(&format!("/api/v1/inboxes/{}/mail", ms.shop.inbox))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

both_backends!(
    an_html_mail_is_shown_sanitised_with_its_inline_images_and_remote_ones_on_request,
    html_original
);
async fn html_original(t: TestDb) {
    let Some(m) = servers() else { return };
    let ms = mail_shop(t, &m).await;
    let tag = kefu_core::id::new_id().to_lowercase();
    let customer = format!("html-{tag}@customer.test");
    // A 1×1 PNG, inline by Content-ID.
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAIAAAUAAQ0KLbQAAAAASUVORK5CYII=";
    let raw = format!(
        "From: <{customer}>\nReply-To: <orders-{tag}@customer.test>\nTo: {}\n\
         Cc: <wife-{tag}@customer.test>\nSubject: html {tag}\nMessage-ID: <h-{tag}@customer.test>\n\
         MIME-Version: 1.0\nContent-Type: multipart/related; boundary=\"b1\"\n\n\
         --b1\nContent-Type: text/html; charset=utf-8\n\n\
         <div onclick=\"alert(1)\">您好，订单 {tag} 的照片见下图<script>alert(2)</script>\
         <iframe src=\"https://evil.example/\"></iframe><form action=\"https://evil.example/\"><input name=\"p\"></form>\
         <a href=\"javascript:alert(3)\">点我</a><img src=\"cid:photo1@x\" alt=\"照片\">\
         <img src=\"https://track.example/pixel.gif\"></div>\n\
         --b1\nContent-Type: image/png; name=\"photo.png\"\nContent-Transfer-Encoding: base64\n\
         Content-ID: <photo1@x>\nContent-Disposition: inline; filename=\"photo.png\"\n\n{png}\n--b1--\n",
        ms.support
    );
    smtp_send(&m, &customer, &[&ms.support], &raw).await;
    let mut conv = None;
    for _ in 0..200 {
        if let Some(c) = inbox_conversations(&ms)
            .await
            .into_iter()
            .find(|c| c.subject.contains(&tag))
        {
            conv = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let conv = conv.expect("the mail became a conversation");
    let msgs = messages_of(&ms, &conv.id).await;
    let first = msgs.iter().find(|m| m["kind"] == "text").unwrap();
    let path = format!(
        "/api/v1/conversations/{}/messages/{}/original",
        conv.id,
        first["id"].as_str().unwrap()
    );
    let r = ms.shop.agent.get(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let csp = r
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.starts_with("sandbox") && csp.contains("img-src 'self' data:;"),
        "{csp}"
    );
    let html = r.body.to_lowercase();
    for bad in [
        "<script",
        "onclick",
        "<iframe",
        "<form",
        "<input",
        "javascript:",
        "track.example",
    ] {
        assert!(!html.contains(bad), "{bad} is served: {}", r.body);
    }
    assert!(
        r.body.contains("订单") && r.body.contains("1 remote images are hidden"),
        "{}",
        r.body
    );
    // The inline picture is the conversation's file, and it is served.
    let src = r
        .body
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(src.starts_with("/api/v1/attachments/"), "{src}");
    let img = ms.shop.agent.get(&src).await;
    assert_eq!(img.status, StatusCode::OK, "{src}");
    // On request, the remote picture too.
    let r = ms.shop.agent.get(&format!("{path}?images=1")).await;
    assert!(
        r.body.contains("https://track.example/pixel.gif"),
        "{}",
        r.body
    );
    let csp = r
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("https:"), "{csp}");
    // An agent of another team sees nothing.
    assert_eq!(
        ms.shop.other_agent.get(&path).await.status,
        StatusCode::NOT_FOUND
    );
    // Reply all: to the Reply-To address, the other recipient in CC, never the shop itself.
    let ctx = ms
        .shop
        .agent
        .get(&format!("/api/v1/conversations/{}/context", conv.id))
        .await
        .json();
    assert_eq!(
        ctx["reply_all"],
        json!({"to": [format!("orders-{tag}@customer.test")], "cc": [format!("wife-{tag}@customer.test")]})
    );
}

both_backends!(mail_in_reply_out_and_the_answer_threads_back, round_trip);
async fn round_trip(t: TestDb) {
    let Some(m) = servers() else { return };
    let ms = mail_shop(t, &m).await;
    let tag = kefu_core::id::new_id().to_lowercase();
    let customer = format!("buyer-{tag}@customer.test");
    let colleague = format!("colleague-{tag}@customer.test");
    let boss = format!("boss-{tag}@shop.test");

    // 1. The customer writes (Chinese subject, CC to a colleague, an attachment).
    let first = format!(
        "From: =?UTF-8?B?5byg5LiJ?= <{customer}>\nTo: {support}\nCc: {colleague}\n\
         Subject: =?UTF-8?B?6K6i5Y2VIDEwMDgg6L+Y5rKh5Yiw?=\nMessage-ID: <first-{tag}@customer.test>\n\
         MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\n\
         Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\
         你好，我的订单 1008 还没到。\n\n--b1\nContent-Type: application/pdf; name=\"receipt.pdf\"\n\
         Content-Disposition: attachment; filename=\"receipt.pdf\"\nContent-Transfer-Encoding: base64\n\n\
         JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK\n--b1--\n",
        support = ms.support
    );
    smtp_send(&m, &customer, &[&ms.support], &first).await;
    wait_until("the conversation", || async {
        inbox_conversations(&ms).await.len() == 1
    })
    .await;
    let conv = inbox_conversations(&ms).await.remove(0);
    assert_eq!(conv.subject, "订单 1008 还没到");
    let msgs = messages_of(&ms, &conv.id).await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0]["body"]
            .as_str()
            .unwrap()
            .contains("订单 1008 还没到")
    );
    let meta: Value = serde_json::from_str(msgs[0]["meta"].as_str().unwrap()).unwrap();
    assert_eq!(meta["mail"]["cc"][0], colleague.as_str());
    assert_eq!(meta["mail"]["files"][0]["name"], "receipt.pdf");
    assert_eq!(meta["mail"]["files"][0]["content_type"], "application/pdf");
    // The sender became a contact of the conversation.
    let contact = kefu_store::people::get(&ms.shop.s.t.db, conv.customer_id.as_deref().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contact.name, "张三");

    // 2. The agent answers with a CC, a BCC and a signature.
    let sig = ms
        .shop
        .agent
        .api(
            Method::POST,
            "/api/v1/signatures",
            Some(json!({"name": "默认", "body": "小店客服 · 王五"})),
        )
        .await;
    assert_eq!(sig.status, StatusCode::CREATED, "{}", sig.body);
    let r = ms
        .shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{}/mail", conv.id),
            Some(
                json!({"body": "您好，包裹明天送到。\n祝您生活愉快！", "client_id": "reply-1",
                         "cc": [colleague], "bcc": [boss],
                         "signature_id": sig.json()["id"]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The customer's copy of the conversation never shows the BCC.
    assert!(!r.body.contains(&boss));
    let db = ms.shop.s.t.db.clone();
    wait_until("the reply sent", || async {
        let list = kefu_store::outbox::of_conversation(&db, &conv.id)
            .await
            .unwrap();
        assert!(list.iter().all(|m| m.last_error.is_empty()), "{list:?}");
        list.iter().any(|m| m.status == "sent")
    })
    .await;
    let got = wait_for_mails(&m, &customer, 1).await;
    let raw = &got[0];
    let our_id = header(raw, "Message-ID").unwrap().to_string();
    assert!(our_id.starts_with("<kefu."), "{raw}");
    assert_eq!(
        header(raw, "In-Reply-To"),
        Some(format!("<first-{tag}@customer.test>").as_str())
    );
    assert!(
        header(raw, "References")
            .unwrap()
            .contains(&format!("first-{tag}@customer.test"))
    );
    assert!(header(raw, "Date").is_some());
    assert!(header(raw, "From").unwrap().contains(&ms.support));
    let reply_to = header(raw, "Reply-To").unwrap().to_string();
    assert!(reply_to.contains(&format!("+{}.", conv.id)), "{reply_to}");
    assert!(header(raw, "Cc").unwrap().contains(&colleague));
    assert!(header(raw, "Bcc").is_none());
    assert!(!raw.contains(&boss), "the BCC leaked into the mail: {raw}");
    assert!(raw.contains("multipart/alternative") && raw.contains("text/html"));
    let parsed = kefu_mail::inbound::parse(raw.as_bytes()).unwrap();
    assert!(parsed.text.contains("包裹明天送到"));
    assert!(parsed.text.contains("小店客服 · 王五"));
    assert_eq!(parsed.subject, "Re: 订单 1008 还没到");
    // The colleague (CC) and the boss (BCC) got it too.
    wait_for_mails(&m, &colleague, 1).await;
    let boss_copy = wait_for_mails(&m, &boss, 1).await;
    assert!(!boss_copy[0].contains("Bcc:"));
    let deliveries = ms
        .shop
        .agent
        .get(&format!("/api/v1/conversations/{}/mail", conv.id))
        .await
        .json();
    assert_eq!(deliveries[0]["status"], "sent", "{deliveries}");

    // 3. The customer answers through the reply address alone (their mail program dropped
    //    In-Reply-To and References): it joins the conversation.
    let reply_addr = reply_to
        .rsplit_once('<')
        .map(|(_, a)| a.trim_end_matches('>'))
        .unwrap_or(&reply_to)
        .to_string();
    let answer = format!(
        "From: {customer}\nTo: {reply_addr}\nSubject: Re: thanks\n\
         Message-ID: <answer-{tag}@customer.test>\nContent-Type: text/plain; charset=utf-8\n\n\
         收到，谢谢！\n\n> 您好，包裹明天送到。\n"
    );
    smtp_send(&m, &customer, &[&reply_addr], &answer).await;
    // 4. …and a reply by In-Reply-To to our Message-ID from the colleague.
    let cc_answer = format!(
        "From: {colleague}\nTo: {support}\nSubject: Re: 订单\nIn-Reply-To: {our_id}\n\
         References: <first-{tag}@customer.test> {our_id}\nMessage-ID: <cc-{tag}@customer.test>\n\
         Content-Type: text/plain; charset=utf-8\n\n我也收到了。\n",
        support = ms.support
    );
    smtp_send(&m, &colleague, &[&ms.support], &cc_answer).await;
    wait_until("both answers", || async {
        messages_of(&ms, &conv.id)
            .await
            .iter()
            .filter(|m| m["author_kind"] == "contact" && m["kind"] == "text")
            .count()
            == 3
    })
    .await;
    let bodies: Vec<String> = messages_of(&ms, &conv.id)
        .await
        .iter()
        .filter(|m| m["kind"] == "text")
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect();
    assert!(bodies.iter().any(|b| b == "收到，谢谢！"), "{bodies:?}");
    assert!(
        bodies.iter().any(|b| b.contains("我也收到了")),
        "{bodies:?}"
    );
    assert_eq!(inbox_conversations(&ms).await.len(), 1);
    // 4b. Someone who was never on the thread answers our Message-ID: the mail joins, flagged
    //     for the agent as a new sender, and the conversation stays the customer's.
    let stranger = format!("stranger-{tag}@customer.test");
    let odd = format!(
        "From: {stranger}\nTo: {support}\nSubject: Re: 订单\nIn-Reply-To: {our_id}\n\
         Message-ID: <odd-{tag}@customer.test>\nContent-Type: text/plain; charset=utf-8\n\n\
         我是她同事，转给我了\n",
        support = ms.support
    );
    smtp_send(&m, &stranger, &[&ms.support], &odd).await;
    wait_until("the stranger's mail", || async {
        messages_of(&ms, &conv.id)
            .await
            .iter()
            .any(|m| m["body"].as_str().unwrap_or("").contains("转给我了"))
    })
    .await;
    let flag = |needle: &'static str| {
        let msgs = messages_of(&ms, &conv.id);
        async move {
            let msgs = msgs.await;
            let m = msgs
                .iter()
                .find(|m| m["body"].as_str().unwrap_or("").contains(needle))
                .unwrap();
            let meta: Value = serde_json::from_str(m["meta"].as_str().unwrap()).unwrap();
            meta["mail"]["new_sender"].as_bool().unwrap()
        }
    };
    assert!(flag("转给我了").await, "a new sender is flagged");
    assert!(!flag("我也收到了").await, "the colleague in CC is not");
    assert!(!flag("收到，谢谢！").await, "the customer is not");
    let after = conversations::get(&ms.shop.s.t.db, &conv.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.customer_id, conv.customer_id, "the customer stays");

    // 5. A forged token (right conversation, wrong signature) and a forged Message-ID never
    //    attach a stranger's mail: they open a conversation of their own.
    let forged = format!(
        "From: mallory-{tag}@example.test\nTo: {support}\nSubject: Re: 订单\n\
         In-Reply-To: <kefu.{conv}.00000000000000000000.x@shop.test>\n\
         Message-ID: <forged-{tag}@example.test>\nContent-Type: text/plain\n\nlet me in\n",
        support = ms
            .support
            .replace('@', &format!("+{}.0123456789abcdef0123@", conv.id)),
        conv = conv.id
    );
    smtp_send(
        &m,
        &format!("mallory-{tag}@example.test"),
        &[&ms.support],
        &forged,
    )
    .await;
    // 6. An out-of-office reply and the same mail delivered twice.
    let auto = format!(
        "From: {customer}\nTo: {support}\nSubject: Automatic reply: 订单\nAuto-Submitted: auto-replied\n\
         Message-ID: <ooo-{tag}@customer.test>\n\nI am away.\n",
        support = ms.support
    );
    smtp_send(&m, &customer, &[&ms.support], &auto).await;
    let twice = format!(
        "From: new-{tag}@customer.test\nTo: {support}\nSubject: 发票\n\
         Message-ID: <twice-{tag}@customer.test>\n\n请开发票。\n",
        support = ms.support
    );
    smtp_send(
        &m,
        &format!("new-{tag}@customer.test"),
        &[&ms.support],
        &twice,
    )
    .await;
    smtp_send(
        &m,
        &format!("new-{tag}@customer.test"),
        &[&ms.support],
        &twice,
    )
    .await;
    wait_until("the forged and twice-sent mails", || async {
        inbox_conversations(&ms).await.len() == 3
    })
    .await;
    // Give the receiver time to read the rest (the duplicate, the auto-reply).
    let db = ms.shop.s.t.db.clone();
    let inbox = ms.inbox.clone();
    wait_until("the auto-reply recorded", || async {
        kefu_store::mail::get(&db, &inbox, &format!("ooo-{tag}@customer.test"))
            .await
            .unwrap()
            .is_some()
    })
    .await;
    wait_until("every mail read", || async {
        kefu_store::mail::state(&db, &inbox).await.unwrap().last_uid >= 8
    })
    .await;
    let convs = inbox_conversations(&ms).await;
    assert_eq!(convs.len(), 3, "{convs:?}");
    assert_eq!(
        messages_of(&ms, &conv.id)
            .await
            .iter()
            .filter(|m| m["kind"] == "text")
            .count(),
        5,
        "the customer's two mails, the colleague's, the stranger's and our reply"
    );
    let twice_conv = convs.iter().find(|c| c.subject == "发票").unwrap();
    assert_eq!(
        messages_of(&ms, &twice_conv.id)
            .await
            .iter()
            .filter(|m| m["kind"] == "text")
            .count(),
        1
    );
    let ooo = kefu_store::mail::get(&db, &inbox, &format!("ooo-{tag}@customer.test"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ooo.outcome, "auto_reply");
    assert!(ooo.conversation_id.is_none());
}

both_backends!(unreadable_and_oversized_mail_is_kept_for_admins, unreadable);
async fn unreadable(t: TestDb) {
    let shop = shop_with(t, |c| c.max_mail_bytes = 100_000).await;
    person(&shop.s, "admin@shop.com", Role::Admin).await;
    let admin = signed_in(&shop.s, "admin@shop.com").await;
    let inbox =
        kefu_store::teams::create_inbox(&shop.s.t.db, "Mail", kefu_core::kinds::Channel::Email)
            .await
            .unwrap();
    let state = &shop.s.state;
    let garbage = b"\x00\x01 this is not a mail at all \xff\xfe";
    let r = kefu_service::mail::ingest(state, &inbox.id, garbage, None)
        .await
        .unwrap();
    assert_eq!(r, kefu_service::mail::Ingested::NotStored("unparsable"));
    // Fetched again: once.
    let r = kefu_service::mail::ingest(state, &inbox.id, garbage, None)
        .await
        .unwrap();
    assert_eq!(r, kefu_service::mail::Ingested::Duplicate);
    // Over the limit, the customer still wrote to us: the text is a message, the files are
    // left out and said so, the original is kept for admins.
    let over = format!(
        "From: a@customer.test\nTo: s@shop.test\nSubject: photos\nMessage-ID: <over@customer.test>\n\
         MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\
         Content-Type: text/plain; charset=utf-8\n\n照片在附件里，杯子碎了\n--b\n\
         Content-Type: application/octet-stream; name=\"big.bin\"\n\
         Content-Disposition: attachment; filename=\"big.bin\"\n\n{}\n--b--\n",
        "x".repeat(200_000)
    );
    let r = kefu_service::mail::ingest(state, &inbox.id, over.as_bytes(), None)
        .await
        .unwrap();
    let kefu_service::mail::Ingested::Stored {
        conversation_id,
        message_id,
        ..
    } = r
    else {
        panic!("{r:?}")
    };
    let msg = kefu_store::messages::get(&shop.s.t.db, &message_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(msg.body, "照片在附件里，杯子碎了");
    let meta: Value = serde_json::from_str(&msg.meta).unwrap();
    assert_eq!(meta["mail"]["too_large"]["limit"], 100_000);
    assert_eq!(meta["mail"]["too_large"]["files"], 1);
    assert_eq!(meta["mail"]["files"], json!([]));
    let rec = kefu_store::mail::get(&shop.s.t.db, &inbox.id, "over@customer.test")
        .await
        .unwrap()
        .unwrap();
    assert!(!rec.raw_key.is_empty(), "the original is kept");
    // Broken in part: the text is salvaged, the garbled file left out, admins told.
    let broken = "From: b@customer.test\r\nTo: s@shop.test\r\nSubject: =?gbk?B?!!!notbase64?=\r\n\
        Message-ID: <broken@customer.test>\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
        Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\
        这不是 base64，但顾客写了字\r\n--b\r\nContent-Type: image/png\r\n\
        Content-Transfer-Encoding: base64\r\n\r\n%%%% not base64 %%%%\r\n--b--\r\n";
    let r = kefu_service::mail::ingest(state, &inbox.id, broken.as_bytes(), None)
        .await
        .unwrap();
    let kefu_service::mail::Ingested::Stored {
        conversation_id: broken_conv,
        message_id: broken_msg,
        ..
    } = r
    else {
        panic!("{r:?}")
    };
    let msg = kefu_store::messages::get(&shop.s.t.db, &broken_msg)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(msg.body, "这不是 base64，但顾客写了字");
    let meta: Value = serde_json::from_str(&msg.meta).unwrap();
    assert_eq!(
        meta["mail"]["damaged"].as_array().unwrap().len(),
        3,
        "{meta}"
    );
    assert_eq!(meta["mail"]["files"], json!([]), "no garbled image");
    // Far over (four times the limit): left on the server, listed for admins with its size.
    let big = format!(
        "From: a@customer.test\nTo: s@shop.test\nSubject: big\nMessage-ID: <big@customer.test>\n\n{}",
        "x".repeat(500_000)
    );
    let r = kefu_service::mail::ingest(state, &inbox.id, big.as_bytes(), None)
        .await
        .unwrap();
    assert_eq!(r, kefu_service::mail::Ingested::NotStored("too_large"));
    let bounce = "From: MAILER-DAEMON@shop.test\nTo: s@shop.test\nSubject: Undelivered Mail\n\
                  Message-ID: <bounce@shop.test>\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\n\n--x\nContent-Type: text/plain\n\nfailed\n--x--\n";
    let r = kefu_service::mail::ingest(state, &inbox.id, bounce.as_bytes(), None)
        .await
        .unwrap();
    assert_eq!(r, kefu_service::mail::Ingested::NotStored("bounce"));
    let convs = conversations::list_all(&shop.s.t.db).await.unwrap();
    assert_eq!(
        {
            let mut ids = convs.iter().map(|c| c.id.as_str()).collect::<Vec<_>>();
            ids.sort();
            ids
        },
        {
            let mut both = vec![conversation_id.as_str(), broken_conv.as_str()];
            both.sort();
            both
        },
        "only the mail over the limit and the broken one became conversations"
    );
    // Admins see them and can download the raw mail; agents cannot.
    let list = admin.get("/api/v1/mail/not-stored").await.json();
    let outcomes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert!(
        outcomes.contains(&"unparsable")
            && outcomes.contains(&"too_large")
            && outcomes.contains(&"damaged"),
        "{list}"
    );
    let unparsable = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["outcome"] == "unparsable")
        .unwrap();
    assert!(!unparsable["error"].as_str().unwrap().is_empty());
    let r = admin
        .get(&format!(
            "/api/v1/inboxes/{}/mail/raw/{}",
            inbox.id,
            unparsable["message_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("this is not a mail at all"));
    let r = shop.agent.get("/api/v1/mail/not-stored").await;
    assert!(r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------- mail servers going away

/// A mail server as Kefu sees it, on a loopback port of its own that forwards to the real one
/// and can go away (the port refuses connections, open ones are cut) and come back on the same
/// port.
struct Flicker {
    port: u16,
    target: (String, u16),
    cut: tokio::sync::watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Flicker {
    fn new(target: &(String, u16)) -> Flicker {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut f = Flicker {
            port,
            target: target.clone(),
            cut: tokio::sync::watch::channel(false).0,
            task: None,
        };
        f.up();
        f
    }

    fn up(&mut self) {
        let (cut, rx) = tokio::sync::watch::channel(false);
        self.cut = cut;
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(([127, 0, 0, 1], self.port).into()).unwrap();
        let listener = socket.listen(64).unwrap();
        let target = self.target.clone();
        self.task = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let mut rx = rx.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) =
                        tokio::net::TcpStream::connect((target.0.as_str(), target.1)).await
                    else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = rx.changed() => {}
                    }
                });
            }
        }));
    }

    fn down(&mut self) {
        let _ = self.cut.send(true);
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

both_backends!(
    mail_waits_while_its_servers_are_away_and_goes_once_they_are_back,
    servers_away
);
async fn servers_away(t: TestDb) {
    let Some(real) = servers() else { return };
    let mut imap = Flicker::new(&real.imap);
    let mut smtp = Flicker::new(&real.smtp);
    let seen = MailServers {
        imap: ("127.0.0.1".into(), imap.port),
        smtp: ("127.0.0.1".into(), smtp.port),
    };
    let ms = mail_shop(t, &seen).await;
    let tag = kefu_core::id::new_id().to_lowercase();
    let customer = format!("away-{tag}@customer.test");
    let mail = |n: u32| {
        format!(
            "From: <{customer}>\nTo: {support}\nSubject: =?UTF-8?B?5Zyo5ZCX?= {n}\n\
             Message-ID: <away-{n}-{tag}@customer.test>\nContent-Type: text/plain; charset=utf-8\n\n\
             第 {n} 封：还在吗？\n",
            support = ms.support
        )
    };
    // Reading works, then the IMAP server goes away (its open connection is cut).
    smtp_send(&real, &customer, &[&ms.support], &mail(1)).await;
    wait_until("the first mail read", || async {
        inbox_conversations(&ms).await.len() == 1
    })
    .await;
    let conv = inbox_conversations(&ms).await.remove(0);
    imap.down();
    // Mail arriving meanwhile waits in the mailbox; nothing is read twice when it comes back.
    smtp_send(&real, &customer, &[&ms.support], &mail(2)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(inbox_conversations(&ms).await.len(), 1);
    imap.up();
    // (A new subject without In-Reply-To: a conversation of its own.)
    wait_until("the mail sent while IMAP was away", || async {
        inbox_conversations(&ms).await.len() == 2
    })
    .await;

    // The SMTP server goes away: the agent's reply waits in the outbox with the error.
    smtp.down();
    let r = ms
        .shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{}/mail", conv.id),
            Some(
                json!({"body": "您好，在的，马上为您处理。祝您愉快！", "client_id": "away-reply",
                "accept_warnings": true}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let db = ms.shop.s.t.db.clone();
    wait_until("a failed attempt recorded", || async {
        kefu_store::outbox::of_conversation(&db, &conv.id)
            .await
            .unwrap()
            .iter()
            .any(|m| m.status == "pending" && m.attempts >= 1 && !m.last_error.is_empty())
    })
    .await;
    // Back: the agent presses "Retry now" on the note of the failed attempt, and it goes out,
    // once.
    smtp.up();
    let waiting = kefu_store::outbox::of_conversation(&db, &conv.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.status == "pending")
        .unwrap();
    let r = ms
        .shop
        .agent
        .api(
            Method::POST,
            &format!(
                "/api/v1/conversations/{}/mail/{}/retry",
                conv.id, waiting.id
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    wait_until("the reply sent", || async {
        kefu_store::outbox::of_conversation(&db, &conv.id)
            .await
            .unwrap()
            .iter()
            .any(|m| m.status == "sent")
    })
    .await;
    let got = wait_for_mails(&real, &customer, 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        wait_for_mails(&real, &customer, 1).await.len(),
        1,
        "{got:?}"
    );
    // The reply is in the conversation once (beside the note of the failed attempt), and each
    // customer mail was read once, though the reader reconnected in between.
    let msgs = messages_of(&ms, &conv.id).await;
    let count = |needle: &str| {
        msgs.iter()
            .filter(|m| m["body"].as_str().unwrap_or("").contains(needle))
            .count()
    };
    assert_eq!(
        (count("马上为您处理"), count("第 1 封")),
        (1, 1),
        "{msgs:?}"
    );
    let all = inbox_conversations(&ms).await;
    assert_eq!(all.len(), 2);
    let second = all.iter().find(|c| c.id != conv.id).unwrap();
    let msgs = messages_of(&ms, &second.id).await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
}

// ---------------------------------------------------------------- a corpus of received mail

/// The conversation and message a received mail became, waiting for the reader to fetch it.
async fn became(ms: &MailShop, message_id: &str) -> (String, Value) {
    let db = &ms.shop.s.t.db;
    let mut rec = None;
    for _ in 0..200 {
        rec = kefu_store::mail::get(db, &ms.inbox, message_id)
            .await
            .unwrap()
            .filter(|r| r.chat_message_id.is_some());
        if rec.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rec = rec.unwrap_or_else(|| panic!("mail {message_id} not stored within 20 s"));
    let conv = rec.conversation_id.unwrap();
    let msg = messages_of(ms, &conv)
        .await
        .into_iter()
        .find(|m| m["id"].as_str() == rec.chat_message_id.as_deref())
        .unwrap();
    (conv, msg)
}

fn mail_meta(msg: &Value) -> Value {
    serde_json::from_str::<Value>(msg["meta"].as_str().unwrap()).unwrap()["mail"].clone()
}

both_backends!(
    every_kind_of_mail_shops_receive_reads_as_it_was_written_through_a_real_mailbox,
    received_corpus
);
async fn received_corpus(t: TestDb) {
    let Some(m) = servers() else { return };
    let ms = mail_shop_with(t, &m, |c| c.max_mail_bytes = 100_000).await;
    let tag = kefu_core::id::new_id().to_lowercase();
    let support = ms.support.clone();
    let who = |name: &str| format!("{name}-{tag}@customer.test");

    // An attachment name in RFC 2231 continuations, in GBK.
    let continued = format!(
        "From: {from}\nTo: {support}\nSubject: invoice photo\nMessage-ID: <r2231-{tag}@customer.test>\n\
         MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\
         Content-Type: text/plain; charset=utf-8\n\n发票照片在附件。\n--b\nContent-Type: image/png\n\
         Content-Disposition: attachment;\n filename*0*=gbk''%B7%A2%C6%B1;\n filename*1*=%D5%D5%C6%AC.png\n\
         Content-Transfer-Encoding: base64\n\niVBORw0KGgoAAAANSUhEUg==\n--b--\n",
        from = who("r2231")
    );
    smtp_send(&m, &who("r2231"), &[&support], &continued).await;
    // Raw 8-bit GBK headers (subject and display name) from an older Chinese client.
    let mut gbk = Vec::new();
    gbk.extend_from_slice(b"From: \xc0\xee\xcb\xc4 <");
    gbk.extend_from_slice(who("gbk").as_bytes());
    gbk.extend_from_slice(format!(">\r\nTo: {support}\r\n").as_bytes());
    gbk.extend_from_slice(b"Subject: \xcd\xcb\xbb\xf5\xc9\xea\xc7\xeb\r\n");
    gbk.extend_from_slice(format!("Message-ID: <gbk-{tag}@customer.test>\r\n").as_bytes());
    gbk.extend_from_slice(
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=gbk\r\n\
          Content-Transfer-Encoding: 8bit\r\n\r\n\
          \xb1\xad\xd7\xd3\xcb\xe9\xc1\xcb\xa3\xac\xc9\xea\xc7\xeb\xcd\xcb\xbb\xf5\xa1\xa3\r\n",
    );
    smtp_send_bytes(&m, Some(&who("gbk")), &[&support], &gbk).await;
    // Over the size limit (100 kB here) with its text.
    let over = format!(
        "From: {from}\nTo: {support}\nSubject: photos\nMessage-ID: <over-{tag}@customer.test>\n\
         MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\
         Content-Type: text/plain; charset=utf-8\n\n照片在附件里，杯子碎了\n--b\n\
         Content-Type: application/octet-stream; name=\"big.bin\"\n\
         Content-Disposition: attachment; filename=\"big.bin\"\n\n{}\n--b--\n",
        "x".repeat(150_000),
        from = who("over")
    );
    smtp_send(&m, &who("over"), &[&support], &over).await;
    // Broken in part: a text part and an image that say base64 and are not.
    let broken = format!(
        "From: {from}\nTo: {support}\nSubject: =?gbk?B?!!!notbase64?=\nMessage-ID: <broken-{tag}@customer.test>\n\
         MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\
         Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n\
         这不是 base64，但顾客写了字\n--b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\n\
         %%%% not base64 %%%%\n--b--\n",
        from = who("broken")
    );
    smtp_send(&m, &who("broken"), &[&support], &broken).await;
    // Reply-To and CC: a reply to all goes to the Reply-To, copying the CC.
    let reply_to = who("home");
    let colleague = who("colleague");
    let asks = format!(
        "From: {from}\nReply-To: {reply_to}\nTo: {support}\nCc: {colleague}\nSubject: size\n\
         Message-ID: <asks-{tag}@customer.test>\n\n这双鞋有 42 码吗？\n",
        from = who("office")
    );
    smtp_send(&m, &who("office"), &[&support], &asks).await;
    // History quoted under QQ Mail's separator.
    let qq = format!(
        "From: {from}\nTo: {support}\nSubject: Re: 订单\nMessage-ID: <qq-{tag}@customer.test>\n\n\
         好的，谢谢\n\n------------------ 原始邮件 ------------------\n发件人: \"小店客服\" <{support}>\n\
         发送时间: 2026年12月5日 10:00\n主题: 订单\n\n您的订单已发货。\n",
        from = who("qq")
    );
    smtp_send(&m, &who("qq"), &[&support], &qq).await;
    // A mail forwarded as an attachment.
    let fwd = format!(
        "From: {from}\nTo: {support}\nSubject: Fwd: 物流异常\nMessage-ID: <fwd-{tag}@customer.test>\n\
         MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"F\"\n\n--F\n\
         Content-Type: text/plain; charset=utf-8\n\n快递公司发来的邮件，请看附件。\n--F\n\
         Content-Type: message/rfc822\n\nFrom: notice@express.test\nTo: {from}\n\
         Subject: =?utf-8?B?5oKo55qE5b+r5Lu25peg5rOV5rS+6YCB?=\n\
         Content-Type: text/plain; charset=utf-8\n\n地址不详，包裹已退回网点。\n--F--\n",
        from = who("fwd")
    );
    smtp_send(&m, &who("fwd"), &[&support], &fwd).await;

    let (_, msg) = became(&ms, &format!("r2231-{tag}@customer.test")).await;
    assert_eq!(mail_meta(&msg)["files"][0]["name"], "发票照片.png", "{msg}");

    let (conv, msg) = became(&ms, &format!("gbk-{tag}@customer.test")).await;
    let c = conversations::get(&ms.shop.s.t.db, &conv)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.subject, "退货申请");
    assert_eq!(msg["body"], "杯子碎了，申请退货。");
    assert_eq!(mail_meta(&msg)["from_name"], "李四");

    let (_, msg) = became(&ms, &format!("over-{tag}@customer.test")).await;
    assert_eq!(msg["body"], "照片在附件里，杯子碎了");
    let meta = mail_meta(&msg);
    assert_eq!(meta["too_large"]["limit"], 100_000, "{meta}");
    assert_eq!(meta["too_large"]["files"], 1);
    let rec = kefu_store::mail::get(
        &ms.shop.s.t.db,
        &ms.inbox,
        &format!("over-{tag}@customer.test"),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(!rec.raw_key.is_empty(), "the original is kept");

    let (_, msg) = became(&ms, &format!("broken-{tag}@customer.test")).await;
    assert_eq!(msg["body"], "这不是 base64，但顾客写了字");
    let meta = mail_meta(&msg);
    assert!(!meta["damaged"].as_array().unwrap().is_empty(), "{meta}");
    assert_eq!(meta["files"], json!([]), "no garbled image");

    let (asked, _) = became(&ms, &format!("asks-{tag}@customer.test")).await;
    let ctx = ms
        .shop
        .agent
        .get(&format!("/api/v1/conversations/{asked}/context"))
        .await
        .json();
    assert_eq!(ctx["reply_all"]["to"], json!([reply_to]), "{ctx}");
    assert_eq!(ctx["reply_all"]["cc"], json!([colleague]), "{ctx}");

    let (_, msg) = became(&ms, &format!("qq-{tag}@customer.test")).await;
    assert_eq!(msg["body"], "好的，谢谢");
    assert_eq!(mail_meta(&msg)["folded"], true);

    let (_, msg) = became(&ms, &format!("fwd-{tag}@customer.test")).await;
    let meta = mail_meta(&msg);
    assert_eq!(msg["body"], "快递公司发来的邮件，请看附件。");
    assert_eq!(
        meta["forwarded"][0]["subject"], "您的快件无法派送",
        "{meta}"
    );
    assert_eq!(meta["forwarded"][0]["text"], "地址不详，包裹已退回网点。");
    assert_eq!(meta["files"][0]["name"], "您的快件无法派送.eml");

    // The agent answers the customer who asked about sizes; the mail leaves through Postfix.
    let r = ms
        .shop
        .agent
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{asked}/mail"),
            Some(
                json!({"body": "有的，42 码有货。", "client_id": "size-1", "accept_warnings": true,
                        "to": [reply_to], "cc": [colleague]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sent = wait_for_mails(&m, &reply_to, 1).await;
    let our_id = header(&sent[0], "Message-ID").unwrap().to_string();

    // Someone else answers it: the message joins, flagged; the customer stays the customer.
    let customer = conversations::get(&ms.shop.s.t.db, &asked)
        .await
        .unwrap()
        .unwrap()
        .customer_id;
    let stranger = format!(
        "From: {from}\nTo: {support}\nSubject: Re: size\nMessage-ID: <stranger-{tag}@customer.test>\n\
         In-Reply-To: {our_id}\nReferences: {our_id}\n\n我也想要 42 码。\n",
        from = who("stranger")
    );
    smtp_send(&m, &who("stranger"), &[&support], &stranger).await;
    let (joined, msg) = became(&ms, &format!("stranger-{tag}@customer.test")).await;
    assert_eq!(joined, asked);
    assert_eq!(mail_meta(&msg)["new_sender"], true);
    let after = conversations::get(&ms.shop.s.t.db, &asked)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.customer_id, customer);

    // The reply bounces (as Postfix reports it, from the null sender): the mail is marked
    // undelivered and the agents are told in the conversation.
    let dsn = format!(
        "From: MAILER-DAEMON@shop.test (Mail Delivery System)\nTo: {support}\n\
         Subject: Undelivered Mail Returned to Sender\nMessage-ID: <dsn-{tag}@shop.test>\n\
         MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;\n\
         \tboundary=\"R\"\n\n--R\nContent-Description: Notification\nContent-Type: text/plain\n\n\
         I'm sorry to have to inform you that your message could not be delivered.\n\n--R\n\
         Content-Description: Delivery report\nContent-Type: message/delivery-status\n\n\
         Reporting-MTA: dns; shop.test\n\nFinal-Recipient: rfc822; {reply_to}\nAction: failed\n\
         Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <{reply_to}>: Recipient address\n\
         \x20   rejected: User unknown\n\n--R\nContent-Description: Undelivered Message Headers\n\
         Content-Type: text/rfc822-headers\n\nFrom: {support}\nTo: {reply_to}\nMessage-ID: {our_id}\n\
         Subject: Re: size\n\n--R--\n"
    );
    smtp_send_bytes(&m, None, &[&support], dsn.replace('\n', "\r\n").as_bytes()).await;
    let db = ms.shop.s.t.db.clone();
    wait_until("the bounce recorded", || async {
        kefu_store::outbox::of_conversation(&db, &asked)
            .await
            .unwrap()
            .iter()
            .any(|o| o.status == "failed" && o.last_error.contains("5.1.1"))
    })
    .await;
    let events = messages_of(&ms, &asked).await;
    let bounced = events
        .iter()
        .find(|e| {
            e["meta"]
                .as_str()
                .unwrap_or_default()
                .contains("mail_bounced")
        })
        .unwrap_or_else(|| panic!("{events:?}"));
    let meta: Value = serde_json::from_str(bounced["meta"].as_str().unwrap()).unwrap();
    assert_eq!(meta["to"], reply_to.as_str());
    assert!(
        meta["error"].as_str().unwrap().contains("User unknown"),
        "{meta}"
    );
    let list = ms.admin.get("/api/v1/mail/not-stored").await.json();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|r| r["outcome"] == "bounce" && r["conversation_id"] == asked.as_str()),
        "{list}"
    );
}

both_backends!(
    an_api_token_with_the_mail_scopes_works_the_mail_routes_as_the_admin_who_made_it,
    token_mail
);
async fn token_mail(t: TestDb) {
    let Some(m) = servers() else { return };
    let ms = mail_shop(t, &m).await;
    let tag = kefu_core::id::new_id().to_lowercase();
    let customer = format!("erp-{tag}@customer.test");
    let mail = format!(
        "From: {customer}\nTo: {support}\nSubject: receipt\nMessage-ID: <erp-{tag}@customer.test>\n\
         MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\
         Content-Type: text/plain; charset=utf-8\n\n收据在附件。\n--b\n\
         Content-Type: application/pdf; name=\"receipt.pdf\"\n\
         Content-Disposition: attachment; filename=\"receipt.pdf\"\nContent-Transfer-Encoding: base64\n\n\
         JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK\n--b--\n",
        support = ms.support
    );
    smtp_send(&m, &customer, &[&ms.support], &mail).await;
    let (conv, msg) = became(&ms, &format!("erp-{tag}@customer.test")).await;
    let attachment = mail_meta(&msg)["files"][0]["attachment"]
        .as_str()
        .unwrap()
        .to_string();
    let db = &ms.shop.s.t.db;
    let admin = kefu_store::people::by_email(db, "admin@shop.com")
        .await
        .unwrap()
        .unwrap();
    let token = |scopes: &'static [&'static str]| {
        let admin = admin.id.clone();
        let server = &ms.shop.s;
        async move {
            let (plain, _) = kefu_store::api_tokens::create(db, "ERP", scopes, &admin, None)
                .await
                .unwrap();
            let mut b = Browser::new(server);
            b.extra_headers
                .push(("authorization".into(), format!("Bearer {plain}")));
            b
        }
    };
    let erp = token(kefu_service::accounts::api_tokens::SCOPES).await;
    let r = erp.get("/api/v1/mail/not-stored").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = erp
        .get(&format!(
            "/api/v1/inboxes/{}/mail/raw/erp-{tag}@customer.test",
            ms.inbox
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("收据在附件"));
    let r = erp.get(&format!("/api/v1/attachments/{attachment}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.starts_with("%PDF"));
    let r = erp
        .api(
            Method::POST,
            &format!("/api/v1/inboxes/{}/mail/check", ms.inbox),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["imap"]["ok"], true, "{}", r.body);
    let r = erp.get(&format!("/api/v1/conversations/{conv}/mail")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = erp
        .api(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/mail"),
            Some(
                json!({"body": "您好：\n\n收据已收到。\n\n祝好", "client_id": "erp-1",
                        "accept_warnings": true}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.json()["author_id"],
        admin.id.as_str(),
        "written as the token's maker"
    );
    let got = wait_for_mails(&m, &customer, 1).await;
    assert!(got[0].contains("multipart/alternative"));
    // Without the mail scopes: refused.
    let reader = token(&["conversations:read"]).await;
    for r in [
        reader.get("/api/v1/mail/not-stored").await,
        reader
            .api(
                Method::POST,
                &format!("/api/v1/conversations/{conv}/mail"),
                Some(json!({"body": "x", "client_id": "erp-2", "accept_warnings": true})),
            )
            .await,
    ] {
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
}
