//! Live chat: this instance's fan-out of events and the tokens that open a socket.

pub mod hub;
pub mod token;
