//! A person's own security: password, e-mail address, two-factor sign-in.

use kefu_core::ErrorCode;
use kefu_core::id::{numeric_code, token_digest};
use kefu_core::time::now_ms;
use kefu_core::{totp, validate};
use kefu_store::tokens::{NewToken, Purpose};
use kefu_store::{audit, people, sessions, tokens};

use super::caller::Caller;
use super::password::hash_password;
use super::*;
use crate::i18n::Lang;
use crate::{Error, Result, Service};

pub async fn change_password(
    state: &Service,
    caller: &Caller,
    new_password: &str,
    origin: &Origin,
) -> Result<()> {
    caller.require_recent_auth()?;
    let (user, session) = caller.person()?;
    validate::password(new_password)?;
    let hash = hash_password(new_password).await?;
    let mut tx = state.db.begin().await?;
    people::set_password(&mut tx, &user.id, &hash).await?;
    sessions::delete_for_user(&mut tx, &user.id, Some(&session.id_digest)).await?;
    audit::record(
        &mut tx,
        Some(&user.id),
        "password_changed",
        &user.id,
        &origin.ip,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Starts an e-mail change: a link goes to the new address, which takes effect when followed.
pub async fn request_email_change(
    state: &Service,
    caller: &Caller,
    new_email: &str,
    origin: &Origin,
) -> Result<()> {
    caller.require_recent_auth()?;
    let (user, _) = caller.person()?;
    let email = validate::email(new_email)?;
    if people::by_email(&state.db, &email).await?.is_some() {
        return Err(Error::Conflict(
            ErrorCode::EmailTaken,
            "this e-mail address belongs to another account".into(),
        ));
    }
    if mail_count_exceeded(state, Purpose::ChangeEmail, &user.id).await? {
        return Err(Error::RateLimited(3600));
    }
    let mut tx = state.db.begin().await?;
    let (token, _) = tokens::issue(
        &mut tx,
        Purpose::ChangeEmail,
        &NewToken {
            person_id: Some(&user.id),
            email: &email,
            ttl_ms: VERIFY_TTL,
            ..Default::default()
        },
    )
    .await?;
    let args = [
        ("link", state.link(&format!("/verify?token={token}"))),
        ("name", user.display_name().to_string()),
    ];
    queue_mail(
        state,
        &mut tx,
        user_lang(user, Lang::En),
        "change-email",
        &email,
        &args,
    )
    .await?;
    audit::record(
        &mut tx,
        Some(&user.id),
        "email_change_requested",
        &user.id,
        &origin.ip,
        &email,
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(())
}

/// Step one of 2FA enrolment: a fresh secret, stored but not yet in force.
pub async fn begin_totp(state: &Service, caller: &Caller) -> Result<String> {
    caller.require_recent_auth()?;
    let (user, _) = caller.person()?;
    if user.has_totp() {
        return Err(Error::Conflict(
            ErrorCode::TotpEnabled,
            "two-factor sign-in is already on".into(),
        ));
    }
    let secret = totp::new_secret();
    people::set_totp(&state.db, &user.id, Some(&secret), false).await?;
    Ok(secret)
}

/// Step two: the first code proves the app has the secret; 2FA goes on and ten recovery codes
/// are returned, to be shown once.
pub async fn confirm_totp(
    state: &Service,
    caller: &Caller,
    code: &str,
    origin: &Origin,
) -> Result<Vec<String>> {
    caller.require_recent_auth()?;
    let (user, _) = caller.person()?;
    let fresh = people::get(&state.db, &user.id)
        .await?
        .ok_or(Error::NotFound)?;
    let secret = fresh
        .totp_secret
        .clone()
        .filter(|_| !fresh.has_totp())
        .ok_or_else(|| Error::invalid(ErrorCode::NoEnrolment, "start the enrolment again"))?;
    let step = totp::verify(&secret, code, now_ms() / 1000).ok_or_else(|| {
        Error::invalid(
            ErrorCode::InvalidCode,
            "the code is wrong; check the time on your phone",
        )
    })?;
    let codes: Vec<String> = (0..10)
        .map(|_| {
            let c = numeric_code(10);
            format!("{}-{}", &c[..5], &c[5..])
        })
        .collect();
    let digests: Vec<String> = codes
        .iter()
        .map(|c| token_digest(&c.replace('-', "")))
        .collect();
    let mut tx = state.db.begin().await?;
    people::set_totp(&mut tx, &user.id, Some(&secret), true).await?;
    people::use_totp_step(&mut tx, &user.id, step).await?;
    people::replace_recovery_codes(&mut tx, &user.id, &digests).await?;
    audit::record(
        &mut tx,
        Some(&user.id),
        "totp_enabled",
        &user.id,
        &origin.ip,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

pub async fn disable_totp(state: &Service, caller: &Caller, origin: &Origin) -> Result<()> {
    caller.require_recent_auth()?;
    let (user, _) = caller.person()?;
    let mut tx = state.db.begin().await?;
    people::set_totp(&mut tx, &user.id, None, false).await?;
    people::replace_recovery_codes(&mut tx, &user.id, &[]).await?;
    audit::record(
        &mut tx,
        Some(&user.id),
        "totp_disabled",
        &user.id,
        &origin.ip,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The audit log, newest first: entries strictly older than `before` (ms), at most `limit`
/// (default 100, up to 500).
pub async fn audit_log(
    state: &Service,
    before: Option<i64>,
    limit: Option<i64>,
) -> Result<Vec<kefu_store::audit::AuditEntry>> {
    Ok(kefu_store::audit::list(&state.db, before, limit.unwrap_or(100).clamp(1, 500)).await?)
}
