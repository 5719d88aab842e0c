//! Phone service (电话服务): calls agents log on a customer and a conversation, and callbacks
//! customers ask for, which wait as tasks until an agent takes and makes the call.

use kefu_core::id::new_id;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Call {
    pub id: String,
    pub customer_id: Option<String>,
    pub conversation_id: Option<String>,
    pub agent_id: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    pub number: String,
    pub started_at: i64,
    pub duration_seconds: i64,
    /// `answered`, `resolved`, `callback_needed`, `no_answer`, `voicemail` or `wrong_number`.
    pub outcome: String,
    pub notes: String,
    pub created_at: i64,
}

macro_rules! select_call {
    ($rest:literal) => {
        concat!(
            "SELECT id, customer_id, conversation_id, agent_id, direction, number, started_at, \
             duration_seconds, outcome, notes, created_at FROM calls ",
            $rest
        )
    };
}

pub async fn add_call(x: impl Exec, c: &Call) -> Result<()> {
    x.execute(
        "INSERT INTO calls (id, customer_id, conversation_id, agent_id, direction, number, \
         started_at, duration_seconds, outcome, notes, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        args![
            &c.id,
            c.customer_id.clone(),
            c.conversation_id.clone(),
            &c.agent_id,
            &c.direction,
            &c.number,
            c.started_at,
            c.duration_seconds,
            &c.outcome,
            &c.notes,
            c.created_at
        ],
    )
    .await?;
    Ok(())
}

/// A customer's calls, or a conversation's, newest first.
pub async fn calls_of(x: impl Exec, customer_id: &str, conversation_id: &str) -> Result<Vec<Call>> {
    x.fetch_all(
        select_call!(
            "WHERE ($1 <> '' AND customer_id = $1) OR ($2 <> '' AND conversation_id = $2) \
             ORDER BY started_at DESC LIMIT 200"
        ),
        args![customer_id, conversation_id],
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Callback {
    pub id: String,
    pub customer_id: Option<String>,
    pub conversation_id: Option<String>,
    pub name: String,
    pub phone: String,
    pub preferred_at: Option<i64>,
    pub note: String,
    /// `open`, `taken`, `done` or `cancelled`.
    pub status: String,
    pub assignee_id: Option<String>,
    pub call_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! select_callback {
    ($rest:literal) => {
        concat!(
            "SELECT id, customer_id, conversation_id, name, phone, preferred_at, note, status, \
             assignee_id, call_id, created_at, updated_at FROM callbacks ",
            $rest
        )
    };
}

pub struct NewCallback<'a> {
    pub customer_id: Option<&'a str>,
    pub name: &'a str,
    pub phone: &'a str,
    pub preferred_at: Option<i64>,
    pub note: &'a str,
}

pub async fn add_callback(x: impl Exec, n: &NewCallback<'_>) -> Result<String> {
    let id = new_id();
    let now = now_ms();
    x.execute(
        "INSERT INTO callbacks (id, customer_id, name, phone, preferred_at, note, status, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $7)",
        args![
            &id,
            n.customer_id,
            n.name,
            n.phone,
            n.preferred_at,
            n.note,
            now
        ],
    )
    .await?;
    Ok(id)
}

pub async fn get_callback(x: impl Exec, id: &str) -> Result<Option<Callback>> {
    x.fetch_optional(select_callback!("WHERE id = $1"), args![id])
        .await
}

/// Callbacks waiting or taken, the most pressing first (a preferred time, then the oldest).
pub async fn pending_callbacks(x: impl Exec) -> Result<Vec<Callback>> {
    x.fetch_all(
        select_callback!(
            "WHERE status IN ('open', 'taken') \
             ORDER BY COALESCE(preferred_at, created_at), created_at LIMIT 500"
        ),
        args![],
    )
    .await
}

/// Takes an open callback for `agent`; `false` when someone else took it first.
pub async fn take_callback(x: impl Exec, id: &str, agent: &str) -> Result<bool> {
    Ok(x.execute(
        "UPDATE callbacks SET status = 'taken', assignee_id = $2, updated_at = $3 \
         WHERE id = $1 AND status = 'open'",
        args![id, agent, now_ms()],
    )
    .await?
        == 1)
}

/// Closes a taken callback with the call that answered it.
pub async fn finish_callback(x: impl Exec, id: &str, call_id: &str) -> Result<bool> {
    Ok(x.execute(
        "UPDATE callbacks SET status = 'done', call_id = $2, updated_at = $3 \
         WHERE id = $1 AND status = 'taken'",
        args![id, call_id, now_ms()],
    )
    .await?
        == 1)
}
