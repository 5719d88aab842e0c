//! Complaint (投诉) and after-sale claim (售后 / 索赔) cases: a conversation with a tracking
//! number the customer quotes and an access key (stored as a digest) that opens its public
//! status page.

use kefu_core::id::token_digest;
use kefu_core::kinds::{CaseKind, CaseStatus};
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub conversation_id: String,
    /// `complaint` or `claim`.
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: CaseKind,
    pub tracking: String,
    #[serde(skip)]
    pub access_digest: String,
    pub email: String,
    pub category: String,
    /// A complaint's severity: `low`, `medium`, `high` or `critical`.
    pub severity: String,
    pub order_ref: String,
    pub reason: String,
    /// A claim's requested resolution: `return`, `refund` or `exchange`.
    pub resolution: String,
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: CaseStatus,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT conversation_id, kind, tracking, access_digest, email, category, severity, \
             order_ref, reason, resolution, status, created_at, updated_at FROM cases ",
            $rest
        )
    };
}

/// Stores a case; `access_key` is the plain key the customer's link carries.
pub async fn create(x: impl Exec, c: &Case, access_key: &str) -> Result<()> {
    x.execute(
        "INSERT INTO cases (conversation_id, kind, tracking, access_digest, email, category, \
         severity, order_ref, reason, resolution, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
        args![
            &c.conversation_id,
            &c.kind,
            &c.tracking,
            token_digest(access_key),
            &c.email,
            &c.category,
            &c.severity,
            &c.order_ref,
            &c.reason,
            &c.resolution,
            &c.status,
            c.created_at
        ],
    )
    .await?;
    Ok(())
}

pub async fn get(x: impl Exec, conversation_id: &str) -> Result<Option<Case>> {
    x.fetch_optional(
        select!("WHERE conversation_id = $1"),
        args![conversation_id],
    )
    .await
}

pub async fn by_tracking(x: impl Exec, tracking: &str) -> Result<Option<Case>> {
    x.fetch_optional(
        select!("WHERE tracking = $1"),
        args![tracking.trim().to_uppercase()],
    )
    .await
}

/// A customer's cases (their account page), newest first.
pub async fn of_customer(x: impl Exec, customer_id: &str) -> Result<Vec<Case>> {
    x.fetch_all(
        select!(
            "WHERE conversation_id IN (SELECT id FROM conversations WHERE customer_id = $1) \
             ORDER BY created_at DESC LIMIT 100"
        ),
        args![customer_id],
    )
    .await
}

/// Moves a case from `from` to `to`; `false` when its status was no longer `from` (someone else
/// moved it first).
pub async fn set_status(
    x: impl Exec,
    conversation_id: &str,
    from: CaseStatus,
    to: CaseStatus,
) -> Result<bool> {
    Ok(x.execute(
        "UPDATE cases SET status = $3, updated_at = $4 WHERE conversation_id = $1 AND status = $2",
        args![conversation_id, from, to, now_ms()],
    )
    .await?
        == 1)
}
