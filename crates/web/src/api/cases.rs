//! Complaints and after-sale claims over HTTP: the public form and status page, and the staff's side.

use crate::api::{ApiJson, ApiOrigin};
use crate::auth::Caller;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kefu_core::cases as rules;
use kefu_core::error::ErrorCode;
use kefu_core::id::{new_token, numeric_code};
use kefu_core::time::now_ms;
use kefu_service::chat::{self, Actor};
use kefu_service::i18n::Lang;
use kefu_store::cases::{self as store};
use kefu_store::conversations::{self};
use kefu_store::messages::{self};
use kefu_store::people::{self};
use kefu_store::tokens::{self, NewToken, Purpose};

use kefu_service::tickets::cases::*;

#[utoipa::path(post, path = "/api/v1/cases/code", tag = "cases", request_body = CodeRequest,
    responses((status = 204, description = "a code was mailed"), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn send_code(
    State(state): State<AppState>,
    ApiOrigin(origin): ApiOrigin,
    ApiJson(r): ApiJson<CodeRequest>,
) -> AppResult<StatusCode> {
    let email = kefu_core::validate::email(&r.email)
        .map_err(|_| AppError::bad(ErrorCode::InvalidEmail, "this is not an e-mail address"))?;
    let lim = |k: String, rule| state.limiter.hit(&k, rule).map_err(AppError::RateLimited);
    lim(format!("case-code:ip:{}", origin.ip), CODES_PER_IP)?;
    lim(format!("case-code:to:{email}"), CODES_PER_ADDRESS)?;
    let code = numeric_code(6);
    let lang = Lang::parse(&r.lang).unwrap_or(Lang::ZhCn);
    let mut tx = state.db.begin().await?;
    tokens::issue_plain(
        &mut tx,
        Purpose::CaseEmail,
        &code_secret(&email, &code),
        &NewToken {
            email: &email,
            ttl_ms: CODE_TTL,
            ..Default::default()
        },
    )
    .await?;
    kefu_service::accounts::queue_mail(
        &state,
        &mut tx,
        lang,
        "case-code",
        &email,
        &[("code", code)],
    )
    .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
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
    let filed = kefu_service::tickets::cases::file(&state, &caller, &origin.ip, &n).await?;
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
    let (case, conv, _) = open_case(&state, &caller, case_key(&headers), &tracking, &q.key).await?;
    let (timeline, visited) = timeline(&state, &conv, &case).await?;
    Ok(Json(CaseView {
        number: conv.number,
        subject: conv.subject.clone(),
        steps: rules::progress(&case.kind, &case.resolution, &visited),
        timeline,
        case,
    }))
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
    let (case, conv, user) =
        open_case(&state, &caller, case_key(&headers), &tracking, &q.key).await?;
    let body = a.body.trim();
    if body.is_empty() || body.chars().count() > kefu_core::protocol::MAX_BODY_CHARS {
        return Err(AppError::bad(
            ErrorCode::InvalidBody,
            "write 1 to 5000 characters",
        ));
    }
    if case.status == "closed" {
        return Err(AppError::bad(
            ErrorCode::CaseClosed,
            "this case is closed; file a new one",
        ));
    }
    let actor = Actor::Person(user);
    let sent = chat::store_message_with(
        &state,
        &actor,
        &conv,
        None,
        messages::kind::TEXT,
        body,
        "",
        None,
    )
    .await?;
    reopen_if_waiting(&state, &case).await?;
    crate::widget::sent(sent)
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
        open_case(&state, &caller, case_key(&headers), &tracking, &q.key).await?;
    if case.status == "closed" {
        return Err(AppError::bad(
            ErrorCode::CaseClosed,
            "this case is closed; file a new one",
        ));
    }
    let actor = Actor::Person(user);
    let up = kefu_service::files::UploadQuery {
        name: q.name.clone(),
        client_id: String::new(),
    };
    let sent = crate::api::files::upload(&state, &actor, &conv.id, &up, body).await?;
    reopen_if_waiting(&state, &case).await?;
    crate::widget::sent(sent)
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
    let (_, conv, user) = open_case(&state, &caller, case_key(&headers), &tracking, &q.key).await?;
    let a = kefu_service::files::visible_attachment(&state, &Actor::Person(user), &attachment_id)
        .await?;
    // The key opens this case's files only, not the customer's other conversations'.
    if a.conversation_id != conv.id {
        return Err(AppError::NotFound);
    }
    crate::api::files::download(&state, &a, &Default::default()).await
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/case", tag = "cases",
    responses((status = 200, body = StaffCase), (status = 404, body = ErrorBody)))]
pub async fn staff_view(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> AppResult<Json<StaffCase>> {
    let user = caller.staff()?;
    chat::visible(&state, &Actor::Person(user.clone()), &id).await?;
    let case = store::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(StaffCase {
        next: rules::next_statuses(&case.kind, &case.status).to_vec(),
        case,
    }))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/case", tag = "cases", request_body = OpenCase,
    responses((status = 201, body = StaffCase), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn open_from_conversation(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(o): ApiJson<OpenCase>,
) -> AppResult<Response> {
    let user = caller.staff()?;
    let conv = chat::visible(&state, &Actor::Person(user.clone()), &id).await?;
    let customer = conv
        .customer_id
        .clone()
        .ok_or_else(|| AppError::bad(ErrorCode::NoCustomer, "the conversation has no customer"))?;
    if store::get(&state.db, &conv.id).await?.is_some() {
        return Err(AppError::Conflict(
            ErrorCode::AlreadyACase,
            "this conversation is already a case".into(),
        ));
    }
    let s = load_settings(&state).await?;
    o.details().check(&s)?;
    let email = people::reply_address(&state.db, &customer)
        .await?
        .unwrap_or_default();
    let now = now_ms();
    let key = new_token();
    let mut tx = state.db.begin().await?;
    let tracking = new_tracking(&mut tx, &o.kind).await?;
    let case = o.details().case(&conv.id, tracking, &email, now);
    let link = status_link(&state, &case.tracking, &key);
    store::create(&mut tx, &case, &key).await?;
    let updated = conversations::update(
        &mut tx,
        &conv,
        &conversations::Changes {
            ticket_type: Some(o.kind.clone()),
            stage: Some("after_sale".into()),
            ..Default::default()
        },
    )
    .await?;
    let by = user.display_name().to_string();
    let ev = kefu_service::chat::desk::record_event(
        &state,
        &mut tx,
        &updated,
        messages::kind::EVENT,
        Some(user),
        &format!("Case {} opened; follow it at {link}", case.tracking),
        serde_json::json!({"event": "case_opened", "tracking": case.tracking, "kind": case.kind, "by": by, "link": link}),
    )
    .await?;
    kefu_service::tickets::sla::on_reclassify(&state, &mut tx, &updated).await?;
    if !email.is_empty() {
        kefu_service::accounts::queue_mail(
            &state,
            &mut tx,
            Lang::ZhCn,
            &format!("case-filed-{}", case.kind),
            &email,
            &[("tracking", case.tracking.clone()), ("link", link.clone())],
        )
        .await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    kefu_service::chat::desk::publish_all(&state, &updated, &[ev]).await;
    Ok((
        StatusCode::CREATED,
        Json(StaffCase {
            next: rules::next_statuses(&case.kind, &case.status).to_vec(),
            case,
        }),
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/case/status", tag = "cases", request_body = MoveCase,
    responses((status = 200, body = StaffCase), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn move_case(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(m): ApiJson<MoveCase>,
) -> AppResult<Json<StaffCase>> {
    let user = caller.staff()?;
    let conv = chat::visible(&state, &Actor::Person(user.clone()), &id).await?;
    let case = store::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !rules::may_move(&case.kind, &case.status, &m.status) {
        let next = rules::next_statuses(&case.kind, &case.status);
        return Err(AppError::bad(
            ErrorCode::InvalidStatus,
            if next.is_empty() {
                format!("a {} that is {} cannot move on", case.kind, case.status)
            } else {
                format!(
                    "a {} that is {} can move to {}",
                    case.kind,
                    case.status,
                    next.join(", ")
                )
            },
        ));
    }
    if m.note.chars().count() > 2000 {
        return Err(AppError::bad(
            ErrorCode::InvalidNote,
            "the note is at most 2000 characters",
        ));
    }
    let by = user.display_name().to_string();
    let mut tx = state.db.begin().await?;
    if !store::set_status(&mut tx, &id, &case.status, &m.status).await? {
        return Err(AppError::Conflict(
            ErrorCode::CaseMoved,
            "someone else moved this case meanwhile; reload".into(),
        ));
    }
    let mut text = format!("{} {}: {}", case.tracking, by, m.status);
    if !m.note.trim().is_empty() {
        text = format!("{text} — {}", m.note.trim());
    }
    let ev = kefu_service::chat::desk::record_event(
        &state,
        &mut tx,
        &conv,
        messages::kind::EVENT,
        Some(user),
        &text,
        serde_json::json!({"event": "case_status", "tracking": case.tracking, "from": case.status, "status": m.status, "note": m.note.trim(), "by": by}),
    )
    .await?;
    // A case that ends resolves its conversation.
    let ends = matches!(m.status.as_str(), "closed" | "resolved");
    let events = vec![ev];
    if ends && conv.status != "resolved" {
        conversations::update(
            &mut tx,
            &conv,
            &conversations::Changes {
                status: Some("resolved".into()),
                snoozed_until: Some(None),
                waiting_since: Some(None),
                ..Default::default()
            },
        )
        .await?;
        kefu_service::tickets::sla::on_status(&state, &mut tx, &conv, "resolved", now_ms()).await?;
    } else if !ends {
        // Staff moved it: that counts as an answer to the customer.
        kefu_service::tickets::sla::on_agent_reply(&state, &mut tx, &conv, now_ms()).await?;
    }
    if !case.email.is_empty() {
        kefu_service::accounts::queue_mail(
            &state,
            &mut tx,
            Lang::ZhCn,
            "case-status",
            &case.email,
            &[
                ("tracking", case.tracking.clone()),
                ("status", m.status.clone()),
                ("note", m.note.trim().to_string()),
            ],
        )
        .await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    kefu_service::chat::desk::publish_all(&state, &conv, &events).await;
    let case = store::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(StaffCase {
        next: rules::next_statuses(&case.kind, &case.status).to_vec(),
        case,
    }))
}

#[utoipa::path(get, path = "/api/v1/case-settings", tag = "cases",
    responses((status = 200, body = CaseSettings)))]
pub async fn get_settings(State(state): State<AppState>) -> AppResult<Json<CaseSettings>> {
    Ok(Json(load_settings(&state).await?))
}

#[utoipa::path(put, path = "/api/v1/case-settings", tag = "cases", request_body = CaseSettings,
    responses((status = 200, body = CaseSettings), (status = 400, body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    ApiJson(s): ApiJson<CaseSettings>,
) -> AppResult<Json<CaseSettings>> {
    save_settings(&state, &s).await?;
    Ok(Json(s))
}

/// The status page's key when the page sends it in a header (kept out of URLs and logs).
fn case_key(headers: &HeaderMap) -> Option<&str> {
    headers.get(KEY_HEADER).and_then(|v| v.to_str().ok())
}
