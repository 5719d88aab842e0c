//! Sign-in sessions, stored in the database so every instance sees them and sign-out is real.
//! Only the digest of the session token is stored.

use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

/// Password checked, second factor still to come.
pub const STAGE_MFA: &str = "mfa";
/// Fully signed in.
pub const STAGE_FULL: &str = "full";

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Session {
    #[serde(skip)]
    pub id_digest: String,
    pub person_id: String,
    pub stage: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_seen_at: i64,
    pub reauth_at: i64,
    pub ip: String,
    pub user_agent: String,
}

pub struct NewSession<'a> {
    pub digest: &'a str,
    pub person_id: &'a str,
    pub stage: &'a str,
    pub ttl_ms: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

pub async fn create(x: impl Exec, s: &NewSession<'_>) -> Result<()> {
    let now = now_ms();
    let ua: String = s.user_agent.chars().take(300).collect();
    x.execute(
        "INSERT INTO sessions (id_digest, person_id, stage, created_at, expires_at, last_seen_at, \
         reauth_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $4, $4, $6, $7)",
        args![
            s.digest,
            s.person_id,
            s.stage,
            now,
            now + s.ttl_ms,
            s.ip,
            ua
        ],
    )
    .await?;
    Ok(())
}

/// A live (unexpired) session.
pub async fn get(x: impl Exec, digest: &str) -> Result<Option<Session>> {
    x.fetch_optional(
        "SELECT id_digest, person_id, stage, created_at, expires_at, last_seen_at, reauth_at, ip, \
         user_agent FROM sessions WHERE id_digest = $1 AND expires_at > $2",
        args![digest, now_ms()],
    )
    .await
}

/// Slides the expiry forward on use (idle timeout), never past `max_expires_at`.
pub async fn touch(x: impl Exec, digest: &str, expires_at: i64) -> Result<()> {
    x.execute(
        "UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id_digest = $1",
        args![digest, now_ms(), expires_at],
    )
    .await?;
    Ok(())
}

/// The second factor was given: the session becomes full and counts as freshly authenticated.
pub async fn promote(x: impl Exec, digest: &str) -> Result<()> {
    x.execute(
        "UPDATE sessions SET stage = $2, reauth_at = $3 WHERE id_digest = $1",
        args![digest, STAGE_FULL, now_ms()],
    )
    .await?;
    Ok(())
}

pub async fn mark_reauthenticated(x: impl Exec, digest: &str) -> Result<()> {
    x.execute(
        "UPDATE sessions SET reauth_at = $2 WHERE id_digest = $1",
        args![digest, now_ms()],
    )
    .await?;
    Ok(())
}

pub async fn delete(x: impl Exec, digest: &str) -> Result<()> {
    x.execute("DELETE FROM sessions WHERE id_digest = $1", args![digest])
        .await?;
    Ok(())
}

/// Signs a person out everywhere but (optionally) the session they are using.
pub async fn delete_for_user(x: impl Exec, person_id: &str, keep: Option<&str>) -> Result<u64> {
    x.execute(
        "DELETE FROM sessions WHERE person_id = $1 AND id_digest <> $2",
        args![person_id, keep.unwrap_or("")],
    )
    .await
}

pub async fn delete_expired(x: impl Exec) -> Result<u64> {
    x.execute(
        "DELETE FROM sessions WHERE expires_at <= $1",
        args![now_ms()],
    )
    .await
}
