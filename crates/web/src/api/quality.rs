//! Service quality over HTTP: checks, forbidden-phrase rules, the report, packing files.

use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kefu_core::quality::Rule;
use kefu_service::chat::{self, Actor};

use kefu_service::files::{ZipRequest, Zipped, pack};
use kefu_service::quality::*;

#[utoipa::path(post, path = "/api/v1/quality/check", tag = "quality", request_body = CheckRequest,
    responses((status = 200, body = Verdict), (status = 400, body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    ApiJson(r): ApiJson<CheckRequest>,
) -> AppResult<Json<Verdict>> {
    if r.text.len() > 200_000 {
        return Err(AppError::TooLarge);
    }
    Ok(Json(check_reply(&state, &r.text).await?))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/mail/check", tag = "quality", request_body = MailCheckRequest,
    responses((status = 200, body = Verdict), (status = 404, body = ErrorBody)))]
pub async fn check_mail_draft(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<MailCheckRequest>,
) -> AppResult<Json<Verdict>> {
    let user = caller.staff()?;
    let conv = chat::visible(&state, &Actor::Person(user.clone()), &id).await?;
    let d = draft_of(&state, user, &conv, &r).await?;
    Ok(Json(check_mail(&state, &d).await?))
}

#[utoipa::path(get, path = "/api/v1/quality/rules", tag = "quality",
    responses((status = 200, body = Vec<Object>)))]
pub async fn list_rules(State(state): State<AppState>) -> AppResult<Json<Vec<Rule>>> {
    Ok(Json(guard(&state).await?.rules().to_vec()))
}

#[utoipa::path(put, path = "/api/v1/quality/rules", tag = "quality", request_body = Vec<Object>,
    responses((status = 200, body = Vec<Object>), (status = 400, body = ErrorBody)))]
pub async fn save_rules(
    State(state): State<AppState>,
    ApiJson(rules): ApiJson<Vec<Rule>>,
) -> AppResult<Json<Vec<Rule>>> {
    Ok(Json(
        kefu_service::quality::save_rules(&state, rules).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/reports/quality", tag = "quality", params(ReportQuery),
    responses((status = 200, body = QualityReport), (status = 403, body = ErrorBody)))]
pub async fn get_report(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Json<QualityReport>> {
    may_report(&caller)?;
    Ok(Json(report(&state, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/reports/quality.csv", tag = "quality", params(ReportQuery),
    responses((status = 200, description = "the report as CSV (UTF-8 with BOM)"), (status = 403, body = ErrorBody)))]
pub async fn get_report_csv(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    may_report(&caller)?;
    let out = report_csv(&state, &q).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"quality.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/attachments/zip", tag = "quality", request_body = ZipRequest,
    responses((status = 201, body = Zipped), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn zip(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<ZipRequest>,
) -> AppResult<Response> {
    let zipped = pack(&state, caller.staff()?, &id, &r).await?;
    Ok((StatusCode::CREATED, Json(zipped)).into_response())
}
