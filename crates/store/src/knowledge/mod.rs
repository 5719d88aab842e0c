//! The knowledge base: categories (with sections inside them), articles in Chinese and English,
//! every saved version kept as a revision, readers' feedback and the chats articles settled.
//!
//! Each write that changes what search sees records a change (see [`crate::changes`]).

use kefu_core::id::new_id;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::changes::{self, kind};
use crate::{Error, Exec, Result, Tx, args};

mod articles;
mod feedback;

pub use articles::*;
pub use feedback::*;
pub mod status {
    pub const DRAFT: &str = "draft";
    pub const PUBLISHED: &str = "published";
    pub const ARCHIVED: &str = "archived";
    pub const ALL: &[&str] = &[DRAFT, PUBLISHED, ARCHIVED];
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    pub id: String,
    /// Set for a section: the category it is in.
    pub parent_id: Option<String>,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub position: i64,
    pub created_at: i64,
}

impl Category {
    pub fn name(&self, lang: &str) -> &str {
        pick(lang, &self.name_zh, &self.name_en)
    }
    pub fn description(&self, lang: &str) -> &str {
        pick(lang, &self.description_zh, &self.description_en)
    }
}

/// The text in `lang`, or the other language's when that one is missing.
pub fn pick<'a>(lang: &str, zh: &'a str, en: &'a str) -> &'a str {
    let (first, second) = if lang.starts_with("zh") {
        (zh, en)
    } else {
        (en, zh)
    };
    if first.trim().is_empty() {
        second
    } else {
        first
    }
}

#[derive(Debug, Clone, Default)]
pub struct CategoryInput {
    pub parent_id: Option<String>,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub position: i64,
}

macro_rules! select_category {
    ($rest:literal) => {
        concat!(
            "SELECT id, parent_id, slug, name_zh, name_en, description_zh, description_en, \
             position, created_at FROM kb_categories ",
            $rest
        )
    };
}

pub async fn create_category(x: impl Exec, c: &CategoryInput) -> Result<Category> {
    let cat = Category {
        id: new_id(),
        parent_id: c.parent_id.clone(),
        slug: c.slug.clone(),
        name_zh: c.name_zh.clone(),
        name_en: c.name_en.clone(),
        description_zh: c.description_zh.clone(),
        description_en: c.description_en.clone(),
        position: c.position,
        created_at: now_ms(),
    };
    x.execute(
        "INSERT INTO kb_categories (id, parent_id, slug, name_zh, name_en, description_zh, \
         description_en, position, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        args![
            &cat.id,
            cat.parent_id.clone(),
            &cat.slug,
            &cat.name_zh,
            &cat.name_en,
            &cat.description_zh,
            &cat.description_en,
            cat.position,
            cat.created_at
        ],
    )
    .await?;
    Ok(cat)
}

pub async fn update_category(x: impl Exec, id: &str, c: &CategoryInput) -> Result<()> {
    let n = x
        .execute(
            "UPDATE kb_categories SET parent_id = $2, slug = $3, name_zh = $4, name_en = $5, \
             description_zh = $6, description_en = $7, position = $8 WHERE id = $1",
            args![
                id,
                c.parent_id.clone(),
                &c.slug,
                &c.name_zh,
                &c.name_en,
                &c.description_zh,
                &c.description_en,
                c.position
            ],
        )
        .await?;
    if n == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

pub async fn get_category(x: impl Exec, id: &str) -> Result<Option<Category>> {
    x.fetch_optional(select_category!("WHERE id = $1"), args![id])
        .await
}

pub async fn category_by_slug(x: impl Exec, slug: &str) -> Result<Option<Category>> {
    x.fetch_optional(select_category!("WHERE slug = $1"), args![slug])
        .await
}

/// Every category and section, in display order (categories first, then by position, name).
pub async fn categories(x: impl Exec) -> Result<Vec<Category>> {
    x.fetch_all(
        select_category!("ORDER BY position, name_en, name_zh"),
        args![],
    )
    .await
}

/// Deletes an empty category (no articles in it or its sections).
pub async fn delete_category(tx: &mut Tx, id: &str) -> Result<()> {
    let (n,): (i64,) = tx
        .fetch_one(
            "SELECT COUNT(*) FROM kb_articles WHERE category_id = $1 OR category_id IN \
             (SELECT id FROM kb_categories WHERE parent_id = $1)",
            args![id],
        )
        .await?;
    if n > 0 {
        return Err(Error::Conflict("the category holds articles".into()));
    }
    let n = tx
        .execute("DELETE FROM kb_categories WHERE id = $1", args![id])
        .await?;
    if n == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}
