#![allow(clippy::unwrap_used)]
//! Recall and ranking on generated corpora, checked against a brute-force scan.

use kefu_search::corpus::{Rng, ZH_WORDS, en_text};
use kefu_search::{Doc, Kind, Opened, Request, SearchIndex};

const ZH_PUNCT: &[&str] = &["，", "。", "、", "？", "！", " ", "：", "；"];

fn zh_text(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        s.push_str(rng.pick(ZH_WORDS));
        if rng.below(5) == 0 {
            s.push_str(rng.pick(ZH_PUNCT));
        }
        if i % 11 == 10 {
            // Now and then a stray character, so substrings cross word boundaries.
            s.push(char::from_u32(0x4E00 + rng.below(400) as u32).unwrap_or('中'));
        }
    }
    s
}

fn corpus(n: usize, seed: u64) -> Vec<Doc> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| {
            let zh = i % 10 < 3;
            let (title, body) = if zh {
                (zh_text(&mut rng, 4), zh_text(&mut rng, 60))
            } else {
                // Some English articles carry a Chinese phrase (mixed text).
                let mut body = en_text(&mut rng, 80);
                if i % 7 == 0 {
                    body.push(' ');
                    body.push_str(&zh_text(&mut rng, 10));
                }
                (en_text(&mut rng, 5), body)
            };
            Doc {
                key: format!("article:{i}:{}", if zh { "zh" } else { "en" }),
                id: format!("a{i}"),
                kind: Kind::Article,
                lang: if zh { "zh" } else { "en" }.into(),
                scope: "public".into(),
                title,
                body,
                updated_at: i as i64,
            }
        })
        .collect()
}

fn ids(index: &SearchIndex, text: &str, limit: usize) -> Vec<String> {
    let mut req = Request::new(text, Kind::Article);
    req.limit = limit;
    index
        .search(&req)
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
}

/// `n` distinct all-Chinese substrings of the bodies, of 1 to `longest` characters.
fn substrings(
    docs: &[Doc],
    rng: &mut Rng,
    n: usize,
    longest: usize,
) -> std::collections::BTreeSet<String> {
    let mut queries = std::collections::BTreeSet::new();
    while queries.len() < n {
        let d = &docs[rng.below(docs.len())];
        let chars: Vec<char> = d.body.chars().collect();
        let len = 1 + rng.below(longest);
        let at = rng.below(chars.len().saturating_sub(len).max(1));
        let q: String = chars[at..(at + len).min(chars.len())].iter().collect();
        if q.chars().all(kefu_search::analyze::is_cjk) {
            queries.insert(q);
        }
    }
    queries
}

/// The objects holding the whole query.
fn exact_ids(index: &SearchIndex, text: &str, limit: usize) -> Vec<String> {
    let mut req = Request::new(text, Kind::Article);
    req.limit = limit;
    index
        .search(&req)
        .unwrap()
        .into_iter()
        .filter(|h| h.exact)
        .map(|h| h.id)
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn every_chinese_substring_of_one_to_four_characters_finds_exactly_the_articles_holding_it() {
    let docs = corpus(400, 0x5eed);
    let index = SearchIndex::in_memory().unwrap();
    index.upsert(&docs).unwrap();
    index.commit(1).unwrap();

    let mut checked = 0;
    // Substrings taken from the texts (so they exist), of every length from 1 to 4.
    let mut queries = substrings(&docs, &mut Rng(42), 400, 4);
    // And some that cross a separator or do not exist at all.
    queries.insert("退货，".chars().take(2).collect());
    queries.insert("款流".into());
    queries.insert("龘".into());
    for q in &queries {
        let expected: Vec<String> = docs
            .iter()
            .filter(|d| d.title.contains(q.as_str()) || d.body.contains(q.as_str()))
            .map(|d| d.id.clone())
            .collect();
        let got = exact_ids(&index, q, docs.len());
        assert_eq!(
            sorted(got),
            sorted(expected),
            "query {q:?}: search and scan disagree"
        );
        checked += 1;
    }
    assert!(checked >= 400);
}

#[test]
fn english_matches_by_stem_forgives_typos_and_mixes_with_chinese() {
    let docs = corpus(300, 7);
    let index = SearchIndex::in_memory().unwrap();
    index.upsert(&docs).unwrap();
    index.commit(1).unwrap();
    let has_word = |d: &Doc, words: &[&str]| {
        let text = format!("{} {}", d.title, d.body);
        text.split(|c: char| !c.is_alphanumeric())
            .any(|w| words.contains(&w))
    };

    // Stemming: "refunded" finds refund, refunds and refunded.
    let forms = ["refund", "refunds", "refunded"];
    let expected: Vec<String> = docs
        .iter()
        .filter(|d| has_word(d, &forms))
        .map(|d| d.id.clone())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(
        sorted(ids(&index, "refunded", 1000)),
        sorted(expected.clone())
    );
    // A typo finds the same articles.
    assert_eq!(sorted(ids(&index, "refnuded", 1000)), sorted(expected));

    // Every non-stop word must match: "cancel the invoice" = cancel AND invoice.
    let expected: Vec<String> = docs
        .iter()
        .filter(|d| has_word(d, &["cancel"]) && has_word(d, &["invoice"]))
        .map(|d| d.id.clone())
        .collect();
    let got = ids(&index, "cancel the invoice", 1000);
    for id in &expected {
        assert!(got.contains(id), "{id} missing");
    }
    // Articles holding both come before those holding only most of the words.
    assert_eq!(
        sorted(got[..expected.len()].to_vec()),
        sorted(expected.clone())
    );

    // Mixed: an English word and a Chinese phrase.
    let mixed: Vec<String> = docs
        .iter()
        .filter(|d| has_word(d, &["shipping"]) && d.body.contains("订单"))
        .map(|d| d.id.clone())
        .collect();
    assert!(!mixed.is_empty(), "the corpus has mixed articles");
    let got = ids(&index, "shipping 订单", 1000);
    assert_eq!(sorted(got[..mixed.len()].to_vec()), sorted(mixed));
}

fn doc(id: &str, title: &str, body: &str) -> Doc {
    Doc {
        key: format!("article:{id}:zh"),
        id: id.into(),
        kind: Kind::Article,
        lang: "zh".into(),
        scope: "public".into(),
        title: title.into(),
        body: body.into(),
        updated_at: 0,
    }
}

#[test]
fn titles_and_whole_words_rank_first() {
    let index = SearchIndex::in_memory().unwrap();
    index
        .upsert(&[
            // 退 and 货 side by side but in other words: 后退 + 货车.
            doc("scattered", "车辆说明", "倒车时请后退货车要慢，注意安全。"),
            doc(
                "body",
                "售后说明",
                "如需退货请在七天内申请，我们会尽快处理。",
            ),
            doc("title", "退货政策", "七天内可以申请，我们会尽快处理。"),
        ])
        .unwrap();
    index.commit(1).unwrap();
    assert_eq!(ids(&index, "退货", 10), vec!["title", "body", "scattered"]);

    // A question typed as a sentence still finds the article by its words.
    let got = ids(&index, "请问怎么申请退货呢", 10);
    assert_eq!(got.first().map(String::as_str), Some("title"));
    assert!(got.contains(&"body".to_string()));
}

#[test]
fn hits_carry_highlighted_titles_and_snippets() {
    let index = SearchIndex::in_memory().unwrap();
    index
        .upsert(&[doc(
            "a",
            "Refund <policy>",
            &format!(
                "{}Refunds arrive in 3 days. 退款三天到账。",
                "Intro text. ".repeat(40)
            ),
        )])
        .unwrap();
    index.commit(1).unwrap();
    let mut req = Request::new("refund 到账", Kind::Article);
    req.limit = 5;
    let hits = index.search(&req).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].title.to_html(),
        "<mark>Refund</mark> &lt;policy&gt;"
    );
    let snippet = hits[0].snippet.to_html();
    assert!(snippet.starts_with('…'), "{snippet}");
    assert!(snippet.contains("<mark>Refunds</mark>"), "{snippet}");
    assert!(snippet.contains("<mark>到账</mark>"), "{snippet}");
}

#[test]
fn as_you_type_the_last_word_matches_as_a_prefix() {
    let index = SearchIndex::in_memory().unwrap();
    let mut d = doc("a", "Delivery times", "Parcels arrive in two days.");
    d.lang = "en".into();
    index.upsert(&[d]).unwrap();
    index.commit(1).unwrap();
    let mut req = Request::new("deliv", Kind::Article);
    assert!(index.search(&req).unwrap().is_empty());
    req.as_you_type = true;
    assert_eq!(index.search(&req).unwrap().len(), 1);
}

#[test]
fn scopes_and_kinds_filter_and_objects_are_replaced_and_deleted() {
    let index = SearchIndex::in_memory().unwrap();
    let mut draft = doc("d", "退货草稿", "");
    draft.scope = "staff".into();
    let mut msg = doc("c1", "", "我要退货");
    msg.kind = Kind::Conversation;
    msg.key = "message:m1".into();
    msg.scope = "inbox:1".into();
    let mut msg2 = msg.clone();
    msg2.id = "c2".into();
    msg2.key = "message:m2".into();
    msg2.scope = "inbox:2".into();
    index
        .upsert(&[doc("p", "退货", ""), draft, msg, msg2])
        .unwrap();
    index.commit(1).unwrap();

    let public = ["public".to_string()];
    let mut req = Request::new("退货", Kind::Article);
    req.scopes = Some(&public);
    assert_eq!(
        index
            .search(&req)
            .unwrap()
            .iter()
            .map(|h| h.id.as_str())
            .collect::<Vec<_>>(),
        vec!["p"]
    );
    let inbox1 = ["inbox:1".to_string()];
    let mut req = Request::new("退货", Kind::Conversation);
    req.scopes = Some(&inbox1);
    assert_eq!(
        index
            .search(&req)
            .unwrap()
            .iter()
            .map(|h| h.id.as_str())
            .collect::<Vec<_>>(),
        vec!["c1"]
    );

    // Replacing by key, deleting by object.
    index.upsert(&[doc("p", "换货", "")]).unwrap();
    index.delete_object("d").unwrap();
    index.commit(2).unwrap();
    assert!(ids(&index, "退货", 10).is_empty());
    assert_eq!(ids(&index, "换货", 10), vec!["p"]);
    assert_eq!(index.mark(), 2);
}

#[test]
fn the_index_on_disk_is_reopened_or_rebuilt_when_missing_or_damaged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("index");
    {
        let (index, opened) = SearchIndex::open(&dir).unwrap();
        assert_eq!(opened, Opened::Created);
        index.upsert(&corpus(50, 3)).unwrap();
        index.commit(17).unwrap();
    }
    {
        let (index, opened) = SearchIndex::open(&dir).unwrap();
        assert_eq!(opened, Opened::Existing { mark: 17 });
        assert_eq!(index.num_docs(), 50);
    }
    // Damage a segment file: one byte flipped in the middle.
    let victim = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "idx" || e == "store"))
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(&victim).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&victim, bytes).unwrap();
    {
        let (index, opened) = SearchIndex::open(&dir).unwrap();
        assert!(
            matches!(opened, Opened::Replaced { .. }),
            "damage went unnoticed: {opened:?}"
        );
        assert_eq!(index.num_docs(), 0);
    }
    // A folder that is gone is made again.
    std::fs::remove_dir_all(&dir).unwrap();
    let (_, opened) = SearchIndex::open(&dir).unwrap();
    assert_eq!(opened, Opened::Created);
}

#[test]
fn questions_typed_as_sentences_find_articles_by_their_words() {
    let index = SearchIndex::in_memory().unwrap();
    index
        .upsert(&[doc("invoice", "申请发票", "在订单页申请电子发票。")])
        .unwrap();
    index.commit(1).unwrap();
    assert_eq!(ids(&index, "怎么开发票？", 10), vec!["invoice"]);
    assert_eq!(ids(&index, "怎么开发票", 10), vec!["invoice"]);
}

#[test]
fn the_writer_is_let_go_when_idle_and_made_again_on_the_next_write() {
    let index = SearchIndex::in_memory().unwrap();
    index.upsert(&[doc("a", "退货", "")]).unwrap();
    index.commit(1).unwrap();
    assert!(index.has_writer());
    index.release_writer();
    assert!(!index.has_writer());
    index.upsert(&[doc("b", "换货", "")]).unwrap();
    index.commit(2).unwrap();
    assert_eq!(ids(&index, "货", 10).len(), 2);
}

/// Precision and recall of the exact group by query length, against a brute-force scan: for
/// every length the articles holding the query are all found, counted, and listed before any
/// other; related matches each hold at least half of the query's pieces, and every article that
/// does is counted; a query that no article holds says so.
#[test]
fn exact_matches_come_first_and_are_exactly_the_articles_holding_the_query() {
    let docs = corpus(400, 0xfeed);
    let index = SearchIndex::in_memory().unwrap();
    index.upsert(&docs).unwrap();
    index.commit(1).unwrap();
    let holds = |d: &Doc, q: &str| d.title.contains(q) || d.body.contains(q);

    let mut rng = Rng(7);
    let mut by_length: std::collections::BTreeMap<usize, (usize, f64, f64)> = Default::default();
    let queries = substrings(&docs, &mut rng, 360, 12);
    for q in &queries {
        let expected: Vec<String> = sorted(
            docs.iter()
                .filter(|d| holds(d, q))
                .map(|d| d.id.clone())
                .collect(),
        );
        let mut req = Request::new(q, Kind::Article);
        req.limit = docs.len();
        let found = index.find(&req, true).unwrap();
        let exact: Vec<String> = found
            .hits
            .iter()
            .filter(|h| h.exact)
            .map(|h| h.id.clone())
            .collect();
        // Exact hits first, every one of them.
        let first = found.hits.iter().take_while(|h| h.exact).count();
        assert_eq!(
            first,
            exact.len(),
            "{q:?}: an exact match after a related one"
        );
        let right = exact.iter().filter(|id| expected.contains(id)).count();
        let precision = if exact.is_empty() {
            1.0
        } else {
            right as f64 / exact.len() as f64
        };
        let recall = if expected.is_empty() {
            1.0
        } else {
            right as f64 / expected.len() as f64
        };
        let entry = by_length.entry(q.chars().count()).or_insert((0, 0.0, 0.0));
        entry.0 += 1;
        entry.1 += precision;
        entry.2 += recall;
        assert_eq!(
            sorted(exact),
            expected,
            "{q:?}: exact group and scan disagree"
        );
        assert_eq!(found.exact, expected.len(), "{q:?}: exact count");

        // Related: each holds at least half of the pieces; every article that does is counted.
        let (pieces, need) = kefu_search::related_pieces(q);
        let share = |d: &Doc| pieces.iter().filter(|p| holds(d, p)).count();
        let related: Vec<String> = sorted(
            docs.iter()
                .filter(|d| !holds(d, q) && share(d) >= need)
                .map(|d| d.id.clone())
                .collect(),
        );
        let got: Vec<String> = sorted(
            found
                .hits
                .iter()
                .filter(|h| !h.exact)
                .map(|h| h.id.clone())
                .collect(),
        );
        if q.chars().count() > 2 {
            assert_eq!(got, related, "{q:?}: related group and scan disagree");
            assert_eq!(found.related, related.len(), "{q:?}: related count");
        }
    }
    for (len, (n, p, r)) in &by_length {
        println!(
            "{len:>2} characters: {n:>3} queries, exact group precision {:.3}, recall {:.3}",
            p / *n as f64,
            r / *n as f64
        );
    }
    assert!(
        by_length.keys().any(|&l| l >= 10),
        "long queries were tried"
    );

    // Paging: pages of 7 put together are the one long page, with the same counts.
    for q in queries.iter().filter(|q| q.chars().count() == 5).take(10) {
        let mut req = Request::new(q, Kind::Article);
        req.limit = 1000;
        let whole = index.find(&req, true).unwrap();
        let mut paged = Vec::new();
        req.limit = 7;
        loop {
            let page = index.find(&req, true).unwrap();
            assert_eq!((page.exact, page.related), (whole.exact, whole.related));
            if page.hits.is_empty() {
                break;
            }
            paged.extend(page.hits.into_iter().map(|h| (h.id, h.exact)));
            req.offset += 7;
        }
        let whole: Vec<_> = whole.hits.into_iter().map(|h| (h.id, h.exact)).collect();
        assert_eq!(paged, whole, "{q:?}: pages differ from the whole list");
    }

    // Nonsense: 5 to 8 of the corpus's own characters in an order no article has.
    let alphabet: Vec<char> = ZH_WORDS.concat().chars().collect();
    let mut nonsense = 0;
    while nonsense < 30 {
        let len = 5 + rng.below(4);
        let q: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        if docs.iter().any(|d| holds(d, &q)) {
            continue;
        }
        nonsense += 1;
        let mut req = Request::new(&q, Kind::Article);
        req.limit = 20;
        let found = index.find(&req, true).unwrap();
        assert_eq!(found.exact, 0, "{q:?}");
        assert!(found.hits.iter().all(|h| !h.exact), "{q:?}");
    }
}

#[test]
fn a_query_nothing_holds_suggests_its_words_that_find_something() {
    let index = SearchIndex::in_memory().unwrap();
    index
        .upsert(&[
            doc("a", "退货政策", "七天内可以申请退货。"),
            doc("b", "发票", "在订单页申请电子发票。"),
            doc("c", "运费说明", "退货运费由买家承担。"),
        ])
        .unwrap();
    index.commit(1).unwrap();
    let mut req = Request::new("退货发票", Kind::Article);
    let found = index.find(&req, true).unwrap();
    assert_eq!(found.exact, 0);
    assert_eq!(
        found.suggestions,
        vec![("退货".to_string(), 2), ("发票".to_string(), 1)]
    );
    // Something holds it: no suggestions.
    req.text = "退货";
    let found = index.find(&req, true).unwrap();
    assert_eq!(found.exact, 2);
    assert!(found.suggestions.is_empty());
}

#[test]
fn counts_stop_at_the_cap_and_say_there_are_more() {
    let index = SearchIndex::in_memory().unwrap();
    let docs: Vec<Doc> = (0..kefu_search::COUNT_CAP + 50)
        .map(|i| doc(&format!("d{i}"), "退货", "七天内可以申请退货。"))
        .collect();
    index.upsert(&docs).unwrap();
    index.commit(1).unwrap();
    let found = index
        .find(&Request::new("退货", Kind::Article), true)
        .unwrap();
    assert_eq!(found.exact, kefu_search::COUNT_CAP);
    assert!(found.exact_more && found.related_more);
    let found = index
        .find(&Request::new("申请的退货", Kind::Article), true)
        .unwrap();
    assert_eq!((found.exact, found.exact_more), (0, false));
    assert_eq!(found.related, kefu_search::COUNT_CAP);
    assert!(found.related_more);
}
