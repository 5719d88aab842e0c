//! The tantivy index: its schema, opening (and rebuilding when missing, old or damaged),
//! writing, and searching.
//!
//! The index is derived data. Every commit carries the position in the database's change log
//! that it reflects, so an instance that restarts catches up from there, and one whose index
//! is gone or damaged starts again from nothing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermSetQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::analyze::{CHARS_TOKENIZER, GRAM_TOKENIZERS, KefuTokenizer, WORDS_TOKENIZER};
use crate::plan::{Analysed, Plan, Unit, boosted, term};
use crate::snippet::Snippet;

/// The index writer's memory budget: tantivy's least (15 MB for its one thread). Chat adds a
/// few hundred bytes a message and the indexer commits every half second, so a larger arena is
/// never filled; at twice P1 it only raised the server's memory (docs/benchmarks.md, L2).
const WRITER_MEMORY: usize = 15_000_000;

/// Bumped whenever the schema or the analysis changes; an index of another version is rebuilt.
const SCHEMA_VERSION: &str = "kefu-search-4";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

/// Why an index on disk is not used (and is rebuilt instead).
#[derive(Debug, thiserror::Error)]
pub enum Unsound {
    #[error("{0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("index version {0:?}, wanted {SCHEMA_VERSION}")]
    Version(String),
    #[error("bad change mark {0:?}")]
    Mark(String),
    #[error("schema differs")]
    Schema,
    #[error("damaged files: {0:?}")]
    Damaged(Vec<PathBuf>),
    #[error("segment store: {0}")]
    Segment(std::io::Error),
}

/// What is indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Article,
    Conversation,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Article => "article",
            Kind::Conversation => "conversation",
        }
    }
}

/// One searchable document. An article has one per language; a conversation one per message.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Unique within the index: `article:<id>:<lang>`, `message:<id>`.
    pub key: String,
    /// The object a hit opens: the article or the conversation.
    pub id: String,
    pub kind: Kind,
    /// `zh`, `en`, or empty when unknown.
    pub lang: String,
    /// Who may see it: `public`, `staff`, or `inbox:<id>`.
    pub scope: String,
    pub title: String,
    pub body: String,
    /// Milliseconds since the epoch; newer wins ties.
    pub updated_at: i64,
}

/// Why the index had to be made again when it was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The index was there and sound; it reflects the change log up to this position.
    Existing { mark: i64 },
    /// There was none: it needs a full build.
    Created,
    /// It was damaged or of another version: it was thrown away and needs a full build.
    Replaced { reason: String },
}

/// Published articles, other articles (drafts, archived) and conversations each have fields of
/// their own, so a search reads only the postings of what it may return: the help centre's
/// search has no filter to apply at all (filters over most documents would cost more than the
/// search itself).
#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    id: Field,
    kind: Field,
    lang: Field,
    scope: Field,
    title: Field,
    body: Field,
    updated: Field,
    public: Analysed,
    staff: Analysed,
    conversations: Analysed,
}

impl Fields {
    fn collection(&self, d: &Doc) -> &Analysed {
        match (d.kind, d.scope.as_str()) {
            (Kind::Conversation, _) => &self.conversations,
            (Kind::Article, "public") => &self.public,
            (Kind::Article, _) => &self.staff,
        }
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let analysed_options = |tokenizer: &str, positions: bool| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(if positions {
                    IndexRecordOption::WithFreqsAndPositions
                } else {
                    IndexRecordOption::WithFreqs
                }),
        )
    };
    let mut analysed = |prefix: &str| {
        let mut field = |name: &str, tokenizer: &str, positions: bool| {
            b.add_text_field(
                &format!("{prefix}_{name}"),
                analysed_options(tokenizer, positions),
            )
        };
        Analysed {
            title_chars: field("title_chars", CHARS_TOKENIZER, false),
            all_chars: field("all_chars", CHARS_TOKENIZER, false),
            title_grams: [
                field("title_g2", GRAM_TOKENIZERS[0], false),
                field("title_g3", GRAM_TOKENIZERS[1], false),
                field("title_g4", GRAM_TOKENIZERS[2], true),
            ],
            all_grams: [
                field("all_g2", GRAM_TOKENIZERS[0], false),
                field("all_g3", GRAM_TOKENIZERS[1], false),
                field("all_g4", GRAM_TOKENIZERS[2], true),
            ],
            title_words: field("title_words", WORDS_TOKENIZER, false),
            all_words: field("all_words", WORDS_TOKENIZER, false),
        }
    };
    let public = analysed("pub");
    let staff = analysed("staff");
    let conversations = analysed("conv");
    let fields = Fields {
        key: b.add_text_field("key", STRING | STORED),
        id: b.add_text_field("id", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        lang: b.add_text_field("lang", STRING | STORED),
        scope: b.add_text_field("scope", STRING),
        title: b.add_text_field("title", STORED),
        body: b.add_text_field("body", STORED),
        updated: b.add_i64_field("updated", STORED),
        public,
        staff,
        conversations,
    };
    (b.build(), fields)
}

/// A search request.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub text: &'a str,
    pub kind: Kind,
    /// Only documents in these scopes; `None` means every scope (admins).
    pub scopes: Option<&'a [String]>,
    /// Documents in this language rank a little higher.
    pub lang: Option<&'a str>,
    pub limit: usize,
    pub offset: usize,
    /// The text is still being typed: its last English word also matches as a prefix.
    pub as_you_type: bool,
}

impl<'a> Request<'a> {
    pub fn new(text: &'a str, kind: Kind) -> Self {
        Request {
            text,
            kind,
            scopes: None,
            lang: None,
            limit: 10,
            offset: 0,
            as_you_type: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub id: String,
    pub kind: Kind,
    pub lang: String,
    pub key: String,
    pub score: f32,
    pub title: Snippet,
    pub snippet: Snippet,
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating or replacing it when needed (see [`Opened`]).
    pub fn open(dir: &Path) -> Result<(SearchIndex, Opened)> {
        let io = |source| Error::Io {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let has_meta = dir.join("meta.json").exists();
        let (index, opened) = if !has_meta {
            (Self::create(dir)?, Opened::Created)
        } else {
            match Self::check(dir) {
                Ok((index, mark)) => (index, Opened::Existing { mark }),
                Err(reason) => {
                    let reason = reason.to_string();
                    tracing::warn!(%reason, "search index replaced, it will be rebuilt");
                    std::fs::remove_dir_all(dir).map_err(io)?;
                    std::fs::create_dir_all(dir).map_err(io)?;
                    (Self::create(dir)?, Opened::Replaced { reason })
                }
            }
        };
        Ok((Self::wrap(index)?, opened))
    }

    /// An index in memory (tests, benchmarks).
    pub fn in_memory() -> Result<SearchIndex> {
        let (schema, _) = schema();
        let index = Index::create_in_ram(schema);
        register(&index);
        Self::wrap(index)
    }

    fn create(dir: &Path) -> Result<Index> {
        let (schema, _) = schema();
        let index = Index::create_in_dir(dir, schema)?;
        register(&index);
        Ok(index)
    }

    /// Opens an existing index and proves it sound: same schema version, every file's checksum
    /// intact, every segment readable.
    fn check(dir: &Path) -> std::result::Result<(Index, i64), Unsound> {
        let index = Index::open_in_dir(dir)?;
        register(&index);
        let metas = index.load_metas()?;
        let payload = metas.payload.unwrap_or_default();
        let (version, mark) = payload.split_once(':').unwrap_or(("", ""));
        if version != SCHEMA_VERSION {
            return Err(Unsound::Version(version.to_string()));
        }
        let mark = mark
            .parse::<i64>()
            .map_err(|_| Unsound::Mark(mark.to_string()))?;
        if index.schema() != schema().0 {
            return Err(Unsound::Schema);
        }
        let damaged = index.validate_checksum()?;
        if !damaged.is_empty() {
            return Err(Unsound::Damaged(damaged.into_iter().collect()));
        }
        let reader = index.reader()?;
        let searcher = reader.searcher();
        for segment in searcher.segment_readers() {
            segment.get_store_reader(1).map_err(Unsound::Segment)?;
        }
        Ok((index, mark))
    }

    fn wrap(index: Index) -> Result<SearchIndex> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let (_, fields) = schema();
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(None),
            fields,
        })
    }

    /// Number of documents in the last committed state.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Writes with the index's single writer, made on first use.
    fn with_writer<T>(&self, f: impl FnOnce(&mut IndexWriter) -> Result<T>) -> Result<T> {
        let mut guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(self.index.writer_with_num_threads(1, WRITER_MEMORY)?);
        }
        match guard.as_mut() {
            Some(w) => f(w),
            None => unreachable!("the writer was just made"),
        }
    }

    /// Lets the writer go (its threads and memory) until the next write; merges in progress
    /// finish first. An idle index then costs only its readers.
    pub fn release_writer(&self) {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(w) = writer
            && let Err(e) = w.wait_merging_threads()
        {
            tracing::warn!(error = %e, "search index merge failed");
        }
    }

    /// Whether a writer is held (tests, diagnostics).
    pub fn has_writer(&self) -> bool {
        self.writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Adds documents, replacing any with the same key.
    pub fn upsert(&self, docs: &[Doc]) -> Result<()> {
        let f = self.fields;
        self.with_writer(|w| {
            for d in docs {
                w.delete_term(Term::from_field_text(f.key, &d.key));
                let mut doc = TantivyDocument::default();
                doc.add_text(f.key, &d.key);
                doc.add_text(f.id, &d.id);
                doc.add_text(f.kind, d.kind.as_str());
                doc.add_text(f.lang, &d.lang);
                doc.add_text(f.scope, &d.scope);
                doc.add_text(f.title, &d.title);
                doc.add_text(f.body, &d.body);
                let a = f.collection(d);
                for (field, text) in [
                    (a.title_chars, &d.title),
                    (a.all_chars, &d.title),
                    (a.all_chars, &d.body),
                    (a.title_words, &d.title),
                    (a.all_words, &d.title),
                    (a.all_words, &d.body),
                ] {
                    doc.add_text(field, text);
                }
                for field in a.title_grams {
                    doc.add_text(field, &d.title);
                }
                for field in a.all_grams {
                    doc.add_text(field, &d.title);
                    doc.add_text(field, &d.body);
                }
                doc.add_i64(f.updated, d.updated_at);
                w.add_document(doc)?;
            }
            Ok(())
        })
    }

    /// Removes every document of an object (an article's languages, a conversation's messages).
    pub fn delete_object(&self, id: &str) -> Result<()> {
        let f = self.fields;
        self.with_writer(|w| {
            w.delete_term(Term::from_field_text(f.id, id));
            Ok(())
        })
    }

    /// Removes everything (before a full build).
    pub fn clear(&self) -> Result<()> {
        self.with_writer(|w| {
            w.delete_all_documents()?;
            Ok(())
        })
    }

    /// Makes what was written searchable and records the change-log position it reflects.
    pub fn commit(&self, mark: i64) -> Result<()> {
        self.with_writer(|w| {
            let mut prepared = w.prepare_commit()?;
            prepared.set_payload(&format!("{SCHEMA_VERSION}:{mark}"));
            prepared.commit()?;
            Ok(())
        })?;
        self.reader.reload()?;
        Ok(())
    }

    /// The change-log position of the last commit.
    pub fn mark(&self) -> i64 {
        self.index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| p.split_once(':').and_then(|(_, m)| m.parse().ok()))
            .unwrap_or(0)
    }

    pub fn search(&self, req: &Request<'_>) -> Result<Vec<Hit>> {
        let plan = Plan::new(req.text, req.as_you_type);
        if plan.is_empty() {
            return Ok(Vec::new());
        }
        let want = req.offset + req.limit;
        // Several documents may share an object (languages, messages): ask for more, then keep
        // each object's best.
        let fetch = match req.kind {
            Kind::Article => want * 2,
            Kind::Conversation => want * 5,
        }
        .max(10);
        let searcher = self.reader.searcher();
        let exists = |t: &Term| searcher.doc_freq(t).is_ok_and(|n| n > 0);
        let collections = self.collections(req);
        let run = |q: &dyn Query| -> Result<Vec<(f32, tantivy::DocAddress)>> {
            Ok(searcher.search(q, &TopDocs::with_limit(fetch).order_by_score())?)
        };
        let mut found = run(&*self.query(req, &plan, &collections, false, &exists))?;
        if found.len() < fetch && plan.can_relax() {
            // Not enough documents hold every word: also take those that hold most of them,
            // after the ones that hold them all.
            let strict: HashSet<_> = found.iter().map(|(_, a)| *a).collect();
            for (score, addr) in run(&*self.query(req, &plan, &collections, true, &exists))? {
                if !strict.contains(&addr) {
                    found.push((score, addr));
                }
            }
        }
        let highlighter = plan.highlighter();
        let f = self.fields;
        // Each object once; of an article's two versions, the one in the reader's language
        // when both are among the best.
        let mut order: Vec<String> = Vec::new();
        let mut best: std::collections::HashMap<String, (f32, TantivyDocument)> =
            std::collections::HashMap::new();
        let text_of = |doc: &TantivyDocument, field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        for (score, addr) in found {
            if order.len() >= want && req.lang.is_none() {
                break;
            }
            let doc: TantivyDocument = searcher.doc(addr)?;
            let id = text_of(&doc, f.id);
            match best.get_mut(&id) {
                None => {
                    if order.len() >= want {
                        continue;
                    }
                    order.push(id.clone());
                    best.insert(id, (score, doc));
                }
                Some(entry) => {
                    let preferred = req.lang.is_some_and(|l| text_of(&doc, f.lang) == l);
                    let current = req.lang.is_some_and(|l| text_of(&entry.1, f.lang) == l);
                    if preferred && !current {
                        entry.1 = doc;
                    }
                }
            }
        }
        let mut hits = Vec::new();
        for id in order.into_iter().skip(req.offset).take(req.limit) {
            let Some((score, doc)) = best.remove(&id) else {
                continue;
            };
            hits.push(Hit {
                lang: text_of(&doc, f.lang),
                key: text_of(&doc, f.key),
                title: highlighter.whole(&text_of(&doc, f.title)),
                snippet: highlighter.snippet(&text_of(&doc, f.body), 160),
                id,
                kind: req.kind,
                score,
            });
        }
        Ok(hits)
    }

    /// The collections a request reads.
    fn collections(&self, req: &Request<'_>) -> Vec<Analysed> {
        let f = &self.fields;
        match req.kind {
            Kind::Conversation => vec![f.conversations],
            Kind::Article => {
                let wants = |s: &str| req.scopes.is_none_or(|all| all.iter().any(|x| x == s));
                let mut c = Vec::new();
                if wants("public") {
                    c.push(f.public);
                }
                if wants("staff") {
                    c.push(f.staff);
                }
                c
            }
        }
    }

    fn query(
        &self,
        req: &Request<'_>,
        plan: &Plan,
        collections: &[Analysed],
        relaxed: bool,
        exists: &dyn Fn(&Term) -> bool,
    ) -> Box<dyn Query> {
        let f = self.fields;
        let (units, titles): (Vec<Box<dyn Query>>, Vec<_>) = plan
            .required
            .iter()
            .map(|u| u.query(collections, exists))
            .unzip();
        // In a disjunction (below) a boost would match documents by itself; there only words
        // that are a whole unit (so the unit matches wherever they do) may rank.
        let need = if relaxed {
            (units.len() * 3 / 5).max(1)
        } else {
            units.len()
        };
        let disjunction = units.len() == 1 || (relaxed && need == 1) || units.is_empty();
        let whole_units: HashSet<String> = plan
            .required
            .iter()
            .filter_map(|u| match u {
                Unit::Chars(forms) => forms.first().map(|f| f.concat()),
                Unit::Word { .. } => None,
            })
            .collect();
        // Titles (their matches are always matches of the unit too) and whole words rank up.
        let mut boosts: Vec<(Occur, Box<dyn Query>)> =
            titles.into_iter().map(|q| (Occur::Should, q)).collect();
        for w in &plan.boost_words {
            if disjunction && !whole_units.contains(w) {
                continue;
            }
            for a in collections {
                for (field, boost) in [(a.title_words, 2.0), (a.all_words, 1.0)] {
                    boosts.push((Occur::Should, boosted(term(field, w), boost)));
                }
            }
        }
        // The matching part. One unit alone, or any one of several, is a plain disjunction,
        // which tantivy prunes by block-max scores: the common short queries stay fast however
        // many documents hold their words.
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if disjunction {
            let mut any: Vec<(Occur, Box<dyn Query>)> = if units.is_empty() {
                plan.optional
                    .iter()
                    .map(|u| (Occur::Should, u.query(collections, exists).0))
                    .collect()
            } else {
                units.into_iter().map(|q| (Occur::Should, q)).collect()
            };
            any.extend(boosts);
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        } else if relaxed {
            let any: Vec<(Occur, Box<dyn Query>)> =
                units.into_iter().map(|q| (Occur::Should, q)).collect();
            clauses.push((
                Occur::Must,
                Box::new(BooleanQuery::with_minimum_required_clauses(any, need)),
            ));
            clauses.extend(boosts);
        } else {
            clauses.extend(units.into_iter().map(|q| (Occur::Must, q)));
            for u in &plan.optional {
                clauses.push((Occur::Should, u.query(collections, exists).0));
            }
            clauses.extend(boosts);
        }
        if req.kind == Kind::Conversation
            && let Some(scopes) = req.scopes
        {
            let terms = scopes.iter().map(|s| Term::from_field_text(f.scope, s));
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(
                    Box::new(TermSetQuery::new(terms)),
                    0.0,
                )),
            ));
        }
        if clauses.len() == 1
            && let Some((Occur::Must, q)) = clauses.pop()
        {
            return q;
        }
        Box::new(BooleanQuery::new(clauses))
    }
}

fn register(index: &Index) {
    let t = index.tokenizers();
    t.register(CHARS_TOKENIZER, TextAnalyzer::from(KefuTokenizer::Chars));
    for (i, name) in GRAM_TOKENIZERS.iter().enumerate() {
        t.register(name, TextAnalyzer::from(KefuTokenizer::Grams(i + 2)));
    }
    t.register(WORDS_TOKENIZER, TextAnalyzer::from(KefuTokenizer::Words));
}
