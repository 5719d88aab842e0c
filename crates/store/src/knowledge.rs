//! The knowledge base: categories (with sections inside them), articles in Chinese and English,
//! every saved version kept as a revision, readers' feedback and the chats articles settled.
//!
//! Each write that changes what search sees records a change (see [`crate::changes`]).

use kefu_core::id::new_id;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::changes::{self, kind};
use crate::{Error, Exec, Result, Tx, args};

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

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Article {
    pub id: String,
    pub category_id: String,
    pub slug: String,
    /// `draft`, `published` or `archived`.
    pub status: String,
    /// Comma-separated, sorted, lower case.
    pub tags: String,
    pub title_zh: String,
    /// Markdown.
    pub body_zh: String,
    pub title_en: String,
    /// Markdown.
    pub body_en: String,
    pub author_id: Option<String>,
    /// The number of the revision this content is.
    pub revision: i64,
    pub views: i64,
    pub helpful: i64,
    pub not_helpful: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
}

impl Article {
    pub fn is_published(&self) -> bool {
        self.status == status::PUBLISHED
    }
    pub fn title(&self, lang: &str) -> &str {
        pick(lang, &self.title_zh, &self.title_en)
    }
    /// The language the visitor gets: theirs when that version exists, else the other.
    pub fn shown_lang(&self, lang: &str) -> &'static str {
        let zh = lang.starts_with("zh");
        let has = |t: &str, b: &str| !t.trim().is_empty() || !b.trim().is_empty();
        match (
            zh,
            has(&self.title_zh, &self.body_zh),
            has(&self.title_en, &self.body_en),
        ) {
            (true, true, _) | (false, true, false) => "zh",
            _ => "en",
        }
    }
    pub fn has_lang(&self, lang: &str) -> bool {
        match lang {
            "zh" => !self.title_zh.trim().is_empty() || !self.body_zh.trim().is_empty(),
            _ => !self.title_en.trim().is_empty() || !self.body_en.trim().is_empty(),
        }
    }
    pub fn body(&self, lang: &str) -> &str {
        if lang == "zh" {
            &self.body_zh
        } else {
            &self.body_en
        }
    }
    pub fn tag_list(&self) -> Vec<&str> {
        crate::conversations::split_tags(&self.tags).collect()
    }
}

/// What an author saves: the whole content of a new revision.
#[derive(Debug, Clone, Default)]
pub struct ArticleInput {
    pub category_id: String,
    pub slug: String,
    pub status: String,
    pub tags: String,
    pub title_zh: String,
    pub body_zh: String,
    pub title_en: String,
    pub body_en: String,
}

impl ArticleInput {
    pub fn of(a: &Article) -> ArticleInput {
        ArticleInput {
            category_id: a.category_id.clone(),
            slug: a.slug.clone(),
            status: a.status.clone(),
            tags: a.tags.clone(),
            title_zh: a.title_zh.clone(),
            body_zh: a.body_zh.clone(),
            title_en: a.title_en.clone(),
            body_en: a.body_en.clone(),
        }
    }
}

macro_rules! select_article {
    ($rest:literal) => {
        concat!(
            "SELECT id, category_id, slug, status, tags, title_zh, body_zh, title_en, body_en, \
             author_id, revision, views, helpful, not_helpful, created_at, updated_at, \
             published_at FROM kb_articles ",
            $rest
        )
    };
}

/// Why a revision was made.
pub mod reason {
    pub const EDIT: &str = "edit";
    pub const RESTORE: &str = "restore";
    pub const IMPORT: &str = "import";
    pub const CONVERSATION: &str = "conversation";
}

pub async fn create_article(
    tx: &mut Tx,
    a: &ArticleInput,
    author_id: Option<&str>,
    why: &str,
) -> Result<Article> {
    let now = now_ms();
    let article = Article {
        id: new_id(),
        category_id: a.category_id.clone(),
        slug: a.slug.clone(),
        status: a.status.clone(),
        tags: a.tags.clone(),
        title_zh: a.title_zh.clone(),
        body_zh: a.body_zh.clone(),
        title_en: a.title_en.clone(),
        body_en: a.body_en.clone(),
        author_id: author_id.map(str::to_string),
        revision: 1,
        views: 0,
        helpful: 0,
        not_helpful: 0,
        created_at: now,
        updated_at: now,
        published_at: (a.status == status::PUBLISHED).then_some(now),
    };
    tx.execute(
        "INSERT INTO kb_articles (id, category_id, slug, status, tags, title_zh, body_zh, \
         title_en, body_en, author_id, revision, created_at, updated_at, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11, $12)",
        args![
            &article.id,
            &article.category_id,
            &article.slug,
            &article.status,
            &article.tags,
            &article.title_zh,
            &article.body_zh,
            &article.title_en,
            &article.body_en,
            article.author_id.clone(),
            now,
            article.published_at
        ],
    )
    .await?;
    insert_revision(&mut *tx, &article.id, 1, a, author_id, why, now).await?;
    changes::record(tx, kind::ARTICLE, &article.id);
    Ok(article)
}

async fn insert_revision(
    x: impl Exec,
    article_id: &str,
    number: i64,
    a: &ArticleInput,
    author_id: Option<&str>,
    why: &str,
    at: i64,
) -> Result<()> {
    x.execute(
        "INSERT INTO kb_revisions (article_id, number, category_id, slug, status, tags, \
         title_zh, body_zh, title_en, body_en, author_id, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        args![
            article_id,
            number,
            &a.category_id,
            &a.slug,
            &a.status,
            &a.tags,
            &a.title_zh,
            &a.body_zh,
            &a.title_en,
            &a.body_en,
            author_id,
            why,
            at
        ],
    )
    .await?;
    Ok(())
}

/// Saves a new revision of an article. With `expected_revision`, refuses (conflict) when
/// someone else saved in between, so two editors never silently overwrite each other.
pub async fn update_article(
    tx: &mut Tx,
    id: &str,
    a: &ArticleInput,
    author_id: Option<&str>,
    why: &str,
    expected_revision: Option<i64>,
) -> Result<Article> {
    let current = tx
        .fetch_optional::<Article>(select_article!("WHERE id = $1"), args![id])
        .await?
        .ok_or(Error::NotFound)?;
    if let Some(r) = expected_revision
        && r != current.revision
    {
        return Err(Error::Stale(format!(
            "the article was saved by someone else (revision {} now, {} when you opened it)",
            current.revision, r
        )));
    }
    let now = now_ms();
    let number = current.revision + 1;
    let published_at = match (current.published_at, a.status == status::PUBLISHED) {
        (Some(t), _) => Some(t),
        (None, true) => Some(now),
        (None, false) => None,
    };
    let n = tx
        .execute(
            "UPDATE kb_articles SET category_id = $2, slug = $3, status = $4, tags = $5, \
             title_zh = $6, body_zh = $7, title_en = $8, body_en = $9, revision = $10, \
             updated_at = $11, published_at = $12 WHERE id = $1 AND revision = $13",
            args![
                id,
                &a.category_id,
                &a.slug,
                &a.status,
                &a.tags,
                &a.title_zh,
                &a.body_zh,
                &a.title_en,
                &a.body_en,
                number,
                now,
                published_at,
                current.revision
            ],
        )
        .await?;
    if n != 1 {
        return Err(Error::Stale("the article was saved by someone else".into()));
    }
    insert_revision(&mut *tx, id, number, a, author_id, why, now).await?;
    changes::record(tx, kind::ARTICLE, id);
    Ok(Article {
        category_id: a.category_id.clone(),
        slug: a.slug.clone(),
        status: a.status.clone(),
        tags: a.tags.clone(),
        title_zh: a.title_zh.clone(),
        body_zh: a.body_zh.clone(),
        title_en: a.title_en.clone(),
        body_en: a.body_en.clone(),
        revision: number,
        updated_at: now,
        published_at,
        ..current
    })
}

/// Makes an old revision's content the newest revision (history is never rewritten).
pub async fn restore_revision(
    tx: &mut Tx,
    id: &str,
    number: i64,
    author_id: Option<&str>,
) -> Result<Article> {
    let old = revision(&mut *tx, id, number)
        .await?
        .ok_or(Error::NotFound)?;
    let input = ArticleInput {
        category_id: old.category_id,
        slug: old.slug,
        status: old.status,
        tags: old.tags,
        title_zh: old.title_zh,
        body_zh: old.body_zh,
        title_en: old.title_en,
        body_en: old.body_en,
    };
    update_article(tx, id, &input, author_id, reason::RESTORE, None).await
}

pub async fn get_article(x: impl Exec, id: &str) -> Result<Option<Article>> {
    x.fetch_optional(select_article!("WHERE id = $1"), args![id])
        .await
}

pub async fn article_by_slug(x: impl Exec, slug: &str) -> Result<Option<Article>> {
    x.fetch_optional(select_article!("WHERE slug = $1"), args![slug])
        .await
}

#[derive(Debug, Clone, Default)]
pub struct ArticleFilter<'a> {
    /// Empty: any.
    pub category_id: &'a str,
    /// Empty: any.
    pub status: &'a str,
    /// Empty: any.
    pub tag: &'a str,
    pub limit: i64,
    pub offset: i64,
}

/// Articles in a category (or one of its sections), newest change first.
pub async fn list_articles(x: impl Exec, f: &ArticleFilter<'_>) -> Result<Vec<Article>> {
    x.fetch_all(
        select_article!(
            "WHERE ($1 = '' OR category_id = $1 OR category_id IN \
             (SELECT id FROM kb_categories WHERE parent_id = $1)) \
             AND ($2 = '' OR status = $2) \
             AND ($3 = '' OR (',' || tags || ',') LIKE ('%,' || $3 || ',%')) \
             ORDER BY updated_at DESC, id LIMIT $4 OFFSET $5"
        ),
        args![
            f.category_id,
            f.status,
            f.tag.trim().to_lowercase(),
            f.limit.max(1),
            f.offset.max(0)
        ],
    )
    .await
}

/// Published articles of exactly this category or section, in title order for `lang`.
pub async fn published_in(x: impl Exec, category_id: &str) -> Result<Vec<Article>> {
    x.fetch_all(
        select_article!("WHERE category_id = $1 AND status = 'published' ORDER BY created_at, id"),
        args![category_id],
    )
    .await
}

/// How many published articles each category or section holds directly.
pub async fn published_counts(x: impl Exec) -> Result<Vec<(String, i64)>> {
    x.fetch_all(
        "SELECT category_id, COUNT(*) FROM kb_articles WHERE status = 'published' \
         GROUP BY category_id",
        args![],
    )
    .await
}

/// The most read published articles.
pub async fn most_read(x: impl Exec, limit: i64) -> Result<Vec<Article>> {
    x.fetch_all(
        select_article!("WHERE status = 'published' ORDER BY views DESC, id LIMIT $1"),
        args![limit],
    )
    .await
}

/// Every article, for a full index build or an export, in id order from `after`.
pub async fn all_articles(x: impl Exec, after: &str, limit: i64) -> Result<Vec<Article>> {
    x.fetch_all(
        select_article!("WHERE id > $1 ORDER BY id LIMIT $2"),
        args![after, limit],
    )
    .await
}

/// Counts a reading. Not a change for search (views do not change what is found).
pub async fn record_view(x: impl Exec, id: &str) -> Result<()> {
    x.execute(
        "UPDATE kb_articles SET views = views + 1 WHERE id = $1",
        args![id],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revision {
    pub article_id: String,
    pub number: i64,
    pub category_id: String,
    pub slug: String,
    pub status: String,
    pub tags: String,
    pub title_zh: String,
    pub body_zh: String,
    pub title_en: String,
    pub body_en: String,
    pub author_id: Option<String>,
    pub reason: String,
    pub created_at: i64,
}

macro_rules! select_revision {
    ($rest:literal) => {
        concat!(
            "SELECT article_id, number, category_id, slug, status, tags, title_zh, body_zh, \
             title_en, body_en, author_id, reason, created_at FROM kb_revisions ",
            $rest
        )
    };
}

/// An article's revisions, newest first.
pub async fn revisions(x: impl Exec, article_id: &str) -> Result<Vec<Revision>> {
    x.fetch_all(
        select_revision!("WHERE article_id = $1 ORDER BY number DESC"),
        args![article_id],
    )
    .await
}

pub async fn revision(x: impl Exec, article_id: &str, number: i64) -> Result<Option<Revision>> {
    x.fetch_optional(
        select_revision!("WHERE article_id = $1 AND number = $2"),
        args![article_id, number],
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Feedback {
    pub id: String,
    pub article_id: String,
    pub helpful: bool,
    pub comment: String,
    pub lang: String,
    pub created_at: i64,
}

/// A reader's "was this helpful?", counted on the article and kept with its comment.
pub async fn add_feedback(
    tx: &mut Tx,
    article_id: &str,
    helpful: bool,
    comment: &str,
    lang: &str,
) -> Result<Feedback> {
    let f = Feedback {
        id: new_id(),
        article_id: article_id.into(),
        helpful,
        comment: comment.into(),
        lang: lang.into(),
        created_at: now_ms(),
    };
    let n = if helpful {
        tx.execute(
            "UPDATE kb_articles SET helpful = helpful + 1 WHERE id = $1",
            args![article_id],
        )
        .await?
    } else {
        tx.execute(
            "UPDATE kb_articles SET not_helpful = not_helpful + 1 WHERE id = $1",
            args![article_id],
        )
        .await?
    };
    if n != 1 {
        return Err(Error::NotFound);
    }
    tx.execute(
        "INSERT INTO kb_feedback (id, article_id, helpful, comment, lang, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        args![
            &f.id,
            &f.article_id,
            f.helpful,
            &f.comment,
            &f.lang,
            f.created_at
        ],
    )
    .await?;
    Ok(f)
}

/// An article's feedback, newest first.
pub async fn feedback(x: impl Exec, article_id: &str, limit: i64) -> Result<Vec<Feedback>> {
    x.fetch_all(
        "SELECT id, article_id, helpful, comment, lang, created_at FROM kb_feedback \
         WHERE article_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        args![article_id, limit],
    )
    .await
}

/// A visitor opened a suggested article in the widget.
pub async fn record_deflection(
    x: impl Exec,
    article_id: &str,
    visitor_id: Option<&str>,
    query: &str,
) -> Result<()> {
    x.execute(
        "INSERT INTO kb_deflections (id, article_id, visitor_id, query, created_at) \
         SELECT $1, id, $3, $4, $5 FROM kb_articles WHERE id = $2",
        args![new_id(), article_id, visitor_id, query, now_ms()],
    )
    .await?;
    Ok(())
}

/// How many chats articles settled, per article, most first.
pub async fn deflections(x: impl Exec, limit: i64) -> Result<Vec<(String, i64)>> {
    x.fetch_all(
        "SELECT article_id, COUNT(*) AS n FROM kb_deflections GROUP BY article_id \
         ORDER BY n DESC, article_id LIMIT $1",
        args![limit],
    )
    .await
}
