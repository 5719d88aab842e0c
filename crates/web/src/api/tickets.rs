//! Tickets over HTTP: field definitions, merge, split and macros.

use crate::auth::Caller;
use crate::error::{AppResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_service::tickets::{
    self as svc, FieldDef, MacroForm, MacroResult, MacroView, MergeRequest, SplitRequest,
    field_defs,
};
use kefu_store::conversations::Conversation;

#[utoipa::path(get, path = "/api/v1/ticket-fields", tag = "tickets",
    responses((status = 200, body = Vec<FieldDef>)))]
pub async fn list_fields(State(state): State<AppState>) -> AppResult<Json<Vec<FieldDef>>> {
    Ok(Json(field_defs(&state).await?))
}

#[utoipa::path(put, path = "/api/v1/ticket-fields", tag = "tickets", request_body = Vec<FieldDef>,
    responses((status = 200, body = Vec<FieldDef>), (status = 400, body = ErrorBody)))]
pub async fn save_fields(
    State(state): State<AppState>,
    ApiJson(defs): ApiJson<Vec<FieldDef>>,
) -> AppResult<Json<Vec<FieldDef>>> {
    Ok(Json(svc::save_field_defs(&state, defs).await?))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/merge", tag = "tickets", request_body = MergeRequest,
    responses((status = 200, body = Conversation), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn merge(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<MergeRequest>,
) -> AppResult<Json<Conversation>> {
    let user = caller.staff()?;
    Ok(Json(svc::merge::merge(&state, user, &id, &req).await?))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/split", tag = "tickets", request_body = SplitRequest,
    responses((status = 201, body = Conversation), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn split(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SplitRequest>,
) -> AppResult<Response> {
    let user = caller.staff()?;
    let fresh = svc::merge::split(&state, user, &id, &req).await?;
    Ok((StatusCode::CREATED, Json(fresh)).into_response())
}

#[utoipa::path(get, path = "/api/v1/macros", tag = "tickets",
    responses((status = 200, body = Vec<MacroView>)))]
pub async fn list_macros(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<MacroView>>> {
    Ok(Json(svc::macros::usable(&state, caller.staff()?).await?))
}

#[utoipa::path(post, path = "/api/v1/macros", tag = "tickets", request_body = MacroForm,
    responses((status = 201, body = MacroView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_macro(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(f): ApiJson<MacroForm>,
) -> AppResult<Response> {
    let m = svc::macros::create(&state, caller.staff()?, &f).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

#[utoipa::path(put, path = "/api/v1/macros/{id}", tag = "tickets", request_body = MacroForm,
    responses((status = 200, body = MacroView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_macro(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(f): ApiJson<MacroForm>,
) -> AppResult<Json<MacroView>> {
    Ok(Json(
        svc::macros::update(&state, caller.staff()?, &id, &f).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/macros/{id}", tag = "tickets",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_macro(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    svc::macros::delete(&state, caller.staff()?, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/macros/{macro_id}", tag = "tickets",
    responses((status = 200, body = MacroResult), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn apply_macro(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, macro_id)): Path<(String, String)>,
) -> AppResult<Json<MacroResult>> {
    Ok(Json(
        svc::macros::apply(&state, caller.staff()?, &id, &macro_id).await?,
    ))
}
