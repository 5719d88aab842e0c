//! Widget visitors: an anonymous browser holding a secret token (only its digest is stored),
//! tied to one inbox and to a contact (a customer record, anonymous until they identify).

use kefu_core::id::{new_id, new_token, token_digest};
use kefu_core::time::{MINUTE, now_ms};
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Visitor {
    pub id: String,
    #[serde(skip)]
    pub digest: String,
    pub inbox_id: String,
    pub customer_id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// Creates a visitor; returns the plain token (kept by the widget) and the record.
pub async fn create(x: impl Exec, inbox_id: &str, customer_id: &str) -> Result<(String, Visitor)> {
    let token = format!("v_{}", new_token());
    let now = now_ms();
    let v = Visitor {
        id: new_id(),
        digest: token_digest(&token),
        inbox_id: inbox_id.to_string(),
        customer_id: customer_id.to_string(),
        created_at: now,
        last_seen_at: now,
    };
    x.execute(
        "INSERT INTO visitors (id, digest, inbox_id, customer_id, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
        args![&v.id, &v.digest, &v.inbox_id, &v.customer_id, now],
    )
    .await?;
    Ok((token, v))
}

pub async fn by_token(x: impl Exec, token: &str) -> Result<Option<Visitor>> {
    x.fetch_optional(
        "SELECT id, digest, inbox_id, customer_id, created_at, last_seen_at FROM visitors \
         WHERE digest = $1",
        args![token_digest(token)],
    )
    .await
}

/// Records activity, at most once a minute per visitor.
pub async fn touch(x: impl Exec, v: &Visitor) -> Result<()> {
    if now_ms() - v.last_seen_at > MINUTE {
        x.execute(
            "UPDATE visitors SET last_seen_at = $2 WHERE id = $1",
            args![&v.id, now_ms()],
        )
        .await?;
    }
    Ok(())
}

/// Whether [`touch`] would record activity now (the last record is over a minute old).
pub fn stale(v: &Visitor) -> bool {
    now_ms() - v.last_seen_at > MINUTE
}

/// Records activity for many visitors at once, in one transaction.
pub async fn touch_all(tx: &mut crate::Tx, ids: &[String]) -> Result<()> {
    let now = now_ms();
    for id in ids {
        tx.execute(
            "UPDATE visitors SET last_seen_at = $2 WHERE id = $1",
            args![id, now],
        )
        .await?;
    }
    Ok(())
}

/// Points a visitor at another contact (they identified as a known customer).
pub async fn set_customer(x: impl Exec, visitor_id: &str, customer_id: &str) -> Result<()> {
    x.execute(
        "UPDATE visitors SET customer_id = $2 WHERE id = $1",
        args![visitor_id, customer_id],
    )
    .await?;
    Ok(())
}

/// Whether any widget was ever opened (a visitor exists).
pub async fn any(x: impl Exec) -> Result<bool> {
    let (n,): (i64,) = x
        .fetch_one(
            "SELECT COUNT(*) FROM (SELECT 1 FROM visitors LIMIT 1) AS v",
            args![],
        )
        .await?;
    Ok(n > 0)
}
