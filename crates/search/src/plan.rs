//! The query plan: what a search text asks for (Chinese runs by their characters and n-grams,
//! English words by stem, fuzzily or as a prefix while typing) and the tantivy query for it.

use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use crate::analyze::{self, PieceKind, fold_str};
use crate::snippet::Highlighter;

/// The analysed fields of one collection of documents.
#[derive(Clone, Copy)]
pub(crate) struct Analysed {
    /// The title alone (to rank titles up) and the title with the body (to match and score):
    /// a unit matches in one field, which keeps conjunctions to cheap seeks on single
    /// posting lists.
    pub(crate) title_chars: Field,
    pub(crate) all_chars: Field,
    /// 2-, 3- and 4-grams.
    pub(crate) title_grams: [Field; 3],
    pub(crate) all_grams: [Field; 3],
    pub(crate) title_words: Field,
    pub(crate) all_words: Field,
}

pub(crate) fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

pub(crate) fn boosted(q: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if boost == 1.0 {
        q
    } else {
        Box::new(BoostQuery::new(q, boost))
    }
}

/// Something the query asks for that one of several forms satisfies.
#[derive(Debug, Clone)]
pub(crate) enum Unit {
    /// Chinese text: its characters in a row, in the title or the body; or, for a long word
    /// of a question, any of its shorter forms (`开发票` also matches `发票`).
    Chars(Vec<Vec<String>>),
    /// An English word: its stem (exactly, or within `fuzzy` edits), or `prefix` while typing.
    Word {
        stem: String,
        fuzzy: u8,
        prefix: Option<String>,
    },
}

impl Unit {
    /// The text the unit stands for: Chinese characters, or an English stem.
    pub(crate) fn label(&self) -> String {
        match self {
            Unit::Chars(forms) => forms.first().map(|f| f.concat()).unwrap_or_default(),
            Unit::Word { stem, .. } => stem.clone(),
        }
    }

    /// What matches (in the title-and-body fields) and what ranks titles up (title fields).
    pub(crate) fn query(
        &self,
        collections: &[Analysed],
        exists: &dyn Fn(&Term) -> bool,
    ) -> (Box<dyn Query>, Box<dyn Query>) {
        let mut matching: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut title: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        match self {
            Unit::Chars(forms) => {
                for (i, chars) in forms.iter().enumerate() {
                    // The form as written ranks above its shorter stand-ins.
                    let weight = if i == 0 { 1.0 } else { 0.4 };
                    for a in collections {
                        matching.push((
                            Occur::Should,
                            boosted(chars_query(chars, a.all_chars, a.all_grams), weight),
                        ));
                        title.push((
                            Occur::Should,
                            boosted(
                                chars_query(chars, a.title_chars, a.title_grams),
                                2.0 * weight,
                            ),
                        ));
                    }
                }
            }
            Unit::Word {
                stem,
                fuzzy,
                prefix,
            } => {
                let known = collections
                    .iter()
                    .any(|a| exists(&Term::from_field_text(a.all_words, stem)));
                for a in collections {
                    matching.push((Occur::Should, term(a.all_words, stem)));
                    title.push((Occur::Should, boosted(term(a.title_words, stem), 2.0)));
                    // Typos are forgiven for words the index does not know: a known word is
                    // taken as meant (and the common case stays cheap).
                    if *fuzzy > 0 && !known {
                        let q = FuzzyTermQuery::new(
                            Term::from_field_text(a.all_words, stem),
                            *fuzzy,
                            true,
                        );
                        matching.push((Occur::Should, boosted(Box::new(q), 0.3)));
                    }
                    if let Some(p) = prefix {
                        let q = FuzzyTermQuery::new_prefix(
                            Term::from_field_text(a.all_words, p),
                            0,
                            true,
                        );
                        matching.push((Occur::Should, boosted(Box::new(q), 0.5)));
                    }
                }
            }
        }
        (one_of(matching), one_of(title))
    }
}

pub(crate) fn one_of(mut any: Vec<(Occur, Box<dyn Query>)>) -> Box<dyn Query> {
    if any.len() == 1
        && let Some((_, q)) = any.pop()
    {
        return q;
    }
    Box::new(BooleanQuery::new(any))
}

/// Chinese text as it is written: up to four characters are one term (of the field of that
/// many characters); more are a phrase of 4-grams at their offsets (every fourth, and the
/// last), which together cover every character.
pub(crate) fn chars_query(
    chars: &[String],
    chars_field: Field,
    grams: [Field; 3],
) -> Box<dyn Query> {
    match chars.len() {
        0 => Box::new(tantivy::query::EmptyQuery),
        1 => term(chars_field, &chars[0]),
        n @ 2..=4 => term(grams[n - 2], &chars.concat()),
        n => {
            let mut offsets: Vec<usize> = (0..=n - 4).step_by(4).collect();
            if offsets.last() != Some(&(n - 4)) {
                offsets.push(n - 4);
            }
            let terms = offsets
                .into_iter()
                .map(|i| {
                    (
                        i,
                        Term::from_field_text(grams[2], &chars[i..i + 4].concat()),
                    )
                })
                .collect();
            Box::new(PhraseQuery::new_with_offset(terms))
        }
    }
}

/// What a query text asks for.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// What an exact match holds, every one: each Chinese run as it is written, each English
    /// word by its stem (or, while typing, the last one as a prefix).
    pub(crate) exact: Vec<Unit>,
    /// The pieces of the query a related match holds at least half of: the 2-character pieces
    /// of its Chinese words (filler words such as 怎么 left out), lone characters, and English
    /// words (forgiving typos).
    pub(crate) pieces: Vec<Unit>,
    /// jieba words of the Chinese parts: whole words rank higher than scattered characters.
    pub(crate) boost_words: Vec<String>,
    /// The query's words that could be searched alone (suggestions when nothing matches).
    pub(crate) words: Vec<String>,
}

impl Plan {
    pub(crate) fn new(text: &str, as_you_type: bool) -> Plan {
        let mut plan = Plan::default();
        let pieces = analyze::pieces(text);
        let typing_last = as_you_type
            && pieces
                .last()
                .is_some_and(|p| p.end() == text.len() && p.kind == PieceKind::Word);
        let n = pieces.len();
        let all_stop = pieces
            .iter()
            .all(|p| p.kind == PieceKind::Word && analyze::is_stop_word(&fold_str(p.text)));
        let mut seen: Vec<String> = Vec::new();
        let mut add_piece = |plan: &mut Plan, key: String, unit: Unit| {
            if !seen.contains(&key) {
                seen.push(key);
                plan.pieces.push(unit);
            }
        };
        for (i, p) in pieces.into_iter().enumerate() {
            match p.kind {
                PieceKind::Word => {
                    let folded = fold_str(p.text);
                    if analyze::is_stop_word(&folded) && !all_stop {
                        continue;
                    }
                    let letters = folded.chars().count();
                    let stem = analyze::stem(&folded);
                    let fuzzy = if folded.chars().all(|c| c.is_ascii_digit()) {
                        0
                    } else if letters >= 8 {
                        2
                    } else if letters >= 4 {
                        1
                    } else {
                        0
                    };
                    let prefix =
                        (typing_last && i == n - 1 && letters >= 2).then(|| folded.clone());
                    if !plan.words.contains(&folded) {
                        plan.words.push(folded.clone());
                    }
                    plan.exact.push(Unit::Word {
                        stem: stem.clone(),
                        fuzzy: 0,
                        prefix: prefix.clone(),
                    });
                    add_piece(
                        &mut plan,
                        format!("w:{stem}"),
                        Unit::Word {
                            stem,
                            fuzzy,
                            prefix,
                        },
                    );
                }
                PieceKind::Cjk => {
                    let chars: Vec<String> = p.text.chars().map(|c| c.to_string()).collect();
                    plan.exact.push(Unit::Chars(vec![chars.clone()]));
                    // Which word each character belongs to, and which are filler words
                    // (怎么, 的): pieces touching those say nothing of the subject, nor do pieces
                    // that straddle two known words (请退 in 申请退货).
                    let mut filler = vec![false; chars.len()];
                    let mut word_of = vec![0usize; chars.len()];
                    let mut word_len = Vec::new();
                    let mut at = 0;
                    for (n, (_, w)) in analyze::cut(p.text).into_iter().enumerate() {
                        let len = w.chars().count();
                        let is_filler = analyze::is_filler_word(w);
                        for i in at..at + len {
                            filler[i] = is_filler;
                            word_of[i] = n;
                        }
                        word_len.push(len);
                        if len >= 2 && !is_filler {
                            plan.boost_words.push(w.to_string());
                            if !plan.words.iter().any(|x| x == w) {
                                plan.words.push(w.to_string());
                            }
                        }
                        at += len;
                    }
                    if chars.len() == 1 {
                        add_piece(&mut plan, chars[0].clone(), Unit::Chars(vec![chars]));
                        continue;
                    }
                    let mut any = false;
                    for i in 0..chars.len() - 1 {
                        let (a, b) = (word_of[i], word_of[i + 1]);
                        let straddles = a != b && word_len[a] > 1 && word_len[b] > 1;
                        if filler[i] || filler[i + 1] || straddles {
                            continue;
                        }
                        any = true;
                        let pair = chars[i..i + 2].to_vec();
                        add_piece(&mut plan, pair.concat(), Unit::Chars(vec![pair]));
                    }
                    if !any {
                        // A run of filler words alone (怎么): its pieces are all it says.
                        for pair in chars.windows(2) {
                            add_piece(&mut plan, pair.concat(), Unit::Chars(vec![pair.to_vec()]));
                        }
                    }
                }
            }
        }
        plan
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    /// How many of the pieces a related match holds: half, rounded up.
    pub(crate) fn pieces_needed(&self) -> usize {
        self.pieces.len().div_ceil(2).max(1)
    }

    pub(crate) fn highlighter(&self) -> Highlighter {
        let mut h = Highlighter::default();
        for u in self.exact.iter().chain(&self.pieces) {
            match u {
                Unit::Chars(forms) => h.cjk.extend(forms.iter().map(|f| f.concat())),
                Unit::Word {
                    stem,
                    fuzzy,
                    prefix,
                } => {
                    h.stems.push((stem.clone(), *fuzzy));
                    if let Some(p) = prefix {
                        h.prefixes.push(p.clone());
                    }
                }
            }
        }
        h
    }
}
