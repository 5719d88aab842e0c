//! The staff's side of a case: its statuses, opening one from a conversation, moving it on.

use super::*;
use kefu_core::conversation::Status;

// ---- Staff -----------------------------------------------------------------------------------

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffCase {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub case: Case,
    /// The statuses it may move to now.
    pub next: Vec<&'static str>,
}

impl StaffCase {
    pub fn of(case: Case) -> StaffCase {
        StaffCase {
            next: rules::next_statuses(case.kind, case.status)
                .iter()
                .map(|s| s.as_str())
                .collect(),
            case,
        }
    }
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpenCase {
    /// `complaint` or `claim`.
    pub kind: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub order_ref: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub resolution: String,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MoveCase {
    pub status: String,
    /// Shown to the customer with the new status.
    #[serde(default)]
    pub note: String,
}

/// The case of a conversation the agent may open.
pub async fn staff_case(state: &Service, user: &Person, id: &str) -> Result<StaffCase> {
    chat::visible(state, &chat::Actor::Person(user.clone()), id).await?;
    let case = store::get(&state.db, id).await?.ok_or(Error::NotFound)?;
    Ok(StaffCase::of(case))
}

/// Staff turn a conversation with a customer into a case: a tracking number and key, the
/// after-sale stage, an event with the status link, and a mail to the customer.
pub async fn open_from_conversation(
    state: &Service,
    user: &Person,
    id: &str,
    o: &OpenCase,
) -> Result<StaffCase> {
    let conv = chat::visible(state, &chat::Actor::Person(user.clone()), id).await?;
    let customer = conv
        .customer_id
        .clone()
        .ok_or_else(|| Error::invalid(ErrorCode::NoCustomer, "the conversation has no customer"))?;
    if store::get(&state.db, &conv.id).await?.is_some() {
        return Err(Error::conflict(
            ErrorCode::AlreadyACase,
            "this conversation is already a case",
        ));
    }
    let s = load_settings(state).await?;
    o.details().check(&s)?;
    let email = people::reply_address(&state.db, &customer)
        .await?
        .unwrap_or_default();
    let now = now_ms();
    let key = new_token();
    let mut tx = state.db.begin().await?;
    let tracking = new_tracking(&mut tx, &o.kind).await?;
    let case = o.details().case(&conv.id, tracking, &email, now);
    let link = status_link(state, &case.tracking, &key);
    store::create(&mut tx, &case, &key).await?;
    let updated = conversations::update(
        &mut tx,
        &conv,
        &conversations::Changes {
            ticket_type: Some(o.kind.clone()),
            stage: Some(Stage::AfterSale),
            ..Default::default()
        },
    )
    .await?;
    let by = user.display_name().to_string();
    let ev = chat::desk::record_event(
        state,
        &mut tx,
        &updated,
        messages::kind::EVENT,
        Some(user),
        &format!("Case {} opened; follow it at {link}", case.tracking),
        serde_json::json!({"event": "case_opened", "tracking": case.tracking, "kind": case.kind, "by": by, "link": link}),
    )
    .await?;
    crate::tickets::sla::on_reclassify(state, &mut tx, &updated).await?;
    if !email.is_empty() {
        let (lang, _, _) = chat::desk::mail_context_in(&mut tx, &customer).await?;
        crate::accounts::queue_mail(
            state,
            &mut tx,
            lang,
            &format!("case-filed-{}", case.kind),
            &email,
            &[("tracking", case.tracking.clone()), ("link", link.clone())],
        )
        .await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    chat::desk::publish_all(state, &updated, &[ev]).await;
    Ok(StaffCase::of(case))
}

/// Staff move a case to a status its flow allows, with a note the customer sees; the
/// customer is mailed. A case that ends resolves its conversation; any other move counts as
/// an answer to the customer.
pub async fn move_case(
    state: &Service,
    user: &Person,
    id: &str,
    m: &MoveCase,
) -> Result<StaffCase> {
    let conv = chat::visible(state, &chat::Actor::Person(user.clone()), id).await?;
    let case = store::get(&state.db, id).await?.ok_or(Error::NotFound)?;
    let to = CaseStatus::parse(&m.status).filter(|to| rules::may_move(case.kind, case.status, *to));
    let Some(to) = to else {
        let next: Vec<&str> = rules::next_statuses(case.kind, case.status)
            .iter()
            .map(|s| s.as_str())
            .collect();
        return Err(Error::invalid(
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
    };
    if m.note.chars().count() > 2000 {
        return Err(Error::invalid(
            ErrorCode::InvalidNote,
            "the note is at most 2000 characters",
        ));
    }
    let by = user.display_name().to_string();
    let mut tx = state.db.begin().await?;
    if !store::set_status(&mut tx, id, case.status, to).await? {
        return Err(Error::conflict(
            ErrorCode::CaseMoved,
            "someone else moved this case meanwhile; reload",
        ));
    }
    let mut text = format!("{} {}: {}", case.tracking, by, m.status);
    if !m.note.trim().is_empty() {
        text = format!("{text} — {}", m.note.trim());
    }
    let ev = chat::desk::record_event(
        state,
        &mut tx,
        &conv,
        messages::kind::EVENT,
        Some(user),
        &text,
        serde_json::json!({"event": "case_status", "tracking": case.tracking, "from": case.status, "status": m.status, "note": m.note.trim(), "by": by}),
    )
    .await?;
    let ends = matches!(m.status.as_str(), "closed" | "resolved");
    if ends && conv.status != Status::Resolved {
        conversations::update(
            &mut tx,
            &conv,
            &conversations::Changes {
                status: Some(Status::Resolved),
                snoozed_until: Some(None),
                waiting_since: Some(None),
                ..Default::default()
            },
        )
        .await?;
        crate::tickets::sla::on_status(state, &mut tx, &conv, Status::Resolved, now_ms()).await?;
    } else if !ends {
        crate::tickets::sla::on_agent_reply(state, &mut tx, &conv, now_ms()).await?;
    }
    if !case.email.is_empty() {
        let customer = conv.customer_id.clone().unwrap_or_default();
        let (lang, _, _) = chat::desk::mail_context_in(&mut tx, &customer).await?;
        let status = state
            .i18n
            .t(lang, &format!("case-{}", to.as_str().replace('_', "-")));
        crate::accounts::queue_mail(
            state,
            &mut tx,
            lang,
            "case-status",
            &case.email,
            &[
                ("tracking", case.tracking.clone()),
                ("status", status),
                ("note", m.note.trim().to_string()),
            ],
        )
        .await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    chat::desk::publish_all(state, &conv, &[ev]).await;
    let case = store::get(&state.db, id).await?.ok_or(Error::NotFound)?;
    Ok(StaffCase::of(case))
}
