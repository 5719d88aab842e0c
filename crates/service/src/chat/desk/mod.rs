//! What agents do to conversations (assign, transfer, status, stage, priority, tags, snooze),
//! each recorded as a message of kind `event` (the customer sees it) or `activity` (staff
//! only); routing (auto-assignment round-robin within capacity, and the queue); inbox settings
//! (business hours, pre-chat form); and the chores every instance runs (waking snoozed
//! conversations, draining queues, keeping its agents' presence fresh, telling visitors their
//! place in the queue).

mod actions;
mod inbox;
mod mail;
mod routing;

pub use actions::*;
pub use inbox::*;
pub use mail::*;
pub use routing::*;

use kefu_core::kinds::MessageKind;
use std::collections::HashSet;

use kefu_core::protocol::ServerFrame;
use kefu_store::conversations::Conversation;
use kefu_store::messages::{self, Message, NewMessage};
use kefu_store::people::{self, Person};
use kefu_store::{Tx, notifications};

use crate::Result;
use crate::Service;
use crate::chat::{self, Actor, bus};

// ---- Events ----------------------------------------------------------------------------------
/// Appends an event or activity message inside `tx` and announces it to other instances when
/// `tx` commits. Publish the result locally after the commit.
pub async fn record_event(
    state: &Service,
    tx: &mut Tx,
    conv: &Conversation,
    kind: MessageKind,
    by: Option<&Person>,
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
    agent: &Person,
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

// ---- Mentions --------------------------------------------------------------------------------
/// Staff named in a note with `@name` (name without spaces, or the e-mail's local part) who
/// may see the conversation.
pub async fn mentioned(state: &Service, conv: &Conversation, body: &str) -> Result<Vec<Person>> {
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
pub async fn notify_mentions(state: &Service, conv: &Conversation, author: &Person, body: &str) {
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

    #[test]
    fn inbox_hours_follow_a_named_zone_and_close_on_holidays() {
        let s = InboxSettings {
            hours: vec![Span {
                days: vec![0, 1, 2, 3, 4],
                from: "09:00".into(),
                to: "18:00".into(),
            }],
            time_zone: "Europe/Berlin".into(),
            holidays: vec!["2026-11-24".into()],
            ..Default::default()
        };
        s.check().unwrap();
        // Monday 2026-11-23 09:00 in Berlin (winter, UTC+1) is 08:00 UTC.
        let monday_0800_utc = 1_795_420_800_000;
        assert!(s.in_hours(monday_0800_utc));
        assert!(!s.in_hours(monday_0800_utc - 60_000), "08:59 in Berlin");
        assert!(
            !s.in_hours(monday_0800_utc + 86_400_000),
            "Tuesday is a holiday"
        );
        assert!(s.in_hours(monday_0800_utc + 2 * 86_400_000), "Wednesday");
        let bad_zone = InboxSettings {
            time_zone: "Mars/Olympus".into(),
            ..Default::default()
        };
        assert_eq!(
            bad_zone.check().unwrap_err().code(),
            kefu_core::ErrorCode::InvalidCalendar
        );
    }
}
