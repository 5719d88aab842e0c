//! A received mail, as a conversation needs it: who wrote, to whom, threading headers, the text
//! (with quoted history and signatures folded away, and also whole), the HTML, the files, and
//! whether it is an automatic mail that must not open a conversation or get an answer.
//!
//! Pure: bytes in, a value out. Charsets (UTF-8, GBK, GB2312, GB18030, Big5 …), transfer
//! encodings and RFC 2047 headers are decoded by mail-parser.

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};

/// What kind of mail it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Written by a person: it becomes a message.
    Personal,
    /// An out-of-office or other automatic reply (`Auto-Submitted`, `Precedence`, …).
    AutoReply,
    /// A delivery failure report.
    Bounce,
    /// One of our own mails coming back (a loop).
    OwnMail,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The sender's file name (shown, never used as a path); made up when missing.
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// For images shown inside the HTML (`cid:`).
    pub content_id: Option<String>,
    pub inline: bool,
}

/// What a delivery failure report says about the mail it reports on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BounceReport {
    /// The Message-ID of the mail that was not delivered (without angle brackets), when the
    /// report carries its headers.
    pub original_id: Option<String>,
    /// Whom it did not reach.
    pub recipient: String,
    /// The status code (`5.1.1`).
    pub status: String,
    /// The receiving server's words.
    pub diagnostic: String,
}

/// A mail sent on inside this one as an attachment (`message/rfc822`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forwarded {
    /// `Name <address>` as written.
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub date_ms: Option<i64>,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Inbound {
    /// Without angle brackets; made from the content when the mail has none.
    pub message_id: String,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub from_name: String,
    /// Lower case.
    pub from_addr: String,
    pub reply_to: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    /// Milliseconds since the epoch, when the `Date` header could be read.
    pub date_ms: Option<i64>,
    /// The whole text (the text part, else the HTML's words).
    pub text: String,
    /// What the person wrote this time: quoted history and signature folded away.
    pub new_text: String,
    pub html: Option<String>,
    pub parts: Vec<Part>,
    pub kind: Kind,
    /// What could not be read (a part that claims base64 and is not, an encoded word that does
    /// not decode): the rest was salvaged, and the raw mail should stay at hand.
    pub damaged: Vec<String>,
    /// For a bounce: what it reports.
    pub bounce: Option<BounceReport>,
    /// Mails forwarded inside this one, in order (each is also among `parts` as an `.eml`).
    pub forwarded: Vec<Forwarded>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("the mail has no headers that could be read")]
    Malformed,
    #[error("the mail has no sender")]
    NoSender,
}

/// The header our own mails carry, so a loop is recognised.
pub const LOOP_HEADER: &str = "X-Kefu-Loop";

fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    match v {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => vec![],
    }
}

/// As written: the local part of our signed reply address is case-sensitive.
fn addresses(a: Option<&Address<'_>>) -> Vec<String> {
    a.map(|a| {
        a.iter()
            .filter_map(|x| x.address())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

pub fn parse(raw: &[u8]) -> Result<Inbound, ParseError> {
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or(ParseError::Malformed)?;
    if msg.headers().is_empty() {
        return Err(ParseError::Malformed);
    }
    let from = msg.from().and_then(|a| a.first());
    let from_addr = from
        .and_then(|a| a.address())
        .map(str::to_lowercase)
        .filter(|a| a.contains('@'))
        .ok_or(ParseError::NoSender)?;
    let mut from_name = from
        .and_then(|a| a.name())
        .unwrap_or_default()
        .trim()
        .to_string();
    let mut subject = msg.subject().unwrap_or_default().trim().to_string();
    // Raw 8-bit headers (older Chinese clients write GBK without encoded words): read again
    // from the bytes, never lossy.
    let hint = body_charset(&msg);
    if subject.contains('\u{FFFD}')
        && let Some(t) = raw_header(raw, msg.headers(), &mail_parser::HeaderName::Subject, hint)
    {
        subject = t.trim().to_string();
    }
    if from_name.contains('\u{FFFD}')
        && let Some(t) = raw_header(raw, msg.headers(), &mail_parser::HeaderName::From, hint)
    {
        let name = t.split('<').next().unwrap_or_default();
        from_name = name.trim().trim_matches('"').trim().to_string();
    }
    let html = msg.body_html(0).map(|h| h.into_owned());
    let text = match msg.text_bodies().next() {
        Some(p) if !p.is_text_html() => p.text_contents().unwrap_or_default().to_string(),
        _ => html.as_deref().map(html_to_text).unwrap_or_default(),
    };
    let mut text = text.replace("\r\n", "\n").trim().to_string();
    let kind = kind_of(&msg, &from_addr, &subject);
    // Damage: parts whose base64 is not base64 are left out (their text salvaged), a subject
    // whose encoded word does not decode is said so.
    let mut damaged = vec![];
    let mut broken_parts = vec![];
    for (id, part) in msg.parts.iter().enumerate() {
        let base64 = part.headers.iter().any(|h| {
            h.name == mail_parser::HeaderName::ContentTransferEncoding
                && h.value
                    .as_text()
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("base64"))
        });
        let body = raw
            .get(part.offset_body as usize..part.offset_end as usize)
            .unwrap_or_default();
        if !base64
            || body
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=\r\n\t ".contains(b))
        {
            continue;
        }
        let ct = part
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
            .unwrap_or_default()
            .to_lowercase();
        damaged.push(format!("a {ct} part says base64 but is not"));
        broken_parts.push(id);
        if ct.starts_with("text/") && text.is_empty() {
            let charset = part.content_type().and_then(|c| c.attribute("charset"));
            if let Some(t) = decode_8bit(body, charset) {
                text = if ct == "text/html" {
                    html_to_text(&t)
                } else {
                    t
                }
                .replace("\r\n", "\n")
                .trim()
                .to_string();
            }
        }
    }
    if subject.contains("=?") && subject.contains("?=") {
        damaged.push("the subject has an encoded word that does not decode".into());
    }
    let mut parts = Vec::new();
    let mut forwarded = Vec::new();
    for (i, p) in msg.attachments().enumerate() {
        if broken_parts
            .iter()
            .any(|id| std::ptr::eq(&msg.parts[*id], p))
        {
            continue;
        }
        if matches!(p.body, PartType::Message(_)) && kind == Kind::Bounce {
            continue;
        }
        let is_mail = matches!(p.body, PartType::Message(_))
            || p.content_type().is_some_and(|c| {
                c.ctype().eq_ignore_ascii_case("message")
                    && c.subtype()
                        .is_some_and(|s| s.eq_ignore_ascii_case("rfc822"))
            });
        if is_mail {
            // A forwarded mail: read as a mail, and kept as its `.eml` file.
            let bytes = match &p.body {
                PartType::Message(m) => m.raw_message().to_vec(),
                _ => p.contents().to_vec(),
            };
            if let Some(f) = forwarded_mail(&bytes) {
                let name = if f.subject.is_empty() {
                    format!("forwarded-{}.eml", forwarded.len() + 1)
                } else {
                    format!("{}.eml", f.subject.replace(['/', '\\', ':'], " "))
                };
                parts.push(Part {
                    name,
                    content_type: "message/rfc822".into(),
                    bytes,
                    content_id: None,
                    inline: false,
                });
                forwarded.push(f);
                continue;
            }
        }
        let content_type = p
            .content_type()
            .map(|c| match c.subtype() {
                Some(s) => format!("{}/{}", c.ctype(), s),
                None => c.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into())
            .to_lowercase();
        parts.push(Part {
            name: continued_name(raw, p)
                .or_else(|| {
                    p.attachment_name().map(|n| {
                        if n.contains('\u{FFFD}') {
                            raw_param_name(raw, p, hint).unwrap_or_else(|| n.to_string())
                        } else {
                            n.to_string()
                        }
                    })
                })
                .unwrap_or_else(|| format!("attachment-{}", i + 1)),
            content_type,
            bytes: p.contents().to_vec(),
            content_id: p
                .content_id()
                .map(|c| c.trim_matches(['<', '>']).to_string()),
            inline: p.content_disposition().is_some_and(|d| d.is_inline())
                || (p.content_id().is_some()
                    && !p.content_disposition().is_some_and(|d| d.is_attachment())),
        });
    }
    let message_id = msg
        .message_id()
        .map(|m| m.trim_matches(['<', '>']).to_string())
        .unwrap_or_else(|| synthetic_id(raw));
    Ok(Inbound {
        kind,
        message_id,
        in_reply_to: ids(msg.in_reply_to()),
        references: ids(msg.references()),
        reply_to: msg
            .reply_to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_lowercase),
        to: addresses(msg.to()),
        cc: addresses(msg.cc()),
        date_ms: msg.date().map(|d| d.to_timestamp() * 1000),
        new_text: fold_quoted(&text),
        from_name,
        from_addr,
        subject,
        text,
        html,
        parts,
        damaged,
        bounce: (kind == Kind::Bounce).then(|| bounce_report(&msg, raw)),
        forwarded,
    })
}

/// A forwarded mail's sender, recipients, subject, date and text.
fn forwarded_mail(bytes: &[u8]) -> Option<Forwarded> {
    let m = MessageParser::default().parse(bytes)?;
    if m.headers().is_empty() {
        return None;
    }
    let from = m
        .from()
        .and_then(|a| a.first())
        .map(|a| match (a.name(), a.address()) {
            (Some(n), Some(x)) => format!("{n} <{x}>"),
            (None, Some(x)) => x.to_string(),
            (Some(n), None) => n.to_string(),
            (None, None) => String::new(),
        })
        .unwrap_or_default();
    let html = m.body_html(0).map(|h| h.into_owned());
    let text = match m.text_bodies().next() {
        Some(p) if !p.is_text_html() => p.text_contents().unwrap_or_default().to_string(),
        _ => html.as_deref().map(html_to_text).unwrap_or_default(),
    };
    Some(Forwarded {
        from,
        to: addresses(m.to()),
        subject: m.subject().unwrap_or_default().trim().to_string(),
        date_ms: m.date().map(|d| d.to_timestamp() * 1000),
        text: text.replace("\r\n", "\n").trim().to_string(),
    })
}

/// What a delivery failure report says: the `message/delivery-status` part's fields and the
/// Message-ID of the returned mail (from its `message/rfc822` or `text/rfc822-headers` part,
/// else the last `Message-ID:` line quoted in the body).
fn bounce_report(msg: &mail_parser::Message<'_>, raw: &[u8]) -> BounceReport {
    let mut r = BounceReport::default();
    for part in &msg.parts {
        let ct = part
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
            .unwrap_or_default()
            .to_lowercase();
        match (&part.body, ct.as_str()) {
            (PartType::Message(m), _) if r.original_id.is_none() => {
                r.original_id = m
                    .message_id()
                    .map(|m| m.trim_matches(['<', '>']).to_string());
            }
            (_, "message/delivery-status") => {
                let text = String::from_utf8_lossy(part.contents()).to_string();
                for (name, value) in header_fields(&text) {
                    let after_type =
                        |v: &str| v.split_once(';').map_or(v, |(_, x)| x).trim().to_string();
                    match name.to_ascii_lowercase().as_str() {
                        "final-recipient" if r.recipient.is_empty() => {
                            r.recipient = after_type(&value).to_lowercase();
                        }
                        "status" if r.status.is_empty() => r.status = value.trim().to_string(),
                        "diagnostic-code" if r.diagnostic.is_empty() => {
                            r.diagnostic = after_type(&value);
                        }
                        _ => {}
                    }
                }
            }
            (_, "text/rfc822-headers") if r.original_id.is_none() => {
                let text = String::from_utf8_lossy(part.contents()).to_string();
                r.original_id = header_fields(&text)
                    .into_iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("message-id"))
                    .map(|(_, v)| v.trim().trim_matches(['<', '>']).to_string());
            }
            _ => {}
        }
    }
    if r.original_id.is_none() {
        // A report in plain words that quotes the returned mail's headers.
        let text = String::from_utf8_lossy(raw);
        let body = text
            .split_once("\r\n\r\n")
            .or_else(|| text.split_once("\n\n"))
            .map_or("", |(_, b)| b);
        r.original_id = body
            .lines()
            .filter_map(|l| {
                let (n, v) = l.split_once(':')?;
                n.trim()
                    .eq_ignore_ascii_case("message-id")
                    .then(|| v.trim().trim_matches(['<', '>']).to_string())
            })
            .rfind(|v| !v.is_empty());
    }
    r
}

/// `Name: value` fields (continuation lines unfolded), in order.
fn header_fields(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((n, v)) = line.split_once(':') {
            out.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// A stable id for a mail without `Message-ID`, so fetching it twice still stores it once.
fn synthetic_id(raw: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(raw);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{hex}@no-message-id.kefu")
}

fn kind_of(msg: &mail_parser::Message<'_>, from: &str, subject: &str) -> Kind {
    let header = |name: &str| msg.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    if header(LOOP_HEADER).is_some() {
        return Kind::OwnMail;
    }
    let report = msg.content_type().is_some_and(|c| {
        c.ctype().eq_ignore_ascii_case("multipart")
            && c.subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && c.attribute("report-type")
                .is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
    });
    let local = from.split('@').next().unwrap_or_default();
    let daemon =
        local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster");
    if report || (daemon && header("return-path").is_none_or(|r| r == "<>" || r.is_empty())) {
        return Kind::Bounce;
    }
    if header("auto-submitted").is_some_and(|v| !v.starts_with("no"))
        || header("precedence")
            .is_some_and(|v| matches!(v.as_str(), "bulk" | "junk" | "list" | "auto_reply"))
        || header("x-autoreply").is_some()
        || header("x-autorespond").is_some()
        || header("x-auto-response-suppress")
            .is_some_and(|v| v.contains("all") || v.contains("oof"))
    {
        return Kind::AutoReply;
    }
    let s = subject.to_lowercase();
    if [
        "automatic reply",
        "auto:",
        "out of office",
        "自动回复",
        "自動回覆",
    ]
    .iter()
    .any(|p| s.starts_with(p))
    {
        return Kind::AutoReply;
    }
    Kind::Personal
}

/// The words of an HTML body: tags dropped, blocks on lines of their own, entities decoded,
/// scripts and styles left out.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..lt]));
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[..gt].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        rest = &after[gt + 1..];
        if !tag.starts_with('/') && matches!(name.as_str(), "script" | "style" | "head" | "title") {
            let close = format!("</{name}");
            match rest.to_ascii_lowercase().find(&close) {
                Some(i) => {
                    rest = &rest[i..];
                    if let Some(g) = rest.find('>') {
                        rest = &rest[g + 1..];
                    }
                }
                None => rest = "",
            }
            continue;
        }
        // A line break where a block starts (closing tags add none, so `</p><p>` is one).
        if !tag.starts_with('/')
            && matches!(
                name.as_str(),
                "br" | "p"
                    | "div"
                    | "li"
                    | "tr"
                    | "h1"
                    | "h2"
                    | "h3"
                    | "h4"
                    | "h5"
                    | "h6"
                    | "blockquote"
                    | "table"
            )
        {
            out.push('\n');
        }
    }
    out.push_str(&decode_entities(rest));
    // Collapse runs of blank lines and trailing spaces.
    let mut lines: Vec<String> = out.lines().map(|l| l.trim_end().to_string()).collect();
    lines.dedup_by(|a, b| a.trim().is_empty() && b.trim().is_empty());
    lines.join("\n").trim().to_string()
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let Some(semi) = after.find(';').filter(|i| *i <= 10) else {
            out.push('&');
            rest = &after[1..];
            continue;
        };
        let entity = &after[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" | "#39" => Some('\''),
            "nbsp" => Some(' '),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The charset the text part declares, to read raw 8-bit headers with.
fn body_charset<'a>(msg: &'a mail_parser::Message<'_>) -> Option<&'a str> {
    msg.text_bodies()
        .next()
        .and_then(|p| p.content_type())
        .and_then(|c| c.attribute("charset"))
}

/// Bytes of a header written raw: UTF-8 if they are, else the body's charset, else GB18030.
fn decode_8bit(bytes: &[u8], hint: Option<&str>) -> Option<String> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.to_string());
    }
    let hinted = hint.and_then(|h| encoding_rs::Encoding::for_label(h.as_bytes()));
    for enc in hinted.into_iter().chain([encoding_rs::GB18030]) {
        let (text, _, bad) = enc.decode(bytes);
        if !bad {
            return Some(text.into_owned());
        }
    }
    None
}

/// A top-level header's value read from the raw bytes (unfolded).
fn raw_header(
    raw: &[u8],
    headers: &[mail_parser::Header<'_>],
    name: &mail_parser::HeaderName<'_>,
    hint: Option<&str>,
) -> Option<String> {
    let h = headers.iter().find(|h| &h.name == name)?;
    let bytes = raw.get(h.offset_start as usize..h.offset_end as usize)?;
    let text = decode_8bit(bytes, hint)?;
    Some(text.replace(['\r', '\n'], ""))
}

/// The raw bytes of a part's `Content-Disposition` and `Content-Type`, where its file name is.
fn param_fields<'a>(
    raw: &'a [u8],
    part: &'a mail_parser::MessagePart<'_>,
) -> impl Iterator<Item = &'a [u8]> {
    part.headers
        .iter()
        .filter(|h| {
            matches!(
                h.name,
                mail_parser::HeaderName::ContentDisposition | mail_parser::HeaderName::ContentType
            )
        })
        .filter_map(|h| raw.get(h.offset_start as usize..h.offset_end as usize))
}

/// A part's `filename=` / `name=` written raw in 8 bits.
fn raw_param_name(
    raw: &[u8],
    part: &mail_parser::MessagePart,
    hint: Option<&str>,
) -> Option<String> {
    for field in param_fields(raw, part) {
        let field = decode_8bit(field, hint)?;
        for seg in field.split(';') {
            if let Some((k, v)) = seg.trim().split_once('=')
                && matches!(k.trim().to_ascii_lowercase().as_str(), "filename" | "name")
            {
                let v = v.trim().trim_matches('"').trim();
                if !v.is_empty() {
                    return Some(v.to_string());
                }
            }
        }
    }
    None
}

/// A file name split over RFC 2231 continuations (`filename*0*=gbk''%C4%E3`, `filename*1*=…`),
/// read from the part's raw header: the pieces joined as bytes, then decoded once with the
/// charset the first piece names (GB18030 when it names none or one unknown). `None` when the
/// name is not continued (the parser's reading stands).
fn continued_name(raw: &[u8], part: &mail_parser::MessagePart) -> Option<String> {
    for field in param_fields(raw, part) {
        let field = String::from_utf8_lossy(field).replace(['\r', '\n'], "");
        for param in ["filename", "name"] {
            let mut pieces: Vec<(u32, bool, String)> = vec![];
            for seg in field.split(';') {
                let Some((key, value)) = seg.trim().split_once('=') else {
                    continue;
                };
                let key = key.trim().to_ascii_lowercase();
                let Some(rest) = key.strip_prefix(param).and_then(|r| r.strip_prefix('*')) else {
                    continue;
                };
                let (n, extended) = match rest.strip_suffix('*') {
                    Some(n) => (n, true),
                    None => (rest, false),
                };
                let Ok(n) = n.parse::<u32>() else { continue };
                pieces.push((n, extended, value.trim().trim_matches('"').to_string()));
            }
            if pieces.len() < 2 {
                continue;
            }
            pieces.sort_by_key(|p| p.0);
            let mut charset = String::new();
            let mut bytes = vec![];
            for (i, (_, extended, value)) in pieces.iter().enumerate() {
                let mut value = value.as_str();
                if i == 0 && *extended {
                    let mut it = value.splitn(3, '\'');
                    if let (Some(cs), Some(_lang), Some(v)) = (it.next(), it.next(), it.next()) {
                        charset = cs.to_string();
                        value = v;
                    }
                }
                if *extended {
                    bytes.extend(percent_decode(value));
                } else {
                    bytes.extend_from_slice(value.as_bytes());
                }
            }
            let enc = encoding_rs::Encoding::for_label(charset.as_bytes())
                .unwrap_or(encoding_rs::GB18030);
            let (text, _, bad) = enc.decode(&bytes);
            if bad {
                let (text, _, bad) = encoding_rs::GB18030.decode(&bytes);
                if !bad {
                    return Some(text.into_owned());
                }
            }
            return Some(text.into_owned());
        }
    }
    None
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) =
                u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// What the person wrote this time: the text up to the quoted history (`> …` lines, "On … wrote:",
/// "在 … 写道：", separators such as "-----Original Message-----" or QQ Mail's
/// "------------------ 原始邮件 ------------------", "From: … Sent: …" and "发件人: … 发送时间: …"
/// blocks) and without the
/// signature (after a `-- ` line). The whole text is kept beside it.
pub fn fold_quoted(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        let lower = t.to_lowercase();
        let attribution = (lower.starts_with("on ") && lower.ends_with("wrote:"))
            || (t.starts_with('在') && (t.ends_with("写道：") || t.ends_with("写道:")))
            || (t.starts_with("于") && t.contains("写道"));
        // A separator line, however many dashes: "------------------ 原始邮件 ------------------"
        // (QQ Mail, Foxmail), "-----Original Message-----" (Outlook).
        let bare: String = lower
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | '=') && !c.is_whitespace())
            .collect();
        let separator = t.starts_with(['-', '_', '='])
            && matches!(
                bare.as_str(),
                "originalmessage"
                    | "原始邮件"
                    | "原始郵件"
                    | "回复的原邮件"
                    | "forwardedmessage"
                    | "转发邮件"
            );
        let next_is = |keys: &[&str]| {
            lines
                .get(i + 1)
                .map(|n| n.trim().to_lowercase())
                .is_some_and(|n| keys.iter().any(|k| n.starts_with(k)))
        };
        let outlook = separator
            || (lower.starts_with("from:") && next_is(&["sent:", "date:"]))
            || ((t.starts_with("发件人:") || t.starts_with("发件人："))
                && next_is(&["发送时间", "时间", "日期"]));
        let quote_block = t.starts_with('>')
            && lines[i..]
                .iter()
                .all(|l| l.trim().is_empty() || l.trim().starts_with('>'));
        if attribution || outlook || quote_block || *line == "-- " || t == "--" {
            end = i;
            break;
        }
    }
    lines[..end].join("\n").trim().to_string()
}
