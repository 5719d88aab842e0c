//! Files sent in conversations. The bytes live in storage under a generated key; this table
//! holds who may see them (through the conversation) and what they are.

use kefu_core::id::new_id;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: String,
    pub conversation_id: String,
    /// The sender's file name (shown, never used as a path).
    pub name: String,
    /// Decided from the content, not from what the sender claimed.
    pub content_type: String,
    pub size: i64,
    #[serde(skip)]
    pub storage_key: String,
    #[serde(skip)]
    pub uploaded_by: String,
    pub created_at: i64,
}

impl Attachment {
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }

    /// Images, and audio or video that plays in the page (voice notes, short videos).
    pub fn shows_inline(&self) -> bool {
        self.is_image()
            || self.content_type.starts_with("audio/")
            || self.content_type.starts_with("video/")
    }
}

pub async fn insert(
    x: impl Exec,
    conversation_id: &str,
    name: &str,
    content_type: &str,
    size: i64,
    storage_key: &str,
    uploaded_by: &str,
) -> Result<Attachment> {
    let a = Attachment {
        id: new_id(),
        conversation_id: conversation_id.into(),
        name: name.into(),
        content_type: content_type.into(),
        size,
        storage_key: storage_key.into(),
        uploaded_by: uploaded_by.into(),
        created_at: now_ms(),
    };
    x.execute(
        "INSERT INTO attachments (id, conversation_id, name, content_type, size, storage_key, \
         uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        args![
            &a.id,
            &a.conversation_id,
            &a.name,
            &a.content_type,
            a.size,
            &a.storage_key,
            &a.uploaded_by,
            a.created_at
        ],
    )
    .await?;
    Ok(a)
}

pub async fn get(x: impl Exec, id: &str) -> Result<Option<Attachment>> {
    x.fetch_optional(
        "SELECT id, conversation_id, name, content_type, size, storage_key, uploaded_by, \
         created_at FROM attachments WHERE id = $1",
        args![id],
    )
    .await
}
