//! The fuzz targets' corpora (`fuzz/corpus/<target>`: seeds and what the fuzzers found worth
//! keeping) replayed through the same checks as the fuzz targets (`fuzz/checks.rs`), so every
//! input a fuzzer ever kept runs in the test command without libFuzzer.

#![allow(clippy::unwrap_used)]

#[path = "../../../../fuzz/checks.rs"]
mod checks;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/").to_string() + target;
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        check(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n > 0, "no corpus in {dir}");
}

#[test]
fn the_protocol_corpus_decodes_or_errs() {
    replay("protocol", checks::protocol);
}

#[test]
fn the_mime_corpus_maps_or_errs() {
    replay("mime", checks::mime);
}

#[test]
fn the_markdown_corpus_renders_only_safe_html() {
    replay("markdown", checks::markdown);
}

#[test]
fn the_search_corpus_plans_and_runs() {
    replay("search_query", checks::search_query);
}
