//! Conversations: the unit every channel works in. Status, stage (售前/售中/售后), priority,
//! assignee, team, tags, and `last_seq`, the gap-free sequence of its messages.

use kefu_core::id::new_id;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    pub id: String,
    pub inbox_id: String,
    /// The contact: a customer, known or anonymous.
    pub customer_id: Option<String>,
    pub subject: String,
    /// `open`, `pending`, `snoozed` or `resolved`.
    pub status: String,
    /// `pre_sale`, `in_sale` or `after_sale`.
    pub stage: String,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: String,
    pub assignee_id: Option<String>,
    pub team_id: Option<String>,
    pub snoozed_until: Option<i64>,
    /// Sequence number of the newest message; messages are numbered 1, 2, 3 … without gaps.
    pub last_seq: i64,
    pub last_message_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT c.id, c.inbox_id, c.customer_id, c.subject, c.status, c.stage, c.priority, \
             c.assignee_id, c.team_id, c.snoozed_until, c.last_seq, c.last_message_at, \
             c.created_at, c.updated_at FROM conversations c ",
            $rest
        )
    };
}

pub async fn create(
    x: impl Exec,
    inbox_id: &str,
    customer_id: Option<&str>,
    subject: &str,
) -> Result<Conversation> {
    let now = now_ms();
    let c = Conversation {
        id: new_id(),
        inbox_id: inbox_id.to_string(),
        customer_id: customer_id.map(str::to_string),
        subject: subject.to_string(),
        status: "open".into(),
        stage: "pre_sale".into(),
        priority: "normal".into(),
        assignee_id: None,
        team_id: None,
        snoozed_until: None,
        last_seq: 0,
        last_message_at: None,
        created_at: now,
        updated_at: now,
    };
    x.execute(
        "INSERT INTO conversations (id, inbox_id, customer_id, subject, status, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
        args![
            &c.id,
            &c.inbox_id,
            c.customer_id.clone(),
            &c.subject,
            &c.status,
            now
        ],
    )
    .await?;
    Ok(c)
}

pub async fn get(x: impl Exec, id: &str) -> Result<Option<Conversation>> {
    x.fetch_optional(select!("WHERE c.id = $1"), args![id])
        .await
}

pub async fn list_for_customer(x: impl Exec, customer_id: &str) -> Result<Vec<Conversation>> {
    x.fetch_all(
        select!("WHERE c.customer_id = $1 ORDER BY c.updated_at DESC LIMIT 200"),
        args![customer_id],
    )
    .await
}

/// Conversations of one contact in one inbox (what the widget shows a returning visitor).
pub async fn list_for_contact_in_inbox(
    x: impl Exec,
    customer_id: &str,
    inbox_id: &str,
) -> Result<Vec<Conversation>> {
    x.fetch_all(
        select!("WHERE c.customer_id = $1 AND c.inbox_id = $2 ORDER BY c.updated_at DESC LIMIT 50"),
        args![customer_id, inbox_id],
    )
    .await
}

/// Conversations in the inboxes of the agent's teams.
pub async fn list_for_member(x: impl Exec, user_id: &str) -> Result<Vec<Conversation>> {
    x.fetch_all(
        select!(
            "WHERE c.inbox_id IN ( \
               SELECT it.inbox_id FROM inbox_teams it JOIN team_members m ON m.team_id = it.team_id \
               WHERE m.user_id = $1) \
             ORDER BY c.updated_at DESC LIMIT 200"
        ),
        args![user_id],
    )
    .await
}

pub async fn list_all(x: impl Exec) -> Result<Vec<Conversation>> {
    x.fetch_all(select!("ORDER BY c.updated_at DESC LIMIT 200"), args![])
        .await
}

/// Moves every conversation of one contact to another (an anonymous visitor identified as a
/// known customer: one customer record across channels).
pub async fn reassign_contact(x: impl Exec, from: &str, to: &str) -> Result<u64> {
    x.execute(
        "UPDATE conversations SET customer_id = $2 WHERE customer_id = $1",
        args![from, to],
    )
    .await
}
