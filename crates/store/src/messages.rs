//! Messages, numbered per conversation without gaps. Appending takes the conversation row's
//! lock (the `UPDATE` of `last_seq`), so sequence order is commit order on both backends; a
//! rolled-back append leaves no hole. A message sent twice with the same client id is stored
//! once: the second append returns the first.

use kefu_core::id::new_id;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Error, Exec, Result, Tx, args};

/// What a message is.
pub mod kind {
    pub const TEXT: &str = "text";
    pub const ATTACHMENT: &str = "attachment";
    /// A private note among staff; never shown to the customer.
    pub const NOTE: &str = "note";
    /// Something that happened that the customer may see (an agent joined, resolved …).
    pub const EVENT: &str = "event";
    /// Something that happened among staff only (priority, tags, stage, transfers).
    pub const ACTIVITY: &str = "activity";
}

/// Who wrote it.
pub mod author {
    pub const CONTACT: &str = "contact";
    pub const AGENT: &str = "agent";
    pub const SYSTEM: &str = "system";
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: String,
    pub conversation_id: String,
    pub seq: i64,
    pub kind: String,
    pub author_kind: String,
    pub author_id: Option<String>,
    /// The sender's own id for the message, which makes resending safe.
    pub client_id: Option<String>,
    pub body: String,
    /// JSON with kind-specific details (attachment name and size, event data).
    pub meta: String,
    pub created_at: i64,
}

impl Message {
    /// Private notes and staff activity stay among staff.
    pub fn is_internal(&self) -> bool {
        self.kind == kind::NOTE || self.kind == kind::ACTIVITY
    }
}

#[derive(Debug, Clone, Default)]
pub struct NewMessage<'a> {
    pub conversation_id: &'a str,
    pub kind: &'a str,
    pub author_kind: &'a str,
    pub author_id: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub body: &'a str,
    pub meta: &'a str,
}

macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT id, conversation_id, seq, kind, author_kind, author_id, client_id, body, meta, \
             created_at FROM messages ",
            $rest
        )
    };
}

/// Appends a message; returns it and whether it is new (`false`: the client id was seen, and
/// the message stored then is returned).
pub async fn append(tx: &mut Tx, m: &NewMessage<'_>) -> Result<(Message, bool)> {
    if let Some(cid) = m.client_id
        && let Some(existing) = tx
            .fetch_optional::<Message>(
                select!("WHERE conversation_id = $1 AND client_id = $2"),
                args![m.conversation_id, cid],
            )
            .await?
    {
        return Ok((existing, false));
    }
    let now = now_ms();
    // One statement numbers the message and returns its number.
    let (seq,): (i64,) = tx
        .fetch_optional(
            "UPDATE conversations SET last_seq = last_seq + 1, last_message_at = $2, updated_at = $2 \
             WHERE id = $1 RETURNING last_seq",
            args![m.conversation_id, now],
        )
        .await?
        .ok_or(Error::NotFound)?;
    let msg = Message {
        id: new_id(),
        conversation_id: m.conversation_id.to_string(),
        seq,
        kind: m.kind.to_string(),
        author_kind: m.author_kind.to_string(),
        author_id: m.author_id.map(str::to_string),
        client_id: m.client_id.map(str::to_string),
        body: m.body.to_string(),
        meta: m.meta.to_string(),
        created_at: now,
    };
    tx.execute(
        "INSERT INTO messages (id, conversation_id, seq, kind, author_kind, author_id, client_id, \
         body, meta, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        args![
            &msg.id,
            &msg.conversation_id,
            msg.seq,
            &msg.kind,
            &msg.author_kind,
            msg.author_id.clone(),
            msg.client_id.clone(),
            &msg.body,
            &msg.meta,
            msg.created_at
        ],
    )
    .await?;
    if matches!(msg.kind.as_str(), kind::TEXT | kind::NOTE) {
        crate::changes::record(tx, crate::changes::kind::MESSAGE, &msg.id);
    }
    Ok((msg, true))
}

pub async fn by_client_id(
    x: impl Exec,
    conversation_id: &str,
    client_id: &str,
) -> Result<Option<Message>> {
    x.fetch_optional(
        select!("WHERE conversation_id = $1 AND client_id = $2"),
        args![conversation_id, client_id],
    )
    .await
}

/// The newest messages of a conversation, oldest first (transcripts, mails).
pub async fn last(
    x: impl Exec,
    conversation_id: &str,
    limit: i64,
    include_internal: bool,
) -> Result<Vec<Message>> {
    let mut rows: Vec<Message> = x
        .fetch_all(
            select!("WHERE conversation_id = $1 ORDER BY seq DESC LIMIT $2"),
            args![conversation_id, limit],
        )
        .await?;
    rows.reverse();
    Ok(if include_internal {
        rows
    } else {
        rows.into_iter().filter(|m| !m.is_internal()).collect()
    })
}

/// Messages after `after_seq`, oldest first, at most `limit`; notes only for staff.
pub async fn after(
    x: impl Exec,
    conversation_id: &str,
    after_seq: i64,
    limit: i64,
    include_internal: bool,
) -> Result<Vec<Message>> {
    let rows: Vec<Message> = x
        .fetch_all(
            select!("WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"),
            args![conversation_id, after_seq, limit],
        )
        .await?;
    Ok(if include_internal {
        rows
    } else {
        rows.into_iter().filter(|m| !m.is_internal()).collect()
    })
}

/// Messages with `from <= seq <= to`, oldest first.
pub async fn get(x: impl Exec, id: &str) -> Result<Option<Message>> {
    x.fetch_optional(select!("WHERE id = $1"), args![id]).await
}

pub async fn range(
    x: impl Exec,
    conversation_id: &str,
    from: i64,
    to: i64,
) -> Result<Vec<Message>> {
    x.fetch_all(
        select!("WHERE conversation_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq"),
        args![conversation_id, from, to],
    )
    .await
}

/// Records how far a reader has read (never moves backwards).
pub async fn mark_read(
    x: impl Exec,
    conversation_id: &str,
    reader_id: &str,
    seq: i64,
) -> Result<()> {
    x.execute(
        "INSERT INTO conversation_reads (conversation_id, reader_id, seq, at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (conversation_id, reader_id) DO UPDATE SET seq = excluded.seq, at = excluded.at \
         WHERE conversation_reads.seq < excluded.seq",
        args![conversation_id, reader_id, seq, now_ms()],
    )
    .await?;
    Ok(())
}

pub async fn read_seq(x: impl Exec, conversation_id: &str, reader_id: &str) -> Result<i64> {
    let row: Option<(i64,)> = x
        .fetch_optional(
            "SELECT seq FROM conversation_reads WHERE conversation_id = $1 AND reader_id = $2",
            args![conversation_id, reader_id],
        )
        .await?;
    Ok(row.map_or(0, |(s,)| s))
}

/// A message as search sees it: its words, where it is and who may find it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Searchable {
    pub id: String,
    pub conversation_id: String,
    pub inbox_id: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
}

macro_rules! select_searchable {
    ($rest:literal) => {
        concat!(
            "SELECT m.id, m.conversation_id, c.inbox_id, c.subject, m.body, m.created_at \
             FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.kind IN ('text', 'note') ",
            $rest
        )
    };
}

/// Searchable messages after `after_id` in id order (a full index build pages through these).
pub async fn searchable_after(x: impl Exec, after_id: &str, limit: i64) -> Result<Vec<Searchable>> {
    x.fetch_all(
        select_searchable!("AND m.id > $1 ORDER BY m.id LIMIT $2"),
        args![after_id, limit],
    )
    .await
}

pub async fn searchable(x: impl Exec, id: &str) -> Result<Option<Searchable>> {
    x.fetch_optional(select_searchable!("AND m.id = $1"), args![id])
        .await
}

pub async fn searchable_in(x: impl Exec, conversation_id: &str) -> Result<Vec<Searchable>> {
    x.fetch_all(
        select_searchable!("AND m.conversation_id = $1 ORDER BY m.seq"),
        args![conversation_id],
    )
    .await
}
