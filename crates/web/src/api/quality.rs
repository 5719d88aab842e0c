//! Service quality over HTTP: checks, forbidden-phrase rules, the report, packing files.

use crate::api::ApiJson;
use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kefu_core::error::ErrorCode;
use kefu_core::quality::{Guard, Rule};
use kefu_service::chat::{self, Actor};
use kefu_store::{attachments, settings};
use std::sync::Arc;
use std::time::Instant;

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
    let g = Arc::new(
        Guard::new(rules).map_err(|e| AppError::bad(ErrorCode::InvalidRule, e.to_string()))?,
    );
    let json = serde_json::to_string(g.rules()).map_err(|e| AppError::Internal(e.to_string()))?;
    settings::set(&state.db, RULES_KEY, &json).await?;
    *state.guard.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), g.clone()));
    Ok(Json(g.rules().to_vec()))
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
    let r = report(&state, &q).await?;
    // A byte-order mark so spreadsheet programs read the Chinese names as UTF-8.
    let mut out =
        String::from("\u{feff}agent,checked,clean,sent_anyway,stopped,blocked,rules,examples\r\n");
    for a in r.agents.iter().chain(std::iter::once(&r.total)) {
        let rules: Vec<String> = a.by_rule.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\r\n",
            csv(&a.agent),
            a.checked,
            a.clean,
            a.sent_anyway,
            a.stopped,
            a.blocked,
            csv(&rules.join(" ")),
            csv(&a.examples.join(" | "))
        ));
    }
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
    let user = caller.staff()?;
    let conv = chat::visible(&state, &Actor::Person(user.clone()), &id).await?;
    if !(2..=50).contains(&r.attachment_ids.len()) {
        return Err(AppError::bad(ErrorCode::InvalidZip, "pack 2 to 50 files"));
    }
    let mut files: Vec<(String, Vec<u8>)> = vec![];
    let mut total = 0usize;
    for aid in &r.attachment_ids {
        let a = attachments::get(&state.db, aid)
            .await?
            .filter(|a| a.conversation_id == conv.id)
            .ok_or_else(|| {
                AppError::bad(
                    ErrorCode::InvalidAttachment,
                    "no such file in this conversation",
                )
            })?;
        let bytes = tokio::fs::read(kefu_service::files::storage_path(&state, &a.storage_key))
            .await
            .map_err(|_| AppError::NotFound)?;
        total += bytes.len();
        if total > state.config.max_upload_bytes {
            return Err(AppError::TooLarge);
        }
        // Two files of one name get numbered, as a file manager would.
        let mut name = a.name.clone();
        let mut n = 2;
        while files.iter().any(|(f, _)| *f == name) {
            name = match a.name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem} ({n}).{ext}"),
                None => format!("{} ({n})", a.name),
            };
            n += 1;
        }
        files.push((name, bytes));
    }
    let bytes = kefu_service::files::zip_stored(&files);
    let name = if r.name.trim().is_empty() {
        format!("ticket-{}-files.zip", conv.number)
    } else {
        let n = kefu_service::files::clean_name(r.name.trim());
        if n.to_lowercase().ends_with(".zip") {
            n
        } else {
            format!("{n}.zip")
        }
    };
    let key = kefu_service::files::store_bytes(&state, conv.created_at, "", &bytes).await?;
    let a = attachments::insert(
        &state.db,
        &conv.id,
        &name,
        "application/zip",
        bytes.len() as i64,
        &key,
        &user.id,
    )
    .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(Zipped { attachment: a }),
    )
        .into_response())
}
