//! What agents do to a conversation: assign, status, stage, priority, tags, snooze, fields, recorded as events.

use kefu_core::ErrorCode;
use kefu_core::conversation::Status;
use kefu_core::kinds::MessageKind;
use kefu_core::kinds::{Priority, Stage};

use kefu_core::time::now_ms;
use kefu_store::conversations::{self, Changes, Conversation};
use kefu_store::messages::{self};
use kefu_store::people::{self, Person};
use kefu_store::teams;
use serde::{Deserialize, Deserializer};

use super::*;
use crate::Service;
use crate::chat::{self, Actor};
use crate::{Error, Result};

pub(super) fn some<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// What an agent changes in a conversation; absent fields stay as they are, `null` clears.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConversationPatch {
    /// `open`, `pending`, `snoozed` (with `snoozed_until`) or `resolved`.
    pub status: Option<String>,
    /// Until when (ms since the epoch) a snoozed conversation sleeps.
    pub snoozed_until: Option<i64>,
    /// `pre_sale` (售前), `in_sale` (售中) or `after_sale` (售后).
    pub stage: Option<String>,
    /// `low`, `normal`, `high` or `urgent`.
    pub priority: Option<String>,
    /// An agent's id, or `null` to put the conversation back in the queue.
    #[serde(default, deserialize_with = "some")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub assignee_id: Option<Option<String>>,
    /// A team's id (a transfer), or `null`.
    #[serde(default, deserialize_with = "some")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub team_id: Option<Option<String>>,
    /// The whole tag list.
    pub tags: Option<Vec<String>>,
    /// `question`, `incident`, `complaint`, `claim` or `suggestion`.
    pub ticket_type: Option<String>,
    /// Values of admin-defined fields by key; `null` clears one, absent keys stay.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub fields: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ConversationPatch {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.snoozed_until.is_none()
            && self.stage.is_none()
            && self.priority.is_none()
            && self.assignee_id.is_none()
            && self.team_id.is_none()
            && self.tags.is_none()
            && self.ticket_type.is_none()
            && self.fields.is_none()
    }
}

/// Applies an agent's changes; each change is recorded in the conversation.
pub async fn apply(
    state: &Service,
    user: &Person,
    conversation_id: &str,
    p: &ConversationPatch,
) -> Result<Conversation> {
    if !user.role().is_staff() {
        return Err(Error::Forbidden);
    }
    let actor = Actor::Person(user.clone());
    let conv = chat::visible(state, &actor, conversation_id).await?;
    let now = now_ms();
    let mut ch = Changes::default();
    // (kind, body, meta)
    let mut events: Vec<(MessageKind, String, serde_json::Value)> = vec![];
    let by = user.display_name().to_string();

    if let Some(team) = &p.team_id {
        if let Some(t) = team {
            let team = teams::get_team(&state.db, t)
                .await?
                .ok_or_else(|| Error::invalid(ErrorCode::InvalidTeam, "no such team"))?;
            events.push((
                messages::kind::ACTIVITY,
                format!("{by} transferred the conversation to team {}", team.name),
                serde_json::json!({"event": "team", "team": team.id, "name": team.name, "by": by}),
            ));
            // Unless the same request names the agent, the team's queue takes it.
            let keeps = match (&p.assignee_id, &conv.assignee_id) {
                (Some(_), _) => true,
                (None, Some(a)) => teams::teams_of(&state.db, a)
                    .await?
                    .iter()
                    .any(|x| x.id == team.id),
                (None, None) => true,
            };
            if !keeps {
                ch.assignee_id = Some(None);
                ch.waiting_since = Some(Some(now));
            }
        } else {
            events.push((
                messages::kind::ACTIVITY,
                format!("{by} removed the team"),
                serde_json::json!({"event": "team", "team": null, "by": by}),
            ));
        }
        ch.team_id = Some(team.clone());
    }
    if let Some(assignee) = &p.assignee_id {
        match assignee {
            Some(a) => {
                let agent = people::get(&state.db, a)
                    .await?
                    .filter(|u| u.active && u.role().is_staff())
                    .ok_or_else(|| Error::invalid(ErrorCode::InvalidAssignee, "no such agent"))?;
                if !agent.role().sees_all_inboxes()
                    && !teams::is_member_of_inbox(&state.db, &agent.id, &conv.inbox_id).await?
                {
                    return Err(Error::invalid(
                        ErrorCode::InvalidAssignee,
                        "this agent does not work this inbox",
                    ));
                }
                events.push((
                    messages::kind::EVENT,
                    format!("{} joined the conversation", agent.display_name()),
                    serde_json::json!({"event": "assigned", "to": agent.id, "name": agent.display_name(), "by": by}),
                ));
                ch.waiting_since = Some(None);
            }
            None => {
                events.push((
                    messages::kind::ACTIVITY,
                    format!("{by} put the conversation back in the queue"),
                    serde_json::json!({"event": "unassigned", "by": by}),
                ));
                if conv.status == Status::Open {
                    ch.waiting_since = Some(Some(conv.waiting_since.unwrap_or(now)));
                }
            }
        }
        ch.assignee_id = Some(assignee.clone());
    }
    if let Some(status) = &p.status {
        let status = Status::parse(status).ok_or_else(|| {
            Error::invalid(
                ErrorCode::InvalidStatus,
                "status is open, pending, snoozed or resolved",
            )
        })?;
        let mut meta = serde_json::json!({"event": "status", "status": status, "by": by});
        if status == Status::Snoozed {
            let until = p.snoozed_until.filter(|u| *u > now).ok_or_else(|| {
                Error::invalid(
                    ErrorCode::InvalidSnooze,
                    "snoozed_until must be a time in the future",
                )
            })?;
            ch.snoozed_until = Some(Some(until));
            meta["until"] = until.into();
        } else {
            ch.snoozed_until = Some(None);
        }
        if status == Status::Resolved {
            ch.waiting_since = Some(None);
        }
        let visible_to_customer = matches!(status, Status::Resolved | Status::Open);
        events.push((
            if visible_to_customer {
                messages::kind::EVENT
            } else {
                messages::kind::ACTIVITY
            },
            format!("{by} set the status to {status}"),
            meta,
        ));
        ch.status = Some(status);
    } else if p.snoozed_until.is_some() {
        return Err(Error::invalid(
            ErrorCode::InvalidSnooze,
            "snoozed_until goes with status snoozed",
        ));
    }
    if let Some(stage) = &p.stage {
        let stage = Stage::parse(stage).ok_or_else(|| {
            Error::invalid(
                ErrorCode::InvalidStage,
                "stage is pre_sale, in_sale or after_sale",
            )
        })?;
        events.push((
            messages::kind::ACTIVITY,
            format!("{by} set the stage to {stage}"),
            serde_json::json!({"event": "stage", "stage": stage, "by": by}),
        ));
        ch.stage = Some(stage);
    }
    if let Some(priority) = &p.priority {
        let priority = Priority::parse(priority).ok_or_else(|| {
            Error::invalid(
                ErrorCode::InvalidPriority,
                "priority is low, normal, high or urgent",
            )
        })?;
        events.push((
            messages::kind::ACTIVITY,
            format!("{by} set the priority to {priority}"),
            serde_json::json!({"event": "priority", "priority": priority, "by": by}),
        ));
        ch.priority = Some(priority);
    }
    if let Some(tags) = &p.tags {
        if tags.len() > 20 || tags.iter().any(|t| t.chars().count() > 40) {
            return Err(Error::invalid(
                ErrorCode::InvalidTags,
                "at most 20 tags of at most 40 characters",
            ));
        }
        let joined = conversations::join_tags(tags.iter().map(String::as_str));
        events.push((
            messages::kind::ACTIVITY,
            format!("{by} set the tags to {}", joined.replace(',', ", ")),
            serde_json::json!({"event": "tags", "tags": conversations::split_tags(&joined).collect::<Vec<_>>(), "by": by}),
        ));
        ch.tags = Some(joined);
    }
    if let Some(t) = &p.ticket_type {
        if !conversations::TYPES.contains(&t.as_str()) {
            return Err(Error::invalid(
                ErrorCode::InvalidType,
                "type is question, incident, complaint, claim or suggestion",
            ));
        }
        events.push((
            messages::kind::ACTIVITY,
            format!("{by} set the type to {t}"),
            serde_json::json!({"event": "type", "type": t, "by": by}),
        ));
        ch.ticket_type = Some(t.clone());
    }
    if let Some(values) = &p.fields {
        let defs = crate::tickets::field_defs(state).await?;
        let merged = crate::tickets::merge_fields(&defs, &conv.fields, values)?;
        let names: Vec<String> = values.keys().cloned().collect();
        events.push((
            messages::kind::ACTIVITY,
            format!("{by} changed {}", names.join(", ")),
            serde_json::json!({"event": "fields", "fields": values, "by": by}),
        ));
        ch.fields = Some(merged);
    }
    if ch.status == Some(Status::Resolved) {
        let defs = crate::tickets::field_defs(state).await?;
        let fields = ch.fields.as_deref().unwrap_or(&conv.fields);
        crate::tickets::check_required(&defs, fields)?;
    }

    let mut tx = state.db.begin().await?;
    let updated = conversations::update(&mut tx, &conv, &ch).await?;
    let mut msgs = vec![];
    for (kind, body, meta) in events {
        msgs.push(record_event(state, &mut tx, &updated, kind, Some(user), &body, meta).await?);
    }
    if let Some(status) = ch.status {
        crate::tickets::sla::on_status(state, &mut tx, &updated, status, now).await?;
    }
    if ch.ticket_type.is_some() || ch.priority.is_some() {
        crate::tickets::sla::on_reclassify(state, &mut tx, &updated).await?;
    }
    tx.commit().await?;
    publish_all(state, &updated, &msgs).await;
    state.routing_wake.notify_one();
    conversations::get(&state.db, &updated.id)
        .await?
        .ok_or(Error::NotFound)
}
