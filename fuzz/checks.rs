//! What each fuzz target asserts, shared with the test that replays the kept corpora
//! (`crates/web/tests/fuzz_corpora.rs`), so the corpora run in the test command too.
#![allow(dead_code)]

use std::sync::OnceLock;

use kefu_search::{Doc, Kind, Request, SearchIndex};

/// The WebSocket protocol decoder: any text is a frame or a clear error, and a frame
/// serialises and parses back to itself.
pub fn protocol(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(frame) = kefu_core::protocol::parse(text)
    {
        let again = serde_json::to_string(&frame).expect("a frame serialises");
        assert_eq!(kefu_core::protocol::parse(&again).ok(), Some(frame));
    }
}

/// The MIME mapping: any bytes become a mail or a clear error.
pub fn mime(data: &[u8]) {
    let _ = kefu_mail::inbound::parse(data);
}

const TAGS: &[&str] = &[
    "p",
    "a",
    "img",
    "em",
    "strong",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "br",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "input",
    "sup",
    "div",
    "section",
];
const ATTRIBUTES: &[&str] = &[
    "href", "src", "alt", "title", "type", "checked", "disabled", "start", "style", "class", "id",
];

/// The Markdown renderer: only the tags and attributes Markdown makes, and link and image
/// targets that pass `safe_url`.
pub fn markdown(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let html = kefu_service::knowledge::markdown::to_html(source);
    // Text is escaped, so every '<' opens a tag the renderer wrote.
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let tag = tag.strip_prefix('/').unwrap_or(tag);
        let mut parts = tag.splitn(2, [' ', '\n']);
        let name = parts.next().unwrap_or_default().trim_end_matches('/');
        assert!(TAGS.contains(&name), "tag {name:?} in {html}");
        let mut rest = parts.next().unwrap_or_default();
        while let Some(eq) = rest.find('=') {
            let attr = rest[..eq].trim();
            assert!(ATTRIBUTES.contains(&attr), "attribute {attr:?} in {html}");
            let value = rest[eq + 1..]
                .strip_prefix('"')
                .expect("a quoted attribute");
            let end = value.find('"').expect("a closed attribute");
            if attr == "href" || attr == "src" {
                // As the browser will read it: entities and percent escapes undone.
                let url = percent_decoded(&value[..end].replace("&amp;", "&"));
                assert!(
                    kefu_service::knowledge::markdown::safe_url(&url),
                    "{attr}={url:?} in {html}"
                );
            }
            rest = &value[end + 1..];
        }
    }
    let _ = kefu_service::knowledge::markdown::to_text(source);
}

fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let index = SearchIndex::in_memory().expect("index");
        let docs = [
            (
                "退货地址在哪里",
                "收到商品七天内可以申请退货，退货地址见订单详情。",
            ),
            (
                "Refund policy",
                "Refunds are paid to the original card within 5 days.",
            ),
            (
                "物流 tracking",
                "顺丰 SF1234567 已发货，预计明天送达 tomorrow.",
            ),
        ];
        let docs: Vec<Doc> = docs
            .iter()
            .enumerate()
            .map(|(i, (title, body))| Doc {
                key: format!("article:{i}:zh"),
                id: format!("a{i}"),
                kind: Kind::Article,
                lang: "zh".into(),
                scope: "public".into(),
                title: (*title).into(),
                body: (*body).into(),
                updated_at: i as i64,
            })
            .collect();
        index.upsert(&docs).expect("upsert");
        index.commit(1).expect("commit");
        index
    })
}

/// The search query parser: any text typed in a search box plans and runs against an index.
pub fn search_query(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for as_you_type in [false, true] {
        let mut req = Request::new(text, Kind::Article);
        req.as_you_type = as_you_type;
        let _ = index().search(&req);
    }
}
