//! Markdown for articles: rendered to HTML that is safe to show anyone, and to plain text for
//! search and snippets.
//!
//! Safety does not depend on a later cleaning pass: raw HTML in the source is shown as text,
//! and link and image targets are kept only for `http`, `https`, `mailto`, `tel` and relative
//! URLs (anything else, `javascript:` included, becomes `#`). pulldown-cmark escapes all text
//! and attribute values.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Whether a link target may be kept.
pub fn safe_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect();
    let lower = cleaned.to_ascii_lowercase();
    match lower.find(':') {
        // A colon before any '/', '?' or '#' means a scheme.
        Some(i) if !lower[..i].contains(['/', '?', '#']) => {
            matches!(&lower[..i], "http" | "https" | "mailto" | "tel")
        }
        _ => true,
    }
}

fn clean(event: Event<'_>) -> Event<'_> {
    match event {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: if safe_url(&dest_url) {
                dest_url
            } else {
                CowStr::Borrowed("#")
            },
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: if safe_url(&dest_url) && !dest_url.starts_with("mailto:") {
                dest_url
            } else {
                CowStr::Borrowed("#")
            },
            title,
            id,
        }),
        e => e,
    }
}

/// Safe HTML for an article body. A bare `http(s)://` address in the text becomes a link too
/// (not inside a link or code).
pub fn to_html(source: &str) -> String {
    let mut out = String::with_capacity(source.len() * 3 / 2);
    let mut plain = 0i32;
    let events = Parser::new_ext(source, options())
        .map(clean)
        .map(|e| match e {
            Event::Start(Tag::Link { .. } | Tag::Image { .. } | Tag::CodeBlock(_)) => {
                plain += 1;
                e
            }
            Event::End(TagEnd::Link | TagEnd::Image | TagEnd::CodeBlock) => {
                plain -= 1;
                e
            }
            Event::Text(t) if plain == 0 && t.contains("http") => {
                let mut linked = String::with_capacity(t.len() + 40);
                kefu_core::letter::linkify_into(&mut linked, &t);
                Event::InlineHtml(linked.into())
            }
            e => e,
        });
    html::push_html(&mut out, events);
    out
}

/// The words of an article body without markup, blocks separated by newlines.
pub fn to_text(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for event in Parser::new_ext(source, options()) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            ) => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown_and_shows_raw_html_as_text() {
        let html =
            to_html("# 退货\n\n**七天**内 <script>alert(1)</script> <img src=x onerror=alert(1)>");
        assert!(html.contains("<h1>退货</h1>"), "{html}");
        assert!(html.contains("<strong>七天</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn unsafe_link_targets_become_hash() {
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](java\tscript:alert(1))",
            "[x](data:text/html,<script>)",
            "[x](vbscript:msgbox)",
            "[x](<javascript:alert(1)>)",
            "[x]: javascript:alert(1)\n\n[x]",
            "![x](javascript:alert(1))",
        ] {
            let html = to_html(bad).to_lowercase();
            for attr in ["href=\"", "src=\""] {
                for scheme in ["javascript", "java\t", "data:", "vbscript"] {
                    assert!(
                        !html.contains(&format!("{attr}{scheme}")),
                        "{bad} -> {html}"
                    );
                }
            }
        }
        for good in [
            "[x](https://shop.example/returns)",
            "[x](/help/a/returns)",
            "[x](mailto:help@shop.example)",
            "[x](#section)",
        ] {
            let html = to_html(good);
            assert!(
                !html.contains("\"#\"") || good.contains("(#"),
                "{good} -> {html}"
            );
        }
        // Quotes in a target cannot break out of the attribute.
        let html = to_html("[x](https://a.example/\"onmouseover=alert(1))");
        assert!(!html.contains("\"onmouseover"), "{html}");
    }

    #[test]
    fn bare_addresses_become_links_outside_links_and_code() {
        let html = to_html(
            "Track it at https://shop.test/track?id=1&k=2.\n\n[here](https://a.test) `https://code.test`\n\n    https://block.test",
        );
        assert!(
            html.contains("<a href=\"https://shop.test/track?id=1&amp;k=2\">https://shop.test/track?id=1&amp;k=2</a>."),
            "{html}"
        );
        assert_eq!(html.matches("<a ").count(), 2, "{html}");
        assert!(html.contains("<code>https://code.test</code>"), "{html}");
        assert!(!html.contains("<a href=\"https://block.test"), "{html}");
        let html = to_html("see https://x.test/<script>");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            to_text("# Title\n\nSome *emphasis* and `code`.\n\n- one\n- two"),
            "Title\nSome emphasis and code.\none\ntwo"
        );
    }
}
