//! Text analysis for Chinese and English, shared by indexing, querying and highlighting.
//!
//! Text is cut into *pieces*: runs of CJK characters and words of letters and digits; anything
//! else separates them. Two token streams are made from the pieces:
//!
//! - **characters** (`*_chars` fields): every CJK character is a token, consecutive characters
//!   at consecutive positions, and anything between two runs leaves a gap. A Chinese query of
//!   any length is a phrase over its characters, so any substring is found, and nothing that is
//!   split by punctuation or a space is.
//! - **grams** (`*_g2`, `*_g3`, `*_g4` fields): every 2, 3 and 4 neighbouring CJK characters of
//!   a run, at the first one's position. A query of up to four characters is one term; a longer
//!   one a phrase over 4-grams. Terms are far cheaper than phrases over single characters, and
//!   tantivy can prune them by block-max scores.
//! - **words** (`*_words` fields): CJK runs cut into words by jieba, English words lower-cased
//!   and stemmed (Snowball English). These rank whole words up and carry the English matching.
//!
//! Full-width letters and digits are folded to ASCII, and everything is lower-cased.

use std::sync::OnceLock;

use jieba_rs::Jieba;
use rust_stemmers::{Algorithm, Stemmer};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

pub const CHARS_TOKENIZER: &str = "kefu_chars";
/// Tokenizers of 2, 3 and 4 neighbouring CJK characters.
pub const GRAM_TOKENIZERS: [&str; 3] = ["kefu_grams2", "kefu_grams3", "kefu_grams4"];
pub const WORDS_TOKENIZER: &str = "kefu_words";

/// Characters indexed one by one: Han ideographs, kana and hangul.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3005 | 0x3007 | 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

/// Full-width ASCII to ASCII, then lower case.
pub fn fold(c: char) -> impl Iterator<Item = char> {
    let c = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_lowercase()
}

pub fn fold_str(s: &str) -> String {
    s.chars().flat_map(fold).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    Cjk,
    Word,
}

/// A run of CJK characters or a word, with its byte range in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    pub kind: PieceKind,
    pub text: &'a str,
    pub start: usize,
}

impl Piece<'_> {
    pub fn end(&self) -> usize {
        self.start + self.text.len()
    }
}

pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut current: Option<(PieceKind, usize)> = None;
    for (i, c) in text.char_indices() {
        let kind = if is_cjk(c) {
            Some(PieceKind::Cjk)
        } else if is_word_char(c) {
            Some(PieceKind::Word)
        } else {
            None
        };
        match (current, kind) {
            (Some((k, _)), Some(n)) if k == n => {}
            (prev, next) => {
                if let Some((k, s)) = prev {
                    out.push(Piece {
                        kind: k,
                        text: &text[s..i],
                        start: s,
                    });
                }
                current = next.map(|n| (n, i));
            }
        }
    }
    if let Some((k, s)) = current {
        out.push(Piece {
            kind: k,
            text: &text[s..],
            start: s,
        });
    }
    out
}

static JIEBA: OnceLock<Jieba> = OnceLock::new();
static STEMMER: OnceLock<Stemmer> = OnceLock::new();

/// jieba with a trimmed dictionary plus shop words (see `data/README.md`); loaded on first use,
/// so an instance that never sees Chinese text never pays for it.
pub fn jieba() -> &'static Jieba {
    JIEBA.get_or_init(|| {
        let mut j = Jieba::empty();
        for dict in [
            include_str!("../data/words.txt"),
            include_str!("../data/shop.txt"),
        ] {
            if let Err(e) = j.load_dict(&mut dict.as_bytes()) {
                tracing::error!(error = %e, "the built-in word list did not load");
            }
        }
        j
    })
}

pub fn stem(word: &str) -> String {
    let folded = fold_str(word);
    STEMMER
        .get_or_init(|| Stemmer::create(Algorithm::English))
        .stem(&folded)
        .into_owned()
}

/// jieba's words for a CJK run, with their byte ranges relative to the run.
pub fn cut(run: &str) -> Vec<(usize, &str)> {
    jieba()
        .cut(run, false)
        .into_iter()
        .map(|t| (t.byte_start, t.word))
        .collect()
}

fn token(text: String, from: usize, to: usize, position: usize) -> Token {
    Token {
        offset_from: from,
        offset_to: to,
        position,
        text,
        position_length: 1,
    }
}

/// The character stream: one token per CJK character, gaps between runs.
pub fn char_tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut position = 0;
    let mut after_cjk = false;
    for (i, c) in text.char_indices() {
        if is_cjk(c) {
            out.push(token(c.to_string(), i, i + c.len_utf8(), position));
            position += 1;
            after_cjk = true;
        } else if after_cjk {
            position += 1;
            after_cjk = false;
        }
    }
    out
}

/// The n-gram stream: each `n` neighbouring CJK characters of a run, at the position of the
/// first (the same numbering as [`char_tokens`], so runs stay apart).
pub fn gram_tokens(text: &str, n: usize) -> Vec<Token> {
    let chars = char_tokens(text);
    chars
        .windows(n)
        .filter(|w| w[n - 1].position == w[0].position + n - 1)
        .map(|w| {
            token(
                w.iter().map(|t| t.text.as_str()).collect(),
                w[0].offset_from,
                w[n - 1].offset_to,
                w[0].position,
            )
        })
        .collect()
}

/// The word stream: jieba words and English stems.
pub fn word_tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    for p in pieces(text) {
        match p.kind {
            PieceKind::Cjk => {
                for (at, w) in cut(p.text) {
                    let from = p.start + at;
                    let position = out.len();
                    out.push(token(w.to_string(), from, from + w.len(), position));
                }
            }
            PieceKind::Word => {
                let position = out.len();
                out.push(token(stem(p.text), p.start, p.end(), position));
            }
        }
    }
    out
}

/// English words that neither need to match nor count when they do.
pub fn is_stop_word(folded: &str) -> bool {
    const STOP: &[&str] = &[
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "does",
        "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its",
        "me", "my", "no", "not", "of", "on", "or", "our", "please", "so", "that", "the", "their",
        "then", "there", "these", "they", "this", "to", "was", "we", "what", "when", "where",
        "which", "who", "why", "will", "with", "would", "you", "your",
    ];
    STOP.contains(&folded)
}

/// Chinese words that carry no subject of their own in a question.
pub fn is_filler_word(w: &str) -> bool {
    const FILLER: &[&str] = &[
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "是",
        "我",
        "你",
        "您",
        "我们",
        "请问",
        "请",
        "怎么",
        "怎样",
        "如何",
        "什么",
        "为什么",
        "可以",
        "能",
        "能否",
        "在",
        "有",
        "和",
        "与",
        "想",
        "要",
        "一下",
        "这个",
        "那个",
        "哪里",
        "多久",
        "一个",
    ];
    FILLER.contains(&w)
}

/// A tantivy tokenizer over one of the three streams.
#[derive(Clone, Copy)]
pub enum KefuTokenizer {
    Chars,
    /// n neighbouring characters (2 to 4).
    Grams(usize),
    Words,
}

pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for KefuTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = match self {
            KefuTokenizer::Chars => char_tokens(text),
            KefuTokenizer::Grams(n) => gram_tokens(text, *n),
            KefuTokenizer::Words => word_tokens(text),
        };
        VecTokenStream { tokens, next: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(tokens: &[Token]) -> Vec<(String, usize)> {
        tokens
            .iter()
            .map(|t| (t.text.clone(), t.position))
            .collect()
    }

    #[test]
    fn pieces_split_runs_words_and_separators() {
        let p = pieces("iPhone 15退货，怎么办？Ｏｒｄｅｒ#42");
        let kinds: Vec<_> = p.iter().map(|p| (p.kind, p.text)).collect();
        assert_eq!(
            kinds,
            vec![
                (PieceKind::Word, "iPhone"),
                (PieceKind::Word, "15"),
                (PieceKind::Cjk, "退货"),
                (PieceKind::Cjk, "怎么办"),
                (PieceKind::Word, "Ｏｒｄｅｒ"),
                (PieceKind::Word, "42"),
            ]
        );
    }

    #[test]
    fn characters_are_consecutive_within_a_run_and_gapped_across() {
        let t = char_tokens("订单 号a码");
        assert_eq!(
            texts(&t),
            vec![
                ("订".into(), 0),
                ("单".into(), 1),
                ("号".into(), 3),
                ("码".into(), 5)
            ]
        );
        assert_eq!(t[2].offset_from, "订单 ".len());
    }

    #[test]
    fn pairs_stay_within_runs() {
        let t = gram_tokens("退货流程，订单", 2);
        assert_eq!(
            texts(&t),
            vec![
                ("退货".into(), 0),
                ("货流".into(), 1),
                ("流程".into(), 2),
                ("订单".into(), 5)
            ]
        );
        let t = gram_tokens("退货流程，订单", 4);
        assert_eq!(texts(&t), vec![("退货流程".into(), 0)]);
    }

    #[test]
    fn words_are_jieba_words_and_english_stems() {
        let t = word_tokens("Refunds for 退货流程, SHIPPING Ｆｅｅｓ");
        let words: Vec<_> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(words, vec!["refund", "for", "退货", "流程", "ship", "fee"]);
        assert_eq!(
            &"Refunds for 退货流程"[t[2].offset_from..t[2].offset_to],
            "退货"
        );
    }

    #[test]
    fn shop_words_are_known() {
        let words: Vec<_> = cut("我的订单号是多少").into_iter().map(|w| w.1).collect();
        assert!(words.contains(&"订单号"), "{words:?}");
    }
}
