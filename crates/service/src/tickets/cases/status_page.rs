//! The customer's status page: opening a case by its key or account, its timeline, adding
//! information and files.

use super::*;

// ---- The status page -------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct KeyQuery {
    #[serde(default)]
    pub key: String,
}

/// The case `tracking` and its customer, if the caller holds its key (sent in the
/// [`KEY_HEADER`] header, `header_key`, or in the query, `key`) or is its signed-in customer;
/// `NotFound` otherwise (a wrong key and a missing case look the same).
pub async fn open_case(
    state: &Service,
    caller: &Caller,
    header_key: Option<&str>,
    tracking: &str,
    key: &str,
) -> Result<(Case, Conversation, Person)> {
    let tracking = tracking.trim().to_uppercase();
    if !rules::is_tracking(&tracking) {
        return Err(Error::NotFound);
    }
    state
        .limiter
        .hit(&format!("case-open:{tracking}"), CHECKS_PER_CASE)
        .map_err(Error::RateLimited)?;
    let case = store::by_tracking(&state.db, &tracking)
        .await?
        .ok_or(Error::NotFound)?;
    let conv = conversations::get(&state.db, &case.conversation_id)
        .await?
        .ok_or(Error::NotFound)?;
    let customer = conv
        .customer_id
        .as_deref()
        .ok_or(Error::NotFound)?
        .to_string();
    let key = header_key.unwrap_or(key);
    let by_key = !key.is_empty()
        && constant_time_eq(token_digest(key).as_bytes(), case.access_digest.as_bytes());
    let by_account = matches!(caller, Caller::Person { user, .. } if user.id == customer);
    if !(by_key || by_account) {
        return Err(Error::NotFound);
    }
    let user = people::get(&state.db, &customer)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((case, conv, user))
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    /// `customer`, `staff` or `event`.
    pub from: String,
    pub name: String,
    pub body: String,
    /// A file's attachment id and name.
    pub file: Option<(String, String)>,
    /// For a move of the case: the status it moved to (the page says it in the reader's
    /// language), with the note to the customer in `body`.
    pub status: Option<String>,
    pub at: i64,
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseView {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub case: Case,
    pub number: i64,
    pub subject: String,
    /// The progress bar: the statuses the case went through, then the usual rest of its way.
    pub steps: Vec<String>,
    pub timeline: Vec<TimelineEntry>,
}

/// The customer's view of the conversation, and the statuses the case went through.
pub async fn timeline(
    state: &Service,
    conv: &Conversation,
    case: &Case,
) -> Result<(Vec<TimelineEntry>, Vec<String>)> {
    let mut out = vec![];
    let mut visited = vec![rules::first_status(case.kind).as_str().to_string()];
    let mut names = std::collections::HashMap::new();
    let mut after = 0;
    loop {
        let page = messages::after(&state.db, &conv.id, after, 500, false).await?;
        for m in &page {
            after = m.seq;
            out.push(entry(state, m, &mut names).await?);
            if m.kind == messages::kind::EVENT && m.meta.contains("case_status") {
                let meta: serde_json::Value = serde_json::from_str(&m.meta).unwrap_or_default();
                if meta["event"] == "case_status"
                    && let Some(s) = meta["status"].as_str()
                {
                    visited.push(s.to_string());
                }
            }
        }
        if page.len() < 500 {
            break;
        }
    }
    // A customer's answer reopens a case without an event; the stored status has the last word.
    if visited.last().map(String::as_str) != Some(case.status.as_str()) {
        visited.push(case.status.as_str().to_string());
    }
    Ok((out, visited))
}

pub async fn entry(
    state: &Service,
    m: &Message,
    names: &mut std::collections::HashMap<String, String>,
) -> Result<TimelineEntry> {
    let from = match (m.kind, m.author_kind.as_str()) {
        (messages::kind::EVENT, _) => "event",
        (_, messages::author::CONTACT) => "customer",
        _ => "staff",
    };
    let mut name = String::new();
    if from == "staff"
        && let Some(a) = &m.author_id
    {
        if !names.contains_key(a) {
            let n = people::get(&state.db, a)
                .await?
                .map(|u| u.display_name().to_string())
                .unwrap_or_default();
            names.insert(a.clone(), n);
        }
        name = names.get(a).cloned().unwrap_or_default();
    }
    let meta: serde_json::Value = serde_json::from_str(&m.meta).unwrap_or_default();
    let file = meta["attachment"].as_str().map(|id| {
        (
            id.to_string(),
            meta["name"].as_str().unwrap_or("file").to_string(),
        )
    });
    let status = (meta["event"] == "case_status")
        .then(|| meta["status"].as_str().map(str::to_string))
        .flatten();
    let body = match &status {
        Some(_) => meta["note"].as_str().unwrap_or_default().to_string(),
        None => m.body.clone(),
    };
    Ok(TimelineEntry {
        from: from.into(),
        name,
        body,
        file,
        status,
        at: m.created_at,
    })
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddInfo {
    pub body: String,
}

/// A customer's word moves a complaint waiting for them back to work.
pub async fn reopen_if_waiting(state: &Service, case: &Case) -> Result<()> {
    if let Some(to) = rules::reopened_by_customer(case.kind, case.status) {
        store::set_status(&state.db, &case.conversation_id, case.status, to).await?;
    }
    Ok(())
}

#[derive(Deserialize, Default)]
pub struct FileQuery {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub name: String,
}

/// The status page of a case the caller may open.
pub async fn view(
    state: &Service,
    caller: &Caller,
    header_key: Option<&str>,
    tracking: &str,
    key: &str,
) -> Result<CaseView> {
    let (case, conv, _) = open_case(state, caller, header_key, tracking, key).await?;
    let (timeline, visited) = timeline(state, &conv, &case).await?;
    Ok(CaseView {
        number: conv.number,
        subject: conv.subject.clone(),
        steps: rules::progress(
            case.kind,
            Resolution::parse(&case.resolution),
            &visited
                .iter()
                .filter_map(|v| CaseStatus::parse(v))
                .collect::<Vec<_>>(),
        )
        .iter()
        .map(|s| s.as_str().to_string())
        .collect(),
        timeline,
        case,
    })
}

/// A case the customer may add to: open to them, and not closed.
pub async fn open_for_adding(
    state: &Service,
    caller: &Caller,
    header_key: Option<&str>,
    tracking: &str,
    key: &str,
) -> Result<(Case, Conversation, Person)> {
    let (case, conv, user) = open_case(state, caller, header_key, tracking, key).await?;
    if case.status == CaseStatus::Closed {
        return Err(Error::invalid(
            ErrorCode::CaseClosed,
            "this case is closed; file a new one",
        ));
    }
    Ok((case, conv, user))
}

/// The customer adds words to their case (1 to 5000 characters); a complaint waiting for
/// them goes back to work. Returns the message and whether it is new.
pub async fn add_info(
    state: &Service,
    caller: &Caller,
    header_key: Option<&str>,
    tracking: &str,
    key: &str,
    body: &str,
) -> Result<(Message, bool)> {
    let (case, conv, user) = open_case(state, caller, header_key, tracking, key).await?;
    let body = body.trim();
    if body.is_empty() || body.chars().count() > kefu_core::protocol::MAX_BODY_CHARS {
        return Err(Error::invalid(
            ErrorCode::InvalidBody,
            "write 1 to 5000 characters",
        ));
    }
    if case.status == CaseStatus::Closed {
        return Err(Error::invalid(
            ErrorCode::CaseClosed,
            "this case is closed; file a new one",
        ));
    }
    let actor = chat::Actor::Person(user);
    let sent = chat::store_message_with(
        state,
        &actor,
        &conv,
        None,
        messages::kind::TEXT,
        body,
        "",
        None,
    )
    .await?;
    reopen_if_waiting(state, &case).await?;
    Ok(sent)
}

/// A file of the case the caller may open; the key opens this case's files only, not the
/// customer's other conversations'.
pub async fn case_file(
    state: &Service,
    caller: &Caller,
    header_key: Option<&str>,
    tracking: &str,
    key: &str,
    attachment_id: &str,
) -> Result<kefu_store::attachments::Attachment> {
    let (_, conv, user) = open_case(state, caller, header_key, tracking, key).await?;
    let a =
        crate::files::visible_attachment(state, &chat::Actor::Person(user), attachment_id).await?;
    if a.conversation_id != conv.id {
        return Err(Error::NotFound);
    }
    Ok(a)
}
