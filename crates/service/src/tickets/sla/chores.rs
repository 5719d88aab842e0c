//! The chores: reminders before a target passes, and breaches recorded when it does.

use super::*;

/// Sends the reminders and records the breaches that are due. Safe on several instances: each
/// clock's notes are updated only if unchanged since read.
pub async fn check(state: &Service) -> Result<usize> {
    let now = now_ms();
    let clocks = store::to_check(&state.db, now, 100).await?;
    if clocks.is_empty() {
        return Ok(0);
    }
    let cfg = config(state).await?;
    let mut done = 0;
    for mut c in clocks {
        let old = c.reminded.clone();
        let p = cfg.policy(&c.policy_id);
        if p.is_none() {
            // Its policy was removed: the clock stops; nothing is reminded or recorded.
            c.next_check = None;
            store::checked(&state.db, &c, &old).await?;
            continue;
        }
        let bt = p.map(|p| cfg.time(p)).unwrap_or_else(BusinessTime::always);
        let lead = p.map_or(0, |p| p.remind_before_minutes);
        let mut reminders = vec![];
        let mut breaches = vec![];
        for (metric, due) in c.running() {
            if due <= now {
                if !c.done("breach", metric, due) {
                    breaches.push((metric, due));
                }
            } else if lead > 0
                && !c.done("remind", metric, due)
                && reminder_at(&bt, due, lead) <= now
            {
                reminders.push((metric, due));
            }
        }
        for (m, d) in &breaches {
            c.mark("breach", m, *d);
        }
        for (m, d) in &reminders {
            c.mark("remind", m, *d);
        }
        c.next_check = next_check(&c, p, &bt);
        let Some(conv) = conversations::get(&state.db, &c.conversation_id).await? else {
            continue;
        };
        let mut tx = state.db.begin().await?;
        if !store::checked(&mut tx, &c, &old).await? {
            continue;
        }
        let mut events = vec![];
        let mut notes = vec![];
        for (metric, due) in &breaches {
            let b = Breach {
                id: String::new(),
                conversation_id: conv.id.clone(),
                policy_id: c.policy_id.clone(),
                metric: metric.to_string(),
                due_at: *due,
                breached_at: now,
                inbox_id: conv.inbox_id.clone(),
                assignee_id: conv.assignee_id.clone(),
                team_id: conv.team_id.clone(),
            };
            if store::record_breach(&mut tx, &b).await? {
                let text = format!(
                    "The {} target was missed (due {} UTC)",
                    metric_words(metric),
                    kefu_core::time::format_utc(*due)
                );
                events.push(
                    crate::chat::desk::record_event(
                        state,
                        &mut tx,
                        &conv,
                        messages::kind::ACTIVITY,
                        None,
                        &text,
                        serde_json::json!({"event": "sla_breach", "metric": metric, "due": due}),
                    )
                    .await?,
                );
                notes.push(format!("#{} {}: {text}", conv.number, conv.subject));
            }
        }
        for (metric, due) in &reminders {
            let mins = (due - now).div_euclid(MINUTE).max(1);
            notes.push(format!(
                "#{} {}: the {} target is due in {mins} min",
                conv.number,
                conv.subject,
                metric_words(metric)
            ));
        }
        // The assignee; else the members of the conversation's team.
        let recipients: Vec<String> = match (&conv.assignee_id, &conv.team_id) {
            (Some(a), _) => vec![a.clone()],
            (None, Some(t)) => teams::members(&mut tx, t)
                .await?
                .into_iter()
                .map(|(id, _, _)| id)
                .collect(),
            (None, None) => vec![],
        };
        let mut sent = vec![];
        for who in &recipients {
            for text in &notes {
                sent.push(notifications::add(&mut tx, who, "sla", &conv.id, text).await?);
            }
        }
        tx.commit().await?;
        crate::chat::desk::publish_all(state, &conv, &events).await;
        for n in sent {
            let f = ServerFrame::Notification {
                id: n.id,
                kind: n.kind,
                conversation: n.conversation_id,
                body: n.body,
            };
            bus::announce_staff(state, Some(&n.person_id), &f.to_json()).await;
            state.hub.publish_staff(Some(&n.person_id), &f.to_json());
        }
        done += 1;
    }
    Ok(done)
}
