//! What an agent should look at: @mentions in private notes, for now.

use kefu_core::id::new_id;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: String,
    pub person_id: String,
    /// `mention`.
    pub kind: String,
    pub conversation_id: String,
    pub body: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

pub async fn add(
    x: impl Exec,
    person_id: &str,
    kind: &str,
    conversation_id: &str,
    body: &str,
) -> Result<Notification> {
    let n = Notification {
        id: new_id(),
        person_id: person_id.into(),
        kind: kind.into(),
        conversation_id: conversation_id.into(),
        body: body.into(),
        created_at: now_ms(),
        read_at: None,
    };
    x.execute(
        "INSERT INTO notifications (id, person_id, kind, conversation_id, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![
            &n.id,
            &n.person_id,
            &n.kind,
            &n.conversation_id,
            &n.body,
            n.created_at
        ],
    )
    .await?;
    Ok(n)
}

pub async fn list(x: impl Exec, person_id: &str, limit: i64) -> Result<Vec<Notification>> {
    x.fetch_all(
        "SELECT id, person_id, kind, conversation_id, body, created_at, read_at FROM notifications \
         WHERE person_id = $1 ORDER BY created_at DESC, id LIMIT $2",
        args![person_id, limit],
    )
    .await
}

pub async fn mark_read(x: impl Exec, person_id: &str, id: &str) -> Result<bool> {
    Ok(x.execute(
        "UPDATE notifications SET read_at = $3 WHERE id = $2 AND person_id = $1 AND read_at IS NULL",
        args![person_id, id, now_ms()],
    )
    .await?
        == 1)
}
