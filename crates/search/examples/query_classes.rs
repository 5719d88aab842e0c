//! Search latency by kind of query on a generated corpus in memory, for tuning the query
//! plan (the full benchmark, with the database and HTTP, is kefu-web's `search_bench`).
//!
//! Run: `cargo run --release -p kefu-search --example query_classes -- [articles]`

use std::time::Instant;

use kefu_search::corpus::{EN_WORDS, Rng, ZH_WORDS};
use kefu_search::{Doc, Kind, Request, SearchIndex};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let mut rng = Rng(7);
    let docs: Vec<Doc> = (0..n)
        .map(|i| {
            let zh = i % 10 < 3;
            let words = |rng: &mut Rng, k: usize, list: &[&str], sep: &str| {
                (0..k)
                    .map(|_| list[rng.below(list.len())])
                    .collect::<Vec<_>>()
                    .join(sep)
            };
            let (title, body) = if zh {
                (
                    words(&mut rng, 4, ZH_WORDS, ""),
                    words(&mut rng, 120, ZH_WORDS, ""),
                )
            } else {
                (
                    words(&mut rng, 6, EN_WORDS, " "),
                    words(&mut rng, 150, EN_WORDS, " "),
                )
            };
            Doc {
                key: format!("article:{i}"),
                id: format!("a{i}"),
                kind: Kind::Article,
                lang: if zh { "zh" } else { "en" }.into(),
                scope: "public".into(),
                title,
                body,
                updated_at: 0,
            }
        })
        .collect();
    let dir = tempfile::tempdir().expect("dir");
    let (index, _) = SearchIndex::open(dir.path()).expect("open");
    let t = Instant::now();
    for chunk in docs.chunks(5000) {
        index.upsert(chunk).expect("upsert");
    }
    index.commit(1).expect("commit");
    println!(
        "{n} documents indexed in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let classes: &[(&str, &[&str])] = &[
        ("1 CJK char", &["退", "货", "单", "码"]),
        ("2 CJK chars", &["退货", "订单", "款流", "发票"]),
        ("3-4 CJK chars", &["退货流", "退货流程", "优惠券", "款流程"]),
        (
            "English word",
            &["order", "refunds", "shipping", "warranty"],
        ),
        ("English typo", &["refnud", "shiping", "warranti", "adress"]),
        (
            "English phrase",
            &["cancel the order", "free shipping", "refund payment"],
        ),
        ("mixed", &["order 退货", "shipping 发票", "refund 支付"]),
        (
            "sentence",
            &[
                "怎么申请退货退款",
                "请问优惠券怎么用",
                "where is my package",
            ],
        ),
    ];
    let public = ["public".to_string()];
    // The top 10 (the console, the widget) and the help centre's page of 20 with both groups
    // counted.
    for (name, qs) in classes {
        let mut top = Vec::new();
        let mut counted = Vec::new();
        for round in 0..6 {
            for q in *qs {
                let mut r = Request::new(q, Kind::Article);
                r.scopes = Some(&public);
                r.lang = Some("zh");
                let t = Instant::now();
                let hits = index.search(&r).expect("search");
                if round > 0 {
                    top.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                std::hint::black_box(hits);
                r.limit = 20;
                let t = Instant::now();
                let found = index.find(&r, true).expect("search");
                if round > 0 {
                    counted.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                std::hint::black_box(found);
            }
        }
        for t in [&mut top, &mut counted] {
            t.sort_by(f64::total_cmp);
        }
        println!(
            "{name:>15}: top 10 median {:.2} ms, max {:.2} ms; page of 20 counted median {:.2} ms, max {:.2} ms",
            top[top.len() / 2],
            top[top.len() - 1],
            counted[counted.len() / 2],
            counted[counted.len() - 1]
        );
    }
}
