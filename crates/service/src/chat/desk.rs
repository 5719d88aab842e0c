//! What agents do to conversations (assign, transfer, status, stage, priority, tags, snooze),
//! each recorded as a message of kind `event` (the customer sees it) or `activity` (staff
//! only); routing (auto-assignment round-robin within capacity, and the queue); inbox settings
//! (business hours, pre-chat form); and the chores every instance runs (waking snoozed
//! conversations, draining queues, keeping its agents' presence fresh, telling visitors their
//! place in the queue).

use kefu_core::ErrorCode;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use kefu_core::protocol::ServerFrame;
use kefu_core::time::now_ms;
use kefu_store::conversations::{self, Changes, Conversation};
use kefu_store::messages::{self, Message, NewMessage};
use kefu_store::people::{self, User};
use kefu_store::{Tx, notifications, presence, teams};
use serde::{Deserialize, Deserializer, Serialize};
use tokio::sync::watch;

use crate::Service;
use crate::chat::{self, Actor, bus};
use crate::{Error, Result};

// ---- Inbox settings --------------------------------------------------------------------------

/// How a widget inbox behaves. Stored as JSON on the inbox; unknown or missing fields take
/// their defaults, so older rows keep working.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct InboxSettings {
    /// Assign new chats to online agents automatically (round-robin within capacity).
    pub auto_assign: bool,
    /// Opening hours; empty means always open.
    pub hours: Vec<Span>,
    /// The shop's offset from UTC in minutes (480 for China Standard Time).
    pub utc_offset_minutes: i32,
    /// Ask for name and e-mail before the chat: `off`, `optional` or `required`.
    pub prechat: String,
    /// Shown when the chat opens (empty: the built-in greeting).
    pub greeting: String,
    /// Shown above the offline form (empty: the built-in text).
    pub offline_message: String,
}

impl Default for InboxSettings {
    fn default() -> Self {
        InboxSettings {
            auto_assign: true,
            hours: vec![],
            utc_offset_minutes: 480,
            prechat: "off".into(),
            greeting: String::new(),
            offline_message: String::new(),
        }
    }
}

/// Open on `days` (0 = Monday … 6 = Sunday) from `from` to `to` (`HH:MM`, local time).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Span {
    pub days: Vec<u8>,
    pub from: String,
    pub to: String,
}

fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
}

impl InboxSettings {
    pub async fn load(state: &Service, inbox_id: &str) -> Result<InboxSettings> {
        let json = teams::inbox_settings(&state.db, inbox_id).await?;
        Ok(serde_json::from_str(&json).unwrap_or_default())
    }

    pub fn check(&self) -> Result<()> {
        if !["off", "optional", "required"].contains(&self.prechat.as_str()) {
            return Err(Error::invalid(
                ErrorCode::InvalidPrechat,
                "prechat is off, optional or required",
            ));
        }
        if self.utc_offset_minutes.abs() > 14 * 60 {
            return Err(Error::invalid(
                ErrorCode::InvalidOffset,
                "utc_offset_minutes is between -840 and 840",
            ));
        }
        if self.hours.len() > 28 || self.greeting.chars().count() > 500 {
            return Err(Error::invalid(
                ErrorCode::InvalidSettings,
                "too many hours or too long a text",
            ));
        }
        if self.offline_message.chars().count() > 500 {
            return Err(Error::invalid(
                ErrorCode::InvalidSettings,
                "the offline text is too long",
            ));
        }
        for s in &self.hours {
            match (minutes(&s.from), minutes(&s.to)) {
                (Some(a), Some(b)) if a < b && s.days.iter().all(|d| *d < 7) => {}
                _ => {
                    return Err(Error::invalid(
                        ErrorCode::InvalidHours,
                        "each span needs days 0-6 and from < to as HH:MM",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether `at` (ms since the epoch) falls within business hours.
    pub fn in_hours(&self, at: i64) -> bool {
        if self.hours.is_empty() {
            return true;
        }
        let local = at / 60_000 + i64::from(self.utc_offset_minutes);
        let minute = local.rem_euclid(1440) as u32;
        // 1970-01-01 was a Thursday (3 when Monday is 0).
        let day = ((local.div_euclid(1440) + 3).rem_euclid(7)) as u8;
        self.hours.iter().any(|s| {
            s.days.contains(&day)
                && minutes(&s.from).is_some_and(|a| a <= minute)
                && minutes(&s.to).is_some_and(|b| minute < b)
        })
    }
}

/// The widget inbox `id`; `NotFound` for anything else.
pub async fn widget_inbox(state: &Service, id: &str) -> Result<teams::Inbox> {
    teams::get_inbox(&state.db, id)
        .await?
        .filter(|i| i.channel == "widget")
        .ok_or(Error::NotFound)
}

/// Whether the widget offers a live chat now (in hours, an agent online) or the offline form.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Availability {
    pub in_hours: bool,
    pub agents_online: i64,
    /// `in_hours` and somebody online.
    pub open: bool,
}

pub async fn availability(state: &Service, inbox_id: &str) -> Result<Availability> {
    let settings = InboxSettings::load(state, inbox_id).await?;
    let in_hours = settings.in_hours(now_ms());
    let agents_online = presence::online_in_inbox(&state.db, inbox_id, "").await?;
    Ok(Availability {
        in_hours,
        agents_online,
        open: in_hours && agents_online > 0,
    })
}

// ---- Events ----------------------------------------------------------------------------------

/// Appends an event or activity message inside `tx` and announces it to other instances when
/// `tx` commits. Publish the result locally after the commit.
pub async fn record_event(
    state: &Service,
    tx: &mut Tx,
    conv: &Conversation,
    kind: &str,
    by: Option<&User>,
    body: &str,
    meta: serde_json::Value,
) -> Result<Message> {
    let (m, _) = messages::append(
        tx,
        &NewMessage {
            conversation_id: &conv.id,
            kind,
            author_kind: if by.is_some() {
                messages::author::AGENT
            } else {
                messages::author::SYSTEM
            },
            author_id: by.map(|u| u.id.as_str()),
            body,
            meta: &meta.to_string(),
            ..Default::default()
        },
    )
    .await?;
    bus::announce_in(state, tx, conv, m.seq, m.is_internal()).await?;
    Ok(m)
}

/// Publishes committed messages to this instance's connections.
pub async fn publish_all(state: &Service, conv: &Conversation, msgs: &[Message]) {
    if let Ok(frames) = chat::frames_for(state, msgs).await {
        for (m, f) in msgs.iter().zip(frames) {
            if let ServerFrame::Message { author, .. } = f {
                chat::publish_message(state, conv, m, &author);
            }
        }
    }
}

/// Records that `agent` took the conversation (the customer sees who serves them).
pub async fn record_joined(
    state: &Service,
    tx: &mut Tx,
    conv: &Conversation,
    agent: &User,
) -> Result<Message> {
    record_event(
        state,
        tx,
        conv,
        messages::kind::EVENT,
        None,
        &format!("{} joined the conversation", agent.display_name()),
        serde_json::json!({"event": "assigned", "to": agent.id, "name": agent.display_name()}),
    )
    .await
}

// ---- Agent actions ---------------------------------------------------------------------------

fn some<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
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
    user: &User,
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
    let mut events: Vec<(&str, String, serde_json::Value)> = vec![];
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
                if conv.status == "open" {
                    ch.waiting_since = Some(Some(conv.waiting_since.unwrap_or(now)));
                }
            }
        }
        ch.assignee_id = Some(assignee.clone());
    }
    if let Some(status) = &p.status {
        if !conversations::STATUSES.contains(&status.as_str()) {
            return Err(Error::invalid(
                ErrorCode::InvalidStatus,
                "status is open, pending, snoozed or resolved",
            ));
        }
        let mut meta = serde_json::json!({"event": "status", "status": status, "by": by});
        if status == "snoozed" {
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
        if status == "resolved" {
            ch.waiting_since = Some(None);
        }
        let visible_to_customer = matches!(status.as_str(), "resolved" | "open");
        events.push((
            if visible_to_customer {
                messages::kind::EVENT
            } else {
                messages::kind::ACTIVITY
            },
            format!("{by} set the status to {status}"),
            meta,
        ));
        ch.status = Some(status.clone());
    } else if p.snoozed_until.is_some() {
        return Err(Error::invalid(
            ErrorCode::InvalidSnooze,
            "snoozed_until goes with status snoozed",
        ));
    }
    if let Some(stage) = &p.stage {
        if !conversations::STAGES.contains(&stage.as_str()) {
            return Err(Error::invalid(
                ErrorCode::InvalidStage,
                "stage is pre_sale, in_sale or after_sale",
            ));
        }
        events.push((
            messages::kind::ACTIVITY,
            format!("{by} set the stage to {stage}"),
            serde_json::json!({"event": "stage", "stage": stage, "by": by}),
        ));
        ch.stage = Some(stage.clone());
    }
    if let Some(priority) = &p.priority {
        if !conversations::PRIORITIES.contains(&priority.as_str()) {
            return Err(Error::invalid(
                ErrorCode::InvalidPriority,
                "priority is low, normal, high or urgent",
            ));
        }
        events.push((
            messages::kind::ACTIVITY,
            format!("{by} set the priority to {priority}"),
            serde_json::json!({"event": "priority", "priority": priority, "by": by}),
        ));
        ch.priority = Some(priority.clone());
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
    if ch.status.as_deref() == Some("resolved") {
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
    if let Some(status) = &ch.status {
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

// ---- Mentions --------------------------------------------------------------------------------

/// Staff named in a note with `@name` (name without spaces, or the e-mail's local part) who
/// may see the conversation.
pub async fn mentioned(state: &Service, conv: &Conversation, body: &str) -> Result<Vec<User>> {
    let handles: HashSet<String> = body
        .split(|c: char| c.is_whitespace())
        .filter_map(|w| w.strip_prefix('@'))
        .map(|h| {
            h.trim_end_matches(|c: char| c.is_ascii_punctuation() || "，。！？：；".contains(c))
                .to_lowercase()
        })
        .filter(|h| !h.is_empty())
        .collect();
    if handles.is_empty() {
        return Ok(vec![]);
    }
    let mut out = vec![];
    for u in people::list_staff(&state.db).await? {
        let name: String = u.name.split_whitespace().collect::<String>().to_lowercase();
        let local = u.email.split('@').next().unwrap_or_default().to_lowercase();
        let named = (!name.is_empty() && handles.contains(&name))
            || (!local.is_empty() && handles.contains(&local));
        if named
            && u.active
            && chat::visible(state, &Actor::Person(u.clone()), &conv.id)
                .await
                .is_ok()
        {
            out.push(u);
        }
    }
    Ok(out)
}

/// Notifies everyone a note mentions (stored, and live on every instance).
pub async fn notify_mentions(state: &Service, conv: &Conversation, author: &User, body: &str) {
    let Ok(people) = mentioned(state, conv, body).await else {
        return;
    };
    for u in people.into_iter().filter(|u| u.id != author.id) {
        let text = format!(
            "{}: {}",
            author.display_name(),
            body.chars().take(200).collect::<String>()
        );
        match notifications::add(&state.db, &u.id, "mention", &conv.id, &text).await {
            Ok(n) => {
                let f = ServerFrame::Notification {
                    id: n.id,
                    kind: n.kind,
                    conversation: n.conversation_id,
                    body: n.body,
                };
                bus::announce_staff(state, Some(&u.id), &f.to_json()).await;
                state.hub.publish_staff(Some(&u.id), &f.to_json());
            }
            Err(e) => tracing::warn!(error = %e, "could not store a mention"),
        }
    }
}

// ---- Mail to customers ----------------------------------------------------------------------

/// The customer's language (Chinese unless they chose), the shop's name, and how to greet them.
pub async fn mail_context(
    state: &Service,
    contact: &str,
) -> Result<(crate::i18n::Lang, String, String)> {
    let customer = people::get(&state.db, contact).await?;
    let shop = kefu_store::settings::get(&state.db, kefu_store::settings::SHOP_NAME).await?;
    Ok(mail_context_of(customer, shop))
}

/// [`mail_context`] read through a transaction, so it never waits for a second connection.
pub async fn mail_context_in(
    tx: &mut Tx,
    contact: &str,
) -> Result<(crate::i18n::Lang, String, String)> {
    let customer = people::get(&mut *tx, contact).await?;
    let shop = kefu_store::settings::get(&mut *tx, kefu_store::settings::SHOP_NAME).await?;
    Ok(mail_context_of(customer, shop))
}

fn mail_context_of(
    customer: Option<User>,
    shop: Option<String>,
) -> (crate::i18n::Lang, String, String) {
    let lang = customer
        .as_ref()
        .and_then(|c| crate::i18n::Lang::parse(&c.language))
        .unwrap_or(crate::i18n::Lang::ZhCn);
    let shop = shop.unwrap_or_else(|| "Kefu".into());
    let name = customer
        .map(|c| c.name)
        .filter(|n| !n.is_empty())
        .unwrap_or_default();
    (lang, shop, name)
}

/// Turns a queued chat reply into the mail to send, or `None` when the customer has read it in
/// the chat meanwhile (then the row is marked skipped).
pub async fn prepare_chat_reply(
    state: &Service,
    mail: &kefu_store::outbox::OutboxMail,
) -> Result<Option<kefu_store::outbox::OutboxMail>> {
    let Some(conv_id) = &mail.conversation_id else {
        return Ok(Some(mail.clone()));
    };
    let Some(conv) = conversations::get(&state.db, conv_id).await? else {
        kefu_store::outbox::mark_skipped(&state.db, &mail.id).await?;
        return Ok(None);
    };
    let contact = conv.customer_id.clone().unwrap_or_default();
    if messages::read_seq(&state.db, &conv.id, &contact).await? >= mail.seq {
        kefu_store::outbox::mark_skipped(&state.db, &mail.id).await?;
        return Ok(None);
    }
    let (lang, shop, name) = mail_context(state, &contact).await?;
    let (_, body) = crate::accounts::mail_text(
        state,
        lang,
        "chat-reply",
        &[
            ("shop", shop),
            ("name", name),
            ("messages", mail.body_text.clone()),
        ],
    );
    Ok(Some(kefu_store::outbox::OutboxMail {
        body_text: body,
        ..mail.clone()
    }))
}

/// Mails the visible part of a conversation to `to` (the visitor asked for it).
pub async fn mail_transcript(state: &Service, conv: &Conversation, to: &str) -> Result<()> {
    let contact = conv.customer_id.clone().unwrap_or_default();
    let (lang, shop, _) = mail_context(state, &contact).await?;
    let msgs = messages::last(&state.db, &conv.id, 1000, false).await?;
    let frames = chat::frames_for(state, &msgs).await?;
    let mut lines = vec![];
    for (m, f) in msgs.iter().zip(frames) {
        let who = match (&f, m.author_kind.as_str()) {
            (_, messages::author::CONTACT) => if lang == crate::i18n::Lang::ZhCn {
                "我"
            } else {
                "Me"
            }
            .to_string(),
            (ServerFrame::Message { author, .. }, messages::author::AGENT) => author.name.clone(),
            _ => "—".to_string(),
        };
        let when = kefu_core::time::format_utc(m.created_at);
        let body = if m.kind == messages::kind::ATTACHMENT {
            format!("[{}]", m.body)
        } else {
            m.body.clone()
        };
        lines.push(format!("[{when} UTC] {who}: {body}"));
    }
    let (subject, body) = crate::accounts::mail_text(
        state,
        lang,
        "transcript",
        &[("shop", shop), ("messages", lines.join("\n"))],
    );
    kefu_store::outbox::enqueue(&state.db, "transcript", to, &subject, &body).await?;
    state.outbox_wake.notify_one();
    Ok(())
}

// ---- Routing ---------------------------------------------------------------------------------

/// Gives a waiting conversation to the next online agent with room, if the inbox
/// auto-assigns and there is one. Returns the agent.
pub async fn route(state: &Service, conv: &Conversation) -> Result<Option<User>> {
    if conv.assignee_id.is_some() || conv.status != "open" {
        return Ok(None);
    }
    if !InboxSettings::load(state, &conv.inbox_id)
        .await?
        .auto_assign
    {
        return Ok(None);
    }
    let team = conv.team_id.clone().unwrap_or_default();
    let Some(agent_id) = presence::pick_agent(&state.db, &conv.inbox_id, &team).await? else {
        return Ok(None);
    };
    let Some(agent) = people::get(&state.db, &agent_id).await? else {
        return Ok(None);
    };
    let mut tx = state.db.begin().await?;
    if !conversations::claim(&mut tx, &conv.id, &agent.id).await? {
        return Ok(None); // Someone (another instance) took it meanwhile.
    }
    presence::mark_assigned(&mut tx, &agent.id).await?;
    let m = record_joined(state, &mut tx, conv, &agent).await?;
    tx.commit().await?;
    publish_all(state, conv, &[m]).await;
    Ok(Some(agent))
}

/// Assigns waiting conversations, oldest first, while agents have room.
pub async fn drain(state: &Service) -> Result<usize> {
    let mut assigned = 0;
    let mut full: HashSet<(String, String)> = HashSet::new();
    for c in conversations::waiting(&state.db, 200).await? {
        let key = (c.inbox_id.clone(), c.team_id.clone().unwrap_or_default());
        if full.contains(&key) {
            continue;
        }
        match route(state, &c).await? {
            Some(_) => assigned += 1,
            None => {
                full.insert(key);
            }
        }
    }
    Ok(assigned)
}

/// Tells locally connected visitors their place in the queue when it changed.
async fn tell_queue_positions(state: &Service, told: &mut HashMap<String, i64>) -> Result<()> {
    let waiting = conversations::waiting(&state.db, 500).await?;
    let mut now_waiting: HashMap<String, i64> = HashMap::new();
    let mut ahead: HashMap<String, i64> = HashMap::new();
    for c in &waiting {
        let n = ahead.entry(c.inbox_id.clone()).or_insert(0);
        *n += 1;
        now_waiting.insert(c.id.clone(), *n);
        if told.get(&c.id) != Some(n)
            && let Some(contact) = &c.customer_id
        {
            let f = ServerFrame::Queue {
                conversation: c.id.clone(),
                position: *n,
            };
            state
                .hub
                .publish_contact(contact, &c.inbox_id, &f.to_json());
        }
    }
    // Those no longer waiting hear position 0 once.
    for (id, _) in told.iter().filter(|(id, _)| !now_waiting.contains_key(*id)) {
        if let Ok(Some(c)) = conversations::get(&state.db, id).await
            && let Some(contact) = &c.customer_id
        {
            let f = ServerFrame::Queue {
                conversation: c.id.clone(),
                position: 0,
            };
            state
                .hub
                .publish_contact(contact, &c.inbox_id, &f.to_json());
        }
    }
    *told = now_waiting;
    Ok(())
}

/// Wakes snoozed conversations whose time came (once, even with several instances).
async fn wake_snoozed(state: &Service) -> Result<()> {
    let now = now_ms();
    for c in conversations::due_snoozes(&state.db, now).await? {
        let mut tx = state.db.begin().await?;
        let ch = Changes {
            status: Some("open".into()),
            snoozed_until: Some(None),
            waiting_since: Some(c.assignee_id.is_none().then_some(now)),
            ..Default::default()
        };
        if !conversations::wake(&mut tx, &c.id, c.snoozed_until.unwrap_or_default()).await? {
            continue;
        }
        let updated = conversations::update(&mut tx, &c, &ch).await?;
        let m = record_event(
            state,
            &mut tx,
            &updated,
            messages::kind::ACTIVITY,
            None,
            "The snooze ended",
            serde_json::json!({"event": "woke"}),
        )
        .await?;
        tx.commit().await?;
        publish_all(state, &updated, &[m]).await;
    }
    Ok(())
}

/// Runs the chores until shutdown: every two seconds, or at once when woken.
pub async fn run_chores(state: Service, mut shutdown: watch::Receiver<bool>) {
    let mut told = HashMap::new();
    let mut last_touch = 0i64;
    loop {
        let now = now_ms();
        if now - last_touch > 30_000 {
            last_touch = now;
            for u in state.hub.staff_online() {
                let _ = presence::touch(&state.db, &u).await;
            }
        }
        if let Err(e) = record_seen_visitors(&state).await {
            tracing::debug!(error = %e, "recording visitors' activity failed");
        }
        if let Err(e) = wake_snoozed(&state).await {
            tracing::warn!(error = %e, "waking snoozed conversations failed");
        }
        if let Err(e) = drain(&state).await {
            tracing::warn!(error = %e, "routing failed");
        }
        if let Err(e) = tell_queue_positions(&state, &mut told).await {
            tracing::debug!(error = %e, "queue positions failed");
        }
        if let Err(e) = crate::tickets::sla::check(&state).await {
            tracing::warn!(error = %e, "service-level checks failed");
        }
        // At most ten passes a second: under a stream of customer messages every one of them
        // wakes the chores, and back-to-back passes took the database's single writer from
        // the messages themselves (docs/benchmarks.md, L1). Routing within 100 ms is immediate
        // enough for a person waiting in a chat.
        tokio::select! {
            _ = tokio::time::sleep(MIN_PASS_INTERVAL) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
        tokio::select! {
            _ = state.routing_wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(2) - MIN_PASS_INTERVAL) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// Records the activity of the visitors whose sockets said hello since the last pass.
pub async fn record_seen_visitors(state: &Service) -> Result<()> {
    let ids: Vec<String> = std::mem::take(
        &mut *state
            .seen_visitors
            .lock()
            .unwrap_or_else(|e| e.into_inner()),
    )
    .into_iter()
    .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    kefu_store::visitors::touch_all(&mut tx, &ids).await?;
    tx.commit().await?;
    Ok(())
}

/// The shortest time between two passes of the chores.
const MIN_PASS_INTERVAL: Duration = Duration::from_millis(100);

/// An agent changed their presence: store it, tell all staff, route waiting chats.
pub async fn set_presence(state: &Service, user: &User, state_name: &str) -> Result<()> {
    if !presence::STATES.contains(&state_name) {
        return Err(Error::invalid(
            ErrorCode::InvalidPresence,
            "presence is online, away or offline",
        ));
    }
    presence::set(&state.db, &user.id, state_name).await?;
    let f = ServerFrame::Presence {
        user: user.id.clone(),
        name: user.display_name().to_string(),
        state: state_name.to_string(),
    };
    bus::announce_staff(state, None, &f.to_json()).await;
    state.hub.publish_staff(None, &f.to_json());
    state.routing_wake.notify_one();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_hours_in_the_shops_time_zone() {
        let s = InboxSettings {
            hours: vec![Span {
                days: vec![0, 1, 2, 3, 4],
                from: "09:00".into(),
                to: "18:00".into(),
            }],
            utc_offset_minutes: 480,
            ..Default::default()
        };
        s.check().unwrap();
        // 2026-11-23 is a Monday. 01:00 UTC = 09:00 in Beijing.
        let monday_0100_utc = 1_795_395_600_000;
        assert!(s.in_hours(monday_0100_utc));
        assert!(!s.in_hours(monday_0100_utc - 60_000), "08:59 local");
        assert!(!s.in_hours(monday_0100_utc + 9 * 3_600_000), "18:00 local");
        assert!(!s.in_hours(monday_0100_utc + 5 * 86_400_000), "Saturday");
        assert!(
            InboxSettings::default().in_hours(0),
            "no hours: always open"
        );
        let bad = InboxSettings {
            hours: vec![Span {
                days: vec![7],
                from: "18:00".into(),
                to: "09:00".into(),
            }],
            ..Default::default()
        };
        assert!(bad.check().is_err());
    }
}
