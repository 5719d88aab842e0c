//! The knowledge base: articles written in Markdown, rendered safe.

pub mod articles;
pub mod editing;
pub mod finding;
pub mod help_centre;
pub mod io;
pub mod markdown;
pub mod self_service;
