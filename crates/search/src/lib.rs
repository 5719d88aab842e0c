//! Kefu's search: one tantivy index over help-centre articles and the conversations agents may
//! open, with an analyzer that finds Chinese by any substring and English by stemmed word (see
//! [`analyze`]), ranks whole words and titles up, and forgives English typos.

pub mod analyze;
pub mod corpus;
mod index;
mod plan;
pub mod snippet;

pub use index::{COUNT_CAP, Doc, Error, Found, Hit, Kind, Opened, Request, Result, SearchIndex};
pub use snippet::{Highlighter, Snippet};

/// The pieces of a query a related match must hold, and how many of them: the query's
/// 2-character Chinese pieces (filler words left out), lone characters and English stems.
pub fn related_pieces(text: &str) -> (Vec<String>, usize) {
    let plan = plan::Plan::new(text, false);
    let pieces = plan.pieces.iter().map(plan::Unit::label).collect();
    (pieces, plan.pieces_needed())
}
