//! Tickets over HTTP: field definitions, merge, split and macros.

use crate::api::ApiJson;
use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_core::error::ErrorCode;
use kefu_core::time::now_ms;
use kefu_service::chat::desk::{self, ConversationPatch};
use kefu_service::chat::{self, Actor};
use kefu_store::conversations::{self, Conversation};
use kefu_store::macros::{self};
use kefu_store::messages::{self};
use kefu_store::settings;

use kefu_service::tickets::*;

#[utoipa::path(get, path = "/api/v1/ticket-fields", tag = "tickets",
    responses((status = 200, body = Vec<FieldDef>)))]
pub async fn list_fields(State(state): State<AppState>) -> AppResult<Json<Vec<FieldDef>>> {
    Ok(Json(field_defs(&state).await?))
}

#[utoipa::path(put, path = "/api/v1/ticket-fields", tag = "tickets", request_body = Vec<FieldDef>,
    responses((status = 200, body = Vec<FieldDef>), (status = 400, body = ErrorBody)))]
pub async fn save_fields(
    State(state): State<AppState>,
    ApiJson(mut defs): ApiJson<Vec<FieldDef>>,
) -> AppResult<Json<Vec<FieldDef>>> {
    for d in &mut defs {
        d.key = d.key.trim().to_string();
        d.label = d.label.trim().to_string();
    }
    check_defs(&defs)?;
    let json = serde_json::to_string(&defs).map_err(|e| AppError::Internal(e.to_string()))?;
    settings::set(&state.db, FIELDS_KEY, &json).await?;
    Ok(Json(defs))
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
    let actor = Actor::Person(user.clone());
    let source = chat::visible(&state, &actor, &id).await?;
    let target = chat::visible(&state, &actor, &req.into).await?;
    if source.id == target.id {
        return Err(AppError::bad(
            ErrorCode::InvalidMerge,
            "a conversation cannot be merged into itself",
        ));
    }
    if source.customer_id.is_none() || source.customer_id != target.customer_id {
        return Err(AppError::bad(
            ErrorCode::InvalidMerge,
            "only conversations of the same customer can be merged",
        ));
    }
    if source.merged_into.is_some() || target.merged_into.is_some() {
        return Err(AppError::bad(
            ErrorCode::InvalidMerge,
            "one of them was already merged",
        ));
    }
    let by = user.display_name().to_string();
    let mut tx = state.db.begin().await?;
    let copies = copy_messages(&state, &mut tx, &source, &target, None).await?;
    let mut events = vec![];
    events.push(
        desk::record_event(
            &state,
            &mut tx,
            &target,
            messages::kind::EVENT,
            Some(user),
            &format!("{by} merged #{} into this conversation", source.number),
            serde_json::json!({"event": "merged_in", "from": source.id, "number": source.number, "by": by}),
        )
        .await?,
    );
    let closed = conversations::update(
        &mut tx,
        &source,
        &conversations::Changes {
            status: Some("resolved".into()),
            snoozed_until: Some(None),
            waiting_since: Some(None),
            merged_into: Some(target.id.clone()),
            ..Default::default()
        },
    )
    .await?;
    let source_event = desk::record_event(
        &state,
        &mut tx,
        &closed,
        messages::kind::EVENT,
        Some(user),
        &format!("{by} merged this conversation into #{}", target.number),
        serde_json::json!({"event": "merged_into", "into": target.id, "number": target.number, "by": by}),
    )
    .await?;
    kefu_service::tickets::sla::on_status(&state, &mut tx, &closed, "resolved", now_ms()).await?;
    tx.commit().await?;
    let mut all = copies;
    all.append(&mut events);
    desk::publish_all(&state, &target, &all).await;
    desk::publish_all(&state, &closed, &[source_event]).await;
    Ok(Json(
        conversations::get(&state.db, &target.id)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
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
    let actor = Actor::Person(user.clone());
    let source = chat::visible(&state, &actor, &id).await?;
    let msg = messages::get(&state.db, &req.message_id)
        .await?
        .filter(|m| m.conversation_id == source.id)
        .ok_or(AppError::NotFound)?;
    if !matches!(
        msg.kind.as_str(),
        messages::kind::TEXT | messages::kind::ATTACHMENT
    ) {
        return Err(AppError::bad(
            ErrorCode::InvalidSplit,
            "only words or files can start a ticket",
        ));
    }
    let subject = match req.subject.trim() {
        "" => format!("{} (#{})", source.subject, source.number),
        s => s.chars().take(200).collect(),
    };
    let by = user.display_name().to_string();
    let mut tx = state.db.begin().await?;
    let new = conversations::create(
        &mut tx,
        &source.inbox_id,
        source.customer_id.as_deref(),
        &subject,
    )
    .await?;
    let new = conversations::update(
        &mut tx,
        &new,
        &conversations::Changes {
            stage: Some(source.stage.clone()),
            priority: Some(source.priority.clone()),
            ticket_type: Some(source.ticket_type.clone()),
            team_id: Some(source.team_id.clone()),
            waiting_since: Some(Some(now_ms())),
            ..Default::default()
        },
    )
    .await?;
    let mut msgs = copy_messages(&state, &mut tx, &source, &new, Some(&msg.id)).await?;
    msgs.push(
        desk::record_event(
            &state,
            &mut tx,
            &new,
            messages::kind::ACTIVITY,
            Some(user),
            &format!("{by} split this ticket off #{}", source.number),
            serde_json::json!({"event": "split_from", "from": source.id, "number": source.number, "by": by}),
        )
        .await?,
    );
    let note = desk::record_event(
        &state,
        &mut tx,
        &source,
        messages::kind::ACTIVITY,
        Some(user),
        &format!("{by} split message {} off into #{}", msg.seq, new.number),
        serde_json::json!({"event": "split_into", "into": new.id, "number": new.number, "seq": msg.seq, "by": by}),
    )
    .await?;
    if msg.author_kind == messages::author::CONTACT {
        kefu_service::tickets::sla::on_customer_message(&state, &mut tx, &new, msg.created_at)
            .await?;
    }
    tx.commit().await?;
    desk::publish_all(&state, &new, &msgs).await;
    desk::publish_all(&state, &source, &[note]).await;
    state.routing_wake.notify_one();
    let fresh = conversations::get(&state.db, &new.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(fresh)).into_response())
}

#[utoipa::path(get, path = "/api/v1/macros", tag = "tickets",
    responses((status = 200, body = Vec<MacroView>)))]
pub async fn list_macros(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> AppResult<Json<Vec<MacroView>>> {
    let user = caller.staff()?;
    Ok(Json(
        macros::usable_by(&state.db, &user.id)
            .await?
            .into_iter()
            .map(view)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/macros", tag = "tickets", request_body = MacroForm,
    responses((status = 201, body = MacroView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_macro(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    ApiJson(f): ApiJson<MacroForm>,
) -> AppResult<Response> {
    let user = caller.staff()?;
    let actions = check_macro(&f)?;
    if f.shared && !may_share(user) {
        return Err(AppError::Forbidden);
    }
    let owner = (!f.shared).then_some(user.id.as_str());
    let m = macros::create(&state.db, owner, f.name.trim(), &actions).await?;
    Ok((StatusCode::CREATED, Json(view(m))).into_response())
}

#[utoipa::path(put, path = "/api/v1/macros/{id}", tag = "tickets", request_body = MacroForm,
    responses((status = 200, body = MacroView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_macro(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(f): ApiJson<MacroForm>,
) -> AppResult<Json<MacroView>> {
    let user = caller.staff()?;
    let m = own_macro(&state, user, &id).await?;
    let actions = check_macro(&f)?;
    macros::update(&state.db, &m.id, f.name.trim(), &actions).await?;
    Ok(Json(view(
        macros::get(&state.db, &m.id)
            .await?
            .ok_or(AppError::NotFound)?,
    )))
}

#[utoipa::path(delete, path = "/api/v1/macros/{id}", tag = "tickets",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_macro(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let user = caller.staff()?;
    let m = own_macro(&state, user, &id).await?;
    macros::delete(&state.db, &m.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/macros/{macro_id}", tag = "tickets",
    responses((status = 200, body = MacroResult), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn apply_macro(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, macro_id)): Path<(String, String)>,
) -> AppResult<Json<MacroResult>> {
    let user = caller.staff()?;
    let m = macros::get(&state.db, &macro_id)
        .await?
        .filter(|m| m.owner_id.is_none() || m.owner_id.as_deref() == Some(user.id.as_str()))
        .ok_or(AppError::NotFound)?;
    let a: MacroActions = serde_json::from_str(&m.actions).unwrap_or_default();
    let actor = Actor::Person(user.clone());
    let conv = chat::visible(&state, &actor, &id).await?;
    let tags = (!a.add_tags.is_empty()).then(|| {
        conversations::split_tags(&conv.tags)
            .map(str::to_string)
            .chain(a.add_tags.iter().cloned())
            .collect::<Vec<_>>()
    });
    let patch = ConversationPatch {
        status: a.status.clone().filter(|s| s != "snoozed"),
        snoozed_until: None,
        stage: a.stage.clone(),
        priority: a.priority.clone(),
        assignee_id: a.assign.as_ref().map(|who| {
            Some(if who == "me" {
                user.id.clone()
            } else {
                who.clone()
            })
        }),
        team_id: a.team_id.clone().map(Some),
        tags,
        ticket_type: a.ticket_type.clone(),
        fields: a.fields.clone(),
    };
    // The reply first (a resolving macro answers, then resolves).
    let mut unfilled = vec![];
    if !a.reply.trim().is_empty() {
        let ctx = kefu_service::quality::phrases::Context::of(&state, user, Some(&conv)).await?;
        let (body, missing) = ctx.fill(&a.reply);
        unfilled = missing;
        chat::store_message_with(
            &state,
            &actor,
            &conv,
            None,
            messages::kind::TEXT,
            &body,
            "",
            None,
        )
        .await?;
    }
    let conversation = if patch.is_empty() {
        conversations::get(&state.db, &conv.id)
            .await?
            .ok_or(AppError::NotFound)?
    } else {
        desk::apply(&state, user, &conv.id, &patch).await?
    };
    Ok(Json(MacroResult {
        conversation,
        unfilled,
    }))
}
