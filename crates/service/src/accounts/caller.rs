//! Who is acting: the caller of a use case, found from the credentials a request carried (an
//! API token, a widget visitor's token, a session), and what each kind may do.

use kefu_core::Role;
use kefu_core::id::token_digest;
use kefu_core::time::{HOUR, MINUTE, now_ms};
use kefu_store::api_tokens::ApiToken;
use kefu_store::people::Person;
use kefu_store::sessions::{self, Session};
use kefu_store::{api_tokens, people};

use crate::{Error, Result, Service};

/// Sensitive actions need the password within this window.
pub const REAUTH_WINDOW_MS: i64 = 10 * MINUTE;

#[derive(Clone)]
pub enum Caller {
    Anonymous,
    /// Password given, second factor pending: may only finish signing in.
    SecondFactor {
        user: Person,
        session: Session,
    },
    Person {
        user: Person,
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
    pub fn user(&self) -> Option<&Person> {
        match self {
            Caller::Person { user, .. } => Some(user),
            _ => None,
        }
    }
    pub fn role(&self) -> Option<Role> {
        self.user().map(Person::role)
    }
    pub fn is_staff(&self) -> bool {
        self.role().is_some_and(Role::is_staff)
    }
    /// The signed-in staff member acting in a conversation; a customer gets 404 (as for a
    /// conversation they may not see), an API token 403, anyone else 401.
    pub fn staff(&self) -> Result<&Person, Error> {
        match self {
            Caller::Person { user, .. } if user.role().is_staff() => Ok(user),
            Caller::Person { .. } => Err(Error::NotFound),
            Caller::Token { .. } => Err(Error::Forbidden),
            _ => Err(Error::Unauthorized),
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
    pub fn person(&self) -> Result<(&Person, &Session), Error> {
        match self {
            Caller::Person { user, session } => Ok((user, session)),
            _ => Err(Error::Unauthorized),
        }
    }
    /// Sensitive actions: the password (or 2FA) was given recently in this session.
    pub fn require_recent_auth(&self) -> Result<(), Error> {
        let (_, session) = self.person()?;
        if now_ms() - session.reauth_at > REAUTH_WINDOW_MS {
            return Err(Error::ReauthRequired);
        }
        Ok(())
    }
}

/// The credentials a request carried, as the edge found them.
#[derive(Debug, Default, Clone, Copy)]
pub struct Credentials<'a> {
    /// An API token (`Authorization: Bearer`).
    pub bearer: Option<&'a str>,
    /// A widget visitor's token.
    pub visitor: Option<&'a str>,
    /// A session token (the session cookie).
    pub session: Option<&'a str>,
}

/// Resolves the caller from a request's credentials. Unknown, expired or revoked sessions make
/// an anonymous caller, never an error, so public pages keep working; an unknown API or
/// visitor token is refused (`Unauthorized`).
pub async fn resolve(state: &Service, credentials: Credentials<'_>) -> Result<Caller> {
    if let Some(token) = credentials.bearer {
        return match api_tokens::find_valid(&state.db, token).await? {
            Some(t) => {
                // Usage is recorded at most once a minute per token, not on every call.
                if t.last_used_at.is_none_or(|at| now_ms() - at > MINUTE) {
                    api_tokens::touch(&state.db, &t.id).await?;
                }
                Ok(Caller::Token { token: t })
            }
            None => Err(Error::Unauthorized),
        };
    }
    if let Some(token) = credentials.visitor {
        return match kefu_store::visitors::by_token(&state.db, token).await? {
            Some(v) => {
                kefu_store::visitors::touch(&state.db, &v).await?;
                Ok(Caller::Visitor { visitor: v })
            }
            None => Err(Error::Unauthorized),
        };
    }
    let Some(raw) = credentials.session else {
        return Ok(Caller::Anonymous);
    };
    let digest = token_digest(raw);
    let Some(session) = sessions::get(&state.db, &digest).await? else {
        return Ok(Caller::Anonymous);
    };
    let Some(user) = people::get(&state.db, &session.person_id).await? else {
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
