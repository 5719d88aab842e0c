//! Working a conversation as a ticket: the fields admins define (checked on every change,
//! required ones before resolving), merging two conversations of one customer, splitting a
//! message off into a new ticket, and macros (a reply from a template, changes, an assignment
//! in one click).

pub mod cases;
pub mod fields;
pub mod macros;
pub mod merge;
pub mod sla;

pub use fields::*;
pub use macros::*;
pub use merge::*;
