//! The real-time protocol, version 1: JSON text frames over a WebSocket (`docs/protocol.md`).
//! Pure types and checks; the server and clients do the IO.

use crate::error::ErrorCode;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const VERSION: u32 = 1;
/// Largest frame a client may send.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Longest message body, in characters.
pub const MAX_BODY_CHARS: usize = 10_000;
/// Longest client-generated message id.
pub const MAX_CLIENT_ID: usize = 64;

/// What a client sends.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// The first frame: who the client is, and the last sequence it saw per conversation.
    Hello {
        v: u32,
        /// A short-lived token from `POST /api/v1/realtime/token` (staff and customers).
        #[serde(default)]
        token: Option<String>,
        /// A widget visitor's token.
        #[serde(default)]
        visitor: Option<String>,
        #[serde(default)]
        since: BTreeMap<String, i64>,
    },
    /// A message; `cid` is the client's id for it, so sending it again is safe.
    Send {
        cid: String,
        conversation: String,
        body: String,
        /// A private note among staff.
        #[serde(default)]
        note: bool,
        /// Staff: send even though the quality check warned about it (recorded).
        #[serde(default)]
        accept_warnings: bool,
    },
    Typing {
        conversation: String,
        on: bool,
    },
    Read {
        conversation: String,
        seq: i64,
    },
    /// Staff: this agent has the conversation open (`on`) or closed it; others see a
    /// collision warning.
    Viewing {
        conversation: String,
        on: bool,
    },
    Ping,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("the frame is not valid JSON of a known type")]
    Malformed,
    #[error("the client id must be 1 to 64 letters, digits, '-' or '_'")]
    ClientId,
    #[error("the message must be 1 to 10000 characters")]
    Body,
    #[error("unsupported protocol version")]
    Version,
}

impl FrameError {
    pub fn code(self) -> ErrorCode {
        match self {
            FrameError::Malformed => ErrorCode::BadFrame,
            FrameError::ClientId => ErrorCode::BadClientId,
            FrameError::Body => ErrorCode::BadBody,
            FrameError::Version => ErrorCode::UnsupportedVersion,
        }
    }
}

/// Parses and checks a client frame.
pub fn parse(text: &str) -> Result<ClientFrame, FrameError> {
    let frame: ClientFrame = serde_json::from_str(text).map_err(|_| FrameError::Malformed)?;
    match &frame {
        ClientFrame::Hello { v, .. } if *v != VERSION => return Err(FrameError::Version),
        ClientFrame::Send { cid, body, .. } => {
            check_client_id(cid)?;
            check_body(body)?;
        }
        _ => {}
    }
    Ok(frame)
}

pub fn check_client_id(cid: &str) -> Result<(), FrameError> {
    if cid.is_empty()
        || cid.len() > MAX_CLIENT_ID
        || !cid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(FrameError::ClientId);
    }
    Ok(())
}

pub fn check_body(body: &str) -> Result<(), FrameError> {
    let n = body.chars().count();
    if body.trim().is_empty() || n > MAX_BODY_CHARS {
        return Err(FrameError::Body);
    }
    Ok(())
}

/// Who wrote a message or is typing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Author {
    /// `contact`, `agent` or `system`.
    pub kind: String,
    pub id: Option<String>,
    #[serde(default)]
    pub name: String,
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Welcome {
        v: u32,
        role: String,
        id: String,
    },
    /// The message with this `cid` is committed as `seq` (or was already: `duplicate`).
    Ack {
        cid: String,
        conversation: String,
        seq: i64,
        id: String,
        duplicate: bool,
    },
    Message {
        conversation: String,
        seq: i64,
        id: String,
        kind: crate::kinds::MessageKind,
        author: Author,
        body: String,
        meta: String,
        created_at: i64,
        cid: Option<String>,
    },
    Typing {
        conversation: String,
        who: Author,
        on: bool,
    },
    Read {
        conversation: String,
        reader: String,
        seq: i64,
    },
    /// Staff only: another agent opened (`on`) or left the conversation.
    Viewing {
        conversation: String,
        who: Author,
        on: bool,
    },
    /// Staff only: an agent's presence changed (`online`, `away`, `offline`).
    Presence {
        user: String,
        name: String,
        state: String,
    },
    /// For one agent: they were @mentioned.
    Notification {
        id: String,
        kind: String,
        conversation: String,
        body: String,
    },
    /// For the visitor: their place in the queue for an agent (0: an agent has it).
    Queue {
        conversation: String,
        position: i64,
    },
    /// For the visitor: whether the inbox takes live chats now (in hours, an agent online),
    /// sent when a widget connects and whenever that changes.
    Availability {
        open: bool,
        in_hours: bool,
        agents_online: i64,
    },
    Error {
        code: ErrorCode,
        message: String,
        cid: Option<String>,
    },
    Pong,
}

impl ServerFrame {
    pub fn error(code: ErrorCode, message: impl Into<String>, cid: Option<String>) -> ServerFrame {
        ServerFrame::Error {
            code,
            message: message.into(),
            cid,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{\"type\":\"error\"}".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_client_frame() {
        let hello = parse(r#"{"type":"hello","v":1,"visitor":"v_x","since":{"c1":4}}"#).unwrap();
        assert!(matches!(hello, ClientFrame::Hello { since, .. } if since["c1"] == 4));
        let send =
            parse(r#"{"type":"send","cid":"a-1","conversation":"c","body":"你好"}"#).unwrap();
        assert!(matches!(send, ClientFrame::Send { note: false, .. }));
        assert_eq!(parse(r#"{"type":"ping"}"#), Ok(ClientFrame::Ping));
        assert!(parse(r#"{"type":"typing","conversation":"c","on":true}"#).is_ok());
        assert!(parse(r#"{"type":"read","conversation":"c","seq":3}"#).is_ok());
        assert!(parse(r#"{"type":"viewing","conversation":"c","on":true}"#).is_ok());
    }

    #[test]
    fn refuses_bad_frames() {
        assert_eq!(parse("not json"), Err(FrameError::Malformed));
        assert_eq!(parse(r#"{"type":"explode"}"#), Err(FrameError::Malformed));
        assert_eq!(parse(r#"{"type":"hello","v":2}"#), Err(FrameError::Version));
        let long = "x".repeat(65);
        for cid in ["", "has space", "引号", long.as_str()] {
            let f = format!(r#"{{"type":"send","cid":"{cid}","conversation":"c","body":"x"}}"#);
            assert_eq!(parse(&f), Err(FrameError::ClientId), "{cid:?}");
        }
        assert_eq!(
            parse(r#"{"type":"send","cid":"a","conversation":"c","body":"  "}"#),
            Err(FrameError::Body)
        );
        let big = format!(
            r#"{{"type":"send","cid":"a","conversation":"c","body":"{}"}}"#,
            "字".repeat(10_001)
        );
        assert_eq!(parse(&big), Err(FrameError::Body));
    }

    #[test]
    fn server_frames_serialise_with_their_type() {
        let f = ServerFrame::Ack {
            cid: "a".into(),
            conversation: "c".into(),
            seq: 3,
            id: "m".into(),
            duplicate: false,
        };
        let json = f.to_json();
        assert!(json.starts_with(r#"{"type":"ack""#), "{json}");
        assert_eq!(serde_json::from_str::<ServerFrame>(&json).unwrap(), f);
    }
}
