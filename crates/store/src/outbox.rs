//! Outbound mail waits here, written in the same transaction as the action that sends it, so
//! a mail is never promised and lost, nor sent for an action that rolled back. A worker
//! delivers due rows; without SMTP configured the rows stay for admins to read.

use kefu_core::id::new_id;
use kefu_core::time::{MINUTE, now_ms};
use serde::Serialize;

use crate::{Exec, Result, args};

/// Attempts before a mail is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMail {
    pub id: String,
    pub kind: String,
    pub to_addr: String,
    pub subject: String,
    pub body_text: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    /// For a chat reply mailed to a customer: skipped if they read up to `seq` meanwhile.
    pub conversation_id: Option<String>,
    pub seq: i64,
    /// For a conversation mail (`kind` = `mail`): JSON with the inbox, CC, BCC, threading and
    /// attachments; empty otherwise.
    pub payload: String,
}

/// Kind of the mails agents write in a conversation of an e-mail inbox; delivered through the
/// inbox's own SMTP server.
pub const CONVERSATION_MAIL: &str = "mail";

/// Queues a conversation mail in the transaction that stores its message.
pub async fn enqueue_mail(
    tx: &mut crate::Tx,
    to: &str,
    subject: &str,
    body_text: &str,
    conversation_id: &str,
    seq: i64,
    payload: &str,
) -> Result<String> {
    let id = new_id();
    let now = now_ms();
    tx.execute(
        "INSERT INTO outbox (id, kind, to_addr, subject, body_text, status, next_attempt_at, \
         created_at, conversation_id, seq, payload) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6, $7, $8, $9)",
        args![
            &id,
            CONVERSATION_MAIL,
            to,
            subject,
            body_text,
            now,
            conversation_id,
            seq,
            payload
        ],
    )
    .await?;
    Ok(id)
}

/// The mails of a conversation, oldest first (to show their delivery).
pub async fn of_conversation(x: impl Exec, conversation_id: &str) -> Result<Vec<OutboxMail>> {
    x.fetch_all(
        "SELECT id, kind, to_addr, subject, body_text, status, attempts, next_attempt_at, \
         last_error, created_at, sent_at, conversation_id, seq, payload FROM outbox \
         WHERE conversation_id = $1 ORDER BY created_at, id",
        args![conversation_id],
    )
    .await
}

pub async fn enqueue(
    x: impl Exec,
    kind: &str,
    to: &str,
    subject: &str,
    body_text: &str,
) -> Result<String> {
    let id = new_id();
    let now = now_ms();
    x.execute(
        "INSERT INTO outbox (id, kind, to_addr, subject, body_text, status, next_attempt_at, \
         created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6)",
        args![&id, kind, to, subject, body_text, now],
    )
    .await?;
    Ok(id)
}

/// Queues a chat reply for a customer who is not in the chat, to go out at `due` unless they
/// read it first. Replies to one conversation still waiting are merged into one mail.
pub async fn enqueue_reply(
    tx: &mut crate::Tx,
    to: &str,
    subject: &str,
    body_text: &str,
    conversation_id: &str,
    seq: i64,
    due: i64,
) -> Result<String> {
    let waiting: Option<(String, String)> = tx
        .fetch_optional(
            "SELECT id, body_text FROM outbox WHERE conversation_id = $1 AND kind = 'chat_reply' \
             AND status = 'pending' AND attempts = 0",
            args![conversation_id],
        )
        .await?;
    if let Some((id, body)) = waiting {
        let merged = format!("{body}\n\n{body_text}");
        tx.execute(
            "UPDATE outbox SET body_text = $2, seq = $3, next_attempt_at = $4, to_addr = $5 \
             WHERE id = $1 AND status = 'pending'",
            args![&id, merged, seq, due, to],
        )
        .await?;
        return Ok(id);
    }
    let id = new_id();
    tx.execute(
        "INSERT INTO outbox (id, kind, to_addr, subject, body_text, status, next_attempt_at, \
         created_at, conversation_id, seq) VALUES ($1, 'chat_reply', $2, $3, $4, 'pending', $5, \
         $6, $7, $8)",
        args![
            &id,
            to,
            subject,
            body_text,
            due,
            now_ms(),
            conversation_id,
            seq
        ],
    )
    .await?;
    Ok(id)
}

/// The mail was not needed after all (the customer read the reply in the chat).
pub async fn mark_skipped(x: impl Exec, id: &str) -> Result<()> {
    x.execute(
        "UPDATE outbox SET status = 'skipped', sent_at = $2 WHERE id = $1",
        args![id, now_ms()],
    )
    .await?;
    Ok(())
}

pub async fn list(x: impl Exec, limit: i64) -> Result<Vec<OutboxMail>> {
    x.fetch_all(
        "SELECT id, kind, to_addr, subject, body_text, status, attempts, next_attempt_at, \
         last_error, created_at, sent_at, conversation_id, seq, payload FROM outbox ORDER BY created_at DESC, id LIMIT $1",
        args![limit],
    )
    .await
}

pub async fn get(x: impl Exec, id: &str) -> Result<Option<OutboxMail>> {
    x.fetch_optional(
        "SELECT id, kind, to_addr, subject, body_text, status, attempts, next_attempt_at, \
         last_error, created_at, sent_at, conversation_id, seq, payload FROM outbox WHERE id = $1",
        args![id],
    )
    .await
}

/// Mail due for an attempt: pending, or claimed by a sender whose lease ran out (it crashed).
/// With `conversation_mail_only`, only mail that goes out through an inbox's own server (no
/// server-wide SMTP is configured).
pub async fn due(
    x: impl Exec,
    limit: i64,
    conversation_mail_only: bool,
) -> Result<Vec<OutboxMail>> {
    x.fetch_all(
        "SELECT id, kind, to_addr, subject, body_text, status, attempts, next_attempt_at, \
         last_error, created_at, sent_at, conversation_id, seq, payload FROM outbox \
         WHERE status IN ('pending', 'sending') AND next_attempt_at <= $1 \
         AND ($3 = 0 OR kind = 'mail') ORDER BY next_attempt_at LIMIT $2",
        args![now_ms(), limit, conversation_mail_only as i64],
    )
    .await
}

/// Makes a waiting mail due now (an admin fixed the server and retries).
pub async fn retry_now(x: impl Exec, id: &str) -> Result<bool> {
    let n = x
        .execute(
            "UPDATE outbox SET status = 'pending', next_attempt_at = $2, \
             attempts = CASE WHEN status = 'failed' THEN 0 ELSE attempts END \
             WHERE id = $1 AND status IN ('pending', 'failed')",
            args![id, now_ms()],
        )
        .await?;
    Ok(n == 1)
}

/// Claims one mail for `lease_ms`; false if another sender (another instance) has it. The
/// compare-and-set on `next_attempt_at` makes the claim exclusive on both backends.
pub async fn claim(x: impl Exec, mail: &OutboxMail, lease_ms: i64) -> Result<bool> {
    let n = x
        .execute(
            "UPDATE outbox SET status = 'sending', next_attempt_at = $3 \
             WHERE id = $1 AND next_attempt_at = $2 AND status IN ('pending', 'sending')",
            args![&mail.id, mail.next_attempt_at, now_ms() + lease_ms],
        )
        .await?;
    Ok(n == 1)
}

pub async fn mark_sent(x: impl Exec, id: &str) -> Result<()> {
    x.execute(
        "UPDATE outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1, \
         last_error = '' WHERE id = $1",
        args![id, now_ms()],
    )
    .await?;
    Ok(())
}

/// Records a failed attempt: retried with exponential back-off (1, 2, 4 … minutes, at most an
/// hour) until [`MAX_ATTEMPTS`], then marked failed for an admin to see.
pub async fn mark_attempt_failed(x: impl Exec, mail: &OutboxMail, error: &str) -> Result<()> {
    let attempts = mail.attempts + 1;
    let status = if attempts >= MAX_ATTEMPTS {
        "failed"
    } else {
        "pending"
    };
    let delay = (MINUTE << (attempts - 1).clamp(0, 6)).min(60 * MINUTE);
    let error: String = error.chars().take(500).collect();
    x.execute(
        "UPDATE outbox SET status = $2, attempts = $3, next_attempt_at = $4, last_error = $5 \
         WHERE id = $1",
        args![&mail.id, status, attempts, now_ms() + delay, error],
    )
    .await?;
    Ok(())
}

/// A sent mail came back in a delivery failure report: failed, with the report's reason.
pub async fn mark_bounced(x: impl Exec, id: &str, error: &str) -> Result<()> {
    let error: String = format!("bounced: {error}").chars().take(500).collect();
    x.execute(
        "UPDATE outbox SET status = 'failed', last_error = $2 WHERE id = $1",
        args![id, error],
    )
    .await?;
    Ok(())
}

pub async fn count_pending(x: impl Exec) -> Result<i64> {
    let (n,): (i64,) = x
        .fetch_one(
            "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')",
            args![],
        )
        .await?;
    Ok(n)
}
