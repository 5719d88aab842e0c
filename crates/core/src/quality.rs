//! Service quality rules, pure: the forbidden-phrase guard (禁语) for agents' replies and the
//! e-mail etiquette check (seed 000, §6.3.3) for agents' mails. Both take text and give
//! findings with their place and reason; nothing here does IO, so they run as the agent types.

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};

// ---- The forbidden-phrase guard ---------------------------------------------------------------

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

// ---- E-mail etiquette -----------------------------------------------------------------------

/// An agent's mail as it is about to leave.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MailDraft {
    pub subject: String,
    pub body: String,
    /// File names.
    pub attachments: Vec<String>,
    /// The chosen signature's text ('' for none).
    pub signature: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
}

/// A finding about a mail: a stable code (the console words it in the agent's language), its
/// severity, and what it is about (a file name, a count).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailFinding {
    pub code: &'static str,
    pub severity: Severity,
    pub detail: String,
}

/// The longest subject, in display columns (a Chinese character is two).
pub const MAX_SUBJECT_COLUMNS: usize = 60;
/// More attachments than this are better packed into one archive.
pub const MAX_ATTACHMENTS: usize = 4;
/// More visible recipients than this are better sent as BCC.
pub const MAX_VISIBLE_RECIPIENTS: usize = 4;

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn columns(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if is_cjk(c)
                || ('\u{3000}'..='\u{303F}').contains(&c)
                || ('\u{FF00}'..='\u{FFEF}').contains(&c)
            {
                2
            } else {
                1
            }
        })
        .sum()
}

/// `zh` when Chinese characters make up a good share of the letters, else `en`; `''` when
/// there are no letters at all.
pub fn language(s: &str) -> &'static str {
    let (mut cjk, mut latin) = (0usize, 0usize);
    for c in s.chars() {
        if is_cjk(c) {
            cjk += 1;
        } else if c.is_ascii_alphabetic() {
            latin += 1;
        }
    }
    if cjk == 0 && latin == 0 {
        ""
    } else if cjk * 4 >= latin {
        // One Chinese character carries about as much as a short English word.
        "zh"
    } else {
        "en"
    }
}

const SALUTATIONS: &[&str] = &[
    "您好",
    "你好",
    "尊敬的",
    "亲爱的",
    "早上好",
    "上午好",
    "下午好",
    "晚上好",
    "hello",
    "hi ",
    "hi,",
    "dear",
    "good morning",
    "good afternoon",
    "good evening",
    "greetings",
];
const CLOSINGS: &[&str] = &[
    "祝",
    "此致",
    "敬礼",
    "谢谢",
    "感谢",
    "期待",
    "顺颂",
    "如有任何问题",
    "best",
    "regards",
    "thank you",
    "thanks",
    "sincerely",
    "cheers",
    "wishes",
    "have a nice",
    "have a great",
    "look forward",
];
const ATTACHMENT_WORDS: &[&str] = &[
    "附件",
    "附上",
    "附有",
    "随信",
    "随邮件",
    "attached",
    "attachment",
    "enclosed",
    "enclose",
];

/// The body without quoted history (lines from an `>` quote or an "On … wrote:" line on).
fn own_text(body: &str) -> String {
    let mut out = vec![];
    for line in body.lines() {
        let t = line.trim();
        let lower = t.to_ascii_lowercase();
        if t.starts_with('>')
            || (lower.starts_with("on ") && lower.ends_with("wrote:"))
            || (t.starts_with("在") && t.ends_with("写道："))
            || t.starts_with("-----Original Message")
            || t.starts_with("-----原始邮件")
        {
            break;
        }
        out.push(line);
    }
    out.join("\n")
}

fn contains_any(hay: &str, needles: &[&str]) -> bool {
    let hay = hay.to_lowercase();
    needles.iter().any(|n| hay.contains(n))
}

/// Whether a file name says nothing about the file: a camera's or scanner's numbering, a
/// screenshot's default name, a new empty document's name, or digits alone.
pub fn meaningless_name(name: &str) -> bool {
    let stem = name
        .rsplit_once('.')
        .map_or(name, |(s, _)| s)
        .trim()
        .to_lowercase();
    let letters: String = stem
        .chars()
        .filter(|c| !c.is_ascii_digit() && !c.is_whitespace() && !"_-()（）.,#~".contains(*c))
        .collect();
    const CAMERA: &[&str] = &[
        "img", "dsc", "dscn", "dscf", "pxl", "mvimg", "photo", "pic", "image", "scan", "mmexport",
        "wxcamera", "vid", "p",
    ];
    const SCREENSHOTS: &[&str] = &[
        "screenshot",
        "screen shot",
        "截图",
        "屏幕截图",
        "微信图片",
        "企业微信截图",
    ];
    const EMPTY: &[&str] = &[
        "新建文档",
        "新建文本文档",
        "新建microsoftword文档",
        "新建microsoftexcel工作表",
        "新建microsoftpowerpoint演示文稿",
        "未命名",
        "无标题",
        "untitled",
        "document",
        "doc",
        "file",
        "新建",
        "附件",
        "attachment",
    ];
    letters.is_empty()
        || CAMERA.contains(&letters.as_str())
        || SCREENSHOTS.iter().any(|s| stem.starts_with(s))
        || EMPTY.contains(&letters.as_str())
}

/// The etiquette of an agent's mail, in the seed's order: subject, salutation and closing,
/// attachments, signature, recipients.
pub fn check_mail(d: &MailDraft) -> Vec<MailFinding> {
    let mut out = vec![];
    let f = |code, severity, detail: String| MailFinding {
        code,
        severity,
        detail,
    };
    let subject = d.subject.trim();
    if subject.is_empty() {
        out.push(f("blank_subject", Severity::Block, String::new()));
    } else if columns(subject) > MAX_SUBJECT_COLUMNS {
        out.push(f(
            "long_subject",
            Severity::Warn,
            columns(subject).to_string(),
        ));
    }
    let own = own_text(&d.body);
    let lines: Vec<&str> = own
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let head = lines.first().copied().unwrap_or_default();
    if !contains_any(head, SALUTATIONS) {
        out.push(f("no_salutation", Severity::Warn, String::new()));
    }
    let tail = lines
        .iter()
        .rev()
        .take(3)
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    if !contains_any(&tail, CLOSINGS) {
        out.push(f("no_closing", Severity::Warn, String::new()));
    }
    let mentions = contains_any(&own, ATTACHMENT_WORDS);
    if mentions && d.attachments.is_empty() {
        out.push(f("attachment_missing", Severity::Warn, String::new()));
    }
    if !mentions && !d.attachments.is_empty() {
        out.push(f(
            "attachments_unmentioned",
            Severity::Warn,
            d.attachments.len().to_string(),
        ));
    }
    if d.attachments.len() > MAX_ATTACHMENTS {
        out.push(f(
            "too_many_attachments",
            Severity::Warn,
            d.attachments.len().to_string(),
        ));
    }
    for name in &d.attachments {
        if meaningless_name(name) {
            out.push(f("meaningless_name", Severity::Warn, name.clone()));
        }
    }
    if d.signature.trim().is_empty() {
        out.push(f("no_signature", Severity::Warn, String::new()));
    } else {
        let (body_lang, sig_lang) = (language(&own), language(&d.signature));
        if !body_lang.is_empty() && !sig_lang.is_empty() && body_lang != sig_lang {
            out.push(f(
                "signature_language",
                Severity::Warn,
                format!("{sig_lang}/{body_lang}"),
            ));
        }
    }
    let visible = d.to.len() + d.cc.len();
    if visible > MAX_VISIBLE_RECIPIENTS {
        out.push(f("many_recipients", Severity::Warn, visible.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Guard {
        Guard::new(default_rules()).expect("rules")
    }

    fn ids(text: &str) -> Vec<String> {
        guard().check(text).into_iter().map(|f| f.rule_id).collect()
    }

    #[test]
    fn every_chinese_rule() {
        assert_eq!(ids("抱歉，我不能帮您退款。"), ["zh-cannot"]);
        assert_eq!(ids("这个我不会做。"), ["zh-wont"]);
        assert_eq!(ids("这不是我应该做的事"), ["zh-not-my-job"]);
        assert_eq!(ids("我想我做不了这个"), ["zh-think-cannot"]);
        assert_eq!(ids("可以退，但是要等三天"), ["zh-but"]);
        let f = guard().check("您好！这不是我应该做的");
        assert_eq!(f[0].severity, Severity::Block);
        assert_eq!((f[0].char_start, f[0].char_end), (3, 11));
        assert_eq!(
            &"您好！这不是我应该做的"[f[0].start..f[0].end],
            "这不是我应该做的"
        );
        assert!(f[0].suggestion.contains("跟进"));
    }

    #[test]
    fn chinese_words_that_only_contain_a_phrase_do_not_count() {
        assert!(
            ids("我不能不提醒您注意保修期").is_empty(),
            "我不能不 = I must"
        );
        assert!(ids("这款不但是防水的，而且很轻").is_empty());
        assert_eq!(ids("我不能不说，但是我不能退"), ["zh-but", "zh-cannot"]);
    }

    #[test]
    fn every_english_rule() {
        assert_eq!(ids("Sorry, I can't refund this."), ["en-cannot"]);
        assert_eq!(
            ids("Sorry, I can’t refund this."),
            ["en-cannot"],
            "curly apostrophe"
        );
        assert_eq!(ids("I CANNOT do that"), ["en-cannot-2"]);
        assert_eq!(ids("I won't change it"), ["en-wont"]);
        assert_eq!(ids("That is not my job."), ["en-not-my-job"]);
        assert_eq!(ids("It's not my responsibility"), ["en-not-my-job-2"]);
        assert_eq!(ids("I don't think I can help"), ["en-think-cannot"]);
        assert_eq!(ids("Yes, but it takes a week"), ["en-but"]);
        assert_eq!(ids("But then"), ["en-but"]);
    }

    #[test]
    fn english_words_that_only_contain_a_phrase_do_not_count() {
        assert!(ids("Press the button to attribute the butter").is_empty());
        assert!(ids("I cannot wait to see you").is_empty());
        assert!(ids("It is light but also strong").is_empty());
        assert!(ids("rebut").is_empty());
    }

    #[test]
    fn quotations_of_the_customers_words_do_not_count() {
        assert!(ids("您说“我不能退货”，我来确认一下").is_empty());
        assert!(ids("您提到「但是物流很慢」").is_empty());
        assert!(ids("You wrote \"but I paid already\", let me check").is_empty());
        assert!(ids("> 但是我已经付款了\n好的，我查一下").is_empty());
        assert_eq!(ids("> 但是我已经付款了\n但是我查一下"), ["zh-but"]);
        // An unclosed quotation does not hide the rest of the reply.
        assert_eq!(ids("“我不能"), ["zh-cannot"]);
    }

    #[test]
    fn bad_rules_are_explained() {
        let mut r = default_rules();
        r[0].exceptions = vec!["完全无关".into()];
        assert!(matches!(Guard::new(r), Err(RuleError::Exception(_))));
        let mut r = default_rules();
        r[0].lang = "fr".into();
        assert!(matches!(Guard::new(r), Err(RuleError::Invalid(_))));
        assert!(Guard::new(vec![]).expect("empty").check("但是").is_empty());
    }

    fn draft() -> MailDraft {
        MailDraft {
            subject: "订单 E1001 的退款进度".into(),
            body: "陈女士，您好！\n\n您的退款已经受理，详见附件中的退款单。\n\n祝您生活愉快！"
                .into(),
            attachments: vec!["退款单-E1001.pdf".into()],
            signature: "客服 李娜\n演示店铺 400-000-0000".into(),
            to: vec!["chen@example.com".into()],
            cc: vec![],
            bcc: vec![],
        }
    }

    fn codes(d: &MailDraft) -> Vec<&'static str> {
        check_mail(d).into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_good_mail_passes_in_both_languages() {
        assert!(codes(&draft()).is_empty(), "{:?}", check_mail(&draft()));
        let en = MailDraft {
            subject: "Your refund for order E1001".into(),
            body: "Dear Ms Chen,\n\nYour refund is on its way; the receipt is attached.\n\nBest regards".into(),
            attachments: vec!["refund-receipt-E1001.pdf".into()],
            signature: "Li Na, Demo Shop, +86 400 000 0000".into(),
            to: vec!["chen@example.com".into()],
            ..Default::default()
        };
        assert!(codes(&en).is_empty(), "{:?}", check_mail(&en));
    }

    #[test]
    fn each_etiquette_rule() {
        let with = |f: &dyn Fn(&mut MailDraft)| {
            let mut d = draft();
            f(&mut d);
            codes(&d)
        };
        assert_eq!(with(&|d| d.subject = "  ".into()), ["blank_subject"]);
        assert_eq!(
            check_mail(&MailDraft {
                subject: String::new(),
                ..draft()
            })[0]
                .severity,
            Severity::Block
        );
        assert_eq!(
            with(&|d| d.subject =
                "关于您在十一月三十日下单购买的那只杯子在运输途中破损以及后续退款和补发安排的说明"
                    .into()),
            ["long_subject"]
        );
        assert_eq!(
            with(&|d| d.body = "您的退款已经受理，详见附件。\n祝您生活愉快！".into()),
            ["no_salutation"]
        );
        assert_eq!(
            with(&|d| d.body = "您好！\n您的退款已经受理，详见附件。".into()),
            ["no_closing"]
        );
        assert_eq!(with(&|d| d.attachments.clear()), ["attachment_missing"]);
        assert_eq!(
            with(&|d| d.body = "您好！\n退款已受理。\n祝好".into()),
            ["attachments_unmentioned"]
        );
        assert_eq!(
            with(&|d| d.attachments = (1..=5).map(|i| format!("退款凭证-{i}.pdf")).collect()),
            ["too_many_attachments"]
        );
        assert_eq!(
            with(&|d| d.attachments = vec!["IMG_1234.jpg".into()]),
            ["meaningless_name"]
        );
        assert_eq!(
            with(&|d| d.attachments = vec!["新建文档.docx".into()]),
            ["meaningless_name"]
        );
        assert_eq!(with(&|d| d.signature.clear()), ["no_signature"]);
        assert_eq!(
            with(&|d| d.signature = "Li Na, Customer Service, Demo Shop".into()),
            ["signature_language"]
        );
        assert_eq!(
            with(&|d| d.cc = (1..=4).map(|i| format!("c{i}@example.com")).collect()),
            ["many_recipients"]
        );
        // BCC recipients are hidden: any number is fine.
        assert!(
            with(&|d| d.bcc = (1..=20).map(|i| format!("b{i}@example.com")).collect()).is_empty()
        );
        // Quoted history does not count as the agent's words.
        assert_eq!(
            with(&|d| d.body = "您好！\n退款已受理。\n祝好\n\n> 附件是我的订单截图".into()),
            ["attachments_unmentioned"]
        );
    }

    #[test]
    fn meaningful_and_meaningless_names() {
        for bad in [
            "IMG_1234.jpg",
            "DSC00042.JPG",
            "IMG_20261130_101010.png",
            "Screenshot 2026-11-30 at 10.00.00.png",
            "屏幕截图 2026-11-30 101010.png",
            "微信图片_20261130.jpg",
            "新建 Microsoft Word 文档.docx",
            "新建文本文档 (2).txt",
            "未命名.pdf",
            "1.jpg",
            "untitled.txt",
            "document(3).pdf",
            ".pdf",
        ] {
            assert!(meaningless_name(bad), "{bad}");
        }
        for good in [
            "退款单-E1001.pdf",
            "invoice-2026-11.pdf",
            "杯子破损照片.jpg",
            "box-damage.png",
            "image-of-receipt.png",
        ] {
            assert!(!meaningless_name(good), "{good}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        const PIECES: &[&str] = &[
            "但是",
            "我不能",
            "不但是",
            "我不能不",
            "这不是我应该做的",
            "but",
            "button",
            "But",
            "I can't",
            "I can’t",
            "not my job",
            "“",
            "”",
            "「",
            "」",
            "\"",
            ">",
            "\n",
            " ",
            "好",
            "é",
            "😀",
            "'",
            "’",
            "I cannot wait",
        ];

        fn check_invariants(text: &str) {
            let g = guard();
            let found = g.check(text);
            let mut last = 0;
            for f in &found {
                assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
                assert!(f.start < f.end && f.end <= text.len());
                assert!(f.start >= last || found.len() > 1, "in reading order");
                last = f.start;
                assert_eq!(text[..f.start].chars().count(), f.char_start);
                assert_eq!(
                    text[f.start..f.end].chars().count(),
                    f.char_end - f.char_start
                );
                let rule = g.rules().iter().find(|r| r.id == f.rule_id).expect("rule");
                let same = f.found.eq_ignore_ascii_case(&rule.phrase)
                    || f.found.replace('’', "'").eq_ignore_ascii_case(&rule.phrase);
                assert!(same, "{:?} for {:?}", f.found, rule.phrase);
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

            #[test]
            fn the_guard_never_panics_on_any_text(text in "\\PC{0,200}") {
                check_invariants(&text);
            }

            #[test]
            fn the_guard_is_consistent_on_tricky_mixes(parts in prop::collection::vec(prop::sample::select(PIECES), 0..80)) {
                let text = parts.concat();
                check_invariants(&text);
                // What follows the reply after a line break changes nothing found in it.
                let more = format!("{text}\n\n好");
                prop_assert_eq!(guard().check(&text), guard().check(&more));
            }

            #[test]
            fn the_etiquette_check_never_panics(
                subject in "\\PC{0,120}",
                body in "\\PC{0,400}",
                names in prop::collection::vec("\\PC{0,30}", 0..8),
                signature in "\\PC{0,60}",
                n in 0usize..10,
            ) {
                let d = MailDraft {
                    subject, body, attachments: names, signature,
                    to: vec!["a@b.example".into(); n], cc: vec![], bcc: vec![],
                };
                let _ = check_mail(&d);
            }
        }

        /// The work grows with the text and no faster: eight times the text takes at most a
        /// few times eight times as long (the best of five runs each, so a busy machine does
        /// not decide it), on text made to be hard: every position starts a phrase, an
        /// exception and a quotation.
        #[test]
        fn the_guard_is_linear_in_the_text_length() {
            let g = guard();
            let unit = "但但是我不能不“但是我不能”I can't but button >但是\n不但是我想我做不了";
            let small = unit.repeat(2_000);
            let large = unit.repeat(16_000);
            let best = |t: &str| {
                (0..5)
                    .map(|_| {
                        let at = std::time::Instant::now();
                        std::hint::black_box(g.check(t));
                        at.elapsed().as_secs_f64()
                    })
                    .fold(f64::MAX, f64::min)
            };
            let (a, b) = (best(&small), best(&large));
            assert!(b < a * 8.0 * 4.0, "8x the text took {:.1}x as long", b / a);
            assert_eq!(g.check(&large).len(), 8 * g.check(&small).len());
        }
    }

    #[test]
    fn language_of_a_text() {
        assert_eq!(language("您好，退款已受理"), "zh");
        assert_eq!(language("Hello, your refund is on its way"), "en");
        assert_eq!(language("订单 E1001 refund"), "zh");
        assert_eq!(language("400-000-0000"), "");
    }
}
