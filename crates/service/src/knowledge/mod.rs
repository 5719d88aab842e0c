//! The knowledge base: articles written in Markdown, rendered safe.

pub mod markdown;
