//! Standard phrases over HTTP: kinds, phrases, filling one into a conversation.

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
use kefu_service::chat::{self, Actor};
use kefu_store::quality::{self as store};
use kefu_store::settings;

use kefu_service::quality::phrases::*;

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
    let mut seen = std::collections::HashSet::new();
    for k in &kinds {
        let ok = !k.key.is_empty()
            && k.key.len() <= 30
            && k.key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !KINDS.contains(&k.key.as_str())
            && seen.insert(k.key.clone())
            && !k.label_zh.trim().is_empty()
            && k.label_zh.chars().count() <= 30
            && k.label_en.chars().count() <= 30;
        if !ok {
            return Err(AppError::bad(
                ErrorCode::InvalidKind,
                format!(
                    "kind {:?}: a new key of a-z, 0-9 and _, with a Chinese label",
                    k.key
                ),
            ));
        }
    }
    if kinds.len() > 30 {
        return Err(AppError::bad(
            ErrorCode::InvalidKind,
            "at most 30 kinds of your own",
        ));
    }
    let json = serde_json::to_string(&kinds).map_err(|e| AppError::Internal(e.to_string()))?;
    settings::set(&state.db, KINDS_KEY, &json).await?;
    Ok(Json(kinds))
}

#[utoipa::path(get, path = "/api/v1/phrases", tag = "quality",
    responses((status = 200, body = Vec<PhraseView>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<PhraseView>>> {
    let user = caller.staff()?;
    Ok(Json(
        store::phrases_for(&state.db, &user.id)
            .await?
            .into_iter()
            .map(|p| PhraseView {
                shared: p.owner_id.is_none(),
                phrase: p,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/phrases", tag = "quality", request_body = PhraseForm,
    responses((status = 201, body = PhraseView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(f): ApiJson<PhraseForm>,
) -> AppResult<Response> {
    let user = caller.staff()?;
    check_form(&state, &f).await?;
    if f.shared && !user.role().sees_all_inboxes() {
        return Err(AppError::Forbidden);
    }
    let owner = (!f.shared).then_some(user.id.as_str());
    let p = store::add_phrase(&state.db, &new_of(&f, owner)).await?;
    Ok((
        StatusCode::CREATED,
        Json(PhraseView {
            shared: p.owner_id.is_none(),
            phrase: p,
        }),
    )
        .into_response())
}

#[utoipa::path(put, path = "/api/v1/phrases/{id}", tag = "quality", request_body = PhraseForm,
    responses((status = 200, body = PhraseView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(f): ApiJson<PhraseForm>,
) -> AppResult<Json<PhraseView>> {
    let user = caller.staff()?;
    let p = own(&state, user, &id).await?;
    check_form(&state, &f).await?;
    store::update_phrase(&state.db, &p.id, &new_of(&f, None)).await?;
    let p = store::get_phrase(&state.db, &p.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(PhraseView {
        shared: p.owner_id.is_none(),
        phrase: p,
    }))
}

#[utoipa::path(delete, path = "/api/v1/phrases/{id}", tag = "quality",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let user = caller.staff()?;
    let p = own(&state, user, &id).await?;
    store::delete_phrase(&state.db, &p.id).await?;
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
    let conv = chat::visible(&state, &Actor::Person(user.clone()), &id).await?;
    let p = store::get_phrase(&state.db, &phrase_id)
        .await?
        .filter(|p| p.owner_id.is_none() || p.owner_id.as_deref() == Some(user.id.as_str()))
        .ok_or(AppError::NotFound)?;
    let ctx = Context::of(&state, user, Some(&conv)).await?;
    Ok(Json(ctx.phrase(&p, q.lang.as_deref())))
}
