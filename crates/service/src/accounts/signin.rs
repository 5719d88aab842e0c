//! Signing in: password, second factor, confirming the password again, reset links.

use kefu_core::ErrorCode;
use kefu_core::id::token_digest;
use kefu_core::time::now_ms;
use kefu_core::{Role, totp, validate};
use kefu_store::people::Person;
use kefu_store::tokens::{NewToken, Purpose};
use kefu_store::{audit, people, sessions, tokens};

use super::caller::Caller;
use super::password::{hash_password, verify_password};
use super::*;
use crate::i18n::Lang;
use crate::limits::rules;
use crate::{Error, Result, Service};

pub enum SignIn {
    /// Signed in; the session token for the cookie.
    Done { user: Box<Person>, session: String },
    /// The password was right; the second factor is still owed on this session.
    SecondFactor { session: String },
}

pub async fn sign_in(
    state: &Service,
    email: &str,
    password: &str,
    origin: &Origin,
) -> Result<SignIn> {
    limited(state, format!("login:ip:{}", origin.ip), rules::LOGIN_IP)?;
    let key = validate::email_key(email);
    limited(state, format!("login:acct:{key}"), rules::LOGIN_ACCOUNT)?;
    let user = people::by_email(&state.db, email).await?;
    let ok = verify_password(
        password,
        user.as_ref().and_then(|u| u.password_hash.as_deref()),
    )
    .await;
    let user = match user {
        Some(u) if ok && u.active => u,
        other => {
            audit::record(
                &state.db,
                other.as_ref().map(|u| u.id.as_str()),
                "login_failed",
                &key,
                &origin.ip,
                "",
            )
            .await?;
            return Err(Error::invalid(
                ErrorCode::InvalidCredentials,
                "wrong e-mail address or password",
            ));
        }
    };
    if user.role() == Role::Customer && user.email_verified_at.is_none() {
        return Err(Error::Conflict(
            ErrorCode::EmailUnverified,
            "confirm your e-mail address first: follow the link we sent".into(),
        ));
    }
    state.limiter.clear(&format!("login:acct:{key}"));
    if user.has_totp() {
        let session = create_session(state, &user, sessions::STAGE_MFA, origin).await?;
        return Ok(SignIn::SecondFactor { session });
    }
    let session = create_session(state, &user, sessions::STAGE_FULL, origin).await?;
    audit::record(&state.db, Some(&user.id), "login", &user.id, &origin.ip, "").await?;
    Ok(SignIn::Done {
        user: Box::new(user),
        session,
    })
}

/// The second factor: a TOTP code, or one of the recovery codes.
pub async fn second_factor(
    state: &Service,
    caller: &Caller,
    code: &str,
    origin: &Origin,
) -> Result<Person> {
    let Caller::SecondFactor { user, session } = caller else {
        return Err(Error::Unauthorized);
    };
    limited(
        state,
        format!("totp:{}", session.id_digest),
        rules::TOTP_SESSION,
    )?;
    let code = code.trim();
    let secret = user.totp_secret.as_deref().unwrap_or_default();
    let accepted = match totp::verify(secret, code, now_ms() / 1000) {
        Some(step) => people::use_totp_step(&state.db, &user.id, step).await?,
        None => {
            let normalized = code.replace(['-', ' '], "").to_ascii_lowercase();
            let used =
                people::use_recovery_code(&state.db, &user.id, &token_digest(&normalized)).await?;
            if used {
                audit::record(
                    &state.db,
                    Some(&user.id),
                    "recovery_code_used",
                    &user.id,
                    &origin.ip,
                    "",
                )
                .await?;
            }
            used
        }
    };
    if !accepted {
        audit::record(
            &state.db,
            Some(&user.id),
            "totp_failed",
            &user.id,
            &origin.ip,
            "",
        )
        .await?;
        return Err(Error::invalid(
            ErrorCode::InvalidCode,
            "the code is wrong or was already used",
        ));
    }
    sessions::promote(&state.db, &session.id_digest).await?;
    audit::record(
        &state.db,
        Some(&user.id),
        "login",
        &user.id,
        &origin.ip,
        "2fa",
    )
    .await?;
    Ok(user.clone())
}

/// Confirms the password for a sensitive action.
pub async fn reauthenticate(
    state: &Service,
    caller: &Caller,
    password: &str,
    origin: &Origin,
) -> Result<()> {
    let (user, session) = caller.person()?;
    limited(
        state,
        format!("login:acct:{}", validate::email_key(&user.email)),
        rules::LOGIN_ACCOUNT,
    )?;
    if !verify_password(password, user.password_hash.as_deref()).await {
        audit::record(
            &state.db,
            Some(&user.id),
            "reauth_failed",
            &user.id,
            &origin.ip,
            "",
        )
        .await?;
        return Err(Error::invalid(
            ErrorCode::InvalidCredentials,
            "wrong password",
        ));
    }
    sessions::mark_reauthenticated(&state.db, &session.id_digest).await?;
    Ok(())
}

/// Asks for a reset link. The answer is the same whether or not the account exists; a flood
/// for one account sends at most a few mails an hour.
pub async fn request_reset(state: &Service, email: &str, origin: &Origin) -> Result<()> {
    limited(state, format!("reset:ip:{}", origin.ip), rules::RESET_IP)?;
    let Some(user) = people::by_email(&state.db, email).await? else {
        return Ok(());
    };
    if !user.active || mail_count_exceeded(state, Purpose::ResetPassword, &user.id).await? {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    let (token, _) = tokens::issue(
        &mut tx,
        Purpose::ResetPassword,
        &NewToken {
            person_id: Some(&user.id),
            email: &user.email,
            ttl_ms: RESET_TTL,
            ..Default::default()
        },
    )
    .await?;
    let args = [
        (
            "link",
            state.link(&format!("/password/reset?token={token}")),
        ),
        ("name", user.display_name().to_string()),
    ];
    queue_mail(
        state,
        &mut tx,
        user_lang(&user, Lang::En),
        "reset",
        &user.email,
        &args,
    )
    .await?;
    audit::record(
        &mut tx,
        None,
        "password_reset_requested",
        &user.id,
        &origin.ip,
        "",
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(())
}

pub async fn reset_password(
    state: &Service,
    token: &str,
    password: &str,
    origin: &Origin,
) -> Result<()> {
    validate::password(password)?;
    let hash = hash_password(password).await?;
    let mut tx = state.db.begin().await?;
    let t = tokens::consume(&mut tx, Purpose::ResetPassword, token)
        .await?
        .ok_or_else(|| {
            Error::invalid(
                ErrorCode::InvalidToken,
                "this link is invalid, used or expired",
            )
        })?;
    let person_id = t.person_id.ok_or(Error::NotFound)?;
    people::set_password(&mut tx, &person_id, &hash).await?;
    // A reset proves control of the mailbox, so it also verifies the address.
    people::mark_verified(&mut tx, &person_id).await?;
    tokens::spend_all(&mut tx, Purpose::ResetPassword, &person_id).await?;
    sessions::delete_for_user(&mut tx, &person_id, None).await?;
    audit::record(
        &mut tx,
        Some(&person_id),
        "password_reset",
        &person_id,
        &origin.ip,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Signs out: the session ends (audited). Errors are ignored: the browser forgets it anyway.
pub async fn sign_out(state: &Service, caller: &Caller, origin: &Origin) {
    if let Caller::Person { session, user } | Caller::SecondFactor { session, user } = caller {
        let _ = sessions::delete(&state.db, &session.id_digest).await;
        let _ = audit::record(
            &state.db,
            Some(&user.id),
            "logout",
            &user.id,
            &origin.ip,
            "",
        )
        .await;
    }
}

/// Sends the verification mail again to whoever has this address; nothing, and no error, when
/// nobody has it (the answer must not tell).
pub async fn resend_verification_to(state: &Service, email: &str, origin: &Origin) -> Result<()> {
    if let Ok(Some(user)) = people::by_email(&state.db, email).await {
        super::resend_verification(state, &user, origin).await?;
    }
    Ok(())
}

/// The address a valid, unused invitation was sent to.
pub async fn invitation_email(state: &Service, token: &str) -> Result<Option<String>> {
    Ok(tokens::peek(&state.db, tokens::Purpose::Invitation, token)
        .await?
        .map(|t| t.email))
}

/// Whether a password-reset link is still valid.
pub async fn reset_link_valid(state: &Service, token: &str) -> Result<bool> {
    Ok(
        tokens::peek(&state.db, tokens::Purpose::ResetPassword, token)
            .await?
            .is_some(),
    )
}

/// Remembers the language a person chose (errors ignored: the cookie holds it too).
pub async fn remember_language(state: &Service, user: &Person, code: &str) {
    let _ = people::set_language(&state.db, &user.id, code).await;
}

/// How many unused recovery codes a person has left.
pub async fn recovery_codes_left(state: &Service, user: &Person) -> i64 {
    people::recovery_codes_left(&state.db, &user.id)
        .await
        .unwrap_or(0)
}
