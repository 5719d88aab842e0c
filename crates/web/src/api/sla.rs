//! Service levels over HTTP: the configuration and the report.

use crate::auth::Caller;
use crate::error::ErrorBody;
use crate::error::{AppError, AppResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::extract::{Query, State};
use kefu_core::error::ErrorCode;
use kefu_core::time::now_ms;

use kefu_service::tickets::sla::*;

#[utoipa::path(get, path = "/api/v1/sla", tag = "tickets",
    responses((status = 200, body = SlaConfig)))]
pub async fn get_config(State(state): State<AppState>) -> AppResult<Json<SlaConfig>> {
    Ok(Json(config(&state).await?.config.clone()))
}

#[utoipa::path(put, path = "/api/v1/sla", tag = "tickets", request_body = SlaConfig,
    responses((status = 200, body = SlaConfig), (status = 400, body = ErrorBody)))]
pub async fn put_config(
    State(state): State<AppState>,
    ApiJson(cfg): ApiJson<SlaConfig>,
) -> AppResult<Json<SlaConfig>> {
    Ok(Json(save(&state, cfg).await?.config.clone()))
}

#[utoipa::path(get, path = "/api/v1/reports/sla", tag = "tickets", params(Period),
    responses((status = 200, body = SlaReport), (status = 403, body = ErrorBody)))]
pub async fn get_report(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(p): Query<Period>,
) -> AppResult<Json<SlaReport>> {
    // Supervisors and admins see the whole shop's breaches.
    match &caller {
        Caller::Person { user, .. } if user.role().sees_all_inboxes() => {}
        Caller::Token { .. } => {}
        _ => return Err(AppError::Forbidden),
    }
    let to = p.to.unwrap_or_else(now_ms);
    let from = p.from.unwrap_or(to - 30 * kefu_core::time::DAY);
    if from >= to {
        return Err(AppError::bad(
            ErrorCode::InvalidPeriod,
            "from must be before to",
        ));
    }
    Ok(Json(report(&state, from, to).await?))
}
