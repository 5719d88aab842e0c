//! The knowledge base and search part of `/api/v1`.
//!
//! Who writes: admins and supervisors write, publish and archive; agents write drafts (new
//! articles and articles still in draft) for them to publish. Everyone on the staff reads every
//! article, drafts included, and searches what they may open.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_core::Role;
use kefu_core::error::ErrorCode;
use kefu_search::{Hit, Kind, Request};
use kefu_store::knowledge::{
    self, Article, ArticleFilter, ArticleInput, Category, CategoryInput, Feedback, Revision,
    reason, status,
};
use kefu_store::people::User;
use kefu_store::{messages, teams};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::ApiJson;
use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;
use kefu_service::chat::{self, Actor};
use kefu_service::knowledge::markdown;

/// Admins and supervisors publish; agents only draft.
fn publishes(user: &User) -> bool {
    matches!(user.role(), Role::Admin | Role::Supervisor)
}

// ------------------------------------------------------------------------------- categories

#[derive(Deserialize, ToSchema)]
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

pub fn check_slug(slug: &str) -> AppResult<()> {
    let ok = !slug.is_empty()
        && slug.len() <= 100
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(AppError::bad(
            ErrorCode::InvalidSlug,
            "the slug is 1 to 100 lower-case letters, digits and dashes",
        ))
    }
}

fn check_len(code: ErrorCode, what: &str, s: &str, max: usize) -> AppResult<()> {
    if s.chars().count() > max {
        return Err(AppError::bad(
            code,
            format!("{what} is at most {max} characters"),
        ));
    }
    Ok(())
}

pub async fn category_input(state: &AppState, b: &CategoryBody) -> AppResult<CategoryInput> {
    let name_zh = b.name_zh.trim().to_string();
    let name_en = b.name_en.trim().to_string();
    if name_zh.is_empty() && name_en.is_empty() {
        return Err(AppError::bad(
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
                AppError::bad(
                    ErrorCode::InvalidParent,
                    "the parent category does not exist",
                )
            })?;
        if parent.parent_id.is_some() {
            return Err(AppError::bad(
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

#[utoipa::path(get, path = "/api/v1/kb/categories", tag = "knowledge",
    responses((status = 200, body = Vec<Category>)))]
pub async fn list_categories(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<Category>>> {
    caller.staff()?;
    Ok(Json(knowledge::categories(&state.db).await?))
}

#[utoipa::path(post, path = "/api/v1/kb/categories", tag = "knowledge", request_body = CategoryBody,
    responses((status = 201, body = Category), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_category(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(b): ApiJson<CategoryBody>,
) -> AppResult<Response> {
    if !publishes(caller.staff()?) {
        return Err(AppError::Forbidden);
    }
    let c = create_category_from(&state, &b).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

/// Checks and stores a category (the API and the staff pages).
pub async fn create_category_from(state: &AppState, b: &CategoryBody) -> AppResult<Category> {
    let input = category_input(state, b).await?;
    knowledge::create_category(&state.db, &input)
        .await
        .map_err(slug_taken)
}

pub fn slug_taken(e: kefu_store::Error) -> AppError {
    match e {
        kefu_store::Error::Conflict(_) => AppError::Conflict(
            ErrorCode::SlugTaken,
            "another one already uses this slug".into(),
        ),
        e => e.into(),
    }
}

#[utoipa::path(put, path = "/api/v1/kb/categories/{id}", tag = "knowledge", request_body = CategoryBody,
    responses((status = 200, body = Category), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_category(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CategoryBody>,
) -> AppResult<Json<Category>> {
    if !publishes(caller.staff()?) {
        return Err(AppError::Forbidden);
    }
    let input = category_input(&state, &b).await?;
    if input.parent_id.as_deref() == Some(id.as_str()) {
        return Err(AppError::bad(
            ErrorCode::InvalidParent,
            "a category cannot hold itself",
        ));
    }
    knowledge::update_category(&state.db, &id, &input)
        .await
        .map_err(slug_taken)?;
    Ok(Json(
        knowledge::get_category(&state.db, &id)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/kb/categories/{id}", tag = "knowledge",
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_category(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    if !publishes(caller.staff()?) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    knowledge::delete_category(&mut tx, &id)
        .await
        .map_err(|e| match e {
            kefu_store::Error::Conflict(m) => AppError::Conflict(ErrorCode::CategoryNotEmpty, m),
            e => e.into(),
        })?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

// --------------------------------------------------------------------------------- articles

#[derive(Deserialize, ToSchema, Default)]
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

pub async fn article_input(state: &AppState, b: &ArticleBody) -> AppResult<ArticleInput> {
    let title_zh = b.title_zh.trim().to_string();
    let title_en = b.title_en.trim().to_string();
    if title_zh.is_empty() && title_en.is_empty() {
        return Err(AppError::bad(
            ErrorCode::InvalidTitle,
            "an article needs a Chinese or an English title",
        ));
    }
    if (title_zh.is_empty() && !b.body_zh.trim().is_empty())
        || (title_en.is_empty() && !b.body_en.trim().is_empty())
    {
        return Err(AppError::bad(
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
        return Err(AppError::bad(
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
            return Err(AppError::bad(
                ErrorCode::InvalidTag,
                "a tag is at most 40 characters without commas",
            ));
        }
        tags.push(t);
    }
    if tags.len() > 20 {
        return Err(AppError::bad(ErrorCode::InvalidTag, "at most 20 tags"));
    }
    if knowledge::get_category(&state.db, &b.category_id)
        .await?
        .is_none()
    {
        return Err(AppError::bad(
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

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
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

#[utoipa::path(get, path = "/api/v1/kb/articles", tag = "knowledge", params(ArticleQuery),
    responses((status = 200, body = Vec<Article>)))]
pub async fn list_articles(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ArticleQuery>,
) -> AppResult<Json<Vec<Article>>> {
    caller.staff()?;
    Ok(Json(
        knowledge::list_articles(
            &state.db,
            &ArticleFilter {
                category_id: &q.category,
                status: &q.status,
                tag: &q.tag,
                limit: q.limit.unwrap_or(100).clamp(1, 500),
                offset: q.offset.unwrap_or(0).max(0),
            },
        )
        .await?,
    ))
}

/// An article with its bodies rendered (safe HTML).
#[derive(Serialize, ToSchema)]
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

#[utoipa::path(post, path = "/api/v1/kb/articles", tag = "knowledge", request_body = ArticleBody,
    responses((status = 201, body = ArticleView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_article(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(b): ApiJson<ArticleBody>,
) -> AppResult<Response> {
    let user = caller.staff()?;
    let input = article_input(&state, &b).await?;
    if input.status != status::DRAFT && !publishes(user) {
        return Err(AppError::Forbidden);
    }
    let a = save_new(&state, &input, user, reason::EDIT).await?;
    Ok((StatusCode::CREATED, Json(ArticleView::of(a))).into_response())
}

pub async fn save_new(
    state: &AppState,
    input: &ArticleInput,
    user: &User,
    why: &str,
) -> AppResult<Article> {
    let mut tx = state.db.begin().await?;
    let a = knowledge::create_article(&mut tx, input, Some(&user.id), why)
        .await
        .map_err(slug_taken)?;
    tx.commit().await?;
    state.search.changed();
    Ok(a)
}

#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "knowledge",
    responses((status = 200, body = ArticleView), (status = 404, body = ErrorBody)))]
pub async fn get_article(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<ArticleView>> {
    caller.staff()?;
    let a = knowledge::get_article(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(ArticleView::of(a)))
}

#[utoipa::path(put, path = "/api/v1/kb/articles/{id}", tag = "knowledge", request_body = ArticleBody,
    responses((status = 200, body = ArticleView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn update_article(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ArticleBody>,
) -> AppResult<Json<ArticleView>> {
    let user = caller.staff()?;
    let current = knowledge::get_article(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let input = article_input(&state, &b).await?;
    if !publishes(user) && (current.status != status::DRAFT || input.status != status::DRAFT) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    let a = knowledge::update_article(
        &mut tx,
        &id,
        &input,
        Some(&user.id),
        reason::EDIT,
        b.revision,
    )
    .await
    .map_err(slug_taken)?;
    tx.commit().await?;
    state.search.changed();
    Ok(Json(ArticleView::of(a)))
}

#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/revisions", tag = "knowledge",
    responses((status = 200, body = Vec<Revision>), (status = 404, body = ErrorBody)))]
pub async fn list_revisions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Revision>>> {
    caller.staff()?;
    let revs = knowledge::revisions(&state.db, &id).await?;
    if revs.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(Json(revs))
}

#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/revisions/{number}/restore", tag = "knowledge",
    responses((status = 200, body = ArticleView), (status = 404, body = ErrorBody)))]
pub async fn restore_revision(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, number)): Path<(String, i64)>,
) -> AppResult<Json<ArticleView>> {
    let user = caller.staff()?;
    if !publishes(user) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    let a = knowledge::restore_revision(&mut tx, &id, number, Some(&user.id))
        .await
        .map_err(slug_taken)?;
    tx.commit().await?;
    state.search.changed();
    Ok(Json(ArticleView::of(a)))
}

#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/feedback", tag = "knowledge",
    responses((status = 200, body = Vec<Feedback>), (status = 404, body = ErrorBody)))]
pub async fn list_feedback(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Feedback>>> {
    caller.staff()?;
    knowledge::get_article(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(knowledge::feedback(&state.db, &id, 200).await?))
}

// ----------------------------------------------------------------------------------- search

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
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

#[derive(Serialize, ToSchema)]
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

pub fn check_query(q: &str) -> AppResult<&str> {
    let q = q.trim();
    if q.chars().count() > 200 {
        return Err(AppError::bad(
            ErrorCode::InvalidQuery,
            "a search is at most 200 characters",
        ));
    }
    Ok(q)
}

#[utoipa::path(get, path = "/api/v1/search", tag = "knowledge", params(SearchQuery),
    responses((status = 200, body = Vec<SearchHit>), (status = 400, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<SearchQuery>,
) -> AppResult<Json<Vec<SearchHit>>> {
    let user = caller.staff()?.clone();
    let text = check_query(&q.q)?;
    if text.is_empty() {
        return Ok(Json(vec![]));
    }
    let kind = match q.kind.as_str() {
        "" | "articles" => Kind::Article,
        "conversations" => Kind::Conversation,
        _ => {
            return Err(AppError::bad(
                ErrorCode::InvalidKind,
                "kind is articles or conversations",
            ));
        }
    };
    let index = state.search.index().await?;
    let limit = q.limit.unwrap_or(20).clamp(1, 100);
    let scopes: Option<Vec<String>> =
        if kind == Kind::Conversation && !user.role().sees_all_inboxes() {
            Some(
                teams::inboxes_of_member(&state.db, &user.id)
                    .await?
                    .into_iter()
                    .map(|i| format!("inbox:{}", i.id))
                    .collect(),
            )
        } else {
            None
        };
    let mut req = Request::new(text, kind);
    req.scopes = scopes.as_deref();
    req.lang = match q.lang.as_str() {
        "zh" | "en" => Some(q.lang.as_str()),
        _ => None,
    };
    req.limit = limit;
    req.offset = q.offset.unwrap_or(0).min(1000);
    let hits = index
        .search(&req)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut out = Vec::with_capacity(hits.len());
    let actor = Actor::Person(user);
    for h in hits {
        // The index's scopes are a first cut; the same check as opening decides.
        match kind {
            Kind::Article => out.push(with_url(&state, SearchHit::of(h)).await?),
            Kind::Conversation => {
                if chat::visible(&state, &actor, &h.id).await.is_ok() {
                    out.push(SearchHit::of(h));
                }
            }
        }
    }
    Ok(Json(out))
}

// ------------------------------------------------------------- the console's article helper

#[utoipa::path(get, path = "/api/v1/conversations/{id}/suggestions", tag = "knowledge",
    responses((status = 200, body = Vec<SearchHit>), (status = 404, body = ErrorBody)))]
pub async fn suggestions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<SearchHit>>> {
    let user = caller.staff()?.clone();
    let conv = chat::visible(&state, &Actor::Person(user), &id).await?;
    // What the customer said last is what the reply answers.
    let recent = messages::last(&state.db, &conv.id, 20, false).await?;
    let mut text = String::new();
    for m in recent.iter().rev() {
        if m.author_kind == messages::author::CONTACT && m.kind == messages::kind::TEXT {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&m.body);
            if text.chars().count() > 150 {
                break;
            }
        }
    }
    if text.trim().is_empty() {
        text = conv.subject.clone();
    }
    let text: String = text.chars().take(200).collect();
    if text.trim().is_empty() {
        return Ok(Json(vec![]));
    }
    let index = state.search.index().await?;
    let public = ["public".to_string()];
    let mut req = Request::new(&text, Kind::Article);
    req.scopes = Some(&public);
    req.limit = 5;
    let hits = index
        .search(&req)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut out = Vec::with_capacity(hits.len());
    for h in hits {
        out.push(with_url(&state, SearchHit::of(h)).await?);
    }
    Ok(Json(out))
}

/// Adds a published article's help-centre address to its hit.
async fn with_url(state: &AppState, mut hit: SearchHit) -> AppResult<SearchHit> {
    if let Some(a) = knowledge::get_article(&state.db, &hit.id).await?
        && a.is_published()
    {
        let lang = if hit.lang.is_empty() { "en" } else { &hit.lang };
        hit.url = state.link(&format!("/help/articles/{}?lang={lang}", a.slug));
    }
    Ok(hit)
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DraftFromConversation {
    pub category_id: String,
    /// `zh` or `en`: the language the draft is written in.
    #[serde(default)]
    pub lang: String,
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/article", tag = "knowledge", request_body = DraftFromConversation,
    responses((status = 201, body = ArticleView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn draft_from_conversation(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DraftFromConversation>,
) -> AppResult<Response> {
    let user = caller.staff()?.clone();
    let conv = chat::visible(&state, &Actor::Person(user.clone()), &id).await?;
    let all = messages::last(&state.db, &conv.id, 200, false).await?;
    let mut question = Vec::new();
    let mut answer = Vec::new();
    for m in all.iter() {
        if m.kind != messages::kind::TEXT {
            continue;
        }
        match m.author_kind.as_str() {
            messages::author::CONTACT if answer.is_empty() => question.push(m.body.trim()),
            messages::author::AGENT if !question.is_empty() => answer.push(m.body.trim()),
            _ => {}
        }
    }
    if question.is_empty() || answer.is_empty() {
        return Err(AppError::bad(
            ErrorCode::NothingToDraft,
            "the conversation needs a customer's question and an agent's answer",
        ));
    }
    let lang = if b.lang == "zh"
        || (b.lang.is_empty()
            && question
                .iter()
                .any(|q| q.chars().any(kefu_search::analyze::is_cjk)))
    {
        "zh"
    } else {
        "en"
    };
    let first_line = question[0].lines().next().unwrap_or_default();
    let title: String = if conv.subject.trim().is_empty() {
        first_line.chars().take(80).collect()
    } else {
        conv.subject.trim().chars().take(200).collect()
    };
    let quote = |lines: &[&str]| {
        lines
            .iter()
            .flat_map(|l| l.lines())
            .collect::<Vec<_>>()
            .join("\n\n")
    };
    let (q_head, a_head) = if lang == "zh" {
        ("问题", "解答")
    } else {
        ("Question", "Answer")
    };
    let body = format!(
        "## {q_head}\n\n{}\n\n## {a_head}\n\n{}\n",
        quote(&question),
        quote(&answer)
    );
    let mut body_in = ArticleBody {
        category_id: b.category_id.clone(),
        ..Default::default()
    };
    if lang == "zh" {
        body_in.title_zh = title;
        body_in.body_zh = body;
    } else {
        body_in.title_en = title;
        body_in.body_en = body;
    }
    let mut input = article_input(&state, &body_in).await?;
    // A draft's slug is made unique; the author renames it before publishing.
    input.slug = format!(
        "{}-{}",
        input.slug.chars().take(60).collect::<String>(),
        random_slug()
    );
    input.slug = input.slug.trim_start_matches('-').to_string();
    let a = save_new(&state, &input, &user, reason::CONVERSATION).await?;
    Ok((StatusCode::CREATED, Json(ArticleView::of(a))).into_response())
}

// ---------------------------------------------------------------------------- import/export

#[utoipa::path(get, path = "/api/v1/kb/export.csv", tag = "knowledge",
    responses((status = 200, description = "every article as CSV: category, slug, status, tags, title_zh, body_zh, title_en, body_en", content_type = "text/csv")))]
pub async fn export_csv(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Response> {
    caller.staff()?;
    let csv = crate::kb_io::export_csv(&state.db).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"kefu-articles.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/kb/import.csv", tag = "knowledge",
    request_body(content = String, content_type = "text/csv", description = "the columns of the export; articles are matched by slug"),
    responses((status = 200, body = crate::kb_io::ImportReport), (status = 400, body = ErrorBody)))]
pub async fn import_csv(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: String,
) -> AppResult<Json<crate::kb_io::ImportReport>> {
    let user = caller.staff()?;
    if !publishes(user) {
        return Err(AppError::Forbidden);
    }
    let report = crate::kb_io::import_csv(&state.db, &body, Some(&user.id)).await?;
    state.search.changed();
    Ok(Json(report))
}
