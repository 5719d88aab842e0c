//! The audit trail of security events: sign-ins, failures, 2FA changes, role changes, tokens.
//! Rows are only ever added.

use kefu_core::id::new_id;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: String,
    pub at: i64,
    pub actor_id: Option<String>,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub detail: String,
}

pub async fn record(
    x: impl Exec,
    actor_id: Option<&str>,
    action: &str,
    target: &str,
    ip: &str,
    detail: &str,
) -> Result<()> {
    let detail: String = detail.chars().take(1000).collect();
    x.execute(
        "INSERT INTO audit_log (id, at, actor_id, action, target, ip, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![new_id(), now_ms(), actor_id, action, target, ip, detail],
    )
    .await?;
    Ok(())
}

/// Newest first; `before` pages back in time.
pub async fn list(x: impl Exec, before: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>> {
    x.fetch_all(
        "SELECT id, at, actor_id, action, target, ip, detail FROM audit_log \
         WHERE at < $1 ORDER BY at DESC, id LIMIT $2",
        args![before.unwrap_or(i64::MAX), limit],
    )
    .await
}
