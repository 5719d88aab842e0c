//! Building a conversation mail: sender and reply address, To / CC / BCC (BCC only in the
//! envelope, never in the headers), threading headers, a plain-text and an HTML part, and
//! attachments. Every mail carries [`LOOP_HEADER`](crate::inbound::LOOP_HEADER) so it is
//! recognised if it ever comes back.

use crate::MailError;
use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::inbound::LOOP_HEADER;

#[derive(Debug, Clone, Default)]
pub struct OutgoingMail {
    /// `Shop Support <support@shop.example>`.
    pub from: String,
    /// Where replies go (our signed `support+TOKEN@…` address).
    pub reply_to: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: String,
    /// With angle brackets.
    pub message_id: String,
    /// With angle brackets.
    pub in_reply_to: Option<String>,
    /// With angle brackets, oldest first.
    pub references: Vec<String>,
    pub text: String,
    /// A whole HTML document or fragment; `None` sends text only.
    pub html: Option<String>,
    pub attachments: Vec<OutgoingFile>,
}

#[derive(Debug, Clone)]
pub struct OutgoingFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

fn mailbox(s: &str) -> Result<Mailbox, MailError> {
    s.trim().parse().map_err(|e| MailError::Address {
        address: s.to_string(),
        reason: format!("{e}"),
    })
}

/// The mail as lettre sends it; an error names the address or part that is wrong.
pub fn build(m: &OutgoingMail) -> Result<Message, MailError> {
    if m.to.is_empty() {
        return Err(MailError::NoRecipient);
    }
    let mut b = Message::builder()
        .from(mailbox(&m.from)?)
        .subject(m.subject.clone())
        .message_id(Some(m.message_id.clone()))
        .date_now()
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str(LOOP_HEADER),
            "1".into(),
        ))
        // Out-of-office replies to us would be noise.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"),
            "OOF, AutoReply".into(),
        ));
    if let Some(r) = &m.reply_to {
        b = b.reply_to(mailbox(r)?);
    }
    for t in &m.to {
        b = b.to(mailbox(t)?);
    }
    for c in &m.cc {
        b = b.cc(mailbox(c)?);
    }
    for c in &m.bcc {
        b = b.bcc(mailbox(c)?);
    }
    if let Some(r) = &m.in_reply_to {
        b = b.in_reply_to(r.clone());
    }
    if !m.references.is_empty() {
        b = b.references(m.references.join(" "));
    }
    let body = match &m.html {
        Some(html) => MultiPart::alternative()
            .singlepart(SinglePart::plain(m.text.clone()))
            .singlepart(SinglePart::html(html.clone())),
        None => MultiPart::mixed().singlepart(SinglePart::plain(m.text.clone())),
    };
    let body = if m.attachments.is_empty() {
        body
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for f in &m.attachments {
            let ct = ContentType::parse(&f.content_type).unwrap_or(
                ContentType::parse("application/octet-stream")
                    .map_err(|e| MailError::Build(e.to_string()))?,
            );
            mixed = mixed.singlepart(Attachment::new(f.name.clone()).body(f.bytes.clone(), ct));
        }
        mixed
    };
    b.multipart(body)
        .map_err(|e| MailError::Build(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_recipients_and_parts() {
        let m = OutgoingMail {
            from: "Shop <support@shop.test>".into(),
            reply_to: Some("support+c1.abc@shop.test".into()),
            to: vec!["客户 <a@customer.test>".into()],
            cc: vec!["b@customer.test".into()],
            bcc: vec!["boss@shop.test".into()],
            subject: "回复：退货".into(),
            message_id: "<kefu.c1.abc.m1@shop.test>".into(),
            in_reply_to: Some("<x1@customer.test>".into()),
            references: vec!["<x0@customer.test>".into(), "<x1@customer.test>".into()],
            text: "您好".into(),
            html: Some("<p>您好</p>".into()),
            attachments: vec![OutgoingFile {
                name: "发票.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"%PDF-1.4".to_vec(),
            }],
        };
        let msg = build(&m).unwrap();
        let env = msg.envelope();
        let to: Vec<String> = env.to().iter().map(|a| a.to_string()).collect();
        assert_eq!(to.len(), 3);
        assert!(to.contains(&"boss@shop.test".to_string()));
        let raw = String::from_utf8_lossy(&msg.formatted()).to_string();
        assert!(
            !raw.contains("boss@shop.test"),
            "BCC must not be in the headers"
        );
        assert!(raw.contains("Message-ID: <kefu.c1.abc.m1@shop.test>"));
        assert!(raw.contains("In-Reply-To: <x1@customer.test>"));
        assert!(raw.contains("References: <x0@customer.test> <x1@customer.test>"));
        assert!(raw.contains("X-Kefu-Loop: 1"));
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/html"));
        assert!(raw.contains("application/pdf"));
        // It reads back as our own mail.
        let back = crate::inbound::parse(&msg.formatted()).unwrap();
        assert_eq!(back.kind, crate::inbound::Kind::OwnMail);
        assert_eq!(back.subject, "回复：退货");
        assert_eq!(back.text.trim(), "您好");
    }

    #[test]
    fn bad_addresses_are_named() {
        let m = OutgoingMail {
            from: "support@shop.test".into(),
            to: vec!["not an address".into()],
            message_id: "<m@shop.test>".into(),
            ..Default::default()
        };
        assert!(
            build(&m)
                .unwrap_err()
                .to_string()
                .contains("not an address")
        );
        let none = OutgoingMail { to: vec![], ..m };
        assert!(build(&none).is_err());
    }
}
