//! Mail by Message-ID: what was received or sent, and which conversation it belongs to.

use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, Tx, args};

pub mod outcome {
    pub const STORED: &str = "stored";
    pub const AUTO_REPLY: &str = "auto_reply";
    pub const BOUNCE: &str = "bounce";
    pub const OWN_MAIL: &str = "own_mail";
    pub const UNPARSABLE: &str = "unparsable";
    pub const SENT: &str = "sent";
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct MailRecord {
    pub inbox_id: String,
    pub message_id: String,
    pub conversation_id: Option<String>,
    pub chat_message_id: Option<String>,
    pub direction: String,
    pub outcome: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct NewMail<'a> {
    pub inbox_id: &'a str,
    pub message_id: &'a str,
    pub conversation_id: Option<&'a str>,
    pub chat_message_id: Option<&'a str>,
    /// `in` or `out`.
    pub direction: &'a str,
    pub outcome: &'a str,
}

/// Records a mail once: `false` when this inbox already has this Message-ID (a mail fetched
/// twice), in which case nothing changes.
pub async fn record(tx: &mut Tx, m: &NewMail<'_>) -> Result<bool> {
    let n = tx
        .execute(
            "INSERT INTO mail_messages (inbox_id, message_id, conversation_id, chat_message_id, \
             direction, outcome, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (inbox_id, message_id) DO NOTHING",
            args![
                m.inbox_id,
                m.message_id,
                m.conversation_id,
                m.chat_message_id,
                m.direction,
                m.outcome,
                now_ms()
            ],
        )
        .await?;
    Ok(n == 1)
}

pub async fn get(x: impl Exec, inbox_id: &str, message_id: &str) -> Result<Option<MailRecord>> {
    x.fetch_optional(
        "SELECT inbox_id, message_id, conversation_id, chat_message_id, direction, outcome, \
         created_at FROM mail_messages WHERE inbox_id = $1 AND message_id = $2",
        args![inbox_id, message_id],
    )
    .await
}

/// The conversation of the newest of these Message-IDs (a reply's `In-Reply-To` and
/// `References`) that this inbox knows, if any.
pub async fn thread_of(
    x: impl Exec + Copy,
    inbox_id: &str,
    message_ids: &[String],
) -> Result<Option<String>> {
    // References list the oldest first: the last known one is the closest ancestor.
    for id in message_ids.iter().rev().take(50) {
        if let Some(r) = get(x, inbox_id, id.trim_matches(['<', '>'])).await?
            && let Some(c) = r.conversation_id
        {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// The mail of a conversation, oldest first.
pub async fn of_conversation(x: impl Exec, conversation_id: &str) -> Result<Vec<MailRecord>> {
    x.fetch_all(
        "SELECT inbox_id, message_id, conversation_id, chat_message_id, direction, outcome, \
         created_at FROM mail_messages WHERE conversation_id = $1 ORDER BY created_at, message_id",
        args![conversation_id],
    )
    .await
}
