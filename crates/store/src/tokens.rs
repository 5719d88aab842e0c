//! Single-use, expiring tokens sent by mail: e-mail verification, password reset, invitations,
//! e-mail change. The plain token goes out once; only its digest is stored. Consuming is one
//! conditional UPDATE, so two requests racing with the same token cannot both win.

use kefu_core::id::{new_id, new_token, token_digest};
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    Invitation,
    ChangeEmail,
    /// A code proving an address before a complaint or claim is filed.
    CaseEmail,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::Invitation => "invitation",
            Purpose::ChangeEmail => "change_email",
            Purpose::CaseEmail => "case_email",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct OneTimeToken {
    pub id: String,
    #[serde(skip)]
    pub digest: String,
    pub purpose: String,
    pub person_id: Option<String>,
    pub email: String,
    pub role: String,
    pub data: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

#[derive(Debug, Default)]
pub struct NewToken<'a> {
    pub person_id: Option<&'a str>,
    pub email: &'a str,
    pub role: &'a str,
    pub data: &'a str,
    pub created_by: Option<&'a str>,
    pub ttl_ms: i64,
}

/// Issues a token and returns the plain value (to put in a link) with the stored record's id.
pub async fn issue(x: impl Exec, purpose: Purpose, t: &NewToken<'_>) -> Result<(String, String)> {
    let plain = new_token();
    let id = issue_plain(x, purpose, &plain, t).await?;
    Ok((plain, id))
}

/// Issues a token whose plain value the caller chose (a short code bound to an address);
/// returns the record's id.
pub async fn issue_plain(
    x: impl Exec,
    purpose: Purpose,
    plain: &str,
    t: &NewToken<'_>,
) -> Result<String> {
    let id = new_id();
    let now = now_ms();
    x.execute(
        "INSERT INTO one_time_tokens (id, digest, purpose, person_id, email, role, data, \
         created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        args![
            &id,
            token_digest(plain),
            purpose.as_str(),
            t.person_id,
            t.email,
            t.role,
            t.data,
            t.created_by,
            now,
            now + t.ttl_ms
        ],
    )
    .await?;
    Ok(id)
}

/// Looks at a usable token without spending it (to show the form that will spend it).
pub async fn peek(x: impl Exec, purpose: Purpose, plain: &str) -> Result<Option<OneTimeToken>> {
    x.fetch_optional(
        "SELECT id, digest, purpose, person_id, email, role, data, created_by, created_at, \
         expires_at, used_at FROM one_time_tokens \
         WHERE digest = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
        args![token_digest(plain), purpose.as_str(), now_ms()],
    )
    .await
}

/// Spends a token: `Some` exactly once for a valid, unexpired, unused token; `None` otherwise.
/// Call it inside the transaction that does what the token allows.
pub async fn consume(
    tx: &mut crate::Tx,
    purpose: Purpose,
    plain: &str,
) -> Result<Option<OneTimeToken>> {
    let digest = token_digest(plain);
    let now = now_ms();
    let n = tx
        .execute(
            "UPDATE one_time_tokens SET used_at = $3 \
             WHERE digest = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
            args![&digest, purpose.as_str(), now],
        )
        .await?;
    if n != 1 {
        return Ok(None);
    }
    tx.fetch_optional(
        "SELECT id, digest, purpose, person_id, email, role, data, created_by, created_at, \
         expires_at, used_at FROM one_time_tokens WHERE digest = $1",
        args![digest],
    )
    .await
}

/// How many tokens of a purpose were issued for a user since `since` (limits mail floods).
pub async fn count_since(
    x: impl Exec,
    purpose: Purpose,
    person_id: &str,
    since: i64,
) -> Result<i64> {
    let (n,): (i64,) = x
        .fetch_one(
            "SELECT COUNT(*) FROM one_time_tokens \
             WHERE purpose = $1 AND person_id = $2 AND created_at > $3",
            args![purpose.as_str(), person_id, since],
        )
        .await?;
    Ok(n)
}

/// Pending invitations, newest first.
pub async fn pending_invitations(x: impl Exec) -> Result<Vec<OneTimeToken>> {
    x.fetch_all(
        "SELECT id, digest, purpose, person_id, email, role, data, created_by, created_at, \
         expires_at, used_at FROM one_time_tokens \
         WHERE purpose = 'invitation' AND used_at IS NULL AND expires_at > $1 \
         ORDER BY created_at DESC",
        args![now_ms()],
    )
    .await
}

/// Withdraws an unused token (an invitation sent to the wrong address).
pub async fn revoke(x: impl Exec, id: &str) -> Result<bool> {
    let n = x
        .execute(
            "UPDATE one_time_tokens SET expires_at = 0 WHERE id = $1 AND used_at IS NULL",
            args![id],
        )
        .await?;
    Ok(n == 1)
}

/// Spends every open token of a purpose for a user (after a reset, older reset links die).
pub async fn spend_all(x: impl Exec, purpose: Purpose, person_id: &str) -> Result<()> {
    x.execute(
        "UPDATE one_time_tokens SET used_at = $3 \
         WHERE purpose = $1 AND person_id = $2 AND used_at IS NULL",
        args![purpose.as_str(), person_id, now_ms()],
    )
    .await?;
    Ok(())
}
