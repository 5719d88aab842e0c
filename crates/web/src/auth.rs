//! Who is calling, as the request says it: the session cookie, an API token, a widget
//! visitor's header, and the client's address. What a caller may do, and the passwords that
//! prove it, are the application's (`kefu_service::accounts`).

use axum::http::HeaderMap;
use kefu_service::accounts::caller::Credentials;

use crate::error::AppError;
use crate::state::AppState;

pub use kefu_service::accounts::caller::{Caller, REAUTH_WINDOW_MS};
pub use kefu_service::accounts::password::{hash_password, verify_password};

pub const SESSION_COOKIE: &str = "kefu_session";

/// The caller the access guard resolved for this request (handlers take it as
/// `Extension<Caller>`).
pub fn guarded(parts: &axum::http::request::Parts) -> Result<Caller, AppError> {
    parts
        .extensions
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| AppError::Internal("route without access guard".into()))
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub const VISITOR_HEADER: &str = "x-kefu-visitor";

pub fn visitor_token(headers: &HeaderMap) -> Option<&str> {
    headers.get(VISITOR_HEADER)?.to_str().ok().map(str::trim)
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Resolves the caller from the request's credentials (see
/// [`kefu_service::accounts::caller::resolve`]).
pub async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Caller, AppError> {
    let credentials = Credentials {
        bearer: bearer(headers),
        visitor: visitor_token(headers),
        session: cookie(headers, SESSION_COOKIE),
    };
    Ok(kefu_service::accounts::caller::resolve(state, credentials).await?)
}

/// The client's address: the socket peer, or the last untrusted hop of `X-Forwarded-For` when
/// the peer is a configured proxy. A spoofed header from anyone else is ignored.
pub fn client_ip(state: &AppState, headers: &HeaderMap, peer: Option<std::net::IpAddr>) -> String {
    let Some(peer) = peer else {
        return String::new();
    };
    if state.config.trusted_proxies.contains(&peer)
        && let Some(xff) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
    {
        for hop in xff.rsplit(',') {
            if let Ok(ip) = hop.trim().parse::<std::net::IpAddr>()
                && !state.config.trusted_proxies.contains(&ip)
            {
                return ip.to_string();
            }
        }
    }
    peer.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert("cookie", "a=1; kefu_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, "kefu_session"), Some("abc"));
        assert_eq!(cookie(&h, "kefu"), None);
    }
}
