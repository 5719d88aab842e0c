//! Macros: a named set of actions (reply from a template, set fields, assign) an agent applies
//! to a conversation in one click. Shared by the shop (no owner) or an agent's own.

use kefu_core::id::new_id;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Macro {
    pub id: String,
    /// `None` for the shop's shared macros.
    pub owner_id: Option<String>,
    pub name: String,
    /// The actions as JSON.
    #[serde(skip)]
    pub actions: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn create(
    x: impl Exec,
    owner_id: Option<&str>,
    name: &str,
    actions: &str,
) -> Result<Macro> {
    let now = now_ms();
    let m = Macro {
        id: new_id(),
        owner_id: owner_id.map(str::to_string),
        name: name.to_string(),
        actions: actions.to_string(),
        created_at: now,
        updated_at: now,
    };
    x.execute(
        "INSERT INTO macros (id, owner_id, name, actions, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
        args![&m.id, m.owner_id.clone(), &m.name, &m.actions, now],
    )
    .await?;
    Ok(m)
}

pub async fn get(x: impl Exec, id: &str) -> Result<Option<Macro>> {
    x.fetch_optional(
        "SELECT id, owner_id, name, actions, created_at, updated_at FROM macros WHERE id = $1",
        args![id],
    )
    .await
}

/// The shop's macros and the agent's own, by name.
pub async fn usable_by(x: impl Exec, person_id: &str) -> Result<Vec<Macro>> {
    x.fetch_all(
        "SELECT id, owner_id, name, actions, created_at, updated_at FROM macros \
         WHERE owner_id IS NULL OR owner_id = $1 ORDER BY name, id LIMIT 500",
        args![person_id],
    )
    .await
}

pub async fn update(x: impl Exec, id: &str, name: &str, actions: &str) -> Result<bool> {
    Ok(x.execute(
        "UPDATE macros SET name = $2, actions = $3, updated_at = $4 WHERE id = $1",
        args![id, name, actions, now_ms()],
    )
    .await?
        == 1)
}

pub async fn delete(x: impl Exec, id: &str) -> Result<bool> {
    Ok(x.execute("DELETE FROM macros WHERE id = $1", args![id])
        .await?
        == 1)
}
