//! Kefu's search: one tantivy index over help-centre articles and the conversations agents may
//! open, with an analyzer that finds Chinese by any substring and English by stemmed word (see
//! [`analyze`]), ranks whole words and titles up, and forgives English typos.

pub mod analyze;
pub mod corpus;
mod index;
mod plan;
pub mod snippet;

pub use index::{Doc, Error, Hit, Kind, Opened, Request, Result, SearchIndex};
pub use snippet::{Highlighter, Snippet};
