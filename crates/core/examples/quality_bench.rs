//! Throughput of the forbidden-phrase guard on long text, next to a baseline measured in the
//! same run: one plain substring count (`str::matches`, memchr-backed) over the same text. Three
//! sizes show that the time grows with the text and no faster.
//!
//! `cargo run --release -p kefu-core --example quality_bench`

use std::hint::black_box;
use std::time::Instant;

use kefu_core::quality::{Guard, default_rules};

const PROSE: &[&str] = &[
    "您好，感谢您的耐心等待，您的订单已经发货，预计明天送达。",
    "Hello, thank you for waiting; your parcel left our warehouse this morning. ",
    "因为库存调整，我们可以为您换成同款的另一种颜色，您看可以吗？",
    "We can arrange a replacement because the first one arrived damaged. ",
    "请您提供一下订单号和收货地址，我马上为您核实。",
    "抱歉，我不能直接修改已经出库的订单，但是可以帮您联系快递改派。",
    "I can't change the address after dispatch, but the courier can redirect it. ",
    "您说“我不能再等了”，我非常理解，我们会优先处理。",
];

fn text_of(chars: usize) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.chars().count() < chars {
        s.push_str(PROSE[i % PROSE.len()]);
        i += 1;
        if i % 7 == 0 {
            s.push('\n');
        }
    }
    s
}

/// The median of five runs, in seconds.
fn median(mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..5)
        .map(|_| {
            let at = Instant::now();
            f();
            at.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[2]
}

fn main() {
    let guard = Guard::new(default_rules()).expect("rules");
    println!(
        "| text (chars) | guard (M chars/s) | findings | baseline: one substring count (M chars/s) | ratio |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for size in [1_000_000usize, 4_000_000, 16_000_000] {
        let text = text_of(size);
        let chars = text.chars().count() as f64;
        let mut found = 0;
        let g = median(|| found = black_box(guard.check(black_box(&text))).len());
        let b = median(|| {
            black_box(black_box(&text).matches("但是").count());
        });
        println!(
            "| {} | {:.1} | {} | {:.1} | {:.2} |",
            text.chars().count(),
            chars / g / 1e6,
            found,
            chars / b / 1e6,
            (chars / g) / (chars / b)
        );
    }
}
