//! Phone service over HTTP: calls, callbacks and the call script.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_service::quality::phone::{self, CallForm, CallbackRequest, CallbackView, ScriptStage};
use kefu_store::phone::Call;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiOrigin};
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/calls", tag = "phone", request_body = CallForm,
    responses((status = 201, body = Call), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn log_call(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(f): ApiJson<CallForm>,
) -> AppResult<Response> {
    let call = phone::log_call(&state, caller.staff()?, &f).await?;
    Ok((StatusCode::CREATED, Json(call)).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CallsQuery {
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub conversation_id: String,
}

#[utoipa::path(get, path = "/api/v1/calls", tag = "phone", params(CallsQuery),
    responses((status = 200, body = Vec<Call>), (status = 400, body = ErrorBody)))]
pub async fn list_calls(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<CallsQuery>,
) -> AppResult<Json<Vec<Call>>> {
    let user = caller.staff()?;
    Ok(Json(
        phone::calls(&state, user, &q.customer_id, &q.conversation_id).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct CallbackAccepted {
    pub id: String,
}

#[utoipa::path(post, path = "/api/v1/callbacks", tag = "phone", request_body = CallbackRequest,
    responses((status = 201, body = CallbackAccepted), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn request_callback(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(r): ApiJson<CallbackRequest>,
) -> AppResult<Response> {
    let id = phone::request_callback(&state, &caller, &origin.ip, &r).await?;
    Ok((StatusCode::CREATED, Json(CallbackAccepted { id })).into_response())
}

#[utoipa::path(get, path = "/api/v1/callbacks", tag = "phone",
    responses((status = 200, body = Vec<CallbackView>)))]
pub async fn list_callbacks(State(state): State<AppState>) -> AppResult<Json<Vec<CallbackView>>> {
    Ok(Json(phone::pending_callbacks(&state).await?))
}

#[utoipa::path(post, path = "/api/v1/callbacks/{id}/take", tag = "phone",
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn take(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    phone::take_callback(&state, caller.staff()?, &id).await?;
    Ok(Json(serde_json::json!({"id": id, "status": "taken"})))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ScriptQuery {
    #[serde(default)]
    pub conversation_id: String,
    /// `zh` or `en`.
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/call-script", tag = "phone", params(ScriptQuery),
    responses((status = 200, body = Vec<ScriptStage>), (status = 404, body = ErrorBody)))]
pub async fn script(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ScriptQuery>,
) -> AppResult<Json<Vec<ScriptStage>>> {
    let user = caller.staff()?;
    Ok(Json(
        phone::script(&state, user, &q.conversation_id, q.lang.as_deref()).await?,
    ))
}
