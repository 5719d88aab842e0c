//! Highlighted snippets: which parts of a text a query matched, cut to a window around them.

use crate::analyze::{self, PieceKind};

/// Text in parts, the matched ones marked. Rendering escapes every part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    pub parts: Vec<(String, bool)>,
}

impl Snippet {
    pub fn text(&self) -> String {
        self.parts.iter().map(|(t, _)| t.as_str()).collect()
    }

    /// HTML with every part escaped and the matched ones in `<mark>`.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        for (text, hit) in &self.parts {
            if *hit {
                out.push_str("<mark>");
            }
            escape_into(&mut out, text);
            if *hit {
                out.push_str("</mark>");
            }
        }
        out
    }

    pub fn has_match(&self) -> bool {
        self.parts.iter().any(|(_, hit)| *hit)
    }
}

pub use kefu_core::letter::escape_into;

/// What to mark: Chinese strings as they are, English words by stem (within the query's edit
/// distance) or by prefix.
#[derive(Debug, Clone, Default)]
pub struct Highlighter {
    pub cjk: Vec<String>,
    pub stems: Vec<(String, u8)>,
    pub prefixes: Vec<String>,
}

impl Highlighter {
    /// Byte ranges of the matches in `text`, sorted and merged.
    pub fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        for p in analyze::pieces(text) {
            match p.kind {
                PieceKind::Word => {
                    let folded = analyze::fold_str(p.text);
                    let stem = analyze::stem(&folded);
                    let hit = self
                        .stems
                        .iter()
                        .any(|(s, d)| *s == stem || (*d > 0 && within(s, &stem, *d as usize)))
                        || self
                            .prefixes
                            .iter()
                            .any(|pre| folded.starts_with(pre.as_str()));
                    if hit {
                        spans.push((p.start, p.end()));
                    }
                }
                PieceKind::Cjk => {
                    for needle in &self.cjk {
                        if needle.is_empty() {
                            continue;
                        }
                        let mut from = 0;
                        while let Some(at) = p.text[from..].find(needle.as_str()) {
                            let s = p.start + from + at;
                            spans.push((s, s + needle.len()));
                            from += at + needle.len();
                        }
                    }
                }
            }
        }
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (s, e) in spans {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }

    /// The whole text, matches marked (titles).
    pub fn whole(&self, text: &str) -> Snippet {
        let spans = self.spans(text);
        cut(text, 0, text.len(), &spans)
    }

    /// About `max_chars` characters around the first match (the start when none), on
    /// character boundaries, with an ellipsis where the text was cut.
    pub fn snippet(&self, text: &str, max_chars: usize) -> Snippet {
        let text = text.trim();
        let spans = self.spans(text);
        let total = text.chars().count();
        if total <= max_chars {
            return cut(text, 0, text.len(), &spans);
        }
        let first = spans.first().map_or(0, |s| s.0);
        let chars_before = text[..first].chars().count();
        let lead = (max_chars / 4).min(chars_before);
        let start_char = chars_before - lead;
        let start = byte_at(text, start_char);
        let end = byte_at(text, (start_char + max_chars).min(total));
        let mut s = cut(text, start, end, &spans);
        if start > 0 {
            s.parts.insert(0, ("…".into(), false));
        }
        if end < text.len() {
            s.parts.push(("…".into(), false));
        }
        s
    }
}

fn byte_at(text: &str, char_index: usize) -> usize {
    text.char_indices()
        .nth(char_index)
        .map_or(text.len(), |(i, _)| i)
}

fn cut(text: &str, start: usize, end: usize, spans: &[(usize, usize)]) -> Snippet {
    let mut parts = Vec::new();
    let mut at = start;
    for &(s, e) in spans {
        let (s, e) = (s.max(start), e.min(end));
        if s >= e {
            continue;
        }
        if s > at {
            parts.push((text[at..s].to_string(), false));
        }
        parts.push((text[s..e].to_string(), true));
        at = e;
    }
    if at < end {
        parts.push((text[at..end].to_string(), false));
    }
    Snippet { parts }
}

/// Whether `a` and `b` are within `d` edits (Levenshtein with adjacent transpositions).
fn within(a: &str, b: &str, d: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > d {
        return false;
    }
    let mut prev2 = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()] <= d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_chinese_substrings_and_english_stems() {
        let h = Highlighter {
            cjk: vec!["退货".into()],
            stems: vec![("refund".into(), 1)],
            prefixes: vec![],
        };
        let s = h.whole("Refunds <b>and</b> 退货流程, refnds");
        assert_eq!(
            s.to_html(),
            "<mark>Refunds</mark> &lt;b&gt;and&lt;/b&gt; <mark>退货</mark>流程, <mark>refnds</mark>"
        );
    }

    #[test]
    fn snippets_cut_around_the_first_match_on_char_boundaries() {
        let h = Highlighter {
            cjk: vec!["发票".into()],
            ..Default::default()
        };
        let text = format!("{}发票{}", "很长的说明。".repeat(30), "后文".repeat(40));
        let s = h.snippet(&text, 40);
        assert!(s.has_match());
        assert_eq!(s.parts.first().map(|p| p.0.as_str()), Some("…"));
        assert!(s.text().chars().count() <= 42);
    }

    #[test]
    fn edit_distance() {
        assert!(within("refund", "refnud", 1));
        assert!(within("shipping", "shiping", 1));
        assert!(!within("ship", "shop", 0));
        assert!(!within("return", "retina", 1));
    }
}
