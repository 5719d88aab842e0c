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
    /// A conversation mail waiting in the outbox.
    pub const QUEUED: &str = "queued";
    /// Over the size limit: left on the mail server, listed for admins.
    pub const TOO_LARGE: &str = "too_large";
    /// One more from an address that sent too many this hour: kept for admins, not a message.
    pub const FLOOD: &str = "flood";
    /// Read in part (a part or a header could not be decoded): the message holds what could be
    /// salvaged; listed for admins with the raw mail.
    pub const DAMAGED: &str = "damaged";
    /// A mail we sent that came back in a delivery failure report.
    pub const BOUNCED: &str = "bounced";
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
    pub from_addr: String,
    pub subject: String,
    pub raw_key: String,
    pub error: String,
}

macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT inbox_id, message_id, conversation_id, chat_message_id, direction, outcome, \
             created_at, from_addr, subject, raw_key, error FROM mail_messages ",
            $rest
        )
    };
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
    pub from_addr: &'a str,
    pub subject: &'a str,
    pub raw_key: &'a str,
    pub error: &'a str,
}

/// Records a mail once: `false` when this inbox already has this Message-ID (a mail fetched
/// twice), in which case nothing changes.
pub async fn record(tx: &mut Tx, m: &NewMail<'_>) -> Result<bool> {
    let n = tx
        .execute(
            "INSERT INTO mail_messages (inbox_id, message_id, conversation_id, chat_message_id, \
             direction, outcome, created_at, from_addr, subject, raw_key, error) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (inbox_id, message_id) DO NOTHING",
            args![
                m.inbox_id,
                m.message_id,
                m.conversation_id,
                m.chat_message_id,
                m.direction,
                m.outcome,
                now_ms(),
                m.from_addr,
                m.subject,
                m.raw_key,
                m.error
            ],
        )
        .await?;
    Ok(n == 1)
}

/// Mails from `from_addr` this inbox turned into messages since `since` (ms).
pub async fn stored_from_since(
    x: impl Exec,
    inbox_id: &str,
    from_addr: &str,
    since: i64,
) -> Result<i64> {
    let (n,): (i64,) = x
        .fetch_one(
            "SELECT COUNT(*) FROM mail_messages WHERE inbox_id = $1 AND from_addr = $2 \
             AND created_at >= $3 AND direction = 'in' AND outcome IN ('stored', 'damaged')",
            args![inbox_id, from_addr, since],
        )
        .await?;
    Ok(n)
}

pub async fn get(x: impl Exec, inbox_id: &str, message_id: &str) -> Result<Option<MailRecord>> {
    x.fetch_optional(
        select!("WHERE inbox_id = $1 AND message_id = $2"),
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
        select!("WHERE conversation_id = $1 ORDER BY created_at, message_id"),
        args![conversation_id],
    )
    .await
}

pub async fn set_outcome(
    tx: &mut Tx,
    inbox_id: &str,
    message_id: &str,
    outcome: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE mail_messages SET outcome = $3 WHERE inbox_id = $1 AND message_id = $2",
        args![inbox_id, message_id, outcome],
    )
    .await?;
    Ok(())
}

/// Marks a recorded mail as failed (`outcome`), with the reason.
pub async fn set_failure(
    tx: &mut Tx,
    inbox_id: &str,
    message_id: &str,
    outcome: &str,
    error: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE mail_messages SET outcome = $3, error = $4 WHERE inbox_id = $1 AND message_id = $2",
        args![inbox_id, message_id, outcome, error],
    )
    .await?;
    Ok(())
}

/// Ties a recorded mail to the conversation and message it became.
pub async fn attach(
    tx: &mut Tx,
    inbox_id: &str,
    message_id: &str,
    conversation_id: &str,
    chat_message_id: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE mail_messages SET conversation_id = $3, chat_message_id = $4 \
         WHERE inbox_id = $1 AND message_id = $2",
        args![inbox_id, message_id, conversation_id, chat_message_id],
    )
    .await?;
    Ok(())
}

/// The mail a conversation message came from or went out as.
pub async fn of_message(x: impl Exec, chat_message_id: &str) -> Result<Option<MailRecord>> {
    x.fetch_optional(
        select!("WHERE chat_message_id = $1"),
        args![chat_message_id],
    )
    .await
}

/// Received mail that did not become a message (unparsable, bounces, automatic replies, loops),
/// newest first, for admins.
/// `inbox`: only this inbox's.
pub async fn not_stored(x: impl Exec, inbox: Option<&str>, limit: i64) -> Result<Vec<MailRecord>> {
    x.fetch_all(
        select!(
            "WHERE direction = 'in' AND outcome <> 'stored' AND ($2 IS NULL OR inbox_id = $2) \
             ORDER BY created_at DESC LIMIT $1"
        ),
        args![limit, inbox],
    )
    .await
}

/// Where reading an inbox over IMAP stands.
#[derive(Debug, Clone, Default, sqlx::FromRow, Serialize)]
pub struct InboxState {
    pub inbox_id: String,
    pub uid_validity: i64,
    pub last_uid: i64,
    pub last_error: String,
    pub last_ok_at: Option<i64>,
    pub updated_at: i64,
}

pub async fn state(x: impl Exec, inbox_id: &str) -> Result<InboxState> {
    let s: Option<InboxState> = x
        .fetch_optional(
            "SELECT inbox_id, uid_validity, last_uid, last_error, last_ok_at, updated_at \
             FROM mail_inbox_state WHERE inbox_id = $1",
            args![inbox_id],
        )
        .await?;
    Ok(s.unwrap_or_else(|| InboxState {
        inbox_id: inbox_id.to_string(),
        ..Default::default()
    }))
}

/// Moves the reading position forward (never back, unless UIDVALIDITY changed).
pub async fn set_position(
    x: impl Exec,
    inbox_id: &str,
    uid_validity: i64,
    last_uid: i64,
) -> Result<()> {
    let now = now_ms();
    x.execute(
        "INSERT INTO mail_inbox_state (inbox_id, uid_validity, last_uid, last_ok_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (inbox_id) DO UPDATE SET \
         last_uid = CASE WHEN mail_inbox_state.uid_validity = excluded.uid_validity \
           AND mail_inbox_state.last_uid > excluded.last_uid THEN mail_inbox_state.last_uid \
           ELSE excluded.last_uid END, \
         uid_validity = excluded.uid_validity, last_error = '', last_ok_at = excluded.last_ok_at, \
         updated_at = excluded.updated_at",
        args![inbox_id, uid_validity, last_uid, now],
    )
    .await?;
    Ok(())
}

/// Records the last connection error ('' once it works again).
pub async fn set_error(x: impl Exec, inbox_id: &str, error: &str) -> Result<()> {
    let now = now_ms();
    x.execute(
        "INSERT INTO mail_inbox_state (inbox_id, last_error, last_ok_at, updated_at) \
         VALUES ($1, $2, $4, $3) \
         ON CONFLICT (inbox_id) DO UPDATE SET last_error = excluded.last_error, \
         last_ok_at = CASE WHEN excluded.last_error = '' THEN excluded.updated_at \
           ELSE mail_inbox_state.last_ok_at END, updated_at = excluded.updated_at",
        // A first connection that works is reading, though no mail came yet.
        args![inbox_id, error, now, error.is_empty().then_some(now)],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signature {
    pub id: String,
    /// The agent whose signature it is; `None` for one of the inbox's.
    pub owner_id: Option<String>,
    pub inbox_id: Option<String>,
    pub name: String,
    /// Plain text (Markdown).
    pub body: String,
    pub created_at: i64,
}

pub async fn add_signature(
    x: impl Exec,
    owner_id: Option<&str>,
    inbox_id: Option<&str>,
    name: &str,
    body: &str,
) -> Result<Signature> {
    let sig = Signature {
        id: kefu_core::id::new_id(),
        owner_id: owner_id.map(str::to_string),
        inbox_id: inbox_id.map(str::to_string),
        name: name.to_string(),
        body: body.to_string(),
        created_at: now_ms(),
    };
    x.execute(
        "INSERT INTO signatures (id, owner_id, inbox_id, name, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![
            &sig.id,
            sig.owner_id.clone(),
            sig.inbox_id.clone(),
            &sig.name,
            &sig.body,
            sig.created_at
        ],
    )
    .await?;
    Ok(sig)
}

/// The signatures an agent may choose from: their own and those of the inboxes given.
pub async fn signatures_for(x: impl Exec, owner_id: &str) -> Result<Vec<Signature>> {
    x.fetch_all(
        "SELECT id, owner_id, inbox_id, name, body, created_at FROM signatures \
         WHERE owner_id = $1 OR owner_id IS NULL ORDER BY owner_id IS NULL, name, id",
        args![owner_id],
    )
    .await
}

pub async fn signature(x: impl Exec, id: &str) -> Result<Option<Signature>> {
    x.fetch_optional(
        "SELECT id, owner_id, inbox_id, name, body, created_at FROM signatures WHERE id = $1",
        args![id],
    )
    .await
}

pub async fn delete_signature(x: impl Exec, id: &str) -> Result<bool> {
    Ok(x.execute("DELETE FROM signatures WHERE id = $1", args![id])
        .await?
        == 1)
}

pub async fn update_signature(x: impl Exec, id: &str, name: &str, body: &str) -> Result<bool> {
    Ok(x.execute(
        "UPDATE signatures SET name = $2, body = $3 WHERE id = $1",
        args![id, name, body],
    )
    .await?
        == 1)
}
