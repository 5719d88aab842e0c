//! Customers sign up and confirm their address.

use kefu_core::ErrorCode;
use kefu_core::{Role, validate};
use kefu_store::people::{NewPerson, Person};
use kefu_store::tokens::{NewToken, Purpose};
use kefu_store::{Tx, audit, people, sessions, tokens};

use super::password::hash_password;
use super::*;
use crate::i18n::Lang;
use crate::limits::rules;
use crate::{Error, Result, Service};

pub struct SignUp<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub name: &'a str,
    pub lang: Lang,
}

/// A customer signs up; a verification link goes out by mail.
pub async fn sign_up(state: &Service, s: &SignUp<'_>, origin: &Origin) -> Result<Person> {
    limited(state, format!("signup:ip:{}", origin.ip), rules::SIGNUP_IP)?;
    let email = validate::email(s.email)?;
    validate::password(s.password)?;
    let name = if s.name.trim().is_empty() {
        String::new()
    } else {
        validate::name(s.name)?
    };
    let hash = hash_password(s.password).await?;
    let mut tx = state.db.begin().await?;
    if people::by_email(&mut tx, &email).await?.is_some() {
        return Err(Error::Conflict(
            ErrorCode::EmailTaken,
            "an account with this e-mail address exists; sign in or reset the password".into(),
        ));
    }
    let user = people::insert(
        &mut tx,
        &NewPerson {
            role: Some(Role::Customer),
            email: email.clone(),
            name,
            password_hash: Some(hash),
            language: s.lang.code().into(),
            ..Default::default()
        },
    )
    .await?;
    send_verification_in(state, &mut tx, &user).await?;
    audit::record(&mut tx, Some(&user.id), "signup", &user.id, &origin.ip, "").await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(user)
}

async fn send_verification_in(state: &Service, tx: &mut Tx, user: &Person) -> Result<()> {
    let (token, _) = tokens::issue(
        &mut *tx,
        Purpose::VerifyEmail,
        &NewToken {
            person_id: Some(&user.id),
            email: &user.email,
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
        tx,
        user_lang(user, Lang::En),
        "verify",
        &user.email,
        &args,
    )
    .await
}

/// Sends another verification link, at most a few an hour.
pub async fn resend_verification(state: &Service, user: &Person, origin: &Origin) -> Result<()> {
    limited(state, format!("resend:ip:{}", origin.ip), rules::RESET_IP)?;
    if user.email_verified_at.is_some() {
        return Ok(());
    }
    if mail_count_exceeded(state, Purpose::VerifyEmail, &user.id).await? {
        return Err(Error::RateLimited(3600));
    }
    let mut tx = state.db.begin().await?;
    send_verification_in(state, &mut tx, user).await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(())
}

/// Follows a verification or e-mail-change link.
pub async fn verify_email(state: &Service, token: &str, origin: &Origin) -> Result<Person> {
    let mut tx = state.db.begin().await?;
    if let Some(t) = tokens::consume(&mut tx, Purpose::VerifyEmail, token).await? {
        let person_id = t.person_id.ok_or(Error::NotFound)?;
        people::mark_verified(&mut tx, &person_id).await?;
        audit::record(
            &mut tx,
            Some(&person_id),
            "email_verified",
            &person_id,
            &origin.ip,
            "",
        )
        .await?;
        let user = people::get(&mut tx, &person_id)
            .await?
            .ok_or(Error::NotFound)?;
        tx.commit().await?;
        return Ok(user);
    }
    if let Some(t) = tokens::consume(&mut tx, Purpose::ChangeEmail, token).await? {
        let person_id = t.person_id.ok_or(Error::NotFound)?;
        people::set_email(&mut tx, &person_id, &t.email, true).await?;
        sessions::delete_for_user(&mut tx, &person_id, None).await?;
        audit::record(
            &mut tx,
            Some(&person_id),
            "email_changed",
            &person_id,
            &origin.ip,
            &t.email,
        )
        .await?;
        let user = people::get(&mut tx, &person_id)
            .await?
            .ok_or(Error::NotFound)?;
        tx.commit().await?;
        return Ok(user);
    }
    Err(Error::invalid(
        ErrorCode::InvalidToken,
        "this link is invalid, used or expired",
    ))
}
