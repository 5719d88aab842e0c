//! Routing and the desk's chores: queue positions, snoozes that end, round-robin assignment, visitors' activity, presence.

use kefu_core::ErrorCode;
use kefu_core::conversation::Status;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

use kefu_core::protocol::ServerFrame;
use kefu_core::time::now_ms;
use kefu_store::conversations::{self, Changes, Conversation};
use kefu_store::messages::{self};
use kefu_store::people::{self, Person};
use kefu_store::presence;
use tokio::sync::watch;

use super::*;
use crate::Service;
use crate::chat::bus;
use crate::{Error, Result};

/// Gives a waiting conversation to the next online agent with room, if the inbox
/// auto-assigns and there is one. Returns the agent.
pub async fn route(state: &Service, conv: &Conversation) -> Result<Option<Person>> {
    if conv.assignee_id.is_some() || conv.status != Status::Open {
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
pub(super) async fn tell_queue_positions(
    state: &Service,
    told: &mut HashMap<String, i64>,
) -> Result<()> {
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
                .publish_customer(contact, &c.inbox_id, &f.to_json());
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
                .publish_customer(contact, &c.inbox_id, &f.to_json());
        }
    }
    *told = now_waiting;
    Ok(())
}

/// Wakes snoozed conversations whose time came (once, even with several instances).
pub(super) async fn wake_snoozed(state: &Service) -> Result<()> {
    let now = now_ms();
    for c in conversations::due_snoozes(&state.db, now).await? {
        let mut tx = state.db.begin().await?;
        let ch = Changes {
            status: Some(Status::Open),
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

/// Tells the visitors connected here when their widget's inbox opens or closes for live chat
/// (an agent came online or went away, a team changed, business hours began or ended). Looks
/// at most once a second: a burst of messages wakes the chores ten times a second.
pub(super) async fn tell_availability(
    state: &Service,
    told: &mut HashMap<String, bool>,
    last_look: &mut i64,
) -> Result<()> {
    let now = now_ms();
    if now - *last_look < 1_000 {
        return Ok(());
    }
    *last_look = now;
    let inboxes = state.hub.visited_inboxes();
    told.retain(|i, _| inboxes.contains(i));
    for inbox in inboxes {
        let a = availability(state, &inbox).await?;
        // Also on the first look at an inbox: it may have changed since its visitors connected.
        if told.insert(inbox.clone(), a.open) != Some(a.open) {
            state.hub.publish_visitors(&inbox, &a.frame().to_json());
        }
    }
    Ok(())
}

/// Runs the chores until shutdown: every two seconds, or at once when woken.
pub async fn run_chores(state: Service, mut shutdown: watch::Receiver<bool>) {
    let mut told = HashMap::new();
    let mut open = HashMap::new();
    let mut last_open_look = 0i64;
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
        if let Err(e) = tell_availability(&state, &mut open, &mut last_open_look).await {
            tracing::debug!(error = %e, "availability failed");
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
pub(super) const MIN_PASS_INTERVAL: Duration = Duration::from_millis(100);

/// An agent changed their presence: store it, tell all staff, route waiting chats.
pub async fn set_presence(state: &Service, user: &Person, state_name: &str) -> Result<()> {
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
