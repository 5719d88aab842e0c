//! Staff correct a customer's details: the name, the address to write to, the phone number and
//! the language mails to them are written in.

use kefu_core::error::ErrorCode;
use kefu_core::validate;
use kefu_store::conversations;
use kefu_store::people::{self, Person};
use serde::Deserialize;

use crate::chat::queries::CustomerCard;
use crate::{Error, Result, Service};

/// What staff may change about a customer; absent fields stay as they are.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerEdit {
    pub name: Option<String>,
    /// The address to write to (an account's own address is the customer's to change).
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `zh-CN`, `en`, or empty for the shop's language.
    pub language: Option<String>,
}

/// The customer `id` if `user` may look after them: staff who see every inbox, or an agent
/// with a conversation of theirs in one of the agent's inboxes. Anyone else: `NotFound`.
pub async fn customer_for_staff(state: &Service, user: &Person, id: &str) -> Result<Person> {
    let c = people::get(&state.db, id)
        .await?
        .filter(|p| p.role() == kefu_core::Role::Customer)
        .ok_or(Error::NotFound)?;
    if user.role().sees_all_inboxes() {
        return Ok(c);
    }
    let f = conversations::Filter {
        member: &user.id,
        customer: &c.id,
        limit: 1,
        ..Default::default()
    };
    if conversations::list(&state.db, &f).await?.is_empty() {
        return Err(Error::NotFound);
    }
    Ok(c)
}

/// Changes a customer's details.
pub async fn edit(
    state: &Service,
    user: &Person,
    id: &str,
    e: &CustomerEdit,
) -> Result<CustomerCard> {
    let c = customer_for_staff(state, user, id).await?;
    let name = match &e.name {
        Some(n) => validate::name(n)?,
        None => c.name.clone(),
    };
    let phone = match &e.phone {
        Some(p) => validate::phone(p)?,
        None => c.phone.clone(),
    };
    let language = match e.language.as_deref().map(str::trim) {
        Some("") => String::new(),
        Some(l) => validate::language(l)?,
        None => c.language.clone(),
    };
    let email = match e.email.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(a) => Some(validate::email(a).map_err(|_| {
            Error::invalid(
                ErrorCode::InvalidEmail,
                format!("{a} is not an e-mail address"),
            )
        })?),
    };
    let mut tx = state.db.begin().await?;
    people::update_profile(
        &mut tx,
        &c.id,
        &people::Profile {
            name: &name,
            phone: &phone,
            language: &language,
            preferred_channel: &c.preferred_channel,
        },
    )
    .await?;
    match &email {
        Some(a) if c.email.is_empty() => {
            people::set_customer_details(&mut tx, &c.id, "", a).await?;
        }
        Some(a) if !a.eq_ignore_ascii_case(&c.email) => {
            return Err(Error::invalid(
                ErrorCode::AccountAddress,
                "this customer signs in with their address; they change it in their account",
            ));
        }
        _ => {}
    }
    tx.commit().await?;
    let updated = people::get(&state.db, &c.id)
        .await?
        .ok_or(Error::NotFound)?;
    let address = people::reply_address(&state.db, &updated.id)
        .await?
        .unwrap_or_default();
    Ok(CustomerCard::of(updated, address))
}
