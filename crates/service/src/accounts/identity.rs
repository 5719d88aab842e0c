//! Shop-signed identities: a shopper signed in at the shop is a verified customer here.

use kefu_core::ErrorCode;
use kefu_core::identity::SignedIdentity;
use kefu_core::time::now_ms;
use kefu_core::{Role, validate};
use kefu_store::people::{NewPerson, Person};
use kefu_store::{audit, people, sessions, settings};

use super::*;
use crate::{Error, Result, Service};

/// A shop's signed identity signs the customer in (creating the record on first sight).
/// Anything unsigned, wrongly signed or stale is refused and audited.
pub async fn identity_sign_in(
    state: &Service,
    id: &SignedIdentity,
    origin: &Origin,
) -> Result<(Person, String)> {
    let user = verified_customer(state, id, origin).await?;
    let session = create_session(state, &user, sessions::STAGE_FULL, origin).await?;
    Ok((user, session))
}

/// The customer a shop-signed identity names, created or linked on first sight. A wrong,
/// stale or missing signature is refused and audited.
pub async fn verified_customer(
    state: &Service,
    id: &SignedIdentity,
    origin: &Origin,
) -> Result<Person> {
    limited(
        state,
        format!("identity:ip:{}", origin.ip),
        crate::limits::Rule::per_minutes(state.config.identity_checks_per_minute, 1),
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
        return Err(Error::invalid(ErrorCode::InvalidIdentity, e.to_string()));
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
                    return Err(Error::Conflict(
                        ErrorCode::EmailTaken,
                        "this address belongs to staff".into(),
                    ));
                }
                None => {
                    people::insert(
                        &mut tx,
                        &NewPerson {
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
        return Err(Error::Forbidden);
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

/// Checks a shop-signed identity for the API: a valid one creates or finds the customer (and
/// is audited like a sign-in), and only the customer's id is given back, no session.
pub async fn verify_identity(
    state: &Service,
    id: &SignedIdentity,
    origin: &Origin,
) -> Result<String> {
    let (user, session) = identity_sign_in(state, id, origin).await?;
    sessions::delete(&state.db, &kefu_core::id::token_digest(&session)).await?;
    Ok(user.id)
}
