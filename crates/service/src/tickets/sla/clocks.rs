//! The clocks: started, stopped and moved by what happens in a conversation, in its transaction.

use super::*;
use kefu_core::conversation::Status;

/// When the chores next need to look at `c`: a reminder not yet sent, else a breach not yet
/// recorded, of any running target.
pub(crate) fn next_check(c: &Clock, p: Option<&Policy>, bt: &BusinessTime) -> Option<i64> {
    let lead = p.map_or(0, |p| p.remind_before_minutes);
    c.running()
        .into_iter()
        .filter_map(|(metric, due)| {
            if lead > 0 && !c.done("remind", metric, due) && !c.done("breach", metric, due) {
                // The moment `lead` working minutes before the due time.
                let start = reminder_at(bt, due, lead);
                Some(start)
            } else if !c.done("breach", metric, due) {
                Some(due)
            } else {
                None
            }
        })
        .min()
}

/// The latest moment from which `lead` working minutes reach `due` (searched back day by day).
pub(crate) fn reminder_at(bt: &BusinessTime, due: i64, lead: i64) -> i64 {
    // Working time is at most the wall-clock time, so the answer lies in [due - span, due].
    let mut lo = due - lead * MINUTE;
    let mut step = lead * MINUTE;
    while bt.minutes_between(lo, due) < lead && step < 400 * kefu_core::time::DAY {
        step *= 2;
        lo = due - step;
    }
    let mut hi = due;
    // Binary search to the minute.
    while hi - lo > MINUTE {
        let mid = lo + (hi - lo) / 2;
        if bt.minutes_between(mid, due) >= lead {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

pub(crate) async fn store_clock(state: &Service, tx: &mut Tx, mut c: Clock) -> Result<()> {
    let cfg = config_via(state, &mut *tx).await?;
    let p = cfg.policy(&c.policy_id);
    let bt = p.map(|p| cfg.time(p)).unwrap_or_else(BusinessTime::always);
    c.next_check = next_check(&c, p, &bt);
    store::put(tx, &c).await?;
    state.routing_wake.notify_one();
    Ok(())
}

/// Records a target met late (if the chores have not already), inside the reply's transaction.
pub(crate) async fn late(
    tx: &mut Tx,
    conv: &Conversation,
    c: &Clock,
    metric: &str,
    due: i64,
    at: i64,
) -> Result<()> {
    if at > due {
        store::record_breach(
            &mut *tx,
            &Breach {
                id: String::new(),
                conversation_id: conv.id.clone(),
                policy_id: c.policy_id.clone(),
                metric: metric.into(),
                due_at: due,
                breached_at: due,
                inbox_id: conv.inbox_id.clone(),
                assignee_id: conv.assignee_id.clone(),
                team_id: conv.team_id.clone(),
            },
        )
        .await?;
    }
    Ok(())
}

/// The customer wrote: start the clock (first response and resolution from the conversation's
/// creation) or the next-response target.
pub async fn on_customer_message(
    state: &Service,
    tx: &mut Tx,
    conv: &Conversation,
    at: i64,
) -> Result<()> {
    let cfg = config_via(state, &mut *tx).await?;
    // No policies: nothing to count (and no query on the chat's hot path).
    if cfg.config.policies.is_empty() {
        return Ok(());
    }
    let c = match store::get(&mut *tx, &conv.id).await? {
        None => {
            let Some(p) = cfg.pick(conv) else {
                return Ok(());
            };
            Clock {
                conversation_id: conv.id.clone(),
                policy_id: p.id.clone(),
                first_response_due: cfg.due(p, FIRST_RESPONSE, conv.created_at),
                resolution_due: cfg.due(p, RESOLUTION, conv.created_at),
                ..Default::default()
            }
        }
        Some(mut c) => {
            let Some(p) = cfg.policy(&c.policy_id) else {
                return Ok(());
            };
            if c.resolved_at.take().is_some() {
                // Reopened: the resolution target runs again, from now.
                c.resolution_due = cfg.due(p, RESOLUTION, at);
            }
            if c.first_response_at.is_some() && c.next_response_due.is_none() {
                c.next_response_from = Some(at);
                c.next_response_due = cfg.due(p, NEXT_RESPONSE, at);
            }
            c
        }
    };
    store_clock(state, tx, c).await
}

/// An agent answered the customer: the first response is met, the next-response target stops.
pub async fn on_agent_reply(
    state: &Service,
    tx: &mut Tx,
    conv: &Conversation,
    at: i64,
) -> Result<()> {
    if config_via(state, &mut *tx)
        .await?
        .config
        .policies
        .is_empty()
    {
        return Ok(());
    }
    let Some(mut c) = store::get(&mut *tx, &conv.id).await? else {
        return Ok(());
    };
    if c.first_response_at.is_none() {
        c.first_response_at = Some(at);
        if let Some(due) = c.first_response_due {
            late(tx, conv, &c, FIRST_RESPONSE, due, at).await?;
        }
    }
    if let Some(due) = c.next_response_due.take() {
        late(tx, conv, &c, NEXT_RESPONSE, due, at).await?;
        c.next_response_from = None;
    }
    store_clock(state, tx, c).await
}

/// The conversation was resolved (or reopened by an agent).
pub async fn on_status(
    state: &Service,
    tx: &mut Tx,
    conv: &Conversation,
    status: Status,
    at: i64,
) -> Result<()> {
    let Some(mut c) = store::get(&mut *tx, &conv.id).await? else {
        return Ok(());
    };
    if status == Status::Resolved {
        if c.resolved_at.is_none() {
            c.resolved_at = Some(at);
            if let Some(due) = c.resolution_due {
                late(tx, conv, &c, RESOLUTION, due, at).await?;
            }
        }
        c.next_response_due = None;
        c.next_response_from = None;
    } else if c.resolved_at.is_some() {
        let cfg = config_via(state, &mut *tx).await?;
        c.resolved_at = None;
        if let Some(p) = cfg.policy(&c.policy_id) {
            c.resolution_due = cfg.due(p, RESOLUTION, at);
        }
    }
    store_clock(state, tx, c).await
}

/// The type, priority or inbox changed: another policy may apply; targets not yet met are
/// counted again under it from when they started.
pub async fn on_reclassify(state: &Service, tx: &mut Tx, conv: &Conversation) -> Result<()> {
    let Some(mut c) = store::get(&mut *tx, &conv.id).await? else {
        return Ok(());
    };
    let cfg = config_via(state, &mut *tx).await?;
    let Some(p) = cfg.pick(conv) else {
        return Ok(());
    };
    if p.id == c.policy_id {
        return Ok(());
    }
    c.policy_id = p.id.clone();
    if c.first_response_at.is_none() {
        c.first_response_due = cfg.due(p, FIRST_RESPONSE, conv.created_at);
    }
    if let Some(from) = c.next_response_from {
        c.next_response_due = cfg.due(p, NEXT_RESPONSE, from);
    }
    if c.resolved_at.is_none() {
        c.resolution_due = cfg.due(p, RESOLUTION, conv.created_at);
    }
    store_clock(state, tx, c).await
}

pub(crate) fn metric_words(metric: &str) -> &'static str {
    match metric {
        FIRST_RESPONSE => "first response",
        NEXT_RESPONSE => "next response",
        _ => "resolution",
    }
}
