//! The forbidden-phrase guard (禁语) for agents' replies: one Aho-Corasick pass over the reply,
//! whole words for English, exceptions for longer Chinese words, quotations of the customer's
//! own words left out.

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The agent may send anyway; that is recorded.
    Warn,
    /// The reply is not sent.
    Block,
}

/// A phrase agents should not use, as admins edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    /// Matched without regard to ASCII case; an English phrase only as whole words.
    pub phrase: String,
    /// `zh` or `en`.
    pub lang: String,
    pub severity: Severity,
    /// A better way to say it.
    pub suggestion: String,
    /// Longer words that contain the phrase and are fine (`我不能不` for `我不能`).
    #[serde(default)]
    pub exceptions: Vec<String>,
}

fn rule(id: &str, phrase: &str, lang: &str, sev: Severity, suggestion: &str, exc: &[&str]) -> Rule {
    Rule {
        id: id.into(),
        phrase: phrase.into(),
        lang: lang.into(),
        severity: sev,
        suggestion: suggestion.into(),
        exceptions: exc.iter().map(|s| s.to_string()).collect(),
    }
}

/// The seed's list (电话服务禁语) and its English equivalents.
pub fn default_rules() -> Vec<Rule> {
    use Severity::*;
    vec![
        rule(
            "zh-cannot",
            "我不能",
            "zh",
            Warn,
            "说明原因并给出能做的：“因为……，我们可以……”",
            &["我不能不"],
        ),
        rule(
            "zh-wont",
            "我不会做",
            "zh",
            Warn,
            "说清楚由谁、怎样帮客户完成：“这件事由……负责，我马上为您联系”",
            &[],
        ),
        rule(
            "zh-not-my-job",
            "这不是我应该做的",
            "zh",
            Block,
            "不推诿：“我来帮您联系负责的同事，并跟进结果”",
            &[],
        ),
        rule(
            "zh-think-cannot",
            "我想我做不了",
            "zh",
            Warn,
            "先确认再答复：“我确认一下，稍后给您准确答复”",
            &[],
        ),
        rule(
            "zh-but",
            "但是",
            "zh",
            Warn,
            "少用转折，用“因为……”解释原因，或用“同时”",
            &["不但是"],
        ),
        rule(
            "en-cannot",
            "I can't",
            "en",
            Warn,
            "Say why and what you can do: \"Because …, what I can do is …\"",
            &[],
        ),
        rule(
            "en-cannot-2",
            "I cannot",
            "en",
            Warn,
            "Say why and what you can do: \"Because …, what I can do is …\"",
            &["I cannot wait"],
        ),
        rule(
            "en-wont",
            "I won't",
            "en",
            Warn,
            "Say who will do it and how: \"… handles this; I'll connect you now\"",
            &[],
        ),
        rule(
            "en-not-my-job",
            "not my job",
            "en",
            Block,
            "Own it: \"Let me get the right colleague and follow up with you\"",
            &[],
        ),
        rule(
            "en-not-my-job-2",
            "not my responsibility",
            "en",
            Block,
            "Own it: \"Let me get the right colleague and follow up with you\"",
            &[],
        ),
        rule(
            "en-think-cannot",
            "I don't think I can",
            "en",
            Warn,
            "Check first: \"Let me check and get back to you with a clear answer\"",
            &[],
        ),
        rule(
            "en-but",
            "but",
            "en",
            Warn,
            "Explain with \"because\" instead of turning against the customer with \"but\"",
            &["but also", "not only but"],
        ),
    ]
}

/// A phrase found in a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule_id: String,
    /// The text as written at that place.
    pub found: String,
    pub severity: Severity,
    pub suggestion: String,
    /// Byte offsets into the text.
    pub start: usize,
    pub end: usize,
    /// Character offsets (for highlighting in a browser, count UTF-16 units there).
    pub char_start: usize,
    pub char_end: usize,
}

/// The rules ready to search: one automaton over every phrase, its variants and its
/// exceptions, so a check is one pass over the text.
#[derive(Debug, Clone)]
pub struct Guard {
    rules: Vec<Rule>,
    ac: Option<AhoCorasick>,
    /// Per automaton pattern: (rule index, is an exception, offset of the phrase inside it).
    patterns: Vec<(usize, bool, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("a rule needs an id, a phrase of 1-50 characters and a language (zh or en): {0:?}")]
    Invalid(String),
    #[error("the exception {0:?} does not contain its rule's phrase")]
    Exception(String),
    #[error("at most 500 rules")]
    TooMany,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `’` for `'`: agents' keyboards and phones write both.
fn variants(phrase: &str) -> Vec<String> {
    let mut v = vec![phrase.to_string()];
    if phrase.contains('\'') {
        v.push(phrase.replace('\'', "’"));
    }
    v
}

impl Guard {
    pub fn new(rules: Vec<Rule>) -> Result<Guard, RuleError> {
        if rules.len() > 500 {
            return Err(RuleError::TooMany);
        }
        let mut pats: Vec<String> = vec![];
        let mut patterns = vec![];
        for (i, r) in rules.iter().enumerate() {
            let n = r.phrase.trim().chars().count();
            if r.id.trim().is_empty()
                || n == 0
                || n > 50
                || !["zh", "en"].contains(&r.lang.as_str())
            {
                return Err(RuleError::Invalid(r.id.clone()));
            }
            let phrase = r.phrase.trim().to_ascii_lowercase();
            for p in variants(&phrase) {
                pats.push(p);
                patterns.push((i, false, 0));
            }
            for e in &r.exceptions {
                let e = e.trim().to_ascii_lowercase();
                let Some(at) = e.find(&phrase) else {
                    return Err(RuleError::Exception(e));
                };
                for p in variants(&e) {
                    // The phrase's offset is the same in the `’` variant up to the first quote.
                    let at = if p == e {
                        at
                    } else {
                        p.find(&variants(&phrase)[1]).unwrap_or(at)
                    };
                    pats.push(p);
                    patterns.push((i, true, at));
                }
            }
        }
        let ac = if pats.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&pats)
                    .map_err(|e| RuleError::Invalid(e.to_string()))?,
            )
        };
        Ok(Guard {
            rules,
            ac,
            patterns,
        })
    }

    /// A guard with no rules (it finds nothing).
    pub fn empty() -> Guard {
        Guard {
            rules: vec![],
            ac: None,
            patterns: vec![],
        }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Every forbidden phrase in `text` outside quotations of someone else's words (text in
    /// “…”, 「…」, "…" and lines starting with `>`), in order.
    pub fn check(&self, text: &str) -> Vec<Finding> {
        let Some(ac) = &self.ac else {
            return vec![];
        };
        let quoted = quoted_ranges(text);
        // Matches come in the order they end; an exception (which contains its phrase) ends
        // at or after the phrase's match, so both are known before anything is kept.
        let mut hits: Vec<(usize, usize, usize)> = vec![]; // (start, end, rule)
        let mut excused: HashSet<(usize, usize)> = HashSet::new(); // (phrase start, rule)
        for m in ac.find_overlapping_iter(text) {
            let (rule_ix, exception, at) = self.patterns[m.pattern().as_usize()];
            if exception {
                excused.insert((m.start() + at, rule_ix));
                continue;
            }
            let r = &self.rules[rule_ix];
            if r.lang == "en" {
                let before = text[..m.start()].chars().next_back();
                let after = text[m.end()..].chars().next();
                let first = r.phrase.trim().chars().next().is_some_and(is_word_char);
                let last = r
                    .phrase
                    .trim()
                    .chars()
                    .next_back()
                    .is_some_and(is_word_char);
                if (first && before.is_some_and(is_word_char))
                    || (last && after.is_some_and(is_word_char))
                {
                    continue;
                }
            }
            if in_ranges(&quoted, m.start()) {
                continue;
            }
            hits.push((m.start(), m.end(), rule_ix));
        }
        hits.retain(|(s, _, r)| !excused.contains(&(*s, *r)));
        // In reading order (matches of one end differ in start; phrases are short, so this is
        // a sort of nearly sorted, small runs).
        hits.sort_unstable();
        // Character offsets in one pass over the text.
        let mut out = Vec::with_capacity(hits.len());
        let mut chars = 0usize;
        let mut last_byte = 0usize;
        for (s, e, r) in hits {
            chars += text[last_byte..s].chars().count();
            last_byte = s;
            let len = text[s..e].chars().count();
            let rule = &self.rules[r];
            out.push(Finding {
                rule_id: rule.id.clone(),
                found: text[s..e].to_string(),
                severity: rule.severity,
                suggestion: rule.suggestion.clone(),
                start: s,
                end: e,
                char_start: chars,
                char_end: chars + len,
            });
        }
        out
    }
}

fn in_ranges(ranges: &[(usize, usize)], at: usize) -> bool {
    // Ranges are sorted and disjoint.
    match ranges.binary_search_by(|(s, _)| s.cmp(&at)) {
        Ok(_) => true,
        Err(0) => false,
        Err(i) => at < ranges[i - 1].1,
    }
}

/// Byte ranges of quotations: paired “…”, ‘…’, 「…」, 『…』, "…", and lines starting with `>`.
pub fn quoted_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut open: Option<(char, usize)> = None;
    let mut line_start = true;
    let mut quote_line: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c == '\n' {
            if let Some(s) = quote_line.take() {
                out.push((s, i));
            }
            line_start = true;
            continue;
        }
        if line_start && quote_line.is_none() && open.is_none() && c == '>' {
            quote_line = Some(i);
        }
        if !c.is_whitespace() {
            line_start = false;
        }
        if quote_line.is_some() {
            continue;
        }
        match open {
            None => {
                let close = match c {
                    '“' => Some('”'),
                    '‘' => Some('’'),
                    '「' => Some('」'),
                    '『' => Some('』'),
                    '"' => Some('"'),
                    _ => None,
                };
                if let Some(cl) = close {
                    open = Some((cl, i));
                }
            }
            Some((close, s)) if c == close => {
                out.push((s, i + c.len_utf8()));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(s) = quote_line {
        out.push((s, text.len()));
    }
    out.sort_unstable();
    out
}
