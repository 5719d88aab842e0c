//! The HTML part of a mail written as plain text: the text escaped, paragraphs kept, and every
//! `http(s)://` address a link, so a mail client shows the same words with clickable links.

/// Appends `text` to `out` with `&`, `<`, `>`, `"` and `'` escaped.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Where each web address in `text` starts and ends (byte offsets). An address runs to the
/// first space, quote, angle bracket or CJK punctuation; a final `.`, `,`, `;`, `:`, `!`, `?`
/// or an unmatched `)` belongs to the sentence, not to the address.
pub fn urls(text: &str) -> Vec<(usize, usize)> {
    let mut found = vec![];
    let mut from = 0;
    while let Some(rel) = next_scheme(&text[from..]) {
        let start = from + rel;
        let rest = &text[start..];
        let mut end = rest
            .char_indices()
            .find(|(_, c)| ends_url(*c))
            .map_or(rest.len(), |(i, _)| i);
        loop {
            let url = &rest[..end];
            let Some(last) = url.chars().last() else {
                break;
            };
            let unmatched_paren =
                last == ')' && url.matches('(').count() < url.matches(')').count();
            if matches!(last, '.' | ',' | ';' | ':' | '!' | '?') || unmatched_paren {
                end -= last.len_utf8();
            } else {
                break;
            }
        }
        let scheme_len = if rest.starts_with("https://") { 8 } else { 7 };
        if end > scheme_len {
            found.push((start, start + end));
        }
        from = start + end.max(scheme_len);
    }
    found
}

fn next_scheme(s: &str) -> Option<usize> {
    let a = s.find("http://");
    let b = s.find("https://");
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn ends_url(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '"' | '<' | '>' | '`' | '\'')
        || matches!(
            c,
            '，' | '。'
                | '；'
                | '：'
                | '！'
                | '？'
                | '、'
                | '（'
                | '）'
                | '「'
                | '」'
                | '“'
                | '”'
        )
}

/// Appends `text` escaped, with each web address an `<a href>` link.
pub fn linkify_into(out: &mut String, text: &str) {
    let mut at = 0;
    for (s, e) in urls(text) {
        escape_into(out, &text[at..s]);
        out.push_str("<a href=\"");
        escape_into(out, &text[s..e]);
        out.push_str("\">");
        escape_into(out, &text[s..e]);
        out.push_str("</a>");
        at = e;
    }
    escape_into(out, &text[at..]);
}

/// A whole HTML document for a plain-text mail in language `lang` (`zh-CN`, `en`): blank
/// lines separate paragraphs, other line ends stay, addresses become links.
pub fn to_html(text: &str, lang: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2 + 300);
    out.push_str("<!doctype html><html lang=\"");
    escape_into(&mut out, lang);
    out.push_str(
        "\"><head><meta charset=\"utf-8\"></head><body style=\"font-family:-apple-system,\
         'Segoe UI','PingFang SC','Microsoft YaHei',sans-serif;font-size:15px;line-height:1.6;\
         color:#1f2328\">",
    );
    let text = text.replace("\r\n", "\n");
    for para in text.split("\n\n").map(|p| p.trim_matches('\n')) {
        if para.trim().is_empty() {
            continue;
        }
        out.push_str("<p style=\"margin:0 0 1em\">");
        for (i, line) in para.lines().enumerate() {
            if i > 0 {
                out.push_str("<br>");
            }
            linkify_into(&mut out, line);
        }
        out.push_str("</p>");
    }
    out.push_str("</body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        urls(text).into_iter().map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn addresses_end_where_the_sentence_goes_on() {
        assert_eq!(
            found("Open https://shop.test/a?b=1&c=2. Then"),
            ["https://shop.test/a?b=1&c=2"]
        );
        assert_eq!(
            found("请打开：http://127.0.0.1:8080/track/C-1#key=x，谢谢"),
            ["http://127.0.0.1:8080/track/C-1#key=x"]
        );
        assert_eq!(
            found("(see https://en.wikipedia.org/wiki/Foo_(bar))"),
            ["https://en.wikipedia.org/wiki/Foo_(bar)"]
        );
        assert_eq!(found("(https://shop.test/x)"), ["https://shop.test/x"]);
        assert!(found("http:// nothing, https://").is_empty());
        assert!(found("no address here").is_empty());
        assert_eq!(found("a https://x.test b http://y.test").len(), 2);
    }

    #[test]
    fn the_html_part_has_paragraphs_links_and_nothing_unescaped() {
        let html = to_html(
            "Hello <b>Ann</b>,\n\nTo join, open:\nhttps://kefu.test/invite?token=a&b\n\nBye",
            "en",
        );
        assert!(
            html.starts_with("<!doctype html><html lang=\"en\">"),
            "{html}"
        );
        assert!(html.contains("Hello &lt;b&gt;Ann&lt;/b&gt;,"), "{html}");
        assert!(
            html.contains(
                "<a href=\"https://kefu.test/invite?token=a&amp;b\">https://kefu.test/invite?token=a&amp;b</a>"
            ),
            "{html}"
        );
        assert!(html.contains("To join, open:<br><a"), "{html}");
        assert_eq!(html.matches("<p ").count(), 3, "{html}");
        // A quote cannot leave the attribute.
        let html = to_html("https://x.test/\"onmouseover=alert(1)", "en");
        assert!(!html.contains("\"onmouseover"), "{html}");
    }
}
