//! The knowledge base and search part of `/api/v1`.
//!
//! Who writes: admins and supervisors write, publish and archive; agents write drafts (new
//! articles and articles still in draft) for them to publish. Everyone on the staff reads every
//! article, drafts included, and searches what they may open.

use kefu_core::ErrorCode;
use kefu_core::Role;
use kefu_search::Hit;
use kefu_store::knowledge::{self, Article, ArticleInput, Category, CategoryInput, status};
use kefu_store::people::Person;
use serde::{Deserialize, Serialize};

use crate::Service;
use crate::knowledge::markdown;
use crate::{Error, Result};

/// Admins and supervisors publish; agents only draft.
pub fn publishes(user: &Person) -> bool {
    matches!(user.role(), Role::Admin | Role::Supervisor)
}

// ------------------------------------------------------------------------------- categories

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryBody {
    /// Set to make this a section of that category.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// Lower-case letters, digits and dashes; made from the English name when empty.
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub description_zh: String,
    #[serde(default)]
    pub description_en: String,
    #[serde(default)]
    pub position: i64,
}

/// `Returns & refunds` → `returns-refunds`; empty when nothing usable is left.
pub fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 80 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

/// A short random slug for things whose names give none (Chinese-only titles).
pub fn random_slug() -> String {
    kefu_core::id::new_id()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .take(10)
        .collect()
}

pub fn check_slug(slug: &str) -> Result<()> {
    let ok = !slug.is_empty()
        && slug.len() <= 100
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            ErrorCode::InvalidSlug,
            "the slug is 1 to 100 lower-case letters, digits and dashes",
        ))
    }
}

fn check_len(code: ErrorCode, what: &str, s: &str, max: usize) -> Result<()> {
    if s.chars().count() > max {
        return Err(Error::invalid(
            code,
            format!("{what} is at most {max} characters"),
        ));
    }
    Ok(())
}

pub async fn category_input(state: &Service, b: &CategoryBody) -> Result<CategoryInput> {
    let name_zh = b.name_zh.trim().to_string();
    let name_en = b.name_en.trim().to_string();
    if name_zh.is_empty() && name_en.is_empty() {
        return Err(Error::invalid(
            ErrorCode::InvalidName,
            "give the category a name",
        ));
    }
    check_len(ErrorCode::InvalidName, "a name", &name_zh, 100)?;
    check_len(ErrorCode::InvalidName, "a name", &name_en, 100)?;
    check_len(
        ErrorCode::InvalidDescription,
        "a description",
        &b.description_zh,
        1000,
    )?;
    check_len(
        ErrorCode::InvalidDescription,
        "a description",
        &b.description_en,
        1000,
    )?;
    let slug = if b.slug.trim().is_empty() {
        let s = slugify(&name_en);
        if s.is_empty() { random_slug() } else { s }
    } else {
        b.slug.trim().to_string()
    };
    check_slug(&slug)?;
    let parent_id = b.parent_id.clone().filter(|p| !p.is_empty());
    if let Some(p) = &parent_id {
        let parent = knowledge::get_category(&state.db, p)
            .await?
            .ok_or_else(|| {
                Error::invalid(
                    ErrorCode::InvalidParent,
                    "the parent category does not exist",
                )
            })?;
        if parent.parent_id.is_some() {
            return Err(Error::invalid(
                ErrorCode::InvalidParent,
                "sections sit in a category, not in another section",
            ));
        }
    }
    Ok(CategoryInput {
        parent_id,
        slug,
        name_zh,
        name_en,
        description_zh: b.description_zh.trim().to_string(),
        description_en: b.description_en.trim().to_string(),
        position: b.position,
    })
}

/// Checks and stores a category (the API and the staff pages).
pub async fn create_category_from(state: &Service, b: &CategoryBody) -> Result<Category> {
    let input = category_input(state, b).await?;
    knowledge::create_category(&state.db, &input)
        .await
        .map_err(slug_taken)
}

pub fn slug_taken(e: kefu_store::Error) -> Error {
    match e {
        kefu_store::Error::Conflict(_) => Error::Conflict(
            ErrorCode::SlugTaken,
            "another one already uses this slug".into(),
        ),
        e => e.into(),
    }
}

// --------------------------------------------------------------------------------- articles

#[derive(Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ArticleBody {
    pub category_id: String,
    /// Made from the English (else the Chinese) title when empty.
    #[serde(default)]
    pub slug: String,
    /// `draft` (the default), `published` or `archived`.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub title_zh: String,
    #[serde(default)]
    pub body_zh: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub body_en: String,
    /// The revision the author started from; a save on top of someone else's is refused.
    #[serde(default)]
    pub revision: Option<i64>,
}

const MAX_BODY_CHARS: usize = 100_000;

pub async fn article_input(state: &Service, b: &ArticleBody) -> Result<ArticleInput> {
    let title_zh = b.title_zh.trim().to_string();
    let title_en = b.title_en.trim().to_string();
    if title_zh.is_empty() && title_en.is_empty() {
        return Err(Error::invalid(
            ErrorCode::InvalidTitle,
            "an article needs a Chinese or an English title",
        ));
    }
    if (title_zh.is_empty() && !b.body_zh.trim().is_empty())
        || (title_en.is_empty() && !b.body_en.trim().is_empty())
    {
        return Err(Error::invalid(
            ErrorCode::InvalidTitle,
            "each language with a body needs a title",
        ));
    }
    check_len(ErrorCode::InvalidTitle, "a title", &title_zh, 200)?;
    check_len(ErrorCode::InvalidTitle, "a title", &title_en, 200)?;
    check_len(ErrorCode::InvalidBody, "a body", &b.body_zh, MAX_BODY_CHARS)?;
    check_len(ErrorCode::InvalidBody, "a body", &b.body_en, MAX_BODY_CHARS)?;
    let st = if b.status.is_empty() {
        status::DRAFT
    } else {
        b.status.as_str()
    };
    if !status::ALL.contains(&st) {
        return Err(Error::invalid(
            ErrorCode::InvalidStatus,
            "status is draft, published or archived",
        ));
    }
    let mut tags = Vec::new();
    for t in &b.tags {
        let t = t.trim().to_lowercase();
        if t.is_empty() {
            continue;
        }
        if t.contains(',') || t.chars().count() > 40 {
            return Err(Error::invalid(
                ErrorCode::InvalidTag,
                "a tag is at most 40 characters without commas",
            ));
        }
        tags.push(t);
    }
    if tags.len() > 20 {
        return Err(Error::invalid(ErrorCode::InvalidTag, "at most 20 tags"));
    }
    if knowledge::get_category(&state.db, &b.category_id)
        .await?
        .is_none()
    {
        return Err(Error::invalid(
            ErrorCode::InvalidCategory,
            "the category does not exist",
        ));
    }
    let slug = if b.slug.trim().is_empty() {
        let s = slugify(if title_en.is_empty() { "" } else { &title_en });
        if s.is_empty() { random_slug() } else { s }
    } else {
        b.slug.trim().to_string()
    };
    check_slug(&slug)?;
    Ok(ArticleInput {
        category_id: b.category_id.clone(),
        slug,
        status: st.to_string(),
        tags: kefu_store::conversations::join_tags(tags.iter().map(String::as_str)),
        title_zh,
        body_zh: b.body_zh.clone(),
        title_en,
        body_en: b.body_en.clone(),
    })
}

#[derive(Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ArticleQuery {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub tag: String,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// An article with its bodies rendered (safe HTML).
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleView {
    #[serde(flatten)]
    pub article: Article,
    pub html_zh: String,
    pub html_en: String,
}

impl ArticleView {
    pub fn of(article: Article) -> ArticleView {
        ArticleView {
            html_zh: markdown::to_html(&article.body_zh),
            html_en: markdown::to_html(&article.body_en),
            article,
        }
    }
}

pub async fn save_new(
    state: &Service,
    input: &ArticleInput,
    user: &Person,
    why: &str,
) -> Result<Article> {
    let mut tx = state.db.begin().await?;
    let a = knowledge::create_article(&mut tx, input, Some(&user.id), why)
        .await
        .map_err(slug_taken)?;
    tx.commit().await?;
    state.search.changed();
    Ok(a)
}

// ----------------------------------------------------------------------------------- search

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct SearchQuery {
    pub q: String,
    /// `articles` (the default) or `conversations`.
    #[serde(default)]
    pub kind: String,
    /// `zh` or `en`: that language's articles rank a little higher.
    #[serde(default)]
    pub lang: String,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    /// The article or the conversation.
    pub id: String,
    /// `article` or `conversation`.
    pub kind: String,
    /// The language of the matching version (articles).
    pub lang: String,
    /// The title with matches in `<mark>`, HTML-escaped.
    pub title_html: String,
    /// A passage around the first match, matches in `<mark>`, HTML-escaped.
    pub snippet_html: String,
    /// The title as plain text.
    pub title: String,
    /// A published article's address in the help centre (empty otherwise).
    pub url: String,
    pub score: f32,
}

impl SearchHit {
    pub fn of(h: Hit) -> SearchHit {
        SearchHit {
            id: h.id,
            kind: h.kind.as_str().into(),
            lang: h.lang,
            title: h.title.text(),
            title_html: h.title.to_html(),
            snippet_html: h.snippet.to_html(),
            url: String::new(),
            score: h.score,
        }
    }
}

pub fn check_query(q: &str) -> Result<&str> {
    let q = q.trim();
    if q.chars().count() > 200 {
        return Err(Error::invalid(
            ErrorCode::InvalidQuery,
            "a search is at most 200 characters",
        ));
    }
    Ok(q)
}

// ------------------------------------------------------------- the console's article helper

/// Adds a published article's help-centre address to its hit.
pub async fn with_url(state: &Service, mut hit: SearchHit) -> Result<SearchHit> {
    if let Some(a) = knowledge::get_article(&state.db, &hit.id).await?
        && a.is_published()
    {
        let lang = if hit.lang.is_empty() { "en" } else { &hit.lang };
        hit.url = state.link(&format!("/help/articles/{}?lang={lang}", a.slug));
    }
    Ok(hit)
}

#[derive(Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DraftFromConversation {
    pub category_id: String,
    /// `zh` or `en`: the language the draft is written in.
    #[serde(default)]
    pub lang: String,
}

// ---------------------------------------------------------------------------- import/export
