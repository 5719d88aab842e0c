//! API tokens: admin-issued, scoped, expiring.

use kefu_core::ErrorCode;
use kefu_core::time::{DAY, now_ms};
use kefu_core::validate;
use kefu_store::audit;

use super::caller::Caller;
use super::*;
use crate::{Error, Result, Service};

/// The scopes an API token may hold.
pub const SCOPES: &[&str] = &[
    "people:read",
    "people:write",
    "teams:read",
    "teams:write",
    "conversations:read",
    "conversations:write",
    "mail:read",
    "mail:write",
    "audit:read",
];

pub async fn create_api_token(
    state: &Service,
    caller: &Caller,
    name: &str,
    scopes: &[String],
    expires_in_days: Option<i64>,
    origin: &Origin,
) -> Result<(String, kefu_store::api_tokens::ApiToken)> {
    let (user, _) = caller.person()?;
    let name = validate::name(name)?;
    if scopes.is_empty() || scopes.iter().any(|s| !SCOPES.contains(&s.as_str())) {
        return Err(Error::invalid(
            ErrorCode::InvalidScope,
            format!("scopes must be among: {}", SCOPES.join(", ")),
        ));
    }
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let expires_at = match expires_in_days {
        Some(d) if (1..=3650).contains(&d) => Some(now_ms() + d * DAY),
        Some(_) => {
            return Err(Error::invalid(
                ErrorCode::InvalidExpiry,
                "expiry must be 1 to 3650 days",
            ));
        }
        None => None,
    };
    let mut tx = state.db.begin().await?;
    let (plain, token) =
        kefu_store::api_tokens::create(&mut tx, &name, &scopes, &user.id, expires_at).await?;
    audit::record(
        &mut tx,
        Some(&user.id),
        "api_token_created",
        &token.id,
        &origin.ip,
        &token.scopes,
    )
    .await?;
    tx.commit().await?;
    Ok((plain, token))
}

pub async fn revoke_api_token(
    state: &Service,
    caller: &Caller,
    id: &str,
    origin: &Origin,
) -> Result<()> {
    let mut tx = state.db.begin().await?;
    if !kefu_store::api_tokens::revoke(&mut tx, id).await? {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        caller.actor_id().as_deref(),
        "api_token_revoked",
        id,
        &origin.ip,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every API token (without secrets).
pub async fn list_api_tokens(state: &Service) -> Result<Vec<kefu_store::api_tokens::ApiToken>> {
    Ok(kefu_store::api_tokens::list(&state.db).await?)
}
