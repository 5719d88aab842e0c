//! Service-level agreements: calendars (working hours, holidays, time zone) and policies (by
//! inbox, ticket type and priority) with first-response, next-response and resolution targets
//! counted in business time. Every conversation a policy matches gets a clock when its
//! customer first writes; replies, resolutions and re-classifications move it; the chores
//! remind the assignee before a target passes and record a breach when it does.

use kefu_core::ErrorCode;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kefu_core::businesstime::{BusinessTime, Calendar};
use kefu_core::protocol::ServerFrame;
use kefu_core::time::{MINUTE, now_ms};
use kefu_store::conversations::{self, Conversation};
use kefu_store::sla::{self as store, Breach, Clock, FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION};
use kefu_store::{Tx, messages, notifications, settings, teams};
use serde::{Deserialize, Serialize};

use crate::Service;
use crate::chat::bus;
use crate::{Error, Result};

pub const SETTINGS_KEY: &str = "sla";
/// How long an instance trusts its copy of the configuration (another instance may change it).
const CACHE_FOR: Duration = Duration::from_secs(10);

/// The shop's calendars and policies, stored as one document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct SlaConfig {
    pub calendars: Vec<CalendarDef>,
    /// Tried in order; the first that matches a conversation applies.
    pub policies: Vec<Policy>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarDef {
    pub id: String,
    pub name: String,
    /// IANA time zone, for example `Asia/Shanghai`.
    pub time_zone: String,
    /// Working hours (`days` 0 = Monday … 6 = Sunday, `from` / `to` as `HH:MM`); empty means
    /// around the clock.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub hours: Vec<kefu_core::businesstime::Hours>,
    /// Days off as `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Policy {
    pub id: String,
    pub name: String,
    /// Empty matches every inbox.
    #[serde(default)]
    pub inbox_id: String,
    /// Empty matches every type.
    #[serde(default)]
    pub ticket_type: String,
    /// Empty matches every priority.
    #[serde(default)]
    pub priority: String,
    /// Empty: around the clock.
    #[serde(default)]
    pub calendar_id: String,
    pub first_response_minutes: Option<i64>,
    pub next_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    /// Remind the assignee this many working minutes before a target passes (0: no reminder).
    #[serde(default = "default_remind")]
    pub remind_before_minutes: i64,
}

fn default_remind() -> i64 {
    15
}

impl Policy {
    fn matches(&self, c: &Conversation) -> bool {
        (self.inbox_id.is_empty() || self.inbox_id == c.inbox_id)
            && (self.ticket_type.is_empty() || self.ticket_type == c.ticket_type)
            && (self.priority.is_empty() || self.priority == c.priority)
    }

    fn target(&self, metric: &str) -> Option<i64> {
        match metric {
            FIRST_RESPONSE => self.first_response_minutes,
            NEXT_RESPONSE => self.next_response_minutes,
            _ => self.resolution_minutes,
        }
    }
}

/// The configuration with its calendars ready for arithmetic.
#[derive(Debug)]
pub struct Compiled {
    pub config: SlaConfig,
    calendars: HashMap<String, BusinessTime>,
}

impl Compiled {
    fn policy(&self, id: &str) -> Option<&Policy> {
        self.config.policies.iter().find(|p| p.id == id)
    }

    fn pick(&self, c: &Conversation) -> Option<&Policy> {
        self.config.policies.iter().find(|p| p.matches(c))
    }

    fn time(&self, p: &Policy) -> BusinessTime {
        self.calendars
            .get(&p.calendar_id)
            .cloned()
            .unwrap_or_else(BusinessTime::always)
    }

    /// When `metric` of `p` is due for a clock started at `from`.
    fn due(&self, p: &Policy, metric: &str, from: i64) -> Option<i64> {
        self.time(p).add(from, p.target(metric)?)
    }
}

impl SlaConfig {
    /// Checks the whole document and compiles its calendars.
    pub fn compile(self) -> Result<Compiled> {
        if self.calendars.len() > 50 || self.policies.len() > 200 {
            return Err(Error::invalid(
                ErrorCode::InvalidSla,
                "at most 50 calendars and 200 policies",
            ));
        }
        let mut calendars = HashMap::new();
        for c in &self.calendars {
            if c.id.trim().is_empty() || c.name.trim().is_empty() || c.name.chars().count() > 100 {
                return Err(Error::invalid(
                    ErrorCode::InvalidCalendar,
                    "each calendar needs an id and a name",
                ));
            }
            let bt = BusinessTime::new(&Calendar {
                time_zone: c.time_zone.clone(),
                hours: c.hours.clone(),
                holidays: c.holidays.clone(),
            })
            .map_err(|e| {
                Error::invalid(
                    ErrorCode::InvalidCalendar,
                    format!("calendar {}: {e}", c.name),
                )
            })?;
            if calendars.insert(c.id.clone(), bt).is_some() {
                return Err(Error::invalid(
                    ErrorCode::InvalidCalendar,
                    "two calendars share an id",
                ));
            }
        }
        let mut ids = std::collections::HashSet::new();
        for p in &self.policies {
            if p.id.trim().is_empty() || p.name.trim().is_empty() || !ids.insert(p.id.clone()) {
                return Err(Error::invalid(
                    ErrorCode::InvalidPolicy,
                    "each policy needs a name and an id of its own",
                ));
            }
            if !p.calendar_id.is_empty() && !calendars.contains_key(&p.calendar_id) {
                return Err(Error::invalid(
                    ErrorCode::InvalidPolicy,
                    format!("policy {}: no such calendar", p.name),
                ));
            }
            if !p.ticket_type.is_empty() && !conversations::TYPES.contains(&p.ticket_type.as_str())
            {
                return Err(Error::invalid(
                    ErrorCode::InvalidPolicy,
                    format!("policy {}: unknown ticket type", p.name),
                ));
            }
            if !p.priority.is_empty() && !conversations::PRIORITIES.contains(&p.priority.as_str()) {
                return Err(Error::invalid(
                    ErrorCode::InvalidPolicy,
                    format!("policy {}: unknown priority", p.name),
                ));
            }
            let targets = [
                p.first_response_minutes,
                p.next_response_minutes,
                p.resolution_minutes,
            ];
            if targets
                .iter()
                .flatten()
                .any(|m| *m <= 0 || *m > 60 * 24 * 365)
                || targets.iter().all(Option::is_none)
                || !(0..=60 * 24 * 7).contains(&p.remind_before_minutes)
            {
                return Err(Error::invalid(
                    ErrorCode::InvalidPolicy,
                    format!(
                        "policy {}: targets are 1 minute to a year, at least one is set, and reminders come at most a week early",
                        p.name
                    ),
                ));
            }
        }
        Ok(Compiled {
            config: self,
            calendars,
        })
    }
}

/// The configuration (cached for a few seconds).
pub async fn config(state: &Service) -> Result<Arc<Compiled>> {
    config_via(state, &state.db).await
}

/// [`config`], read through `x` when the cache is stale: inside a transaction, through it, so
/// a transaction never waits for a second connection from the pool.
async fn config_via(state: &Service, x: impl kefu_store::Exec) -> Result<Arc<Compiled>> {
    if let Some((at, c)) = state.sla.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
        && at.elapsed() < CACHE_FOR
    {
        return Ok(c.clone());
    }
    let json = settings::get(x, SETTINGS_KEY).await?.unwrap_or_default();
    let cfg: SlaConfig = serde_json::from_str(&json).unwrap_or_default();
    let compiled = Arc::new(cfg.compile().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the stored SLA configuration is invalid; no SLAs apply");
        Compiled {
            config: SlaConfig::default(),
            calendars: HashMap::new(),
        }
    }));
    *state.sla.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), compiled.clone()));
    Ok(compiled)
}

pub async fn save(state: &Service, cfg: SlaConfig) -> Result<Arc<Compiled>> {
    let compiled = Arc::new(cfg.compile()?);
    let json =
        serde_json::to_string(&compiled.config).map_err(|e| Error::Internal(e.to_string()))?;
    settings::set(&state.db, SETTINGS_KEY, &json).await?;
    *state.sla.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), compiled.clone()));
    Ok(compiled)
}

/// When the chores next need to look at `c`: a reminder not yet sent, else a breach not yet
/// recorded, of any running target.
fn next_check(c: &Clock, p: Option<&Policy>, bt: &BusinessTime) -> Option<i64> {
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
fn reminder_at(bt: &BusinessTime, due: i64, lead: i64) -> i64 {
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

async fn store_clock(state: &Service, tx: &mut Tx, mut c: Clock) -> Result<()> {
    let cfg = config_via(state, &mut *tx).await?;
    let p = cfg.policy(&c.policy_id);
    let bt = p.map(|p| cfg.time(p)).unwrap_or_else(BusinessTime::always);
    c.next_check = next_check(&c, p, &bt);
    store::put(tx, &c).await?;
    state.routing_wake.notify_one();
    Ok(())
}

/// Records a target met late (if the chores have not already), inside the reply's transaction.
async fn late(
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
    status: &str,
    at: i64,
) -> Result<()> {
    let Some(mut c) = store::get(&mut *tx, &conv.id).await? else {
        return Ok(());
    };
    if status == "resolved" {
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

fn metric_words(metric: &str) -> &'static str {
    match metric {
        FIRST_RESPONSE => "first response",
        NEXT_RESPONSE => "next response",
        _ => "resolution",
    }
}

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
            bus::announce_staff(state, Some(&n.user_id), &f.to_json()).await;
            state.hub.publish_staff(Some(&n.user_id), &f.to_json());
        }
        done += 1;
    }
    Ok(done)
}

#[derive(Debug, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetricReport {
    /// Targets of conversations created in the period that have run out or been met.
    pub measured: i64,
    pub met: i64,
    pub breached: i64,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BreachRow {
    pub conversation_id: String,
    pub number: i64,
    pub subject: String,
    pub metric: String,
    pub policy: String,
    pub due_at: i64,
    pub breached_at: i64,
    pub assignee: Option<String>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaReport {
    pub from: i64,
    pub to: i64,
    /// Per target, for conversations created in the period.
    pub first_response: MetricReport,
    pub next_response: MetricReport,
    pub resolution: MetricReport,
    /// Breaches recorded in the period, by policy name and by assignee name.
    pub by_policy: Vec<(String, i64)>,
    pub by_assignee: Vec<(String, i64)>,
    /// The breaches recorded in the period, newest first (at most 500).
    pub breaches: Vec<BreachRow>,
}

/// The breach report for `[from, to)`.
pub async fn report(state: &Service, from: i64, to: i64) -> Result<SlaReport> {
    let cfg = config(state).await?;
    let now = now_ms();
    let mut first = MetricReport::default();
    let mut next = MetricReport::default();
    let mut resolution = MetricReport::default();
    let breached_of: std::collections::HashSet<(String, String)> =
        store::breaches(&state.db, from, i64::MAX, 100_000)
            .await?
            .into_iter()
            .map(|b| (b.conversation_id, b.metric))
            .collect();
    for c in store::of_period(&state.db, from, to, 100_000).await? {
        let key = |m: &str| (c.conversation_id.clone(), m.to_string());
        let count = |r: &mut MetricReport, due: Option<i64>, met: Option<i64>, m: &str| {
            let Some(due) = due else { return };
            let breached = breached_of.contains(&key(m)) || met.map_or(now > due, |t| t > due);
            if met.is_some() || breached {
                r.measured += 1;
                if breached {
                    r.breached += 1;
                } else {
                    r.met += 1;
                }
            }
        };
        count(
            &mut first,
            c.first_response_due,
            c.first_response_at,
            FIRST_RESPONSE,
        );
        count(&mut resolution, c.resolution_due, c.resolved_at, RESOLUTION);
        if breached_of.contains(&key(NEXT_RESPONSE)) {
            next.measured += 1;
            next.breached += 1;
        }
    }
    let list = store::breaches(&state.db, from, to, 500).await?;
    let mut by_policy: HashMap<String, i64> = HashMap::new();
    let mut by_assignee: HashMap<String, i64> = HashMap::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut rows = vec![];
    for b in list {
        let policy = cfg
            .policy(&b.policy_id)
            .map_or_else(|| b.policy_id.clone(), |p| p.name.clone());
        *by_policy.entry(policy.clone()).or_default() += 1;
        let assignee = match &b.assignee_id {
            Some(a) => {
                if !names.contains_key(a) {
                    let n = kefu_store::people::get(&state.db, a)
                        .await?
                        .map(|u| u.display_name().to_string())
                        .unwrap_or_default();
                    names.insert(a.clone(), n);
                }
                names.get(a).cloned()
            }
            None => None,
        };
        *by_assignee
            .entry(assignee.clone().unwrap_or_else(|| "-".into()))
            .or_default() += 1;
        let conv = conversations::get(&state.db, &b.conversation_id).await?;
        rows.push(BreachRow {
            number: conv.as_ref().map_or(0, |c| c.number),
            subject: conv.map(|c| c.subject).unwrap_or_default(),
            conversation_id: b.conversation_id,
            metric: b.metric,
            policy,
            due_at: b.due_at,
            breached_at: b.breached_at,
            assignee,
        });
    }
    let sorted = |m: HashMap<String, i64>| {
        let mut v: Vec<(String, i64)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    Ok(SlaReport {
        from,
        to,
        first_response: first,
        next_response: next,
        resolution,
        by_policy: sorted(by_policy),
        by_assignee: sorted(by_assignee),
        breaches: rows,
    })
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct Period {
    /// Start (ms since the epoch); default 30 days ago.
    pub from: Option<i64>,
    /// End (ms since the epoch); default now.
    pub to: Option<i64>,
}
