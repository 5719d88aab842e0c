//! Conversations: the unit every channel works in. Status, stage (售前/售中/售后), priority,
//! assignee, team, tags, and `last_seq`, the gap-free sequence of its messages.

use kefu_core::conversation::Status;
use kefu_core::id::new_id;
use kefu_core::kinds::{Priority, Stage};
use kefu_core::time::now_ms;
use serde::Serialize;

use crate::{Exec, Result, args};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    pub id: String,
    /// The ticket number people quote (`#1024`): counted up from 1001, never reused.
    pub number: i64,
    pub inbox_id: String,
    /// The contact: a customer, known or anonymous.
    pub customer_id: Option<String>,
    pub subject: String,
    /// `open`, `pending`, `snoozed` or `resolved`.
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Status,
    /// `pre_sale`, `in_sale` or `after_sale`.
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub stage: Stage,
    /// `low`, `normal`, `high` or `urgent`.
    #[sqlx(try_from = "String")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub priority: Priority,
    pub assignee_id: Option<String>,
    pub team_id: Option<String>,
    pub snoozed_until: Option<i64>,
    /// Sequence number of the newest message; messages are numbered 1, 2, 3 … without gaps.
    pub last_seq: i64,
    pub last_message_at: Option<i64>,
    /// Since when the contact waits for an agent (the queue's order); `None` once assigned.
    pub waiting_since: Option<i64>,
    /// Lower-case tags.
    #[serde(serialize_with = "tag_list")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub tags: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// `question`, `incident`, `complaint`, `claim` or `suggestion`.
    pub ticket_type: String,
    /// The admin-defined fields' values (a JSON object).
    #[serde(serialize_with = "json_object")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: String,
    /// The conversation this one was merged into.
    pub merged_into: Option<String>,
    /// When the earliest service-level target still running is due, and which one
    /// (`first_response`, `next_response`, `resolution`).
    pub sla_due: Option<i64>,
    pub sla_metric: String,
}

/// A conversation as a list shows it: with the last thing written, where it came from, whose it
/// is, and how much of it the reader has not read.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Listed {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub conversation: Conversation,
    /// The last text, file name or note written in it, and its kind and author's kind.
    pub preview: Option<String>,
    pub preview_kind: Option<String>,
    pub preview_author: Option<String>,
    /// The inbox's channel: `widget` or `email`.
    pub channel: String,
    /// The customer's name, else their address; none for an anonymous visitor.
    pub customer_name: Option<String>,
    /// The customer's messages after the reader's last read.
    pub unread: i64,
}

fn json_object<S: serde::Serializer>(json: &str, s: S) -> std::result::Result<S::Ok, S::Error> {
    use serde::Serialize as _;
    serde_json::from_str::<serde_json::Value>(json)
        .unwrap_or_else(|_| serde_json::json!({}))
        .serialize(s)
}

fn tag_list<S: serde::Serializer>(tags: &str, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_seq(split_tags(tags))
}

/// The tags of the stored form (`a,b`).
pub fn split_tags(tags: &str) -> impl Iterator<Item = &str> {
    tags.split(',').filter(|t| !t.is_empty())
}

/// The stored form of a tag list: trimmed, lower case, sorted, without repeats or commas.
pub fn join_tags<'a>(tags: impl IntoIterator<Item = &'a str>) -> String {
    let mut v: Vec<String> = tags
        .into_iter()
        .map(|t| t.trim().to_lowercase().replace(',', " "))
        .filter(|t| !t.is_empty())
        .collect();
    v.sort();
    v.dedup();
    v.join(",")
}

pub const TYPES: [&str; 5] = ["question", "incident", "complaint", "claim", "suggestion"];

/// The columns of [`Conversation`], for the queries below.
macro_rules! columns {
    () => {
        "c.id, COALESCE(c.number, 0) AS number, c.inbox_id, c.customer_id, c.subject, c.status, \
         c.stage, c.priority, c.assignee_id, c.team_id, c.snoozed_until, c.last_seq, \
         c.last_message_at, c.waiting_since, c.tags, c.created_at, c.updated_at, c.ticket_type, \
         c.fields, c.merged_into, c.sla_due, c.sla_metric"
    };
}

macro_rules! select {
    ($rest:literal) => {
        concat!("SELECT ", columns!(), " FROM conversations c ", $rest)
    };
}

/// [`select`] with what a list shows besides (see [`Listed`]): the last text, file or note
/// (read once per row), the inbox's channel and the customer's name; `$13` is the reader.
macro_rules! select_listed {
    ($($rest:tt)+) => {
        concat!(
            "SELECT ",
            columns!(),
            ", lm.body AS preview, lm.kind AS preview_kind, lm.author_kind AS preview_author, \
             COALESCE(li.channel, '') AS channel, \
             CASE WHEN lu.name <> '' THEN lu.name WHEN lu.contact_email <> '' THEN lu.contact_email \
               WHEN lu.email <> '' THEN lu.email END AS customer_name, \
             (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.author_kind = 'contact' \
               AND m.seq > COALESCE((SELECT r.seq FROM conversation_reads r \
               WHERE r.conversation_id = c.id AND r.reader_id = $13), 0)) AS unread \
             FROM conversations c \
             LEFT JOIN messages lm ON lm.conversation_id = c.id AND lm.seq = ( \
               SELECT MAX(m.seq) FROM messages m WHERE m.conversation_id = c.id \
               AND m.kind IN ('text', 'attachment', 'note')) \
             LEFT JOIN inboxes li ON li.id = c.inbox_id \
             LEFT JOIN people lu ON lu.id = c.customer_id ",
            $($rest)+
        )
    };
}

pub async fn create(
    x: impl Exec,
    inbox_id: &str,
    customer_id: Option<&str>,
    subject: &str,
) -> Result<Conversation> {
    let now = now_ms();
    let mut c = Conversation {
        id: new_id(),
        number: 0,
        inbox_id: inbox_id.to_string(),
        customer_id: customer_id.map(str::to_string),
        subject: subject.to_string(),
        status: Status::Open,
        stage: Stage::PreSale,
        priority: Priority::Normal,
        assignee_id: None,
        team_id: None,
        snoozed_until: None,
        last_seq: 0,
        last_message_at: None,
        waiting_since: None,
        tags: String::new(),
        created_at: now,
        updated_at: now,
        ticket_type: "question".into(),
        fields: "{}".into(),
        merged_into: None,
        sla_due: None,
        sla_metric: String::new(),
    };
    // SQLite takes the counter's next value (a trigger moves the counter on); PostgreSQL's
    // trigger replaces it with a sequence's.
    let (number,): (i64,) = x
        .fetch_one(
            "INSERT INTO conversations (id, inbox_id, customer_id, subject, status, created_at, \
         updated_at, number) VALUES ($1, $2, $3, $4, $5, $6, $6, \
         (SELECT value + 1 FROM counters WHERE name = 'ticket')) RETURNING number",
            args![
                &c.id,
                &c.inbox_id,
                c.customer_id.clone(),
                &c.subject,
                &c.status,
                now
            ],
        )
        .await?;
    c.number = number;
    Ok(c)
}

/// The conversation with ticket number `number`.
pub async fn by_number(x: impl Exec, number: i64) -> Result<Option<Conversation>> {
    x.fetch_optional(select!("WHERE c.number = $1"), args![number])
        .await
}

pub async fn get(x: impl Exec, id: &str) -> Result<Option<Conversation>> {
    x.fetch_optional(select!("WHERE c.id = $1"), args![id])
        .await
}

pub async fn list_for_customer(x: impl Exec, customer_id: &str) -> Result<Vec<Conversation>> {
    x.fetch_all(
        select!("WHERE c.customer_id = $1 ORDER BY c.updated_at DESC LIMIT 200"),
        args![customer_id],
    )
    .await
}

/// Conversations of one contact in one inbox (what the widget shows a returning visitor).
pub async fn list_for_customer_in_inbox(
    x: impl Exec,
    customer_id: &str,
    inbox_id: &str,
) -> Result<Vec<Conversation>> {
    x.fetch_all(
        select!("WHERE c.customer_id = $1 AND c.inbox_id = $2 ORDER BY c.updated_at DESC LIMIT 50"),
        args![customer_id, inbox_id],
    )
    .await
}

/// Which conversations a list shows. Empty strings mean "any".
#[derive(Debug, Clone, Default)]
pub struct Filter<'a> {
    /// Only the inboxes of this agent's teams (agents); empty for staff who see all.
    pub member: &'a str,
    /// Only this contact's conversations (customers).
    pub customer: &'a str,
    pub status: &'a str,
    pub stage: &'a str,
    pub assignee: &'a str,
    pub unassigned: bool,
    /// The team handling it: transferred to the team, or not transferred and in one of the
    /// team's inboxes.
    pub team: &'a str,
    pub inbox: &'a str,
    pub tag: &'a str,
    /// Whose unread messages are counted.
    pub reader: &'a str,
    /// Part of the subject or of the customer's name, e-mail or phone.
    pub search: &'a str,
    pub limit: i64,
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_pattern(s: &str) -> String {
    let mut out = String::from("%");
    for c in s.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The list's query: every filter an optional clause, newest activity first (the
/// `conversations_recent` index walks it in that order and stops at the page).
macro_rules! list_where {
    () => {
        "WHERE ($1 = '' OR c.inbox_id IN ( \
               SELECT it.inbox_id FROM inbox_teams it JOIN team_members m ON m.team_id = it.team_id \
               WHERE m.person_id = $1)) \
             AND ($2 = '' OR c.customer_id = $2) \
             AND ($3 = '' OR c.status = $3) \
             AND ($4 = '' OR c.stage = $4) \
             AND ($5 = '' OR c.assignee_id = $5) \
             AND ($6 = 0 OR c.assignee_id IS NULL) \
             AND ($7 = '' OR c.team_id = $7 OR (c.team_id IS NULL AND c.inbox_id IN ( \
               SELECT it.inbox_id FROM inbox_teams it WHERE it.team_id = $7))) \
             AND ($8 = '' OR c.inbox_id = $8) \
             AND ($9 = '' OR (',' || c.tags || ',') LIKE ('%,' || $9 || ',%')) \
             AND ($10 = '' OR LOWER(c.subject) LIKE $10 ESCAPE '\\' OR c.customer_id IN ( \
               SELECT u.id FROM people u WHERE LOWER(u.name) LIKE $10 ESCAPE '\\' \
               OR LOWER(u.email) LIKE $10 ESCAPE '\\' OR LOWER(u.contact_email) LIKE $10 ESCAPE '\\' \
               OR u.phone LIKE $10 ESCAPE '\\') OR c.number = $12) \
             ORDER BY c.updated_at DESC, c.id LIMIT $11"
    };
}

fn list_args(f: &Filter<'_>) -> Vec<crate::Value> {
    let search = if f.search.trim().is_empty() {
        String::new()
    } else {
        like_pattern(f.search.trim())
    };
    args![
        f.member,
        f.customer,
        f.status,
        f.stage,
        f.assignee,
        i64::from(f.unassigned),
        f.team,
        f.inbox,
        f.tag.trim().to_lowercase(),
        search,
        if f.limit > 0 { f.limit.min(500) } else { 200 },
        // `#1024` or `1024` also finds ticket 1024.
        f.search
            .trim()
            .trim_start_matches('#')
            .parse::<i64>()
            .unwrap_or(-1),
        f.reader
    ]
}

/// Conversations matching `f`, most recently active first.
pub async fn list(x: impl Exec, f: &Filter<'_>) -> Result<Vec<Listed>> {
    x.fetch_all(select_listed!(list_where!()), list_args(f))
        .await
}

/// SQLite's plan for [`list`] (the `detail` column of `EXPLAIN QUERY PLAN`), for tests that
/// hold the list to reading only its page.
pub async fn explain_list(x: impl Exec, f: &Filter<'_>) -> Result<Vec<String>> {
    let rows: Vec<(i64, i64, i64, String)> = x
        .fetch_all(
            concat!("EXPLAIN QUERY PLAN ", select_listed!(list_where!())),
            list_args(f),
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.3).collect())
}

/// Conversations in the inboxes of the agent's teams.
pub async fn list_for_member(x: impl Exec, person_id: &str) -> Result<Vec<Conversation>> {
    list(
        x,
        &Filter {
            member: person_id,
            ..Default::default()
        },
    )
    .await
    .map(|l| l.into_iter().map(|l| l.conversation).collect())
}

pub async fn list_all(x: impl Exec) -> Result<Vec<Conversation>> {
    list(x, &Filter::default())
        .await
        .map(|l| l.into_iter().map(|l| l.conversation).collect())
}

/// What changes in a conversation; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub status: Option<Status>,
    pub snoozed_until: Option<Option<i64>>,
    pub stage: Option<Stage>,
    pub priority: Option<Priority>,
    pub assignee_id: Option<Option<String>>,
    pub team_id: Option<Option<String>>,
    pub tags: Option<String>,
    pub waiting_since: Option<Option<i64>>,
    pub ticket_type: Option<String>,
    /// The whole JSON object of field values.
    pub fields: Option<String>,
    pub merged_into: Option<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.snoozed_until.is_none()
            && self.stage.is_none()
            && self.priority.is_none()
            && self.assignee_id.is_none()
            && self.team_id.is_none()
            && self.tags.is_none()
            && self.waiting_since.is_none()
            && self.ticket_type.is_none()
            && self.fields.is_none()
            && self.merged_into.is_none()
    }
}

/// Applies `ch` to conversation `c`: only the named columns are written, so changes made
/// meanwhile by someone else to other fields survive. Returns `c` with the changes.
pub async fn update(x: impl Exec, c: &Conversation, ch: &Changes) -> Result<Conversation> {
    let mut n = c.clone();
    if let Some(v) = ch.status {
        n.status = v;
    }
    if let Some(v) = ch.snoozed_until {
        n.snoozed_until = v;
    }
    if let Some(v) = ch.stage {
        n.stage = v;
    }
    if let Some(v) = ch.priority {
        n.priority = v;
    }
    if let Some(v) = &ch.assignee_id {
        n.assignee_id = v.clone();
    }
    if let Some(v) = &ch.team_id {
        n.team_id = v.clone();
    }
    if let Some(v) = &ch.tags {
        n.tags = v.clone();
    }
    if let Some(v) = ch.waiting_since {
        n.waiting_since = v;
    }
    if let Some(v) = &ch.ticket_type {
        n.ticket_type = v.clone();
    }
    if let Some(v) = &ch.fields {
        n.fields = v.clone();
    }
    if let Some(v) = &ch.merged_into {
        n.merged_into = Some(v.clone());
    }
    n.updated_at = now_ms();
    x.execute(
        "UPDATE conversations SET \
         status = CASE WHEN $2 THEN $3 ELSE status END, \
         snoozed_until = CASE WHEN $4 THEN $5 ELSE snoozed_until END, \
         stage = CASE WHEN $6 THEN $7 ELSE stage END, \
         priority = CASE WHEN $8 THEN $9 ELSE priority END, \
         assignee_id = CASE WHEN $10 THEN $11 ELSE assignee_id END, \
         team_id = CASE WHEN $12 THEN $13 ELSE team_id END, \
         tags = CASE WHEN $14 THEN $15 ELSE tags END, \
         waiting_since = CASE WHEN $16 THEN $17 ELSE waiting_since END, \
         updated_at = $18, \
         ticket_type = CASE WHEN $19 THEN $20 ELSE ticket_type END, \
         fields = CASE WHEN $21 THEN $22 ELSE fields END, \
         merged_into = CASE WHEN $23 THEN $24 ELSE merged_into END \
         WHERE id = $1",
        args![
            &n.id,
            ch.status.is_some(),
            &n.status,
            ch.snoozed_until.is_some(),
            n.snoozed_until,
            ch.stage.is_some(),
            &n.stage,
            ch.priority.is_some(),
            &n.priority,
            ch.assignee_id.is_some(),
            n.assignee_id.clone(),
            ch.team_id.is_some(),
            n.team_id.clone(),
            ch.tags.is_some(),
            &n.tags,
            ch.waiting_since.is_some(),
            n.waiting_since,
            n.updated_at,
            ch.ticket_type.is_some(),
            &n.ticket_type,
            ch.fields.is_some(),
            &n.fields,
            ch.merged_into.is_some(),
            n.merged_into.clone()
        ],
    )
    .await?;
    Ok(n)
}

/// Assigns `c` to `agent` only if nobody took it meanwhile; `false` when someone did.
pub async fn claim(x: impl Exec, id: &str, agent: &str) -> Result<bool> {
    Ok(x.execute(
        "UPDATE conversations SET assignee_id = $2, waiting_since = NULL, updated_at = $3 \
             WHERE id = $1 AND assignee_id IS NULL",
        args![id, agent, now_ms()],
    )
    .await?
        == 1)
}

/// Snoozed conversations whose time has come.
pub async fn due_snoozes(x: impl Exec, now: i64) -> Result<Vec<Conversation>> {
    x.fetch_all(
        select!("WHERE c.status = 'snoozed' AND c.snoozed_until <= $1 ORDER BY c.snoozed_until LIMIT 100"),
        args![now],
    )
    .await
}

/// Takes a due snooze for this caller; `false` when another instance woke it first.
pub async fn wake(x: impl Exec, id: &str, until: i64) -> Result<bool> {
    Ok(x.execute(
        "UPDATE conversations SET status = 'open', snoozed_until = NULL \
             WHERE id = $1 AND status = 'snoozed' AND snoozed_until = $2",
        args![id, until],
    )
    .await?
        == 1)
}

/// Conversations waiting for an agent, oldest first.
pub async fn waiting(x: impl Exec, limit: i64) -> Result<Vec<Conversation>> {
    x.fetch_all(
        select!(
            "WHERE c.waiting_since IS NOT NULL AND c.assignee_id IS NULL AND c.status = 'open' \
             ORDER BY c.waiting_since, c.id LIMIT $1"
        ),
        args![limit],
    )
    .await
}

/// 1 for the first in its inbox's queue; 0 when not waiting.
pub async fn queue_position(x: impl Exec, c: &Conversation) -> Result<i64> {
    let Some(since) = c.waiting_since else {
        return Ok(0);
    };
    if c.assignee_id.is_some() || c.status != Status::Open {
        return Ok(0);
    }
    let (ahead,): (i64,) = x
        .fetch_one(
            "SELECT COUNT(*) FROM conversations WHERE inbox_id = $1 AND status = 'open' \
             AND assignee_id IS NULL AND waiting_since IS NOT NULL \
             AND (waiting_since < $2 OR (waiting_since = $2 AND id < $3))",
            args![&c.inbox_id, since, &c.id],
        )
        .await?;
    Ok(ahead + 1)
}

/// Moves every conversation of one contact to another (an anonymous visitor identified as a
/// known customer: one customer record across channels).
pub async fn reassign_customer(x: impl Exec, from: &str, to: &str) -> Result<u64> {
    x.execute(
        "UPDATE conversations SET customer_id = $2 WHERE customer_id = $1",
        args![from, to],
    )
    .await
}
