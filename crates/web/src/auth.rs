//! Who is calling: a signed-in person (session cookie), an API token, or nobody; and the
//! password hashing that proves it.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use kefu_core::Role;
use kefu_core::id::token_digest;
use kefu_core::time::{HOUR, MINUTE, now_ms};
use kefu_store::api_tokens::ApiToken;
use kefu_store::people::User;
use kefu_store::sessions::{self, Session};
use kefu_store::{api_tokens, people};

use crate::error::AppError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "kefu_session";
/// Sensitive actions need the password within this window.
pub const REAUTH_WINDOW_MS: i64 = 10 * MINUTE;

#[derive(Clone)]
pub enum Caller {
    Anonymous,
    /// Password given, second factor pending: may only finish signing in.
    SecondFactor {
        user: User,
        session: Session,
    },
    Person {
        user: User,
        session: Session,
    },
    Token {
        token: ApiToken,
    },
    /// A widget visitor, by the token in `X-Kefu-Visitor`.
    Visitor {
        visitor: kefu_store::visitors::Visitor,
    },
}

impl Caller {
    pub fn user(&self) -> Option<&User> {
        match self {
            Caller::Person { user, .. } => Some(user),
            _ => None,
        }
    }
    pub fn role(&self) -> Option<Role> {
        self.user().map(User::role)
    }
    pub fn is_staff(&self) -> bool {
        self.role().is_some_and(Role::is_staff)
    }
    /// The signed-in staff member acting in a conversation; a customer gets 404 (as for a
    /// conversation they may not see), an API token 403, anyone else 401.
    pub fn staff(&self) -> Result<&User, AppError> {
        match self {
            Caller::Person { user, .. } if user.role().is_staff() => Ok(user),
            Caller::Person { .. } => Err(AppError::NotFound),
            Caller::Token { .. } => Err(AppError::Forbidden),
            _ => Err(AppError::Unauthorized),
        }
    }
    /// The id recorded as actor in the audit log.
    pub fn actor_id(&self) -> Option<String> {
        match self {
            Caller::Person { user, .. } | Caller::SecondFactor { user, .. } => {
                Some(user.id.clone())
            }
            Caller::Token { token } => Some(format!("token:{}", token.id)),
            Caller::Visitor { visitor } => Some(format!("visitor:{}", visitor.id)),
            Caller::Anonymous => None,
        }
    }
    /// The signed-in person, or 401.
    pub fn person(&self) -> Result<(&User, &Session), AppError> {
        match self {
            Caller::Person { user, session } => Ok((user, session)),
            _ => Err(AppError::Unauthorized),
        }
    }
    /// Sensitive actions: the password (or 2FA) was given recently in this session.
    pub fn require_recent_auth(&self) -> Result<(), AppError> {
        let (_, session) = self.person()?;
        if now_ms() - session.reauth_at > REAUTH_WINDOW_MS {
            return Err(AppError::ReauthRequired);
        }
        Ok(())
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        // The access guard resolved the caller for every routed request.
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| AppError::Internal("route without access guard".into()))
    }
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

/// Resolves the caller from the request's credentials. Unknown, expired or revoked
/// credentials make an anonymous caller, never an error, so public pages keep working.
pub async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Caller, AppError> {
    if let Some(token) = bearer(headers) {
        return match api_tokens::find_valid(&state.db, token).await? {
            Some(t) => {
                // Usage is recorded at most once a minute per token, not on every call.
                if t.last_used_at.is_none_or(|at| now_ms() - at > MINUTE) {
                    api_tokens::touch(&state.db, &t.id).await?;
                }
                Ok(Caller::Token { token: t })
            }
            None => Err(AppError::Unauthorized),
        };
    }
    if let Some(token) = visitor_token(headers) {
        return match kefu_store::visitors::by_token(&state.db, token).await? {
            Some(v) => {
                kefu_store::visitors::touch(&state.db, &v).await?;
                Ok(Caller::Visitor { visitor: v })
            }
            None => Err(AppError::Unauthorized),
        };
    }
    let Some(raw) = cookie(headers, SESSION_COOKIE) else {
        return Ok(Caller::Anonymous);
    };
    let digest = token_digest(raw);
    let Some(session) = sessions::get(&state.db, &digest).await? else {
        return Ok(Caller::Anonymous);
    };
    let Some(user) = people::get(&state.db, &session.user_id).await? else {
        return Ok(Caller::Anonymous);
    };
    if !user.active {
        sessions::delete(&state.db, &digest).await?;
        return Ok(Caller::Anonymous);
    }
    let idle = state.config.session_idle_hours * HOUR;
    // Only full sessions slide; one waiting for its second factor keeps its short expiry.
    if session.stage == sessions::STAGE_FULL && now_ms() - session.last_seen_at > MINUTE {
        sessions::touch(&state.db, &digest, now_ms() + idle).await?;
    }
    Ok(if session.stage == sessions::STAGE_FULL {
        Caller::Person { user, session }
    } else {
        Caller::SecondFactor { user, session }
    })
}

fn argon2() -> Argon2<'static> {
    // OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes off the async threads: argon2 is deliberately slow.
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&kefu_core::id::random_bytes::<16>())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Checks a password. With no stored hash (unknown account) a dummy hash is verified anyway, so
/// the answer takes as long and says nothing about whether the account exists.
pub async fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let (password, stored, real) = (
        password.to_string(),
        hash.map(str::to_string),
        hash.is_some(),
    );
    tokio::task::spawn_blocking(move || {
        let hash = stored.unwrap_or_else(|| dummy_hash().to_string());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && real
    })
    .await
    .unwrap_or(false)
}

/// A real hash of a random password, made once, verified for unknown accounts.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::encode_b64(&kefu_core::id::random_bytes::<16>());
        salt.ok()
            .and_then(|salt| {
                argon2()
                    .hash_password(kefu_core::id::new_token().as_bytes(), &salt)
                    .ok()
                    .map(|h| h.to_string())
            })
            .unwrap_or_default()
    })
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

    #[tokio::test]
    async fn password_hash_round_trip() {
        let h = hash_password("correct horse").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", Some(&h)).await);
        assert!(!verify_password("wrong", Some(&h)).await);
        assert!(!verify_password("anything", None).await);
    }
}
