//! Working a conversation as a ticket: the fields admins define (checked on every change,
//! required ones before resolving), merging two conversations of one customer, splitting a
//! message off into a new ticket, and macros (a reply from a template, changes, an assignment
//! in one click).

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kefu_core::error::ErrorCode;
use kefu_core::time::now_ms;
use kefu_store::conversations::{self, Conversation};
use kefu_store::macros::{self, Macro};
use kefu_store::messages::{self, NewMessage};
use kefu_store::people::User;
use kefu_store::settings;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::api::ApiJson;
use crate::auth::Caller;
use crate::desk::{self, ConversationPatch};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::realtime::{self, Actor};
use crate::state::AppState;

pub const FIELDS_KEY: &str = "ticket_fields";
pub const FIELD_KINDS: [&str; 5] = ["text", "number", "select", "date", "checkbox"];

/// A field admins add to tickets.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FieldDef {
    /// Lower-case letters, digits and `_`; the key in a ticket's `fields`.
    pub key: String,
    pub label: String,
    /// `text`, `number`, `select`, `date` (`YYYY-MM-DD`) or `checkbox`.
    pub kind: String,
    /// The choices of a `select`.
    #[serde(default)]
    pub options: Vec<String>,
    /// Must be filled in before the ticket is resolved.
    #[serde(default)]
    pub required: bool,
}

pub async fn field_defs(state: &AppState) -> AppResult<Vec<FieldDef>> {
    let json = settings::get(&state.db, FIELDS_KEY)
        .await?
        .unwrap_or_default();
    Ok(serde_json::from_str(&json).unwrap_or_default())
}

fn check_defs(defs: &[FieldDef]) -> AppResult<()> {
    if defs.len() > 50 {
        return Err(AppError::bad(ErrorCode::InvalidFields, "at most 50 fields"));
    }
    let mut keys = std::collections::HashSet::new();
    for d in defs {
        let key_ok = !d.key.is_empty()
            && d.key.len() <= 40
            && d.key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !key_ok || !keys.insert(d.key.as_str()) {
            return Err(AppError::bad(
                ErrorCode::InvalidFields,
                format!(
                    "field key {:?}: a-z, 0-9 and _, up to 40, each used once",
                    d.key
                ),
            ));
        }
        if d.label.trim().is_empty() || d.label.chars().count() > 100 {
            return Err(AppError::bad(
                ErrorCode::InvalidFields,
                format!("field {}: a label of 1-100 characters", d.key),
            ));
        }
        if !FIELD_KINDS.contains(&d.kind.as_str()) {
            return Err(AppError::bad(
                ErrorCode::InvalidFields,
                format!(
                    "field {}: kind is text, number, select, date or checkbox",
                    d.key
                ),
            ));
        }
        if d.kind == "select"
            && (d.options.is_empty()
                || d.options.len() > 100
                || d.options
                    .iter()
                    .any(|o| o.trim().is_empty() || o.chars().count() > 100))
        {
            return Err(AppError::bad(
                ErrorCode::InvalidFields,
                format!("field {}: a select needs 1-100 options", d.key),
            ));
        }
    }
    Ok(())
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    matches!((num(0..4), num(5..7), num(8..10)), (Some(_), Some(m), Some(d)) if (1..=12).contains(&m) && (1..=31).contains(&d))
}

/// `current` (a JSON object) with `values` applied, each checked against its definition.
pub fn merge_fields(
    defs: &[FieldDef],
    current: &str,
    values: &Map<String, Value>,
) -> AppResult<String> {
    let mut out: Map<String, Value> = serde_json::from_str(current).unwrap_or_default();
    for (k, v) in values {
        let d = defs.iter().find(|d| &d.key == k).ok_or_else(|| {
            AppError::bad(ErrorCode::InvalidField, format!("there is no field {k:?}"))
        })?;
        if v.is_null() {
            out.remove(k);
            continue;
        }
        let ok = match d.kind.as_str() {
            "text" => v.as_str().is_some_and(|s| s.chars().count() <= 1000),
            "number" => v.is_number(),
            "select" => v.as_str().is_some_and(|s| d.options.iter().any(|o| o == s)),
            "date" => v.as_str().is_some_and(is_date),
            _ => v.is_boolean(),
        };
        if !ok {
            let want = match d.kind.as_str() {
                "text" => "a text of at most 1000 characters".to_string(),
                "number" => "a number".into(),
                "select" => format!("one of {}", d.options.join(", ")),
                "date" => "a date as YYYY-MM-DD".into(),
                _ => "true or false".into(),
            };
            return Err(AppError::bad(
                ErrorCode::InvalidField,
                format!("{} must be {want}", d.label),
            ));
        }
        out.insert(k.clone(), v.clone());
    }
    Ok(Value::Object(out).to_string())
}

/// Refuses when a required field is empty.
pub fn check_required(defs: &[FieldDef], fields: &str) -> AppResult<()> {
    let values: Map<String, Value> = serde_json::from_str(fields).unwrap_or_default();
    let missing: Vec<&str> = defs
        .iter()
        .filter(|d| d.required)
        .filter(|d| match values.get(&d.key) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            _ => false,
        })
        .map(|d| d.label.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::bad(
            ErrorCode::RequiredFields,
            format!("fill in before resolving: {}", missing.join(", ")),
        ))
    }
}

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

// ---- Merge and split -------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The conversation that stays; this one is closed into it.
    pub into: String,
}

/// Copies of `source`'s words, files and notes appended to `target`, marked with where they came
/// from.
async fn copy_messages(
    state: &AppState,
    tx: &mut kefu_store::Tx,
    source: &Conversation,
    target: &Conversation,
    only: Option<&str>,
) -> AppResult<Vec<messages::Message>> {
    let mut out = vec![];
    let mut after = 0;
    loop {
        let page = messages::after(&mut *tx, &source.id, after, 500, true).await?;
        if page.is_empty() {
            break;
        }
        for m in &page {
            after = m.seq;
            let copy = matches!(
                m.kind.as_str(),
                messages::kind::TEXT | messages::kind::ATTACHMENT | messages::kind::NOTE
            ) && only.is_none_or(|id| id == m.id);
            if !copy {
                continue;
            }
            let mut meta: Value =
                serde_json::from_str(&m.meta).unwrap_or_else(|_| Value::Object(Map::new()));
            if !meta.is_object() {
                meta = Value::Object(Map::new());
            }
            meta["copied_from"] = serde_json::json!({
                "conversation": source.id, "number": source.number, "seq": m.seq, "at": m.created_at,
            });
            let (msg, _) = messages::append(
                &mut *tx,
                &NewMessage {
                    conversation_id: &target.id,
                    kind: &m.kind,
                    author_kind: &m.author_kind,
                    author_id: m.author_id.as_deref(),
                    client_id: None,
                    body: &m.body,
                    meta: &meta.to_string(),
                },
            )
            .await?;
            crate::realtime::bus::announce_in(state, tx, target, msg.seq, msg.is_internal())
                .await?;
            out.push(msg);
        }
        if page.len() < 500 {
            break;
        }
    }
    Ok(out)
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
    let source = realtime::visible(&state, &actor, &id).await?;
    let target = realtime::visible(&state, &actor, &req.into).await?;
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
    crate::sla::on_status(&state, &mut tx, &closed, "resolved", now_ms()).await?;
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    /// The message that becomes the first of a new ticket.
    pub message_id: String,
    /// The new ticket's subject (default: the old one's, marked as split).
    #[serde(default)]
    pub subject: String,
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
    let source = realtime::visible(&state, &actor, &id).await?;
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
        crate::sla::on_customer_message(&state, &mut tx, &new, msg.created_at).await?;
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

// ---- Macros ----------------------------------------------------------------------------------

/// What a macro does, in this order: changes, assignment, then the reply.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct MacroActions {
    /// A reply sent to the customer; `{customer.name}`, `{agent.name}`, `{order.number}`,
    /// `{ticket.number}` and `{shop.name}` are filled in.
    pub reply: String,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub stage: Option<String>,
    pub ticket_type: Option<String>,
    /// Tags added to the ticket's.
    pub add_tags: Vec<String>,
    #[schema(value_type = Option<Object>)]
    pub fields: Option<Map<String, Value>>,
    /// `me` (whoever applies it) or an agent's id.
    pub assign: Option<String>,
    pub team_id: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MacroForm {
    pub name: String,
    /// Shared with the whole shop (admins and supervisors) or the agent's own.
    #[serde(default)]
    pub shared: bool,
    pub actions: MacroActions,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MacroView {
    pub id: String,
    pub name: String,
    pub shared: bool,
    pub actions: MacroActions,
}

fn view(m: Macro) -> MacroView {
    MacroView {
        shared: m.owner_id.is_none(),
        actions: serde_json::from_str(&m.actions).unwrap_or_default(),
        id: m.id,
        name: m.name,
    }
}

fn check_macro(f: &MacroForm) -> AppResult<String> {
    if f.name.trim().is_empty() || f.name.chars().count() > 100 {
        return Err(AppError::bad(
            ErrorCode::InvalidMacro,
            "a name of 1-100 characters",
        ));
    }
    let a = &f.actions;
    if a.reply.chars().count() > kefu_core::protocol::MAX_BODY_CHARS || a.add_tags.len() > 20 {
        return Err(AppError::bad(
            ErrorCode::InvalidMacro,
            "the reply or the tag list is too long",
        ));
    }
    let empty = a.reply.trim().is_empty()
        && a.status.is_none()
        && a.priority.is_none()
        && a.stage.is_none()
        && a.ticket_type.is_none()
        && a.add_tags.is_empty()
        && a.fields.is_none()
        && a.assign.is_none()
        && a.team_id.is_none();
    if empty {
        return Err(AppError::bad(
            ErrorCode::InvalidMacro,
            "a macro needs at least one action",
        ));
    }
    serde_json::to_string(a).map_err(|e| AppError::Internal(e.to_string()))
}

fn may_share(user: &User) -> bool {
    user.role().sees_all_inboxes()
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

/// The macro `id` if `user` may change it: their own, or a shared one for admins and supervisors.
async fn own_macro(state: &AppState, user: &User, id: &str) -> AppResult<Macro> {
    let m = macros::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    match &m.owner_id {
        Some(o) if o == &user.id => Ok(m),
        None if may_share(user) => Ok(m),
        None => Err(AppError::Forbidden),
        Some(_) => Err(AppError::NotFound),
    }
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

#[derive(Debug, Serialize, ToSchema)]
pub struct MacroResult {
    pub conversation: Conversation,
    /// Variables of the reply that could not be filled in (left as written).
    pub unfilled: Vec<String>,
}

/// `{name}` variables of `text` filled from `vars`; the names that had no value.
pub fn fill(text: &str, vars: &[(&str, String)]) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut unfilled = vec![];
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end)
                if after[..end]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
                    && end > 0 =>
            {
                let name = &after[..end];
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) if !v.is_empty() => out.push_str(v),
                    _ => {
                        out.push_str(&rest[start..start + end + 2]);
                        unfilled.push(name.to_string());
                    }
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, unfilled)
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
    let conv = realtime::visible(&state, &actor, &id).await?;
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
        let ctx = crate::phrases::Context::of(&state, user, Some(&conv)).await?;
        let (body, missing) = ctx.fill(&a.reply);
        unfilled = missing;
        realtime::store_message_with(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_or_reported() {
        let vars = [
            ("customer.name", "陈静".to_string()),
            ("agent.name", "Li".to_string()),
            ("order.number", String::new()),
        ];
        let (s, missing) = fill(
            "您好 {customer.name}，我是 {agent.name}。订单 {order.number} {x",
            &vars,
        );
        assert_eq!(s, "您好 陈静，我是 Li。订单 {order.number} {x");
        assert_eq!(missing, vec!["order.number".to_string()]);
        let (s, missing) = fill("{} {a b} }{", &vars);
        assert_eq!(s, "{} {a b} }{");
        assert!(missing.is_empty());
    }

    #[test]
    fn fields_are_checked() {
        let defs = vec![
            FieldDef {
                key: "order".into(),
                label: "Order".into(),
                kind: "text".into(),
                options: vec![],
                required: true,
            },
            FieldDef {
                key: "reason".into(),
                label: "Reason".into(),
                kind: "select".into(),
                options: vec!["damaged".into(), "late".into()],
                required: false,
            },
            FieldDef {
                key: "amount".into(),
                label: "Amount".into(),
                kind: "number".into(),
                options: vec![],
                required: false,
            },
            FieldDef {
                key: "when".into(),
                label: "When".into(),
                kind: "date".into(),
                options: vec![],
                required: false,
            },
            FieldDef {
                key: "vip".into(),
                label: "VIP".into(),
                kind: "checkbox".into(),
                options: vec![],
                required: false,
            },
        ];
        check_defs(&defs).expect("valid");
        let set = |json: Value| merge_fields(&defs, "{}", json.as_object().expect("object"));
        let ok = set(serde_json::json!({"order": "A1", "reason": "late", "amount": 12.5, "when": "2026-11-30", "vip": true})).expect("ok");
        check_required(&defs, &ok).expect("complete");
        assert!(set(serde_json::json!({"reason": "lost"})).is_err());
        assert!(set(serde_json::json!({"amount": "12"})).is_err());
        assert!(set(serde_json::json!({"when": "2026-13-01"})).is_err());
        assert!(set(serde_json::json!({"nope": 1})).is_err());
        let cleared = merge_fields(
            &defs,
            &ok,
            serde_json::json!({"order": null}).as_object().expect("o"),
        )
        .expect("ok");
        assert!(check_required(&defs, &cleared).is_err());
        let mut dup = defs.clone();
        dup.push(defs[0].clone());
        assert!(check_defs(&dup).is_err());
    }
}
