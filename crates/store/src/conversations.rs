//! Conversations, minimal for now: enough for customers to see their own and agents to see
//! those of their inboxes. The live chat issue extends the model.

use kefu_core::id::new_id;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    pub id: String,
    pub inbox_id: String,
    pub customer_id: Option<String>,
    pub subject: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
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
    x.fetch_optional(
        "SELECT id, inbox_id, customer_id, subject, status, created_at, updated_at \
         FROM conversations WHERE id = $1",
        args![id],
    )
    .await
}

pub async fn list_for_customer(x: impl Exec, customer_id: &str) -> Result<Vec<Conversation>> {
    x.fetch_all(
        "SELECT id, inbox_id, customer_id, subject, status, created_at, updated_at \
         FROM conversations WHERE customer_id = $1 ORDER BY updated_at DESC LIMIT 200",
        args![customer_id],
    )
    .await
}

/// Conversations in the inboxes of the agent's teams.
pub async fn list_for_member(x: impl Exec, user_id: &str) -> Result<Vec<Conversation>> {
    x.fetch_all(
        "SELECT c.id, c.inbox_id, c.customer_id, c.subject, c.status, c.created_at, c.updated_at \
         FROM conversations c WHERE c.inbox_id IN ( \
           SELECT it.inbox_id FROM inbox_teams it JOIN team_members m ON m.team_id = it.team_id \
           WHERE m.user_id = $1) \
         ORDER BY c.updated_at DESC LIMIT 200",
        args![user_id],
    )
    .await
}

pub async fn list_all(x: impl Exec) -> Result<Vec<Conversation>> {
    x.fetch_all(
        "SELECT id, inbox_id, customer_id, subject, status, created_at, updated_at \
         FROM conversations ORDER BY updated_at DESC LIMIT 200",
        args![],
    )
    .await
}
