#![allow(clippy::unwrap_used)]
//! A corpus of mails the test builds itself, each with the outcome it must have.

use kefu_mail::inbound::{Kind, ParseError, fold_quoted, html_to_text, parse};

fn b64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn encoded(text: &str, enc: &'static encoding_rs::Encoding) -> Vec<u8> {
    enc.encode(text).0.into_owned()
}

#[test]
fn gbk_body_and_rfc2047_subject_in_gb2312() {
    let subject = format!(
        "=?GB2312?B?{}?=",
        b64(&encoded("退货申请", encoding_rs::GBK))
    );
    let mut raw = format!(
        "From: =?GBK?B?{}?= <Chen.Jing@Example.COM>\r\nTo: support@shop.example\r\n\
         Subject: {subject}\r\nMessage-ID: <abc@mail.example>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0800\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
        b64(&encoded("陈静", encoding_rs::GBK))
    )
    .into_bytes();
    raw.extend(encoded(
        "你好，我想退货，订单号 20261130。\r\n",
        encoding_rs::GBK,
    ));
    let m = parse(&raw).unwrap();
    assert_eq!(m.subject, "退货申请");
    assert_eq!(m.from_name, "陈静");
    assert_eq!(m.from_addr, "chen.jing@example.com");
    assert_eq!(m.text, "你好，我想退货，订单号 20261130。");
    assert_eq!(m.message_id, "abc@mail.example");
    assert_eq!(m.date_ms, Some(1_796_004_000_000)); // 10:00 +08:00 = 02:00 UTC
    assert_eq!(m.kind, Kind::Personal);
}

#[test]
fn big5_quoted_printable_and_gb18030() {
    let big5 = encoded("請問何時發貨？", encoding_rs::BIG5);
    let qp: String = big5.iter().map(|b| format!("={b:02X}")).collect();
    let raw = format!(
        "From: a@b.example\r\nSubject: =?big5?Q?{}?=\r\nContent-Type: text/plain; charset=big5\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\r\n{qp}\r\n",
        big5.iter().map(|b| format!("={b:02X}")).collect::<String>()
    );
    let m = parse(raw.as_bytes()).unwrap();
    assert_eq!(m.subject, "請問何時發貨？");
    assert_eq!(m.text, "請問何時發貨？");

    let mut raw =
        b"From: a@b.example\r\nSubject: x\r\nContent-Type: text/plain; charset=GB18030\r\n\r\n"
            .to_vec();
    raw.extend(encoded("退款到账了吗 €", encoding_rs::GB18030));
    assert_eq!(parse(&raw).unwrap().text, "退款到账了吗 €");
}

#[test]
fn html_only_with_an_inline_image_and_nested_multiparts() {
    let png = b64(b"\x89PNG\r\n\x1a\nfake");
    let raw = format!(
        "From: Emma <emma@example.com>\r\nTo: support@shop.example, Ops <ops@shop.example>\r\n\
         Cc: boss@example.com\r\nSubject: Broken kettle\r\nIn-Reply-To: <kefu.c1.sig.m1@shop.example>\r\n\
         References: <first@example.com> <kefu.c1.sig.m1@shop.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=outer\r\n\r\n\
         --outer\r\nContent-Type: multipart/related; boundary=inner\r\n\r\n\
         --inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <html><head><style>p{{color:red}}</style><script>alert(1)</script></head><body>\
         <p>The lid &amp; handle broke.</p><div>See <b>photo</b>:</div><img src=\"cid:img1@x\"></body></html>\r\n\
         --inner\r\nContent-Type: image/png\r\nContent-ID: <img1@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n{png}\r\n\
         --inner--\r\n\
         --outer\r\nContent-Type: application/pdf; name=\"receipt.pdf\"\r\nContent-Disposition: attachment; filename=\"receipt.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n--outer--\r\n",
        pdf = b64(b"%PDF-1.4 receipt")
    );
    let m = parse(raw.as_bytes()).unwrap();
    assert_eq!(m.text, "The lid & handle broke.\nSee photo:");
    assert!(m.html.as_deref().unwrap().contains("cid:img1@x"));
    assert_eq!(m.to, vec!["support@shop.example", "ops@shop.example"]);
    assert_eq!(m.cc, vec!["boss@example.com"]);
    assert_eq!(m.in_reply_to, vec!["kefu.c1.sig.m1@shop.example"]);
    assert_eq!(
        m.references,
        vec!["first@example.com", "kefu.c1.sig.m1@shop.example"]
    );
    assert_eq!(
        m.parts.len(),
        2,
        "{:?}",
        m.parts.iter().map(|p| &p.name).collect::<Vec<_>>()
    );
    let img = m
        .parts
        .iter()
        .find(|p| p.content_type == "image/png")
        .unwrap();
    assert_eq!(img.content_id.as_deref(), Some("img1@x"));
    assert!(img.inline);
    assert!(img.bytes.starts_with(b"\x89PNG"));
    let pdf = m.parts.iter().find(|p| p.name == "receipt.pdf").unwrap();
    assert_eq!(pdf.bytes, b"%PDF-1.4 receipt");
    assert!(!pdf.inline);
}

#[test]
fn automatic_mail_is_recognised() {
    let auto =
        "From: a@b.example\r\nSubject: Re: x\r\nAuto-Submitted: auto-replied\r\n\r\nI am away.\r\n";
    assert_eq!(parse(auto.as_bytes()).unwrap().kind, Kind::AutoReply);
    let not_auto = "From: a@b.example\r\nSubject: x\r\nAuto-Submitted: no\r\n\r\nhi\r\n";
    assert_eq!(parse(not_auto.as_bytes()).unwrap().kind, Kind::Personal);
    let bulk = "From: a@b.example\r\nSubject: x\r\nPrecedence: bulk\r\n\r\nnews\r\n";
    assert_eq!(parse(bulk.as_bytes()).unwrap().kind, Kind::AutoReply);
    let ooo = "From: a@b.example\r\nSubject: =?utf-8?B?6Ieq5Yqo5Zue5aSNOiDpgIDotKc=?=\r\n\r\n我在休假\r\n";
    assert_eq!(parse(ooo.as_bytes()).unwrap().kind, Kind::AutoReply);
    let bounce = "From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nSubject: Undelivered Mail\r\n\
        MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n\
        --b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n\
        --b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n";
    assert_eq!(parse(bounce.as_bytes()).unwrap().kind, Kind::Bounce);
    let ours = "From: support@shop.example\r\nSubject: Re: x\r\nX-Kefu-Loop: shop.example\r\n\r\nreply\r\n";
    assert_eq!(parse(ours.as_bytes()).unwrap().kind, Kind::OwnMail);
}

#[test]
fn malformed_mail_is_an_error_never_a_panic() {
    assert_eq!(parse(b"").unwrap_err(), ParseError::Malformed);
    assert!(parse(b"\x00\x01\x02 not a mail at all").is_err());
    assert_eq!(
        parse(b"Subject: no sender\r\n\r\nbody\r\n").unwrap_err(),
        ParseError::NoSender
    );
    // A truncated multipart with a broken encoding must not panic (what it yields may vary).
    let broken = "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\
        Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%not base64\r\n";
    if let Ok(m) = parse(broken.as_bytes()) {
        assert_eq!(m.from_addr, "a@b.example");
    }
    // Without a Message-ID the id is made from the content: the same mail gets the same id.
    let a = parse(b"From: a@b.example\r\nSubject: x\r\n\r\nsame\r\n").unwrap();
    let b = parse(b"From: a@b.example\r\nSubject: x\r\n\r\nsame\r\n").unwrap();
    let c = parse(b"From: a@b.example\r\nSubject: x\r\n\r\nother\r\n").unwrap();
    assert_eq!(a.message_id, b.message_id);
    assert_ne!(a.message_id, c.message_id);
}

#[test]
fn quoted_history_and_signatures_fold_away() {
    let text = "Thanks, that works.\n\nOn Mon, 30 Nov 2026, Support wrote:\n> Try this.\n> Bye";
    assert_eq!(fold_quoted(text), "Thanks, that works.");
    let zh = "好的，谢谢！\n\n在 2026年11月30日 10:00，客服 写道：\n> 请提供订单号";
    assert_eq!(fold_quoted(zh), "好的，谢谢！");
    let sig = "See attached.\n-- \nChen Jing\nShop Inc.";
    assert_eq!(fold_quoted(sig), "See attached.");
    let outlook = "Yes.\n\n-----Original Message-----\nFrom: support\nSent: today";
    assert_eq!(fold_quoted(outlook), "Yes.");
    // QQ Mail and Foxmail: a separator of any length, or the 发件人 / 发送时间 block.
    let qq = "收到了，谢谢。\n\n------------------&nbsp;原始邮件&nbsp;------------------\n发件人: \"客服\"\n发送时间: 2026年12月1日";
    assert_eq!(
        fold_quoted(&qq.replace("&nbsp;", "\u{a0}")),
        "收到了，谢谢。"
    );
    let qq = "收到了，谢谢。\n\n------------------ 原始邮件 ------------------\n发件人: \"客服\"";
    assert_eq!(fold_quoted(qq), "收到了，谢谢。");
    let fox = "好的\n\n发件人：客服 <support@shop.test>\n发送时间：2026-12-01 10:00\n主题：订单";
    assert_eq!(fold_quoted(fox), "好的");
    // A line of dashes alone, or one naming something else, is the customer's own text.
    let own = "尺码表：\n----------\nS M L";
    assert_eq!(fold_quoted(own), own);
    // A quote in the middle, answered below, is kept.
    let inline = "> Which size?\nXL please.";
    assert_eq!(fold_quoted(inline), inline);
}

#[test]
fn html_becomes_readable_text() {
    assert_eq!(
        html_to_text(
            "<p>A&nbsp;&lt;b&gt; &#36215;&#x6b65;</p><br><ul><li>one</li><li>two</li></ul><script>x()</script>"
        ),
        "A <b> 起步\n\none\ntwo"
    );
}

#[test]
fn a_file_name_continued_over_rfc2231_pieces_in_gbk_is_read_whole() {
    // 你好世界.txt in GBK, split over two continuations.
    let raw = "From: a@b.test\r\nTo: s@shop.test\r\nSubject: x\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n\
        --b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n \
        filename*0*=gbk''%C4%E3%BA%C3;\r\n filename*1*=%CA%C0%BD%E7.txt\r\n\r\nabc\r\n--b--\r\n";
    let m = parse(raw.as_bytes()).unwrap();
    assert_eq!(m.parts[0].name, "你好世界.txt");
}

#[test]
fn raw_8bit_gbk_headers_are_read_not_replaced() {
    let mut raw = b"From: ".to_vec();
    raw.extend(encoded("\"陈静\"", encoding_rs::GBK));
    raw.extend(b" <chen@customer.test>\r\nTo: s@shop.test\r\nSubject: ");
    raw.extend(encoded("发票抬头写错了", encoding_rs::GBK));
    raw.extend(
        b"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
        Content-Type: text/plain; charset=gbk\r\n\r\nhi\r\n--b\r\nContent-Type: application/pdf\r\n\
        Content-Disposition: attachment; filename=\"",
    );
    raw.extend(encoded("发票.pdf", encoding_rs::GBK));
    raw.extend(b"\"\r\n\r\n%PDF-1.4\r\n--b--\r\n");
    let m = parse(&raw).unwrap();
    assert_eq!(m.subject, "发票抬头写错了");
    assert_eq!(m.from_name, "陈静");
    assert_eq!(m.parts[0].name, "发票.pdf");
}

#[test]
fn a_broken_mail_is_salvaged_and_says_what_is_damaged() {
    let raw = "From: a@b.test\r\nTo: s@shop.test\r\nSubject: =?gbk?B?!!!notbase64?=\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\
        这不是 base64，但顾客写了字 !!!\r\n--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%% not base64 %%%%\r\n--b--\r\n";
    let m = parse(raw.as_bytes()).unwrap();
    assert_eq!(m.text, "这不是 base64，但顾客写了字 !!!");
    assert!(m.parts.is_empty(), "no garbled files: {:?}", m.parts.len());
    assert_eq!(m.damaged.len(), 3, "{:?}", m.damaged);
    // A sound mail has no damage.
    let ok = parse(b"From: a@b.test\r\nSubject: hi\r\n\r\nhello\r\n").unwrap();
    assert!(ok.damaged.is_empty());
}

/// A Postfix bounce as Postfix writes it: the report names the returned mail's Message-ID, the
/// recipient, the status and the server's words; a report in plain words still yields the id.
#[test]
fn a_bounce_says_which_mail_did_not_reach_whom_and_why() {
    let postfix = "From: MAILER-DAEMON@mx.shop.example (Mail Delivery System)\r\n\
        Subject: Undelivered Mail Returned to Sender\r\nTo: support@shop.example\r\n\
        Message-ID: <20261206.ABC@mx.shop.example>\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"B1\"\r\n\r\n\
        --B1\r\nContent-Description: Notification\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n\
        This is the mail system at host mx.shop.example.\r\n\r\nI'm sorry to have to inform you...\r\n\r\n\
        --B1\r\nContent-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n\
        Reporting-MTA: dns; mx.shop.example\r\n\r\nFinal-Recipient: rfc822; Nobody@Customer.example\r\n\
        Original-Recipient: rfc822;nobody@customer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\
        Diagnostic-Code: smtp; 550 5.1.1 <nobody@customer.example>: Recipient address\r\n\
        \x20   rejected: User unknown in virtual mailbox table\r\n\r\n\
        --B1\r\nContent-Description: Undelivered Message\r\nContent-Type: message/rfc822\r\n\r\n\
        From: support@shop.example\r\nTo: nobody@customer.example\r\nSubject: Re: 退货\r\n\
        Message-ID: <reply-42@shop.example>\r\n\r\n您好，已为您办理退货。\r\n\r\n--B1--\r\n";
    let m = parse(postfix.as_bytes()).unwrap();
    assert_eq!(m.kind, Kind::Bounce);
    let b = m.bounce.unwrap();
    assert_eq!(b.original_id.as_deref(), Some("reply-42@shop.example"));
    assert_eq!(b.recipient, "nobody@customer.example");
    assert_eq!(b.status, "5.1.1");
    assert!(
        b.diagnostic
            .starts_with("550 5.1.1 <nobody@customer.example>: Recipient address rejected"),
        "{}",
        b.diagnostic
    );
    // Headers only (text/rfc822-headers).
    let headers_only = postfix.replace(
        "Content-Type: message/rfc822",
        "Content-Type: text/rfc822-headers",
    );
    let b = parse(headers_only.as_bytes()).unwrap().bounce.unwrap();
    assert_eq!(b.original_id.as_deref(), Some("reply-42@shop.example"));
    // A report in plain words that quotes the headers.
    let plain = "From: MAILER-DAEMON@old.example\r\nSubject: failure notice\r\n\
        Message-ID: <own@old.example>\r\n\r\nSorry, we were unable to deliver your message.\r\n\r\n\
        --- Below this line is a copy of the message.\r\n\r\nFrom: support@shop.example\r\n\
        Message-ID: <reply-43@shop.example>\r\nSubject: hi\r\n\r\nhello\r\n";
    let b = parse(plain.as_bytes()).unwrap().bounce.unwrap();
    assert_eq!(b.original_id.as_deref(), Some("reply-43@shop.example"));
    // Personal mail has no report.
    let personal = "From: a@b.example\r\nSubject: x\r\n\r\nhi\r\n";
    assert!(parse(personal.as_bytes()).unwrap().bounce.is_none());
}

/// A mail forwarded as an attachment is read as a mail (sender, subject, date, text) and kept
/// as its `.eml` file, not as a nameless text part.
#[test]
fn a_forwarded_mail_is_read_as_a_mail() {
    let raw = "From: 王芳 <wang@customer.example>\r\nTo: support@shop.example\r\n\
        Subject: Fwd: 物流异常\r\nMessage-ID: <fwd-1@customer.example>\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"F\"\r\n\r\n--F\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\r\n快递公司发来的邮件，请看附件。\r\n--F\r\n\
        Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n\
        From: =?utf-8?B?6aG65Liw5b+r6YCS?= <notice@express.example>\r\nTo: wang@customer.example\r\n\
        Subject: =?utf-8?B?5oKo55qE5b+r5Lu25peg5rOV5rS+6YCB?=\r\nDate: Sat, 05 Dec 2026 10:00:00 +0800\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\r\n地址不详，包裹已退回网点。\r\n--F--\r\n";
    let m = parse(raw.as_bytes()).unwrap();
    assert_eq!(m.new_text, "快递公司发来的邮件，请看附件。");
    assert_eq!(m.forwarded.len(), 1, "{:?}", m.parts);
    let f = &m.forwarded[0];
    assert_eq!(f.from, "顺丰快递 <notice@express.example>");
    assert_eq!(f.subject, "您的快件无法派送");
    assert_eq!(f.to, vec!["wang@customer.example".to_string()]);
    assert_eq!(f.date_ms, Some(1_796_436_000_000));
    assert_eq!(f.text, "地址不详，包裹已退回网点。");
    let eml = m.parts.iter().find(|p| p.name.ends_with(".eml")).unwrap();
    assert_eq!(eml.name, "您的快件无法派送.eml");
    assert!(!eml.inline);
    assert!(String::from_utf8_lossy(&eml.bytes).contains("notice@express.example"));
    assert_eq!(m.parts.len(), 1, "no nameless text part beside it");
}
