//! The e-mail etiquette check (seed 000, §6.3.3) for agents' mails: subject, salutation,
//! closing, attachments mentioned and named well, recipients.

use serde::{Deserialize, Serialize};

use super::guard::Severity;

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
