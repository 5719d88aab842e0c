//! The service-level report: per metric and period, with the breaches.

use super::*;

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
