//! Kefu's storage: one [`Db`] over SQLite (the embedded default) and PostgreSQL (for several
//! instances), embedded migrations per backend, and the repositories that hold the SQL.
//!
//! SQL is written once with `$N` placeholders, which both drivers accept; the few places where
//! the backends differ say so. Repositories take anything that implements [`Exec`]: the
//! database itself (`&Db`) or a transaction (`&mut Tx`).

pub mod api_tokens;
pub mod attachments;
pub mod audit;
pub mod browsing;
pub mod cases;
pub mod changes;
pub mod conversations;
mod db;
pub mod error;
pub mod knowledge;
pub mod macros;
pub mod mail;
pub mod messages;
pub mod notifications;
pub mod outbox;
pub mod people;
pub mod phone;
pub mod presence;
pub mod quality;
pub mod sessions;
pub mod settings;
pub mod sla;
pub mod teams;
pub mod testing;
pub mod tokens;
pub mod visitors;

pub use db::{Backend, Db, DbOptions, Exec, Record, Tx, Value, redact_url as db_redact_url, slow};
pub use error::{Error, Result};

/// Builds the argument list of a query: `args![id, name, now]`.
#[macro_export]
macro_rules! args {
    () => { ::std::vec::Vec::<$crate::Value>::new() };
    ($($v:expr),+ $(,)?) => { ::std::vec![$($crate::Value::from($v)),+] };
}
