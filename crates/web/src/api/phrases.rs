//! Standard phrases over HTTP: kinds, phrases, filling one into a conversation.

use crate::auth::Caller;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_service::quality::phrases::{
    self as svc, CustomKind, FillQuery, Filled, PhraseForm, PhraseView, custom_kinds,
};

#[utoipa::path(get, path = "/api/v1/phrase-kinds", tag = "quality",
    responses((status = 200, body = Vec<CustomKind>)))]
pub async fn list_kinds(State(state): State<AppState>) -> AppResult<Json<Vec<CustomKind>>> {
    Ok(Json(custom_kinds(&state).await?))
}

#[utoipa::path(put, path = "/api/v1/phrase-kinds", tag = "quality", request_body = Vec<CustomKind>,
    responses((status = 200, body = Vec<CustomKind>), (status = 400, body = ErrorBody)))]
pub async fn save_kinds(
    State(state): State<AppState>,
    ApiJson(kinds): ApiJson<Vec<CustomKind>>,
) -> AppResult<Json<Vec<CustomKind>>> {
    Ok(Json(svc::save_kinds(&state, kinds).await?))
}

#[utoipa::path(get, path = "/api/v1/phrases", tag = "quality",
    responses((status = 200, body = Vec<PhraseView>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<PhraseView>>> {
    Ok(Json(svc::usable(&state, caller.staff()?).await?))
}

#[utoipa::path(post, path = "/api/v1/phrases", tag = "quality", request_body = PhraseForm,
    responses((status = 201, body = PhraseView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(f): ApiJson<PhraseForm>,
) -> AppResult<Response> {
    let p = svc::create(&state, caller.staff()?, &f).await?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

#[utoipa::path(put, path = "/api/v1/phrases/{id}", tag = "quality", request_body = PhraseForm,
    responses((status = 200, body = PhraseView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(f): ApiJson<PhraseForm>,
) -> AppResult<Json<PhraseView>> {
    Ok(Json(svc::update(&state, caller.staff()?, &id, &f).await?))
}

#[utoipa::path(delete, path = "/api/v1/phrases/{id}", tag = "quality",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    svc::delete(&state, caller.staff()?, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/phrases/{phrase_id}", tag = "quality", params(FillQuery),
    responses((status = 200, body = Filled), (status = 404, body = ErrorBody)))]
pub async fn fill(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, phrase_id)): Path<(String, String)>,
    Query(q): Query<FillQuery>,
) -> AppResult<Json<Filled>> {
    let user = caller.staff()?;
    Ok(Json(
        svc::fill_in(&state, user, &id, &phrase_id, q.lang.as_deref()).await?,
    ))
}
