//! Search latency by kind of query on a generated corpus in memory, for tuning the query
//! plan (the full benchmark, with the database and HTTP, is kefu-web's `search_bench`).
//!
//! Run: `cargo run --release -p kefu-search --example query_classes -- [articles]`

use std::time::Instant;

use kefu_search::{Doc, Kind, Request, SearchIndex};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ZH: &[&str] = &[
    "订单",
    "退货",
    "退款",
    "流程",
    "物流",
    "快递",
    "发货",
    "签收",
    "优惠券",
    "会员",
    "积分",
    "发票",
    "地址",
    "修改",
    "取消",
    "支付",
    "微信",
    "支付宝",
    "尺码",
    "颜色",
    "库存",
    "预售",
    "保修",
    "维修",
    "换货",
    "运费",
    "包邮",
    "客服",
    "售后",
    "质量",
    "问题",
    "商品",
    "价格",
];
const EN: &[&str] = &[
    "order", "orders", "refund", "refunded", "return", "shipping", "delivery", "package",
    "invoice", "coupon", "member", "points", "address", "change", "cancel", "payment", "size",
    "colour", "stock", "warranty", "repair", "exchange", "free", "service", "quality", "the",
];

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
                (words(&mut rng, 4, ZH, ""), words(&mut rng, 120, ZH, ""))
            } else {
                (words(&mut rng, 6, EN, " "), words(&mut rng, 150, EN, " "))
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
    for (name, qs) in classes {
        let mut times = Vec::new();
        for round in 0..6 {
            for q in *qs {
                let mut r = Request::new(q, Kind::Article);
                r.scopes = Some(&public);
                r.lang = Some("zh");
                let t = Instant::now();
                let hits = index.search(&r).expect("search");
                if round > 0 {
                    times.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                std::hint::black_box(hits);
            }
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name:>15}: median {:.2} ms, max {:.2} ms",
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
}
