//! Account operations shared by the pages and the API. Each writes its rows, its audit entry
//! and any mail it sends in one transaction: either all of it happened or none did.

use fluent_bundle::FluentArgs;
use kefu_core::error::ErrorCode;
use kefu_core::id::{new_token, numeric_code, token_digest};
use kefu_core::identity::SignedIdentity;
use kefu_core::time::{DAY, HOUR, now_ms};
use kefu_core::{Role, totp, validate};
use kefu_store::people::{NewUser, User};
use kefu_store::tokens::{NewToken, Purpose};
use kefu_store::{Tx, audit, outbox, people, sessions, settings, teams, tokens};

use crate::auth::{Caller, hash_password, verify_password};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use kefu_service::i18n::Lang;
use kefu_service::limits::rules;

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

fn limited(state: &AppState, key: String, rule: kefu_service::limits::Rule) -> AppResult<()> {
    state.limiter.hit(&key, rule).map_err(AppError::RateLimited)
}

fn user_lang(user: &User, fallback: Lang) -> Lang {
    Lang::parse(&user.language).unwrap_or(fallback)
}

/// Queues a mail whose subject and body come from the catalogue (`mail-{key}-subject`,
/// `mail-{key}-body`), filled with `args`.
pub(crate) async fn queue_mail(
    state: &AppState,
    tx: &mut Tx,
    lang: Lang,
    key: &str,
    to: &str,
    args: &[(&'static str, String)],
) -> AppResult<()> {
    let (subject, body) = mail_text(state, lang, key, args);
    outbox::enqueue(&mut *tx, key, to, &subject, &body).await?;
    Ok(())
}

/// A mail's subject and body from the catalogue (`mail-{key}-subject`, `mail-{key}-body`).
pub(crate) fn mail_text(
    state: &AppState,
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

async fn mail_count_exceeded(state: &AppState, purpose: Purpose, user_id: &str) -> AppResult<bool> {
    let n = tokens::count_since(&state.db, purpose, user_id, now_ms() - HOUR).await?;
    Ok(n >= rules::MAILS_PER_ACCOUNT_PER_HOUR)
}

pub async fn create_session(
    state: &AppState,
    user: &User,
    stage: &str,
    origin: &Origin,
) -> AppResult<String> {
    let token = new_token();
    sessions::create(
        &state.db,
        &sessions::NewSession {
            digest: &token_digest(&token),
            user_id: &user.id,
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

pub struct SignUp<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub name: &'a str,
    pub lang: Lang,
}

/// A customer signs up; a verification link goes out by mail.
pub async fn sign_up(state: &AppState, s: &SignUp<'_>, origin: &Origin) -> AppResult<User> {
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
        return Err(AppError::Conflict(
            ErrorCode::EmailTaken,
            "an account with this e-mail address exists; sign in or reset the password".into(),
        ));
    }
    let user = people::insert(
        &mut tx,
        &NewUser {
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

async fn send_verification_in(state: &AppState, tx: &mut Tx, user: &User) -> AppResult<()> {
    let (token, _) = tokens::issue(
        &mut *tx,
        Purpose::VerifyEmail,
        &NewToken {
            user_id: Some(&user.id),
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
pub async fn resend_verification(state: &AppState, user: &User, origin: &Origin) -> AppResult<()> {
    limited(state, format!("resend:ip:{}", origin.ip), rules::RESET_IP)?;
    if user.email_verified_at.is_some() {
        return Ok(());
    }
    if mail_count_exceeded(state, Purpose::VerifyEmail, &user.id).await? {
        return Err(AppError::RateLimited(3600));
    }
    let mut tx = state.db.begin().await?;
    send_verification_in(state, &mut tx, user).await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(())
}

/// Follows a verification or e-mail-change link.
pub async fn verify_email(state: &AppState, token: &str, origin: &Origin) -> AppResult<User> {
    let mut tx = state.db.begin().await?;
    if let Some(t) = tokens::consume(&mut tx, Purpose::VerifyEmail, token).await? {
        let user_id = t.user_id.ok_or(AppError::NotFound)?;
        people::mark_verified(&mut tx, &user_id).await?;
        audit::record(
            &mut tx,
            Some(&user_id),
            "email_verified",
            &user_id,
            &origin.ip,
            "",
        )
        .await?;
        let user = people::get(&mut tx, &user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        return Ok(user);
    }
    if let Some(t) = tokens::consume(&mut tx, Purpose::ChangeEmail, token).await? {
        let user_id = t.user_id.ok_or(AppError::NotFound)?;
        people::set_email(&mut tx, &user_id, &t.email, true).await?;
        sessions::delete_for_user(&mut tx, &user_id, None).await?;
        audit::record(
            &mut tx,
            Some(&user_id),
            "email_changed",
            &user_id,
            &origin.ip,
            &t.email,
        )
        .await?;
        let user = people::get(&mut tx, &user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        return Ok(user);
    }
    Err(AppError::bad(
        ErrorCode::InvalidToken,
        "this link is invalid, used or expired",
    ))
}

pub enum SignIn {
    /// Signed in; the session token for the cookie.
    Done { user: Box<User>, session: String },
    /// The password was right; the second factor is still owed on this session.
    SecondFactor { session: String },
}

pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    origin: &Origin,
) -> AppResult<SignIn> {
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
            return Err(AppError::bad(
                ErrorCode::InvalidCredentials,
                "wrong e-mail address or password",
            ));
        }
    };
    if user.role() == Role::Customer && user.email_verified_at.is_none() {
        return Err(AppError::Conflict(
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
    state: &AppState,
    caller: &Caller,
    code: &str,
    origin: &Origin,
) -> AppResult<User> {
    let Caller::SecondFactor { user, session } = caller else {
        return Err(AppError::Unauthorized);
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
        return Err(AppError::bad(
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
    state: &AppState,
    caller: &Caller,
    password: &str,
    origin: &Origin,
) -> AppResult<()> {
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
        return Err(AppError::bad(
            ErrorCode::InvalidCredentials,
            "wrong password",
        ));
    }
    sessions::mark_reauthenticated(&state.db, &session.id_digest).await?;
    Ok(())
}

/// Asks for a reset link. The answer is the same whether or not the account exists; a flood
/// for one account sends at most a few mails an hour.
pub async fn request_reset(state: &AppState, email: &str, origin: &Origin) -> AppResult<()> {
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
            user_id: Some(&user.id),
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
    state: &AppState,
    token: &str,
    password: &str,
    origin: &Origin,
) -> AppResult<()> {
    validate::password(password)?;
    let hash = hash_password(password).await?;
    let mut tx = state.db.begin().await?;
    let t = tokens::consume(&mut tx, Purpose::ResetPassword, token)
        .await?
        .ok_or_else(|| {
            AppError::bad(
                ErrorCode::InvalidToken,
                "this link is invalid, used or expired",
            )
        })?;
    let user_id = t.user_id.ok_or(AppError::NotFound)?;
    people::set_password(&mut tx, &user_id, &hash).await?;
    // A reset proves control of the mailbox, so it also verifies the address.
    people::mark_verified(&mut tx, &user_id).await?;
    tokens::spend_all(&mut tx, Purpose::ResetPassword, &user_id).await?;
    sessions::delete_for_user(&mut tx, &user_id, None).await?;
    audit::record(
        &mut tx,
        Some(&user_id),
        "password_reset",
        &user_id,
        &origin.ip,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    new_password: &str,
    origin: &Origin,
) -> AppResult<()> {
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
    state: &AppState,
    caller: &Caller,
    new_email: &str,
    origin: &Origin,
) -> AppResult<()> {
    caller.require_recent_auth()?;
    let (user, _) = caller.person()?;
    let email = validate::email(new_email)?;
    if people::by_email(&state.db, &email).await?.is_some() {
        return Err(AppError::Conflict(
            ErrorCode::EmailTaken,
            "this e-mail address belongs to another account".into(),
        ));
    }
    if mail_count_exceeded(state, Purpose::ChangeEmail, &user.id).await? {
        return Err(AppError::RateLimited(3600));
    }
    let mut tx = state.db.begin().await?;
    let (token, _) = tokens::issue(
        &mut tx,
        Purpose::ChangeEmail,
        &NewToken {
            user_id: Some(&user.id),
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
pub async fn begin_totp(state: &AppState, caller: &Caller) -> AppResult<String> {
    caller.require_recent_auth()?;
    let (user, _) = caller.person()?;
    if user.has_totp() {
        return Err(AppError::Conflict(
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
    state: &AppState,
    caller: &Caller,
    code: &str,
    origin: &Origin,
) -> AppResult<Vec<String>> {
    caller.require_recent_auth()?;
    let (user, _) = caller.person()?;
    let fresh = people::get(&state.db, &user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let secret = fresh
        .totp_secret
        .clone()
        .filter(|_| !fresh.has_totp())
        .ok_or_else(|| AppError::bad(ErrorCode::NoEnrolment, "start the enrolment again"))?;
    let step = totp::verify(&secret, code, now_ms() / 1000).ok_or_else(|| {
        AppError::bad(
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

pub async fn disable_totp(state: &AppState, caller: &Caller, origin: &Origin) -> AppResult<()> {
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

pub struct Invitation<'a> {
    pub email: &'a str,
    pub role: Role,
    pub team_id: Option<&'a str>,
}

/// An admin invites a colleague; the link works once and expires in a week.
pub async fn invite(
    state: &AppState,
    caller: &Caller,
    inv: &Invitation<'_>,
    origin: &Origin,
) -> AppResult<String> {
    if !inv.role.is_staff() {
        return Err(AppError::bad(
            ErrorCode::InvalidRole,
            "invite agents, supervisors or admins",
        ));
    }
    let email = validate::email(inv.email)?;
    if people::by_email(&state.db, &email).await?.is_some() {
        return Err(AppError::Conflict(
            ErrorCode::EmailTaken,
            "this person already has an account".into(),
        ));
    }
    if let Some(team) = inv.team_id
        && teams::get_team(&state.db, team).await?.is_none()
    {
        return Err(AppError::bad(ErrorCode::InvalidTeam, "no such team"));
    }
    let actor = caller.actor_id();
    let shop = settings::get(&state.db, settings::SHOP_NAME)
        .await?
        .unwrap_or_else(|| "Kefu".into());
    let mut tx = state.db.begin().await?;
    let (token, id) = tokens::issue(
        &mut tx,
        Purpose::Invitation,
        &NewToken {
            email: &email,
            role: inv.role.as_str(),
            data: inv.team_id.unwrap_or(""),
            created_by: actor.as_deref(),
            ttl_ms: INVITATION_TTL,
            ..Default::default()
        },
    )
    .await?;
    let args = [
        ("link", state.link(&format!("/invite?token={token}"))),
        ("shop", shop),
    ];
    let lang = caller
        .user()
        .and_then(|u| Lang::parse(&u.language))
        .unwrap_or(Lang::ZhCn);
    queue_mail(state, &mut tx, lang, "invite", &email, &args).await?;
    audit::record(
        &mut tx,
        actor.as_deref(),
        "invitation_created",
        &email,
        &origin.ip,
        inv.role.as_str(),
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(id)
}

pub async fn accept_invitation(
    state: &AppState,
    token: &str,
    name: &str,
    password: &str,
    origin: &Origin,
) -> AppResult<(User, String)> {
    let name = validate::name(name)?;
    validate::password(password)?;
    let hash = hash_password(password).await?;
    let mut tx = state.db.begin().await?;
    let t = tokens::consume(&mut tx, Purpose::Invitation, token)
        .await?
        .ok_or_else(|| {
            AppError::bad(
                ErrorCode::InvalidToken,
                "this invitation is invalid, used or expired",
            )
        })?;
    let role = Role::parse(&t.role)
        .filter(|r| r.is_staff())
        .unwrap_or(Role::Agent);
    let user = people::insert(
        &mut tx,
        &NewUser {
            role: Some(role),
            email: t.email.clone(),
            name,
            password_hash: Some(hash),
            verified: true,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| match e {
        kefu_store::Error::Conflict(_) => AppError::Conflict(
            ErrorCode::EmailTaken,
            "this person already has an account".into(),
        ),
        other => other.into(),
    })?;
    if !t.data.is_empty() {
        teams::add_member(&mut tx, &t.data, &user.id).await?;
    }
    audit::record(
        &mut tx,
        Some(&user.id),
        "invitation_accepted",
        &user.id,
        &origin.ip,
        role.as_str(),
    )
    .await?;
    tx.commit().await?;
    let session = create_session(state, &user, sessions::STAGE_FULL, origin).await?;
    Ok((user, session))
}

/// A shop's signed identity signs the customer in (creating the record on first sight).
/// Anything unsigned, wrongly signed or stale is refused and audited.
pub async fn identity_sign_in(
    state: &AppState,
    id: &SignedIdentity,
    origin: &Origin,
) -> AppResult<(User, String)> {
    let user = verified_customer(state, id, origin).await?;
    let session = create_session(state, &user, sessions::STAGE_FULL, origin).await?;
    Ok((user, session))
}

/// The customer a shop-signed identity names, created or linked on first sight. A wrong,
/// stale or missing signature is refused and audited.
pub async fn verified_customer(
    state: &AppState,
    id: &SignedIdentity,
    origin: &Origin,
) -> AppResult<User> {
    limited(
        state,
        format!("identity:ip:{}", origin.ip),
        rules::IDENTITY_IP,
    )?;
    let secret = settings::get(&state.db, settings::IDENTITY_SECRET)
        .await?
        .unwrap_or_default();
    if let Err(e) = id.verify(&secret, now_ms() / 1000) {
        audit::record(
            &state.db,
            None,
            "identity_rejected",
            &id.external_id,
            &origin.ip,
            &e.to_string(),
        )
        .await?;
        return Err(AppError::bad(ErrorCode::InvalidIdentity, e.to_string()));
    }
    let mut tx = state.db.begin().await?;
    let user = match people::by_external_id(&mut tx, &id.external_id).await? {
        Some(u) => u,
        None => {
            // An address the shop vouches for is taken as verified; if a customer with that
            // address already exists they are the same person and the record is linked.
            let email = validate::email(&id.email).ok();
            let existing = match &email {
                Some(e) => people::by_email(&mut tx, e).await?,
                None => None,
            };
            match existing {
                Some(u) if u.role() == Role::Customer => u,
                Some(_) => {
                    return Err(AppError::Conflict(
                        ErrorCode::EmailTaken,
                        "this address belongs to staff".into(),
                    ));
                }
                None => {
                    people::insert(
                        &mut tx,
                        &NewUser {
                            role: Some(Role::Customer),
                            email: email.unwrap_or_default(),
                            name: validate::name(&id.name).unwrap_or_default(),
                            verified: true,
                            external_id: Some(id.external_id.clone()),
                            ..Default::default()
                        },
                    )
                    .await?
                }
            }
        }
    };
    if user.role() != Role::Customer || !user.active {
        return Err(AppError::Forbidden);
    }
    audit::record(
        &mut tx,
        Some(&user.id),
        "identity_sign_in",
        &user.id,
        &origin.ip,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// Creates the first admin, guarded by the one-time setup code the server printed.
pub async fn set_up_first_admin(
    state: &AppState,
    code: &str,
    email: &str,
    name: &str,
    password: &str,
    origin: &Origin,
) -> AppResult<(User, String)> {
    limited(state, format!("setup:ip:{}", origin.ip), rules::SETUP_IP)?;
    let expected = state
        .setup_code
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .ok_or(AppError::NotFound)?;
    if !kefu_core::id::constant_time_eq(expected.as_bytes(), code.trim().as_bytes()) {
        audit::record(&state.db, None, "setup_code_rejected", "", &origin.ip, "").await?;
        return Err(AppError::bad(
            ErrorCode::InvalidSetupCode,
            "the set-up code is wrong; it is printed in the server's log",
        ));
    }
    let email = validate::email(email)?;
    let name = validate::name(name)?;
    validate::password(password)?;
    let hash = hash_password(password).await?;
    let mut tx = state.db.begin().await?;
    if people::count_admins(&mut tx).await? > 0 {
        return Err(AppError::NotFound);
    }
    let user = people::insert(
        &mut tx,
        &NewUser {
            role: Some(Role::Admin),
            email,
            name,
            password_hash: Some(hash),
            verified: true,
            ..Default::default()
        },
    )
    .await?;
    ensure_identity_secret(&mut tx).await?;
    audit::record(
        &mut tx,
        Some(&user.id),
        "setup_admin_created",
        &user.id,
        &origin.ip,
        "",
    )
    .await?;
    tx.commit().await?;
    *state.setup_code.lock().unwrap_or_else(|p| p.into_inner()) = None;
    let session = create_session(state, &user, sessions::STAGE_FULL, origin).await?;
    Ok((user, session))
}

/// Every shop gets a random identity-signing secret when it is set up.
pub async fn ensure_identity_secret(tx: &mut Tx) -> AppResult<String> {
    if let Some(s) = settings::get(&mut *tx, settings::IDENTITY_SECRET).await? {
        return Ok(s);
    }
    let secret = new_token();
    settings::set(&mut *tx, settings::IDENTITY_SECRET, &secret).await?;
    Ok(secret)
}

/// An admin changes a colleague's role. Customers and staff stay apart (a customer account is
/// never promoted), and the last active admin cannot be demoted.
pub async fn set_role(
    state: &AppState,
    caller: &Caller,
    user_id: &str,
    role: Role,
    origin: &Origin,
) -> AppResult<User> {
    let target = people::get(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !target.role().is_staff() || !role.is_staff() {
        return Err(AppError::bad(
            ErrorCode::InvalidRole,
            "roles change among staff only",
        ));
    }
    let mut tx = state.db.begin().await?;
    if target.role() == Role::Admin
        && role != Role::Admin
        && people::count_admins(&mut tx).await? <= 1
    {
        return Err(AppError::Conflict(
            ErrorCode::LastAdmin,
            "the shop needs at least one active admin".into(),
        ));
    }
    people::set_role(&mut tx, user_id, role).await?;
    audit::record(
        &mut tx,
        caller.actor_id().as_deref(),
        "role_changed",
        user_id,
        &origin.ip,
        role.as_str(),
    )
    .await?;
    let updated = people::get(&mut tx, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(updated)
}

/// Deactivating signs the person out everywhere at once; their records stay.
pub async fn set_active(
    state: &AppState,
    caller: &Caller,
    user_id: &str,
    active: bool,
    origin: &Origin,
) -> AppResult<User> {
    let target = people::get(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if caller.user().is_some_and(|u| u.id == target.id) && !active {
        return Err(AppError::Conflict(
            ErrorCode::SelfDeactivation,
            "you cannot deactivate yourself".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    if target.role() == Role::Admin && !active && people::count_admins(&mut tx).await? <= 1 {
        return Err(AppError::Conflict(
            ErrorCode::LastAdmin,
            "the shop needs at least one active admin".into(),
        ));
    }
    people::set_active(&mut tx, user_id, active).await?;
    if !active {
        sessions::delete_for_user(&mut tx, user_id, None).await?;
    }
    let action = if active {
        "user_activated"
    } else {
        "user_deactivated"
    };
    audit::record(
        &mut tx,
        caller.actor_id().as_deref(),
        action,
        user_id,
        &origin.ip,
        "",
    )
    .await?;
    let updated = people::get(&mut tx, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(updated)
}

/// The scopes an API token may hold.
pub const SCOPES: &[&str] = &[
    "people:read",
    "people:write",
    "teams:read",
    "teams:write",
    "conversations:read",
    "conversations:write",
    "audit:read",
];

pub async fn create_api_token(
    state: &AppState,
    caller: &Caller,
    name: &str,
    scopes: &[String],
    expires_in_days: Option<i64>,
    origin: &Origin,
) -> AppResult<(String, kefu_store::api_tokens::ApiToken)> {
    let (user, _) = caller.person()?;
    let name = validate::name(name)?;
    if scopes.is_empty() || scopes.iter().any(|s| !SCOPES.contains(&s.as_str())) {
        return Err(AppError::bad(
            ErrorCode::InvalidScope,
            format!("scopes must be among: {}", SCOPES.join(", ")),
        ));
    }
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let expires_at = match expires_in_days {
        Some(d) if (1..=3650).contains(&d) => Some(now_ms() + d * DAY),
        Some(_) => {
            return Err(AppError::bad(
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
    state: &AppState,
    caller: &Caller,
    id: &str,
    origin: &Origin,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    if !kefu_store::api_tokens::revoke(&mut tx, id).await? {
        return Err(AppError::NotFound);
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
