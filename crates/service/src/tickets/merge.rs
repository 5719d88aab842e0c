//! Merging two conversations of one customer, and splitting a message off into a new ticket.

use kefu_core::ErrorCode;
use kefu_core::conversation::Status;
use kefu_core::time::now_ms;
use kefu_store::conversations::{self, Conversation};
use kefu_store::messages::{self, NewMessage};
use kefu_store::people::Person;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::chat::{self, Actor, desk};
use crate::{Error, Result, Service};

// ---- Merge and split -------------------------------------------------------------------------

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The conversation that stays; this one is closed into it.
    pub into: String,
}

/// Copies of `source`'s words, files and notes appended to `target`, marked with where they came
/// from.
pub async fn copy_messages(
    state: &Service,
    tx: &mut kefu_store::Tx,
    source: &Conversation,
    target: &Conversation,
    only: Option<&str>,
) -> Result<Vec<messages::Message>> {
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
                m.kind,
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
                    kind: m.kind,
                    author_kind: &m.author_kind,
                    author_id: m.author_id.as_deref(),
                    client_id: None,
                    body: &m.body,
                    meta: &meta.to_string(),
                },
            )
            .await?;
            crate::chat::bus::announce_in(state, tx, target, msg.seq, msg.is_internal()).await?;
            out.push(msg);
        }
        if page.len() < 500 {
            break;
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    /// The message that becomes the first of a new ticket.
    pub message_id: String,
    /// The new ticket's subject (default: the old one's, marked as split).
    #[serde(default)]
    pub subject: String,
}

/// Merges conversation `id` into `req.into` (both of one customer, both visible to the agent):
/// the messages are copied over, the source is resolved and points at the target, and both
/// show what happened. Returns the target.
pub async fn merge(
    state: &Service,
    user: &Person,
    id: &str,
    req: &MergeRequest,
) -> Result<Conversation> {
    let actor = Actor::Person(user.clone());
    let source = chat::visible(state, &actor, id).await?;
    let target = chat::visible(state, &actor, &req.into).await?;
    if source.id == target.id {
        return Err(Error::invalid(
            ErrorCode::InvalidMerge,
            "a conversation cannot be merged into itself",
        ));
    }
    if source.customer_id.is_none() || source.customer_id != target.customer_id {
        return Err(Error::invalid(
            ErrorCode::InvalidMerge,
            "only conversations of the same customer can be merged",
        ));
    }
    if source.merged_into.is_some() || target.merged_into.is_some() {
        return Err(Error::invalid(
            ErrorCode::InvalidMerge,
            "one of them was already merged",
        ));
    }
    let by = user.display_name().to_string();
    let mut tx = state.db.begin().await?;
    let copies = copy_messages(state, &mut tx, &source, &target, None).await?;
    let mut events = vec![];
    events.push(
        desk::record_event(
            state,
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
            status: Some(Status::Resolved),
            snoozed_until: Some(None),
            waiting_since: Some(None),
            merged_into: Some(target.id.clone()),
            ..Default::default()
        },
    )
    .await?;
    let source_event = desk::record_event(
        state,
        &mut tx,
        &closed,
        messages::kind::EVENT,
        Some(user),
        &format!("{by} merged this conversation into #{}", target.number),
        serde_json::json!({"event": "merged_into", "into": target.id, "number": target.number, "by": by}),
    )
    .await?;
    super::sla::on_status(state, &mut tx, &closed, Status::Resolved, now_ms()).await?;
    tx.commit().await?;
    let mut all = copies;
    all.append(&mut events);
    desk::publish_all(state, &target, &all).await;
    desk::publish_all(state, &closed, &[source_event]).await;
    conversations::get(&state.db, &target.id)
        .await?
        .ok_or(Error::NotFound)
}

/// Splits a customer's or agent's message (and what follows it) off conversation `id` into a
/// new ticket with the same stage, priority, type and team. Returns the new conversation.
pub async fn split(
    state: &Service,
    user: &Person,
    id: &str,
    req: &SplitRequest,
) -> Result<Conversation> {
    let actor = Actor::Person(user.clone());
    let source = chat::visible(state, &actor, id).await?;
    let msg = messages::get(&state.db, &req.message_id)
        .await?
        .filter(|m| m.conversation_id == source.id)
        .ok_or(Error::NotFound)?;
    if !matches!(msg.kind, messages::kind::TEXT | messages::kind::ATTACHMENT) {
        return Err(Error::invalid(
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
            stage: Some(source.stage),
            priority: Some(source.priority),
            ticket_type: Some(source.ticket_type.clone()),
            team_id: Some(source.team_id.clone()),
            waiting_since: Some(Some(now_ms())),
            ..Default::default()
        },
    )
    .await?;
    let mut msgs = copy_messages(state, &mut tx, &source, &new, Some(&msg.id)).await?;
    msgs.push(
        desk::record_event(
            state,
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
        state,
        &mut tx,
        &source,
        messages::kind::ACTIVITY,
        Some(user),
        &format!("{by} split message {} off into #{}", msg.seq, new.number),
        serde_json::json!({"event": "split_into", "into": new.id, "number": new.number, "seq": msg.seq, "by": by}),
    )
    .await?;
    if msg.author_kind == messages::author::CONTACT {
        super::sla::on_customer_message(state, &mut tx, &new, msg.created_at).await?;
    }
    tx.commit().await?;
    desk::publish_all(state, &new, &msgs).await;
    desk::publish_all(state, &source, &[note]).await;
    state.routing_wake.notify_one();
    conversations::get(&state.db, &new.id)
        .await?
        .ok_or(Error::NotFound)
}
