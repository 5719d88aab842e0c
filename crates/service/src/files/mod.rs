//! File transfer (传送文件): uploads into a conversation and downloads out of it. The type is
//! decided from the first bytes, never from the name or the sender's claim; files are stored
//! under generated names; downloads are attachments with `nosniff`, and only images may be
//! shown inline (for previews), under a sandboxing CSP.

mod stored;

pub use stored::*;

use kefu_core::ErrorCode;
use kefu_store::attachments::{self, Attachment};
use kefu_store::conversations::Conversation;
use kefu_store::messages::{self, Message};
use kefu_store::people::Person;
use serde::{Deserialize, Serialize};

use crate::Service;
use crate::chat::{self, Actor};
use crate::{Error, Result};

/// Files one person may send in ten minutes.
pub const UPLOADS: crate::limits::Rule = crate::limits::Rule::per_minutes(30, 10);

#[derive(Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    pub name: String,
    /// The sender's id for the message (see messages): a retry stores the file once.
    #[serde(default)]
    pub client_id: String,
}

/// Writes the bytes under a generated name (`yyyy-mm/<random>`), first to a temporary file.

#[derive(Deserialize, Default)]
pub struct DownloadQuery {
    /// `1` to show an image, audio or video inline (previews, playback); anything else
    /// downloads.
    #[serde(default)]
    pub inline: u8,
}

/// The attachment if `actor` may see its conversation.
pub async fn visible_attachment(state: &Service, actor: &Actor, id: &str) -> Result<Attachment> {
    let a = attachments::get(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    chat::visible(state, actor, &a.conversation_id).await?;
    Ok(a)
}

// ---- Packing attachments ---------------------------------------------------------------------

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ZipRequest {
    /// Files of the conversation to pack (2 to 50).
    pub attachment_ids: Vec<String>,
    /// The archive's name (default `ticket-<number>-files.zip`).
    #[serde(default)]
    pub name: String,
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Zipped {
    /// The new file, to send instead of the packed ones.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attachment: kefu_store::attachments::Attachment,
}

/// Packs 2 to 50 files of a conversation into one zip archive stored as a new file of it
/// (within the upload limit); two files of one name get numbered, as a file manager would.
pub async fn pack(
    state: &Service,
    user: &Person,
    conversation_id: &str,
    r: &ZipRequest,
) -> Result<Zipped> {
    let conv = crate::chat::visible(
        state,
        &crate::chat::Actor::Person(user.clone()),
        conversation_id,
    )
    .await?;
    if !(2..=50).contains(&r.attachment_ids.len()) {
        return Err(Error::invalid(ErrorCode::InvalidZip, "pack 2 to 50 files"));
    }
    let mut files: Vec<(String, Vec<u8>)> = vec![];
    let mut total = 0usize;
    for aid in &r.attachment_ids {
        let a = attachment_of(&state.db, &conv.id, aid).await?;
        let bytes = tokio::fs::read(storage_path(state, &a.storage_key))
            .await
            .map_err(|_| Error::NotFound)?;
        total += bytes.len();
        if total > state.config.max_upload_bytes {
            return Err(Error::TooLarge);
        }
        let mut name = a.name.clone();
        let mut n = 2;
        while files.iter().any(|(f, _)| *f == name) {
            name = match a.name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem} ({n}).{ext}"),
                None => format!("{} ({n})", a.name),
            };
            n += 1;
        }
        files.push((name, bytes));
    }
    let bytes =
        zip_stored(&files).map_err(|e| Error::Internal(format!("packing the files: {e}")))?;
    let name = if r.name.trim().is_empty() {
        format!("ticket-{}-files.zip", conv.number)
    } else {
        let n = clean_name(r.name.trim());
        if n.to_lowercase().ends_with(".zip") {
            n
        } else {
            format!("{n}.zip")
        }
    };
    let key = store_bytes(state, conv.created_at, "", &bytes).await?;
    let attachment = attachments::insert(
        &state.db,
        &conv.id,
        &name,
        "application/zip",
        bytes.len() as i64,
        &key,
        &user.id,
    )
    .await?;
    Ok(Zipped { attachment })
}

/// Whether `actor` may upload into the conversation now (they may see it, and they are within
/// [`UPLOADS`]); checked before the body is read.
pub async fn may_upload(
    state: &Service,
    actor: &Actor,
    conversation_id: &str,
) -> Result<Conversation> {
    let conv = chat::visible(state, actor, conversation_id).await?;
    state
        .limiter
        .hit(&format!("upload:{}", actor.reader_id()), UPLOADS)
        .map_err(Error::RateLimited)?;
    Ok(conv)
}

/// Stores an uploaded file in the conversation and posts it as an `attachment` message; the
/// same `client_id` again returns the stored message. Returns the message and whether it is
/// new.
pub async fn attach(
    state: &Service,
    actor: &Actor,
    conv: &Conversation,
    name: &str,
    client_id: &str,
    body: &[u8],
) -> Result<(Message, bool)> {
    if body.is_empty() {
        return Err(Error::invalid(ErrorCode::EmptyFile, "the file is empty"));
    }
    let content_type = check_file(name, body)?;
    let cid = if client_id.is_empty() {
        kefu_core::id::new_id()
    } else {
        kefu_core::protocol::check_client_id(client_id)?;
        client_id.to_string()
    };
    if let Some(existing) = messages::by_client_id(&state.db, &conv.id, &cid).await? {
        return Ok((existing, false));
    }
    let name = clean_name(name);
    let key = write_file(state, conv, body).await?;
    let a = attachments::insert(
        &state.db,
        &conv.id,
        &name,
        content_type,
        body.len() as i64,
        &key,
        actor.reader_id(),
    )
    .await?;
    let meta = serde_json::json!({
        "attachment": a.id, "name": a.name, "content_type": a.content_type, "size": a.size,
    });
    chat::store_message(
        state,
        actor,
        conv,
        Some(&cid),
        messages::kind::ATTACHMENT,
        &name,
        &meta.to_string(),
    )
    .await
}
