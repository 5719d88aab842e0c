//! The knowledge base over HTTP: categories, articles, revisions, feedback, search, the console's article helper, import and export.

use crate::api::ApiJson;
use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_core::error::ErrorCode;
use kefu_search::{Kind, Request};
use kefu_service::chat::{self, Actor};
use kefu_store::knowledge::{
    self, Article, ArticleFilter, Category, Feedback, Revision, reason, status,
};
use kefu_store::{messages, teams};

use kefu_service::knowledge::articles::*;

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

#[utoipa::path(get, path = "/api/v1/kb/export.csv", tag = "knowledge",
    responses((status = 200, description = "every article as CSV: category, slug, status, tags, title_zh, body_zh, title_en, body_en", content_type = "text/csv")))]
pub async fn export_csv(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Response> {
    caller.staff()?;
    let csv = kefu_service::knowledge::io::export_csv(&state.db).await?;
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
    responses((status = 200, body = kefu_service::knowledge::io::ImportReport), (status = 400, body = ErrorBody)))]
pub async fn import_csv(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: String,
) -> AppResult<Json<kefu_service::knowledge::io::ImportReport>> {
    let user = caller.staff()?;
    if !publishes(user) {
        return Err(AppError::Forbidden);
    }
    let report = kefu_service::knowledge::io::import_csv(&state.db, &body, Some(&user.id)).await?;
    state.search.changed();
    Ok(Json(report))
}
