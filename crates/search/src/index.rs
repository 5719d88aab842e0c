//! The tantivy index: its schema, opening (and rebuilding when missing, old or damaged),
//! writing, and searching.
//!
//! The index is derived data. Every commit carries the position in the database's change log
//! that it reflects, so an instance that restarts catches up from there, and one whose index
//! is gone or damaged starts again from nothing.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, ConstScoreQuery, EnableScoring, Occur, Query, TermSetQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, TERMINATED, TantivyDocument, Term,
};

use crate::analyze;
use crate::analyze::{CHARS_TOKENIZER, GRAM_TOKENIZERS, KefuTokenizer, WORDS_TOKENIZER};
use crate::plan::{Analysed, Plan, Unit, boosted, term};
use crate::snippet::Snippet;

/// The index writer's memory budget: tantivy's least (15 MB for its one thread). Chat adds a
/// few hundred bytes a message and the indexer commits every half second, so a larger arena is
/// never filled; at twice P1 it only raised the server's memory (docs/benchmarks.md, L2).
const WRITER_MEMORY: usize = 15_000_000;

/// Bumped whenever the schema or the analysis changes; an index of another version is rebuilt.
const SCHEMA_VERSION: &str = "kefu-search-5";

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
    /// A hash of `id` in a fast column: counting the objects a query matches (an article's
    /// languages are one) reads it instead of the stored documents.
    oid: Field,
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
        oid: b.add_u64_field("oid", FAST),
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
    /// The object holds the whole query (else it is a related match).
    pub exact: bool,
    pub title: Snippet,
    pub snippet: Snippet,
}

/// Whether the document holds at least `need` of the pieces (each given by its terms).
fn holds(
    searcher: &tantivy::Searcher,
    addr: tantivy::DocAddress,
    pieces: &[Vec<Term>],
    need: usize,
) -> Result<bool> {
    let segment = searcher.segment_reader(addr.segment_ord);
    let mut held = 0;
    for (i, terms) in pieces.iter().enumerate() {
        for t in terms {
            let index = segment.inverted_index(t.field())?;
            if let Some(mut postings) = index
                .read_postings(t, IndexRecordOption::Basic)
                .map_err(tantivy::TantivyError::from)?
                // A fresh posting list stands on its first document; seeking goes forward.
                && postings.doc() <= addr.doc_id
                && postings.seek(addr.doc_id) == addr.doc_id
            {
                held += 1;
                break;
            }
        }
        if held >= need {
            return Ok(true);
        }
        if held + (pieces.len() - i - 1) < need {
            return Ok(false);
        }
    }
    Ok(false)
}

/// An object a search found: its best score and the documents of it that matched.
struct Object {
    oid: u64,
    score: f32,
    docs: Vec<tantivy::DocAddress>,
}

/// Matches are counted up to this many objects; beyond it a search says "more than".
pub const COUNT_CAP: usize = 500;

/// What a search found: a page of hits, exact matches first.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub hits: Vec<Hit>,
    /// How many objects hold the whole query (counted when asked for, up to [`COUNT_CAP`];
    /// else the exact hits).
    pub exact: usize,
    /// There are more than [`COUNT_CAP`] exact matches.
    pub exact_more: bool,
    /// How many others hold at least half of its pieces (counted when asked for).
    pub related: usize,
    /// There are more related ones than counted (over the cap, or not counted because the
    /// exact ones are).
    pub related_more: bool,
    /// When nothing holds the whole query: its words that find something alone, with how many
    /// objects each finds.
    pub suggestions: Vec<(String, usize)>,
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
                // Title and body are one value in the title-and-body fields: positions run on
                // from the title into the body with the gap any separator leaves, so a phrase
                // matches only text that is really contiguous.
                let all = format!("{}\n{}", d.title, d.body);
                for (field, text) in [
                    (a.title_chars, d.title.as_str()),
                    (a.all_chars, &all),
                    (a.title_words, &d.title),
                    (a.all_words, &all),
                ] {
                    doc.add_text(field, text);
                }
                for field in a.title_grams {
                    doc.add_text(field, &d.title);
                }
                for field in a.all_grams {
                    doc.add_text(field, &all);
                }
                doc.add_u64(f.oid, object_hash(&d.id));
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

    /// A page of hits, exact matches first (see [`SearchIndex::find`]).
    pub fn search(&self, req: &Request<'_>) -> Result<Vec<Hit>> {
        Ok(self.find(req, false)?.hits)
    }

    /// A page of hits: first every object holding the whole query (each Chinese run as it is
    /// written, every English word), then those holding at least half of its pieces (related).
    /// With `count`, also how many objects each group has and, when nothing matches exactly,
    /// which of the query's words would find something alone.
    pub fn find(&self, req: &Request<'_>, count: bool) -> Result<Found> {
        let plan = Plan::new(req.text, req.as_you_type);
        let mut found = Found::default();
        if plan.is_empty() {
            return Ok(found);
        }
        let want = req.offset + req.limit;
        let searcher = self.reader.searcher();
        let exists = |t: &Term| searcher.doc_freq(t).is_ok_and(|n| n > 0);
        let collections = self.collections(req);
        let all = plan.exact.len();
        let need = plan.pieces_needed();
        // A query of one Chinese piece (退款) has no related matches: its one piece is the query.
        let related_possible = !(plan.exact.len() == 1
            && plan.pieces.len() == 1
            && matches!((&plan.exact[0], &plan.pieces[0]),
                (Unit::Chars(a), Unit::Chars(b)) if a == b));
        let exact_query = self.ranked(req, &plan, &plan.exact, all, &collections, &exists);
        let mut list: Vec<(Object, bool)> = self
            .top_objects(
                &searcher,
                &*exact_query,
                want,
                &HashSet::new(),
                req,
                None,
                usize::MAX,
            )?
            .unwrap_or_default()
            .into_iter()
            .map(|o| (o, true))
            .collect();
        if count {
            let f = self.fields;
            let exact_match = self.matching(req, &plan.exact, all, &collections, &exists);
            let (exact, more) = count_objects(&searcher, f.oid, &*exact_match, &[])?;
            found.exact = exact.len().min(COUNT_CAP);
            found.exact_more = more;
            if more {
                // Pages never reach past the exact matches: the related ones go uncounted.
                found.related_more = true;
            } else if related_possible {
                let related = self.matching(req, &plan.pieces, need, &collections, &exists);
                let (related, more) = count_objects(&searcher, f.oid, &*related, &exact)?;
                found.related = related.len().min(COUNT_CAP);
                found.related_more = more;
            }
            if found.exact == 0 {
                found.suggestions = self.suggestions(req, &plan, &searcher)?;
            }
        } else {
            found.exact = list.len();
        }
        if list.len() < want && related_possible {
            // Every exact object is in `skip` (fewer than wanted: all were fetched), so what
            // holds enough pieces and is not among them is related.
            let skip: HashSet<u64> = list.iter().map(|(o, _)| o.oid).collect();
            let rest = want - list.len();
            // Fast path: rank by any piece (a disjunction tantivy prunes by block-max scores)
            // and keep the documents holding enough pieces. For those documents the score is
            // the same sum as under "at least `need`", so the first ones kept are the best.
            // When the best documents by any piece rarely hold enough, the exhaustive query.
            let mut more = None;
            if need > 1
                && let Some(terms) = self.piece_terms(&plan, &collections, &exists)
            {
                let any = self.ranked(req, &plan, &plan.pieces, 1, &collections, &exists);
                let enough = |addr: tantivy::DocAddress| holds(&searcher, addr, &terms, need);
                more = self.top_objects(&searcher, &*any, rest, &skip, req, Some(&enough), 16)?;
            }
            let more = match more {
                Some(more) => more,
                None => {
                    let related =
                        self.ranked(req, &plan, &plan.pieces, need, &collections, &exists);
                    self.top_objects(&searcher, &*related, rest, &skip, req, None, usize::MAX)?
                        .unwrap_or_default()
                }
            };
            list.extend(more.into_iter().map(|o| (o, false)));
        }
        let highlighter = plan.highlighter();
        let f = self.fields;
        for (o, exact) in list.into_iter().skip(req.offset).take(req.limit) {
            let doc = self.shown_doc(&searcher, &o, req)?;
            found.hits.push(Hit {
                id: text_of(&doc, f.id),
                lang: text_of(&doc, f.lang),
                key: text_of(&doc, f.key),
                title: highlighter.whole(&text_of(&doc, f.title)),
                snippet: highlighter.snippet(&text_of(&doc, f.body), 160),
                kind: req.kind,
                score: o.score,
                exact,
            });
        }
        Ok(found)
    }

    /// The query's words that find something alone, most found first (at most five).
    fn suggestions(
        &self,
        req: &Request<'_>,
        plan: &Plan,
        searcher: &tantivy::Searcher,
    ) -> Result<Vec<(String, usize)>> {
        let exists = |t: &Term| searcher.doc_freq(t).is_ok_and(|n| n > 0);
        let collections = self.collections(req);
        let whole = analyze::fold_str(req.text.trim());
        let mut out = Vec::new();
        for word in plan.words.iter().take(8) {
            if *word == whole {
                continue;
            }
            let alone = Plan::new(word, false);
            let q = self.matching(req, &alone.exact, alone.exact.len(), &collections, &exists);
            let n = count_objects(searcher, self.fields.oid, &*q, &[])?
                .0
                .len()
                .min(COUNT_CAP);
            if n > 0 {
                out.push((word.clone(), n));
            }
        }
        out.sort_by_key(|b| std::cmp::Reverse(b.1));
        out.truncate(5);
        Ok(out)
    }

    /// Up to `want` objects in the order of their best document, leaving out `skip`, each with
    /// every fetched document of it (an article's languages). Objects are told apart by the
    /// `oid` column, so no stored document is read here.
    ///
    /// With `accept`, only documents it accepts count, and no more than `rounds` times the
    /// first number of documents are looked at: `None` when that did not find `want` objects.
    #[allow(clippy::too_many_arguments)]
    fn top_objects(
        &self,
        searcher: &tantivy::Searcher,
        q: &dyn Query,
        want: usize,
        skip: &HashSet<u64>,
        req: &Request<'_>,
        accept: Option<&dyn Fn(tantivy::DocAddress) -> Result<bool>>,
        rounds: usize,
    ) -> Result<Option<Vec<Object>>> {
        let name = searcher
            .schema()
            .get_field_name(self.fields.oid)
            .to_string();
        let mut columns: HashMap<u32, tantivy::columnar::Column<u64>> = HashMap::new();
        // Several documents may share an object (languages, messages): ask for more, and more
        // again while objects are missing and documents are not exhausted.
        let mut fetch = match req.kind {
            Kind::Article => want * 2,
            Kind::Conversation => want * 5,
        }
        .max(10);
        let most = fetch.saturating_mul(rounds);
        loop {
            let found = searcher.search(q, &TopDocs::with_limit(fetch).order_by_score())?;
            let exhausted = found.len() < fetch;
            let mut order: Vec<Object> = Vec::new();
            let mut at: HashMap<u64, usize> = HashMap::new();
            for (score, addr) in found {
                let column = match columns.entry(addr.segment_ord) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => e.insert(
                        searcher
                            .segment_reader(addr.segment_ord)
                            .fast_fields()
                            .u64(&name)?,
                    ),
                };
                let oid = column.first(addr.doc_id).unwrap_or_default();
                if skip.contains(&oid) {
                    continue;
                }
                if let Some(accept) = accept
                    && !accept(addr)?
                {
                    continue;
                }
                match at.get(&oid) {
                    Some(&i) => order[i].docs.push(addr),
                    None if order.len() < want => {
                        at.insert(oid, order.len());
                        order.push(Object {
                            oid,
                            score,
                            docs: vec![addr],
                        });
                    }
                    None => {}
                }
            }
            if order.len() >= want || exhausted {
                return Ok(Some(order));
            }
            if fetch >= most {
                return Ok(None);
            }
            fetch = (fetch * 4).min(most);
        }
    }

    /// For each piece, the terms that show a document holds it, when every piece is one exact
    /// term per collection (Chinese pieces, English words the index knows); `None` otherwise.
    fn piece_terms(
        &self,
        plan: &Plan,
        collections: &[Analysed],
        exists: &dyn Fn(&Term) -> bool,
    ) -> Option<Vec<Vec<Term>>> {
        plan.pieces
            .iter()
            .map(|u| match u {
                Unit::Chars(forms) => {
                    let chars = forms.first()?;
                    Some(
                        collections
                            .iter()
                            .map(|a| {
                                let field = match chars.len() {
                                    1 => a.all_chars,
                                    2 => a.all_grams[0],
                                    _ => return None,
                                };
                                Some(Term::from_field_text(field, &chars.concat()))
                            })
                            .collect::<Option<Vec<_>>>()?,
                    )
                }
                Unit::Word {
                    stem, prefix: None, ..
                } => {
                    let terms: Vec<Term> = collections
                        .iter()
                        .map(|a| Term::from_field_text(a.all_words, stem))
                        .collect();
                    // A word the index does not know is matched by its typos: no one term.
                    terms.iter().any(exists).then_some(terms)
                }
                Unit::Word { .. } => None,
            })
            .collect()
    }

    /// The document an object is shown by: the one in the reader's language, else its best.
    fn shown_doc(
        &self,
        searcher: &tantivy::Searcher,
        o: &Object,
        req: &Request<'_>,
    ) -> Result<TantivyDocument> {
        let mut first = None;
        for addr in &o.docs {
            let doc: TantivyDocument = searcher.doc(*addr)?;
            if o.docs.len() == 1
                || req
                    .lang
                    .is_some_and(|l| text_of(&doc, self.fields.lang) == l)
            {
                return Ok(doc);
            }
            first.get_or_insert(doc);
        }
        first.ok_or_else(|| {
            tantivy::TantivyError::InternalError("an object without documents".into()).into()
        })
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

    /// What matches: `need` of `units` (all of them, or at least so many), in the request's
    /// scopes.
    fn matching(
        &self,
        req: &Request<'_>,
        units: &[Unit],
        need: usize,
        collections: &[Analysed],
        exists: &dyn Fn(&Term) -> bool,
    ) -> Box<dyn Query> {
        let queries: Vec<Box<dyn Query>> = units
            .iter()
            .map(|u| u.query(collections, exists).0)
            .collect();
        let mut clauses = vec![(Occur::Must, at_least(queries, need))];
        self.restrict(req, &mut clauses);
        all_of(clauses)
    }

    /// What matches (as [`Self::matching`]), scored: titles and whole words rank up.
    fn ranked(
        &self,
        req: &Request<'_>,
        plan: &Plan,
        units: &[Unit],
        need: usize,
        collections: &[Analysed],
        exists: &dyn Fn(&Term) -> bool,
    ) -> Box<dyn Query> {
        let (queries, titles): (Vec<Box<dyn Query>>, Vec<_>) =
            units.iter().map(|u| u.query(collections, exists)).unzip();
        // In a disjunction (below) a boost would match documents by itself; there only words
        // that hold one of the units (so the unit matches wherever they do) may rank.
        let disjunction = queries.len() == 1 || need == 1;
        let holds_a_unit = |w: &str| {
            units.iter().any(|u| match u {
                Unit::Chars(forms) => forms.iter().any(|f| w.contains(&f.concat())),
                Unit::Word { .. } => false,
            })
        };
        // Titles (their matches are always matches of the unit too) and whole words rank up.
        let mut boosts: Vec<(Occur, Box<dyn Query>)> =
            titles.into_iter().map(|q| (Occur::Should, q)).collect();
        for w in &plan.boost_words {
            if disjunction && !holds_a_unit(w) {
                continue;
            }
            for a in collections {
                for (field, boost) in [(a.title_words, 2.0), (a.all_words, 1.0)] {
                    boosts.push((Occur::Should, boosted(term(field, w), boost)));
                }
            }
        }
        // One unit alone, or any one of several, is a plain disjunction, which tantivy prunes
        // by block-max scores: the common short queries stay fast however many documents hold
        // their words.
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if disjunction {
            let mut any: Vec<(Occur, Box<dyn Query>)> =
                queries.into_iter().map(|q| (Occur::Should, q)).collect();
            any.extend(boosts);
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        } else {
            clauses.push((Occur::Must, at_least(queries, need)));
            clauses.extend(boosts);
        }
        self.restrict(req, &mut clauses);
        all_of(clauses)
    }

    /// Conversations only in the request's scopes.
    fn restrict(&self, req: &Request<'_>, clauses: &mut Vec<(Occur, Box<dyn Query>)>) {
        if req.kind == Kind::Conversation
            && let Some(scopes) = req.scopes
        {
            let terms = scopes
                .iter()
                .map(|s| Term::from_field_text(self.fields.scope, s));
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(
                    Box::new(TermSetQuery::new(terms)),
                    0.0,
                )),
            ));
        }
    }
}

/// Every one of `queries` when `need` is all of them, else at least `need` of them.
fn at_least(mut queries: Vec<Box<dyn Query>>, need: usize) -> Box<dyn Query> {
    if queries.len() == 1
        && let Some(q) = queries.pop()
    {
        return q;
    }
    if need >= queries.len() {
        return Box::new(BooleanQuery::new(
            queries.into_iter().map(|q| (Occur::Must, q)).collect(),
        ));
    }
    Box::new(BooleanQuery::with_minimum_required_clauses(
        queries.into_iter().map(|q| (Occur::Should, q)).collect(),
        need,
    ))
}

fn all_of(mut clauses: Vec<(Occur, Box<dyn Query>)>) -> Box<dyn Query> {
    if clauses.len() == 1
        && let Some((Occur::Must, q)) = clauses.pop()
    {
        return q;
    }
    Box::new(BooleanQuery::new(clauses))
}

fn text_of(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

/// A stable 64-bit hash of an object's id (FNV-1a): what the `oid` column holds.
fn object_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The distinct objects (their `oid`s) a query matches, leaving out those in `skip` (sorted),
/// up to [`COUNT_CAP`]: `true` with them when there are more. Counting stops there, so a
/// word that most documents hold costs no more than a rare one.
fn count_objects(
    searcher: &tantivy::Searcher,
    oid: Field,
    q: &dyn Query,
    skip: &[u64],
) -> Result<(Vec<u64>, bool)> {
    let weight = q.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let name = searcher.schema().get_field_name(oid).to_string();
    let mut seen = HashSet::new();
    for segment in searcher.segment_readers() {
        let column = segment.fast_fields().u64(&name)?;
        let alive = segment.alive_bitset();
        let mut scorer = weight.scorer(segment, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc))
                && let Some(h) = column.first(doc)
                && skip.binary_search(&h).is_err()
                && seen.insert(h)
                && seen.len() > COUNT_CAP
            {
                let mut v: Vec<u64> = seen.into_iter().collect();
                v.sort_unstable();
                return Ok((v, true));
            }
            doc = scorer.advance();
        }
    }
    let mut v: Vec<u64> = seen.into_iter().collect();
    v.sort_unstable();
    Ok((v, false))
}

fn register(index: &Index) {
    let t = index.tokenizers();
    t.register(CHARS_TOKENIZER, TextAnalyzer::from(KefuTokenizer::Chars));
    for (i, name) in GRAM_TOKENIZERS.iter().enumerate() {
        t.register(name, TextAnalyzer::from(KefuTokenizer::Grams(i + 2)));
    }
    t.register(WORDS_TOKENIZER, TextAnalyzer::from(KefuTokenizer::Words));
}
