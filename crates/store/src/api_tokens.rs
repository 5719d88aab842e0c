//! API tokens that admins issue to the shop's own systems, each limited to scopes.

use kefu_core::id::{new_id, new_token, token_digest};
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    #[serde(skip)]
    pub digest: String,
    pub scopes: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl ApiToken {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.split_whitespace().any(|s| s == scope)
    }
}

/// Creates a token; the plain value (prefixed `kefu_`) is returned once and never stored.
pub async fn create(
    x: impl Exec,
    name: &str,
    scopes: &[&str],
    created_by: &str,
    expires_at: Option<i64>,
) -> Result<(String, ApiToken)> {
    let plain = format!("kefu_{}", new_token());
    let t = ApiToken {
        id: new_id(),
        name: name.to_string(),
        digest: token_digest(&plain),
        scopes: scopes.join(" "),
        created_by: created_by.to_string(),
        created_at: now_ms(),
        expires_at,
        last_used_at: None,
        revoked_at: None,
    };
    x.execute(
        "INSERT INTO api_tokens (id, name, digest, scopes, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![
            &t.id,
            &t.name,
            &t.digest,
            &t.scopes,
            &t.created_by,
            t.created_at,
            t.expires_at
        ],
    )
    .await?;
    Ok((plain, t))
}

/// A token that is neither revoked nor expired.
pub async fn find_valid(x: impl Exec, plain: &str) -> Result<Option<ApiToken>> {
    x.fetch_optional(
        "SELECT id, name, digest, scopes, created_by, created_at, expires_at, last_used_at, \
         revoked_at FROM api_tokens WHERE digest = $1 AND revoked_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $2)",
        args![token_digest(plain), now_ms()],
    )
    .await
}

pub async fn list(x: impl Exec) -> Result<Vec<ApiToken>> {
    x.fetch_all(
        "SELECT id, name, digest, scopes, created_by, created_at, expires_at, last_used_at, \
         revoked_at FROM api_tokens ORDER BY created_at DESC",
        args![],
    )
    .await
}

pub async fn touch(x: impl Exec, id: &str) -> Result<()> {
    x.execute(
        "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
        args![id, now_ms()],
    )
    .await?;
    Ok(())
}

pub async fn revoke(x: impl Exec, id: &str) -> Result<bool> {
    let n = x
        .execute(
            "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            args![id, now_ms()],
        )
        .await?;
    Ok(n == 1)
}
