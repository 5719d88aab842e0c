//! Service-level clocks: per conversation, the policy that applies and when each target is due
//! (first response, next response, resolution) and was met; and the breaches recorded when a
//! target passed unmet. The targets themselves are computed in business time by the caller.

use kefu_core::id::new_id;
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

pub const FIRST_RESPONSE: &str = "first_response";
pub const NEXT_RESPONSE: &str = "next_response";
pub const RESOLUTION: &str = "resolution";

#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clock {
    pub conversation_id: String,
    pub policy_id: String,
    pub first_response_due: Option<i64>,
    pub first_response_at: Option<i64>,
    pub next_response_from: Option<i64>,
    pub next_response_due: Option<i64>,
    pub resolution_due: Option<i64>,
    pub resolved_at: Option<i64>,
    #[serde(skip)]
    pub reminded: String,
    #[serde(skip)]
    pub next_check: Option<i64>,
    pub updated_at: i64,
}

impl Clock {
    /// The targets still running, as `(metric, due)`.
    pub fn running(&self) -> Vec<(&'static str, i64)> {
        let mut v = vec![];
        if let (None, Some(d)) = (self.first_response_at, self.first_response_due) {
            v.push((FIRST_RESPONSE, d));
        }
        if let Some(d) = self.next_response_due {
            v.push((NEXT_RESPONSE, d));
        }
        if let (None, Some(d)) = (self.resolved_at, self.resolution_due) {
            v.push((RESOLUTION, d));
        }
        v
    }

    /// Whether `what` (`remind` or `breach`) was done for `metric` due at `due`.
    pub fn done(&self, what: &str, metric: &str, due: i64) -> bool {
        let key = format!("{what}:{metric}:{due}");
        self.reminded.split(',').any(|k| k == key)
    }

    /// Notes that `what` was done for `metric` due at `due`; older notes of targets no longer
    /// running are dropped.
    pub fn mark(&mut self, what: &str, metric: &str, due: i64) {
        let running: Vec<String> = self
            .running()
            .iter()
            .map(|(m, d)| format!(":{m}:{d}"))
            .collect();
        let mut keep: Vec<&str> = self
            .reminded
            .split(',')
            .filter(|k| running.iter().any(|r| k.ends_with(r.as_str())))
            .collect();
        let key = format!("{what}:{metric}:{due}");
        keep.push(&key);
        self.reminded = keep.join(",");
    }
}

macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT conversation_id, policy_id, first_response_due, first_response_at, \
             next_response_from, next_response_due, resolution_due, resolved_at, reminded, \
             next_check, updated_at FROM sla_clocks ",
            $rest
        )
    };
}

pub async fn get(x: impl Exec, conversation_id: &str) -> Result<Option<Clock>> {
    x.fetch_optional(
        select!("WHERE conversation_id = $1"),
        args![conversation_id],
    )
    .await
}

/// Writes the whole clock, and the earliest running target on the conversation (what the
/// console's lists show and sort by).
pub async fn put(tx: &mut crate::Tx, c: &Clock) -> Result<()> {
    tx.execute(
        "INSERT INTO sla_clocks (conversation_id, policy_id, first_response_due, \
         first_response_at, next_response_from, next_response_due, resolution_due, resolved_at, \
         reminded, updated_at, next_check) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (conversation_id) DO UPDATE SET policy_id = excluded.policy_id, \
         first_response_due = excluded.first_response_due, \
         first_response_at = excluded.first_response_at, \
         next_response_from = excluded.next_response_from, \
         next_response_due = excluded.next_response_due, \
         resolution_due = excluded.resolution_due, resolved_at = excluded.resolved_at, \
         reminded = excluded.reminded, updated_at = excluded.updated_at, \
         next_check = excluded.next_check",
        args![
            &c.conversation_id,
            &c.policy_id,
            c.first_response_due,
            c.first_response_at,
            c.next_response_from,
            c.next_response_due,
            c.resolution_due,
            c.resolved_at,
            &c.reminded,
            now_ms(),
            c.next_check
        ],
    )
    .await?;
    let next = c.running().into_iter().min_by_key(|(_, due)| *due);
    tx.execute(
        "UPDATE conversations SET sla_due = $2, sla_metric = $3 WHERE id = $1",
        args![
            &c.conversation_id,
            next.map(|(_, d)| d),
            next.map(|(m, _)| m).unwrap_or_default()
        ],
    )
    .await?;
    Ok(())
}

/// Clocks that need a look (a reminder or a breach) by `now`, the most overdue first.
pub async fn to_check(x: impl Exec, now: i64, limit: i64) -> Result<Vec<Clock>> {
    x.fetch_all(
        select!("WHERE next_check <= $1 ORDER BY next_check LIMIT $2"),
        args![now, limit],
    )
    .await
}

/// Stores what the check did, only if nobody else changed the notes meanwhile; `false` when
/// another instance (or a reply) got there first.
pub async fn checked(x: impl Exec, c: &Clock, old_notes: &str) -> Result<bool> {
    Ok(x.execute(
        "UPDATE sla_clocks SET reminded = $3, next_check = $4 \
         WHERE conversation_id = $1 AND reminded = $2",
        args![&c.conversation_id, old_notes, &c.reminded, c.next_check],
    )
    .await?
        == 1)
}

/// Clocks of conversations created in `[from, to)` (the report).
pub async fn of_period(x: impl Exec, from: i64, to: i64, limit: i64) -> Result<Vec<Clock>> {
    x.fetch_all(
        select!(
            "WHERE conversation_id IN (SELECT id FROM conversations \
             WHERE created_at >= $1 AND created_at < $2) ORDER BY conversation_id LIMIT $3"
        ),
        args![from, to, limit],
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Breach {
    pub id: String,
    pub conversation_id: String,
    pub policy_id: String,
    pub metric: String,
    pub due_at: i64,
    pub breached_at: i64,
    pub inbox_id: String,
    pub assignee_id: Option<String>,
    pub team_id: Option<String>,
}

/// Records a breach once per conversation, metric and due time; `true` when this call did.
pub async fn record_breach(x: impl Exec, b: &Breach) -> Result<bool> {
    Ok(x.execute(
        "INSERT INTO sla_breaches (id, conversation_id, policy_id, metric, due_at, breached_at, \
         inbox_id, assignee_id, team_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (conversation_id, metric, due_at) DO NOTHING",
        args![
            new_id(),
            &b.conversation_id,
            &b.policy_id,
            &b.metric,
            b.due_at,
            b.breached_at,
            &b.inbox_id,
            b.assignee_id.clone(),
            b.team_id.clone()
        ],
    )
    .await?
        == 1)
}

/// Breaches recorded in `[from, to)`, newest first.
pub async fn breaches(x: impl Exec, from: i64, to: i64, limit: i64) -> Result<Vec<Breach>> {
    x.fetch_all(
        "SELECT id, conversation_id, policy_id, metric, due_at, breached_at, inbox_id, \
         assignee_id, team_id FROM sla_breaches WHERE breached_at >= $1 AND breached_at < $2 \
         ORDER BY breached_at DESC LIMIT $3",
        args![from, to, limit],
    )
    .await
}

/// Breaches of one conversation.
pub async fn breaches_of(x: impl Exec, conversation_id: &str) -> Result<Vec<Breach>> {
    x.fetch_all(
        "SELECT id, conversation_id, policy_id, metric, due_at, breached_at, inbox_id, \
         assignee_id, team_id FROM sla_breaches WHERE conversation_id = $1 ORDER BY due_at",
        args![conversation_id],
    )
    .await
}
