//! Messages, numbered per conversation without gaps. Appending takes the conversation row's
//! lock (the `UPDATE` of `last_seq`), so sequence order is commit order on both backends; a
//! rolled-back append leaves no hole. A message sent twice with the same client id is stored
//! once: the second append returns the first.

use kefu_core::id::new_sorted_id;
use kefu_core::kinds::MessageKind;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Error, Exec, Result, Tx, args};

/// What a message is: the stored names of [`kefu_core::kinds::MessageKind`].
pub mod kind {
    use super::MessageKind;

    pub const TEXT: MessageKind = MessageKind::Text;
    pub const ATTACHMENT: MessageKind = MessageKind::Attachment;
    /// A private note among staff; never shown to the customer.
    pub const NOTE: MessageKind = MessageKind::Note;
    /// Something that happened that the customer may see (an agent joined, resolved …).
    pub const EVENT: MessageKind = MessageKind::Event;
    /// Something that happened among staff only (priority, tags, stage, transfers).
    pub const ACTIVITY: MessageKind = MessageKind::Activity;
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
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: MessageKind,
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
    pub kind: MessageKind,
    pub author_kind: &'a str,
    pub author_id: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub body: &'a str,
    pub meta: &'a str,
}

impl NewMessage<'_> {
    /// The row as stored under number `seq` at `now`, with a new id.
    fn stored(&self, seq: i64, now: i64) -> Message {
        Message {
            id: new_sorted_id(),
            conversation_id: self.conversation_id.to_string(),
            seq,
            kind: self.kind,
            author_kind: self.author_kind.to_string(),
            author_id: self.author_id.map(str::to_string),
            client_id: self.client_id.map(str::to_string),
            body: self.body.to_string(),
            meta: self.meta.to_string(),
            created_at: now,
        }
    }
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
    let msg = m.stored(seq, now);
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
    if matches!(msg.kind, kind::TEXT | kind::NOTE) {
        crate::changes::record(tx, crate::changes::kind::MESSAGE, &msg.id);
    }
    Ok((msg, true))
}

/// [`append`] for several messages at once, in three statements whatever their number (the
/// group commit's path): one looks up client ids already stored, one numbers the new
/// messages per conversation, one inserts them. Results are in the order given; a client id
/// given twice is stored once, and the second gets the first's message (not new).
pub async fn append_many(tx: &mut Tx, ms: &[NewMessage<'_>]) -> Result<Vec<(Message, bool)>> {
    use std::collections::HashMap;
    let pg = tx.backend() == crate::Backend::Postgres;
    // 1. Client ids seen before.
    let keys: Vec<(&str, &str)> = ms
        .iter()
        .filter_map(|m| m.client_id.map(|c| (m.conversation_id, c)))
        .collect();
    let mut known: HashMap<(String, String), Message> = HashMap::new();
    if !keys.is_empty() {
        let json = serde_json::to_string(&keys).unwrap_or_default();
        let rows: Vec<Message> = tx
            .fetch_all(
                if pg {
                    "SELECT m.id, m.conversation_id, m.seq, m.kind, m.author_kind, m.author_id, \
                     m.client_id, m.body, m.meta, m.created_at \
                     FROM jsonb_array_elements($1::jsonb) j \
                     JOIN messages m ON m.conversation_id = j->>0 AND m.client_id = j->>1"
                } else {
                    "SELECT m.id, m.conversation_id, m.seq, m.kind, m.author_kind, m.author_id, \
                     m.client_id, m.body, m.meta, m.created_at \
                     FROM json_each($1) j \
                     JOIN messages m ON m.conversation_id = json_extract(j.value, '$[0]') \
                     AND m.client_id = json_extract(j.value, '$[1]')"
                },
                args![json],
            )
            .await?;
        for m in rows {
            if let Some(c) = m.client_id.clone() {
                known.insert((m.conversation_id.clone(), c), m);
            }
        }
    }
    // 2. Which are new (the first of a client id given twice), and how many per conversation.
    let mut fresh = vec![false; ms.len()];
    let mut counts: Vec<(&str, i64)> = Vec::new();
    let mut taken: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, m) in ms.iter().enumerate() {
        if let Some(c) = m.client_id {
            if known.contains_key(&(m.conversation_id.to_string(), c.to_string())) {
                continue;
            }
            if taken.contains_key(&(m.conversation_id, c)) {
                continue;
            }
            taken.insert((m.conversation_id, c), i);
        }
        fresh[i] = true;
        match counts.iter_mut().find(|(c, _)| *c == m.conversation_id) {
            Some((_, n)) => *n += 1,
            None => counts.push((m.conversation_id, 1)),
        }
    }
    let now = now_ms();
    let mut next: HashMap<String, i64> = HashMap::new();
    if !counts.is_empty() {
        let json = serde_json::to_string(&counts).unwrap_or_default();
        let rows: Vec<(String, i64)> = tx
            .fetch_all(
                if pg {
                    "UPDATE conversations AS c SET last_seq = c.last_seq + (j->>1)::bigint, \
                     last_message_at = $2, updated_at = $2 \
                     FROM jsonb_array_elements($1::jsonb) j WHERE c.id = j->>0 \
                     RETURNING c.id, c.last_seq"
                } else {
                    "UPDATE conversations AS c SET last_seq = c.last_seq + json_extract(j.value, '$[1]'), \
                     last_message_at = $2, updated_at = $2 \
                     FROM json_each($1) j WHERE c.id = json_extract(j.value, '$[0]') \
                     RETURNING id, last_seq"
                },
                args![json, now],
            )
            .await?;
        if rows.len() != counts.len() {
            return Err(Error::NotFound);
        }
        for (id, last) in rows {
            let n = counts.iter().find(|(c, _)| *c == id).map_or(0, |(_, n)| *n);
            next.insert(id, last - n + 1);
        }
    }
    // 3. The new ones, numbered in the order given.
    let mut out: Vec<Option<(Message, bool)>> = vec![None; ms.len()];
    let mut new_rows = Vec::new();
    for (i, m) in ms.iter().enumerate() {
        if !fresh[i] {
            continue;
        }
        let seq = next.get_mut(m.conversation_id).ok_or(Error::NotFound)?;
        let msg = m.stored(*seq, now);
        *seq += 1;
        if matches!(msg.kind, kind::TEXT | kind::NOTE) {
            crate::changes::record(tx, crate::changes::kind::MESSAGE, &msg.id);
        }
        new_rows.push(msg.clone());
        out[i] = Some((msg, true));
    }
    if !new_rows.is_empty() {
        let json = serde_json::to_string(&new_rows).unwrap_or_default();
        tx.execute(
            if pg {
                "INSERT INTO messages (id, conversation_id, seq, kind, author_kind, author_id, \
                 client_id, body, meta, created_at) \
                 SELECT id, conversation_id, seq, kind, author_kind, author_id, client_id, body, \
                 meta, created_at FROM jsonb_to_recordset($1::jsonb) AS x(id TEXT, \
                 conversation_id TEXT, seq BIGINT, kind TEXT, author_kind TEXT, author_id TEXT, \
                 client_id TEXT, body TEXT, meta TEXT, created_at BIGINT)"
            } else {
                "INSERT INTO messages (id, conversation_id, seq, kind, author_kind, author_id, \
                 client_id, body, meta, created_at) \
                 SELECT json_extract(value, '$.id'), json_extract(value, '$.conversation_id'), \
                 json_extract(value, '$.seq'), json_extract(value, '$.kind'), \
                 json_extract(value, '$.author_kind'), json_extract(value, '$.author_id'), \
                 json_extract(value, '$.client_id'), json_extract(value, '$.body'), \
                 json_extract(value, '$.meta'), json_extract(value, '$.created_at') \
                 FROM json_each($1)"
            },
            args![json],
        )
        .await?;
    }
    // The repeats and those stored before.
    for (i, m) in ms.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        let (conv, cid) = (m.conversation_id, m.client_id.unwrap_or_default());
        let earlier = match known.get(&(conv.to_string(), cid.to_string())) {
            Some(k) => k.clone(),
            None => {
                let first = taken.get(&(conv, cid)).copied().ok_or(Error::NotFound)?;
                out[first].as_ref().ok_or(Error::NotFound)?.0.clone()
            }
        };
        out[i] = Some((earlier, false));
    }
    out.into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or(Error::NotFound)
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

/// Whether an agent ever answered in a conversation of a widget inbox (a live chat).
pub async fn any_chat_answered(x: impl Exec) -> Result<bool> {
    let (n,): (i64,) = x
        .fetch_one(
            "SELECT COUNT(*) FROM (SELECT 1 FROM messages m \
             JOIN conversations c ON c.id = m.conversation_id \
             JOIN inboxes i ON i.id = c.inbox_id \
             WHERE m.author_kind = $1 AND m.kind IN ($2, $3) AND i.channel = $4 LIMIT 1) AS a",
            args![
                author::AGENT,
                kind::TEXT,
                kind::ATTACHMENT,
                kefu_core::kinds::Channel::Widget
            ],
        )
        .await?;
    Ok(n > 0)
}
