//! The knowledge base over HTTP: categories, articles, revisions, feedback, search, the console's article helper, import and export.

use crate::auth::Caller;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_service::knowledge::articles::{
    ArticleBody, ArticleQuery, ArticleView, CategoryBody, DraftFromConversation, SearchHit,
    SearchQuery,
};
use kefu_service::knowledge::{editing, finding};
use kefu_store::knowledge::{Article, Category, Feedback, Revision};

#[utoipa::path(get, path = "/api/v1/kb/categories", tag = "knowledge",
    responses((status = 200, body = Vec<Category>)))]
pub async fn list_categories(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<Category>>> {
    caller.staff()?;
    Ok(Json(editing::categories(&state).await?))
}

#[utoipa::path(post, path = "/api/v1/kb/categories", tag = "knowledge", request_body = CategoryBody,
    responses((status = 201, body = Category), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_category(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(b): ApiJson<CategoryBody>,
) -> AppResult<Response> {
    let c = editing::create_category(&state, caller.staff()?, &b).await?;
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
    Ok(Json(
        editing::update_category(&state, caller.staff()?, &id, &b).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/kb/categories/{id}", tag = "knowledge",
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_category(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    editing::delete_category(&state, caller.staff()?, &id).await?;
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
    Ok(Json(editing::list(&state, &q).await?))
}

#[utoipa::path(post, path = "/api/v1/kb/articles", tag = "knowledge", request_body = ArticleBody,
    responses((status = 201, body = ArticleView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_article(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(b): ApiJson<ArticleBody>,
) -> AppResult<Response> {
    let a = editing::create(&state, caller.staff()?, &b).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "knowledge",
    responses((status = 200, body = ArticleView), (status = 404, body = ErrorBody)))]
pub async fn get_article(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<ArticleView>> {
    caller.staff()?;
    Ok(Json(editing::get(&state, &id).await?))
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
    Ok(Json(
        editing::update(&state, caller.staff()?, &id, &b).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/revisions", tag = "knowledge",
    responses((status = 200, body = Vec<Revision>), (status = 404, body = ErrorBody)))]
pub async fn list_revisions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Revision>>> {
    caller.staff()?;
    Ok(Json(editing::revisions(&state, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/revisions/{number}/restore", tag = "knowledge",
    responses((status = 200, body = ArticleView), (status = 404, body = ErrorBody)))]
pub async fn restore_revision(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, number)): Path<(String, i64)>,
) -> AppResult<Json<ArticleView>> {
    Ok(Json(
        editing::restore(&state, caller.staff()?, &id, number).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/feedback", tag = "knowledge",
    responses((status = 200, body = Vec<Feedback>), (status = 404, body = ErrorBody)))]
pub async fn list_feedback(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Feedback>>> {
    caller.staff()?;
    Ok(Json(editing::feedback(&state, &id).await?))
}

#[utoipa::path(get, path = "/api/v1/search", tag = "knowledge", params(SearchQuery),
    responses((status = 200, body = Vec<SearchHit>), (status = 400, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<SearchQuery>,
) -> AppResult<Json<Vec<SearchHit>>> {
    Ok(Json(finding::search(&state, caller.staff()?, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/suggestions", tag = "knowledge",
    responses((status = 200, body = Vec<SearchHit>), (status = 404, body = ErrorBody)))]
pub async fn suggestions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<SearchHit>>> {
    Ok(Json(
        finding::suggestions(&state, caller.staff()?, &id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/article", tag = "knowledge", request_body = DraftFromConversation,
    responses((status = 201, body = ArticleView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn draft_from_conversation(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DraftFromConversation>,
) -> AppResult<Response> {
    let a = finding::draft_from_conversation(&state, caller.staff()?, &id, &b).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
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
    Ok(Json(
        editing::import_csv(&state, caller.staff()?, &body).await?,
    ))
}
