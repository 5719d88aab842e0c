//! A received mail's HTML made safe to show an agent: an allow-list of the tags and attributes
//! mail uses for layout (no scripts, handlers, frames, forms or `javascript:` links), styles
//! without anything that loads or runs, links that open outside, and remote images left out
//! until the agent asks for them. The page that shows it is sandboxed as well.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The sanitised mail, and how many remote images were left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeHtml {
    pub html: String,
    pub remote_images_blocked: usize,
}

const TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
];

const ATTRIBUTES: &[&str] = &[
    "align",
    "bgcolor",
    "border",
    "cellpadding",
    "cellspacing",
    "color",
    "colspan",
    "dir",
    "face",
    "height",
    "lang",
    "rowspan",
    "size",
    "style",
    "title",
    "valign",
    "width",
];

/// Whether a style value could load something or run code.
fn style_is_unsafe(v: &str) -> bool {
    let v: String = v
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\\')
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "url(",
        "expression(",
        "@import",
        "behavior:",
        "-moz-binding",
        "javascript:",
    ]
    .iter()
    .any(|bad| v.contains(bad))
}

/// Sanitises `html`. Images are kept when they are the conversation's own files (their
/// address starts with `local_prefix`) and, when `remote_images` is set, when they are `http(s)`.
pub fn mail_html(html: &str, remote_images: bool, local_prefix: &str) -> SafeHtml {
    let blocked = Arc::new(AtomicUsize::new(0));
    let counter = blocked.clone();
    let local = local_prefix.to_string();
    let mut b = ammonia::Builder::default();
    b.tags(TAGS.iter().copied().collect())
        .generic_attributes(ATTRIBUTES.iter().copied().collect())
        .tag_attributes(
            [
                ("a", ["href", "name"].into_iter().collect()),
                ("img", ["src", "alt"].into_iter().collect()),
            ]
            .into_iter()
            .collect(),
        )
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .attribute_filter(
            move |element, attribute, value| match (element, attribute) {
                (_, "style") if style_is_unsafe(value) => None,
                ("img", "src") => {
                    let v = value.trim();
                    let remote = v.starts_with("https://") || v.starts_with("http://");
                    if (!local.is_empty() && v.starts_with(local.as_str()))
                        || (remote_images && remote)
                    {
                        Some(Cow::Borrowed(value))
                    } else {
                        counter.fetch_add(1, Ordering::Relaxed);
                        None
                    }
                }
                // A relative link means nothing outside the sender's site.
                ("a", "href") if value.trim_start().starts_with('/') => None,
                _ => Some(Cow::Borrowed(value)),
            },
        );
    let html = b.clean(html).to_string();
    SafeHtml {
        html,
        remote_images_blocked: blocked.load(Ordering::Relaxed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "/api/v1/attachments/";

    #[test]
    fn scripts_handlers_frames_forms_and_javascript_links_go() {
        let dirty = r#"<div onclick="alert(1)" style="color:red">你好<script>alert(2)</script>
            <iframe src="https://evil.example"></iframe><form action="https://evil.example"><input name="p"></form>
            <a href="javascript:alert(3)">x</a><a href="https://shop.example/o/1">订单</a>
            <img src="x" onerror="alert(4)"><svg onload="alert(5)"></svg>
            <p style="background:url(https://track.example/p.gif)">t</p><style>body{}</style></div>"#;
        let s = mail_html(dirty, false, OURS);
        let h = s.html.to_lowercase();
        for bad in [
            "<script",
            "onclick",
            "onerror",
            "onload",
            "<iframe",
            "<form",
            "<input",
            "javascript:",
            "<svg",
            "url(",
            "<style",
        ] {
            assert!(!h.contains(bad), "{bad} left in {}", s.html);
        }
        assert!(
            s.html.contains("你好") && s.html.contains("color:red"),
            "{}",
            s.html
        );
        assert!(
            s.html.contains(r#"href="https://shop.example/o/1""#)
                && s.html.contains(r#"target="_blank""#)
                && s.html.contains("noopener"),
            "{}",
            s.html
        );
    }

    #[test]
    fn remote_images_wait_for_the_agent_and_own_files_stay() {
        let html = r#"<img src="https://cdn.example/banner.png"><img src="/api/v1/attachments/A1?inline=1" alt="发票">"#;
        let s = mail_html(html, false, OURS);
        assert_eq!(s.remote_images_blocked, 1);
        assert!(!s.html.contains("cdn.example"), "{}", s.html);
        assert!(
            s.html.contains("/api/v1/attachments/A1?inline=1"),
            "{}",
            s.html
        );
        let s = mail_html(html, true, OURS);
        assert_eq!(s.remote_images_blocked, 0);
        assert!(
            s.html.contains("https://cdn.example/banner.png"),
            "{}",
            s.html
        );
    }
}
