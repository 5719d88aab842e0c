//! Mail as admins manage it: an e-mail inbox's settings with where reading it stands,
//! received mail that did not become a message, and its raw file.

use kefu_store::mail::{self as store_mail, InboxState, MailRecord};
use kefu_store::teams;
use serde::Serialize;

use super::{CHANNEL, MailSettingsForm, load, merge, save, to_form};
use crate::{Error, Result, Service};

/// The e-mail inbox `id`; `NotFound` for anything else.
pub async fn mail_inbox(state: &Service, id: &str) -> Result<teams::Inbox> {
    teams::get_inbox(&state.db, id)
        .await?
        .filter(|i| i.channel == CHANNEL)
        .ok_or(Error::NotFound)
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailSettingsView {
    pub settings: MailSettingsForm,
    /// Where reading the inbox stands: the last error in plain words, when it last worked.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub state: InboxState,
}

/// An e-mail inbox's settings (secrets left out) and where reading it stands.
pub async fn settings_view(state: &Service, id: &str) -> Result<MailSettingsView> {
    mail_inbox(state, id).await?;
    let s = load(state, id).await?;
    Ok(MailSettingsView {
        settings: to_form(&s),
        state: store_mail::state(&state.db, id).await?,
    })
}

/// Changes an e-mail inbox's settings (a blank secret keeps the stored one).
pub async fn save_form(
    state: &Service,
    id: &str,
    form: &MailSettingsForm,
) -> Result<MailSettingsView> {
    mail_inbox(state, id).await?;
    let old = load(state, id).await?;
    let new = merge(state, &old, form)?;
    save(state, id, &new).await?;
    Ok(MailSettingsView {
        settings: to_form(&new),
        state: store_mail::state(&state.db, id).await?,
    })
}

/// Tries the inbox's IMAP and SMTP servers.
pub async fn check(state: &Service, id: &str) -> Result<super::MailCheck> {
    mail_inbox(state, id).await?;
    let s = load(state, id).await?;
    Ok(super::check_servers(state, &s).await)
}

/// Received mail that did not become a message (of one inbox, or of all), newest first.
pub async fn not_stored(
    state: &Service,
    inbox_id: Option<&str>,
    limit: i64,
) -> Result<Vec<MailRecord>> {
    Ok(store_mail::not_stored(&state.db, inbox_id, limit).await?)
}

/// The raw file of a received mail, for mail that could not be read.
pub async fn raw(state: &Service, inbox_id: &str, message_id: &str) -> Result<Vec<u8>> {
    let rec = store_mail::get(&state.db, inbox_id, message_id)
        .await?
        .filter(|r| !r.raw_key.is_empty())
        .ok_or(Error::NotFound)?;
    tokio::fs::read(crate::files::storage_path(state, &rec.raw_key))
        .await
        .map_err(|_| Error::NotFound)
}
