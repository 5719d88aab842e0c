//! Kefu's pure domain: identifiers, time, roles, validation and the security rules that need no
//! IO (TOTP, signed shop identities). Everything here is deterministic given its inputs and is
//! tested without sockets or databases.

pub mod businesstime;
pub mod cases;
pub mod conversation;
pub mod error;
pub mod id;
pub mod identity;
pub mod kinds;
pub mod letter;
pub mod mailtoken;
pub mod placeholders;
pub mod protocol;
pub mod quality;
pub mod role;
pub mod secretbox;
pub mod sequence;
pub mod threading;
pub mod time;
pub mod totp;
pub mod url;
pub mod validate;

pub use error::ErrorCode;
pub use role::Role;
