//! Socket tokens: `rt1.{user id}.{expiry}.{HMAC-SHA256}`, signed with a key every instance reads
//! from the database. A browser gets one over its authenticated session and hands it to the
//! socket, which therefore never relies on the cookie alone.

use hmac::{Hmac, Mac};
use kefu_core::id::constant_time_eq;
use kefu_core::time::now_ms;
use sha2::Sha256;

use crate::Service;
use crate::error::{Error, Result};

pub const TTL_SECONDS: i64 = 300;
const SETTING: &str = "realtime_key";

async fn key(state: &Service) -> Result<&str> {
    state
        .realtime_key
        .get_or_try_init(|| async {
            let mut tx = state.db.begin().await?;
            let k = match kefu_store::settings::get(&mut tx, SETTING).await? {
                Some(k) => k,
                None => {
                    let k = kefu_core::id::new_token();
                    kefu_store::settings::set(&mut tx, SETTING, &k).await?;
                    k
                }
            };
            tx.commit().await?;
            Ok::<_, Error>(k)
        })
        .await
        .map(String::as_str)
}

fn mac(key: &str, body: &str) -> String {
    #[allow(clippy::expect_used)]
    let mut m = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
    m.update(body.as_bytes());
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A token for `person_id`, valid for five minutes; returns it with its expiry (Unix seconds).
pub async fn issue(state: &Service, person_id: &str) -> Result<(String, i64)> {
    let exp = now_ms() / 1000 + TTL_SECONDS;
    let body = format!("rt1.{person_id}.{exp}");
    let sig = mac(key(state).await?, &body);
    Ok((format!("{body}.{sig}"), exp))
}

/// A socket token for the caller: a signed-in person, or, for an API token holding
/// `conversations:write`, the admin who made it (the socket then acts as them, as a token's
/// replies do).
pub async fn issue_for(
    state: &Service,
    caller: &crate::accounts::caller::Caller,
) -> Result<(String, i64)> {
    let id = match caller {
        crate::accounts::caller::Caller::Token { .. } => {
            crate::chat::queries::acting_staff(state, caller, "conversations:write")
                .await?
                .id
        }
        _ => caller.person()?.0.id.clone(),
    };
    issue(state, &id).await
}

/// The user id in a valid, unexpired token.
pub async fn verify(state: &Service, token: &str) -> Result<Option<String>> {
    let mut parts = token.split('.');
    let (Some("rt1"), Some(user), Some(exp), Some(sig), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Ok(None);
    };
    let Ok(exp_secs) = exp.parse::<i64>() else {
        return Ok(None);
    };
    let expected = mac(key(state).await?, &format!("rt1.{user}.{exp}"));
    if !constant_time_eq(expected.as_bytes(), sig.as_bytes()) || exp_secs < now_ms() / 1000 {
        return Ok(None);
    }
    Ok(Some(user.to_string()))
}
