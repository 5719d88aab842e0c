//! Complaints and after-sale claims over HTTP: the public form and status page, and the staff's side.

use crate::auth::Caller;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{ApiJson, ApiOrigin};
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kefu_service::chat::Actor;
use kefu_service::tickets::cases::{
    self, AddInfo, CaseSettings, CaseView, CodeRequest, FileQuery, Filed, KEY_HEADER, KeyQuery,
    MoveCase, NewCase, OpenCase, StaffCase,
};

#[utoipa::path(post, path = "/api/v1/cases/code", tag = "cases", request_body = CodeRequest,
    responses((status = 204, description = "a code was mailed"), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn send_code(
    State(state): State<AppState>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(r): ApiJson<CodeRequest>,
) -> AppResult<StatusCode> {
    cases::send_code(&state, &origin.ip, &r).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = NewCase,
    responses((status = 201, body = Filed), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(n): ApiJson<NewCase>,
) -> AppResult<Response> {
    let filed = cases::file(&state, &caller, &origin.ip, &n).await?;
    Ok((StatusCode::CREATED, Json(filed)).into_response())
}

#[utoipa::path(get, path = "/api/v1/cases/{tracking}", tag = "cases",
    params(("key" = Option<String>, Query, description = "the access key (or the X-Kefu-Case-Key header)")),
    responses((status = 200, body = CaseView), (status = 404, body = ErrorBody)))]
pub async fn view(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(tracking): Path<String>,
    Query(q): Query<KeyQuery>,
) -> AppResult<Json<CaseView>> {
    Ok(Json(
        cases::view(&state, &caller, case_key(&headers), &tracking, &q.key).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/cases/{tracking}/messages", tag = "cases", request_body = AddInfo,
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_info(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(tracking): Path<String>,
    Query(q): Query<KeyQuery>,
    ApiJson(a): ApiJson<AddInfo>,
) -> AppResult<Response> {
    let key = case_key(&headers);
    crate::extract::sent(cases::add_info(&state, &caller, key, &tracking, &q.key, &a.body).await?)
}

#[utoipa::path(post, path = "/api/v1/cases/{tracking}/files", tag = "cases",
    params(("name" = String, Query, description = "the file's name")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Object), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn add_file(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(tracking): Path<String>,
    Query(q): Query<FileQuery>,
    body: axum::body::Body,
) -> AppResult<Response> {
    let (case, conv, user) =
        cases::open_for_adding(&state, &caller, case_key(&headers), &tracking, &q.key).await?;
    let actor = Actor::Person(user);
    let up = kefu_service::files::UploadQuery {
        name: q.name.clone(),
        client_id: String::new(),
    };
    let sent = crate::api::files::upload(&state, &actor, &conv.id, &up, body).await?;
    cases::reopen_if_waiting(&state, &case).await?;
    crate::extract::sent(sent)
}

#[utoipa::path(get, path = "/api/v1/cases/{tracking}/files/{attachment_id}", tag = "cases",
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path((tracking, attachment_id)): Path<(String, String)>,
    Query(q): Query<KeyQuery>,
) -> AppResult<Response> {
    let key = case_key(&headers);
    let a = cases::case_file(&state, &caller, key, &tracking, &q.key, &attachment_id).await?;
    crate::api::files::download(&state, &a, &Default::default()).await
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/case", tag = "cases",
    responses((status = 200, body = StaffCase), (status = 404, body = ErrorBody)))]
pub async fn staff_view(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<StaffCase>> {
    Ok(Json(cases::staff_case(&state, caller.staff()?, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/case", tag = "cases", request_body = OpenCase,
    responses((status = 201, body = StaffCase), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn open_from_conversation(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(o): ApiJson<OpenCase>,
) -> AppResult<Response> {
    let case = cases::open_from_conversation(&state, caller.staff()?, &id, &o).await?;
    Ok((StatusCode::CREATED, Json(case)).into_response())
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/case/status", tag = "cases", request_body = MoveCase,
    responses((status = 200, body = StaffCase), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn move_case(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(m): ApiJson<MoveCase>,
) -> AppResult<Json<StaffCase>> {
    Ok(Json(
        cases::move_case(&state, caller.staff()?, &id, &m).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/case-settings", tag = "cases",
    responses((status = 200, body = CaseSettings)))]
pub async fn get_settings(State(state): State<AppState>) -> AppResult<Json<CaseSettings>> {
    Ok(Json(cases::load_settings(&state).await?))
}

#[utoipa::path(put, path = "/api/v1/case-settings", tag = "cases", request_body = CaseSettings,
    responses((status = 200, body = CaseSettings), (status = 400, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    ApiJson(s): ApiJson<CaseSettings>,
) -> AppResult<Json<CaseSettings>> {
    cases::save_settings(&state, &s).await?;
    Ok(Json(s))
}

/// The status page's key when the page sends it in a header (kept out of URLs and logs).
fn case_key(headers: &HeaderMap) -> Option<&str> {
    headers.get(KEY_HEADER).and_then(|v| v.to_str().ok())
}
