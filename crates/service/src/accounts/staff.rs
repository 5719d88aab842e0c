//! Staff accounts: the first admin, invitations, roles, deactivation.

use kefu_core::ErrorCode;
use kefu_core::id::new_token;
use kefu_core::{Role, validate};
use kefu_store::people::{NewPerson, Person};
use kefu_store::tokens::{NewToken, Purpose};
use kefu_store::{Tx, audit, people, sessions, settings, teams, tokens};

use super::caller::Caller;
use super::password::hash_password;
use super::*;
use crate::i18n::Lang;
use crate::limits::rules;
use crate::{Error, Result, Service};

/// Creates the first admin, guarded by the one-time setup code the server printed.
pub async fn set_up_first_admin(
    state: &Service,
    code: &str,
    email: &str,
    name: &str,
    password: &str,
    origin: &Origin,
) -> Result<(Person, String)> {
    limited(state, format!("setup:ip:{}", origin.ip), rules::SETUP_IP)?;
    let expected = state
        .setup_code
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .ok_or(Error::NotFound)?;
    if !kefu_core::id::constant_time_eq(expected.as_bytes(), code.trim().as_bytes()) {
        audit::record(&state.db, None, "setup_code_rejected", "", &origin.ip, "").await?;
        return Err(Error::invalid(
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
        return Err(Error::NotFound);
    }
    let user = people::insert(
        &mut tx,
        &NewPerson {
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
pub async fn ensure_identity_secret(tx: &mut Tx) -> Result<String> {
    if let Some(s) = settings::get(&mut *tx, settings::IDENTITY_SECRET).await? {
        return Ok(s);
    }
    let secret = new_token();
    settings::set(&mut *tx, settings::IDENTITY_SECRET, &secret).await?;
    Ok(secret)
}

pub struct Invitation<'a> {
    pub email: &'a str,
    pub role: Role,
    pub team_id: Option<&'a str>,
}

/// An admin invites a colleague; the link works once and expires in a week.
pub async fn invite(
    state: &Service,
    caller: &Caller,
    inv: &Invitation<'_>,
    origin: &Origin,
) -> Result<String> {
    if !inv.role.is_staff() {
        return Err(Error::invalid(
            ErrorCode::InvalidRole,
            "invite agents, supervisors or admins",
        ));
    }
    let email = validate::email(inv.email)?;
    if people::by_email(&state.db, &email).await?.is_some() {
        return Err(Error::Conflict(
            ErrorCode::EmailTaken,
            "this person already has an account".into(),
        ));
    }
    if let Some(team) = inv.team_id
        && teams::get_team(&state.db, team).await?.is_none()
    {
        return Err(Error::invalid(ErrorCode::InvalidTeam, "no such team"));
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
    let lang = match caller.user().and_then(|u| Lang::parse(&u.language)) {
        Some(l) => l,
        None => state.shop_lang().await,
    };
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
    state: &Service,
    token: &str,
    name: &str,
    password: &str,
    origin: &Origin,
) -> Result<(Person, String)> {
    let name = validate::name(name)?;
    validate::password(password)?;
    let hash = hash_password(password).await?;
    let mut tx = state.db.begin().await?;
    let t = tokens::consume(&mut tx, Purpose::Invitation, token)
        .await?
        .ok_or_else(|| {
            Error::invalid(
                ErrorCode::InvalidToken,
                "this invitation is invalid, used or expired",
            )
        })?;
    let role = Role::parse(&t.role)
        .filter(|r| r.is_staff())
        .unwrap_or(Role::Agent);
    let user = people::insert(
        &mut tx,
        &NewPerson {
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
        kefu_store::Error::Conflict(_) => Error::Conflict(
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

/// An admin changes a colleague's role. Customers and staff stay apart (a customer account is
/// never promoted), and the last active admin cannot be demoted.
pub async fn set_role(
    state: &Service,
    caller: &Caller,
    person_id: &str,
    role: Role,
    origin: &Origin,
) -> Result<Person> {
    let target = people::get(&state.db, person_id)
        .await?
        .ok_or(Error::NotFound)?;
    if !target.role().is_staff() || !role.is_staff() {
        return Err(Error::invalid(
            ErrorCode::InvalidRole,
            "roles change among staff only",
        ));
    }
    let mut tx = state.db.begin().await?;
    if target.role() == Role::Admin
        && role != Role::Admin
        && people::count_admins(&mut tx).await? <= 1
    {
        return Err(Error::Conflict(
            ErrorCode::LastAdmin,
            "the shop needs at least one active admin".into(),
        ));
    }
    people::set_role(&mut tx, person_id, role).await?;
    audit::record(
        &mut tx,
        caller.actor_id().as_deref(),
        "role_changed",
        person_id,
        &origin.ip,
        role.as_str(),
    )
    .await?;
    let updated = people::get(&mut tx, person_id)
        .await?
        .ok_or(Error::NotFound)?;
    tx.commit().await?;
    Ok(updated)
}

/// Deactivating signs the person out everywhere at once; their records stay.
pub async fn set_active(
    state: &Service,
    caller: &Caller,
    person_id: &str,
    active: bool,
    origin: &Origin,
) -> Result<Person> {
    let target = people::get(&state.db, person_id)
        .await?
        .ok_or(Error::NotFound)?;
    if caller.user().is_some_and(|u| u.id == target.id) && !active {
        return Err(Error::Conflict(
            ErrorCode::SelfDeactivation,
            "you cannot deactivate yourself".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    if target.role() == Role::Admin && !active && people::count_admins(&mut tx).await? <= 1 {
        return Err(Error::Conflict(
            ErrorCode::LastAdmin,
            "the shop needs at least one active admin".into(),
        ));
    }
    people::set_active(&mut tx, person_id, active).await?;
    if !active {
        sessions::delete_for_user(&mut tx, person_id, None).await?;
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
        person_id,
        &origin.ip,
        "",
    )
    .await?;
    let updated = people::get(&mut tx, person_id)
        .await?
        .ok_or(Error::NotFound)?;
    tx.commit().await?;
    Ok(updated)
}

/// What the shop's settings page shows.
#[derive(Debug, Clone)]
pub struct ShopSettings {
    pub name: String,
    pub language: Lang,
    /// Made on first look.
    pub identity_secret: String,
}

/// The shop's settings: its name, its language and the identity secret.
pub async fn shop_settings(state: &Service) -> Result<ShopSettings> {
    let mut tx = state.db.begin().await?;
    let identity_secret = ensure_identity_secret(&mut tx).await?;
    tx.commit().await?;
    Ok(ShopSettings {
        name: state.shop_name().await.unwrap_or_default(),
        language: state.shop_lang().await,
        identity_secret,
    })
}

/// Names the shop and sets its language (`zh-CN` or `en`).
pub async fn save_shop(state: &Service, name: &str, language: &str) -> Result<()> {
    let name = validate::name(name)?;
    let lang = Lang::parse(language).ok_or_else(|| {
        Error::invalid(
            ErrorCode::InvalidLanguage,
            "the language is zh-CN (Chinese) or en (English)",
        )
    })?;
    let mut tx = state.db.begin().await?;
    settings::set(&mut tx, settings::SHOP_NAME, &name).await?;
    settings::set(&mut tx, settings::SHOP_LANGUAGE, lang.code()).await?;
    tx.commit().await?;
    Ok(())
}

/// A new identity secret (after a recent sign-in): links signed with the old one stop working
/// at once. Audited.
pub async fn rotate_identity_secret(
    state: &Service,
    caller: &Caller,
    origin: &Origin,
) -> Result<()> {
    caller.require_recent_auth()?;
    let mut tx = state.db.begin().await?;
    settings::set(
        &mut tx,
        settings::IDENTITY_SECRET,
        &kefu_core::id::new_token(),
    )
    .await?;
    audit::record(
        &mut tx,
        caller.actor_id().as_deref(),
        "identity_secret_rotated",
        "",
        &origin.ip,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
