//! The web crate's integration tests, as one test binary so the crate and its dependencies
//! link once (eleven binaries each linked the whole server).

#![allow(clippy::unwrap_used)]

mod common;

mod authz;
mod chat;
mod desk;
mod floods;
mod fuzz_corpora;
mod group_commit;
mod http;
mod knowledge;
mod mail;
mod quality;
mod tickets;
