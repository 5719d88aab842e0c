//! Articles and their revisions.

use super::*;

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
