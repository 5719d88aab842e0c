//! People and their accounts: who is acting, passwords, sign-up, sign-in, the account's own
//! security, staff, shop-signed identities and API tokens. Each operation writes its rows, its
//! audit entry and any mail it sends in one transaction: either all of it happened or none did.
//! Pages and the API call the same functions.

pub mod api_tokens;
pub mod caller;
pub mod identity;
pub mod onboarding;
pub mod password;
pub mod security;
pub mod signin;
pub mod signup;
pub mod staff;
pub mod teams;

pub use api_tokens::*;
pub use identity::*;
pub use security::*;
pub use signin::*;
pub use signup::*;
pub use staff::*;

use fluent_bundle::FluentArgs;
use kefu_core::id::{new_token, token_digest};
use kefu_core::time::{DAY, HOUR, now_ms};
use kefu_store::people::Person;
use kefu_store::tokens::Purpose;
use kefu_store::{Tx, outbox, sessions, tokens};

use crate::Service;
use crate::i18n::Lang;
use crate::limits::rules;
use crate::{Error, Result};

/// Who did it and from where, for limits and the audit log.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: String,
    pub user_agent: String,
}

pub const VERIFY_TTL: i64 = 2 * DAY;
pub const RESET_TTL: i64 = HOUR;
pub const INVITATION_TTL: i64 = 7 * DAY;
/// How long a password-only session may wait for its second factor.
pub const MFA_SESSION_TTL: i64 = 10 * kefu_core::time::MINUTE;

fn limited(state: &Service, key: String, rule: crate::limits::Rule) -> Result<()> {
    state.limiter.hit(&key, rule).map_err(Error::RateLimited)
}

fn user_lang(user: &Person, fallback: Lang) -> Lang {
    Lang::parse(&user.language).unwrap_or(fallback)
}

/// Queues a mail whose subject and body come from the catalogue (`mail-{key}-subject`,
/// `mail-{key}-body`), filled with `args`.
pub async fn queue_mail(
    state: &Service,
    tx: &mut Tx,
    lang: Lang,
    key: &str,
    to: &str,
    args: &[(&'static str, String)],
) -> Result<()> {
    let (subject, body) = mail_text(state, lang, key, args);
    outbox::enqueue(&mut *tx, key, to, &subject, &body).await?;
    Ok(())
}

/// A mail's subject and body from the catalogue (`mail-{key}-subject`, `mail-{key}-body`).
pub fn mail_text(
    state: &Service,
    lang: Lang,
    key: &str,
    args: &[(&'static str, String)],
) -> (String, String) {
    // Fluent's arguments are not Send: the caller awaits only after this returns.
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(*k, v.clone());
    }
    (
        state
            .i18n
            .t_args(lang, &format!("mail-{key}-subject"), Some(&fa)),
        state
            .i18n
            .t_args(lang, &format!("mail-{key}-body"), Some(&fa)),
    )
}

async fn mail_count_exceeded(state: &Service, purpose: Purpose, person_id: &str) -> Result<bool> {
    let n = tokens::count_since(&state.db, purpose, person_id, now_ms() - HOUR).await?;
    Ok(n >= rules::MAILS_PER_ACCOUNT_PER_HOUR)
}

pub async fn create_session(
    state: &Service,
    user: &Person,
    stage: &str,
    origin: &Origin,
) -> Result<String> {
    let token = new_token();
    sessions::create(
        &state.db,
        &sessions::NewSession {
            digest: &token_digest(&token),
            person_id: &user.id,
            stage,
            // A session that still owes its second factor lives minutes, not days.
            ttl_ms: if stage == sessions::STAGE_MFA {
                MFA_SESSION_TTL
            } else {
                state.config.session_idle_hours * HOUR
            },
            ip: &origin.ip,
            user_agent: &origin.user_agent,
        },
    )
    .await?;
    Ok(token)
}
