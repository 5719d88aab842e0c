//! Filing a case: the address code and the public form.

use super::*;

// ---- Filing a case ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    pub email: String,
    /// `zh` or `en`: the language of the mail.
    #[serde(default)]
    pub lang: String,
}

/// What the one-time code is stored under: the address and the code together, so a code
/// only works for the address it was sent to.
pub fn code_secret(email: &str, code: &str) -> String {
    format!("{email}\n{}", code.trim())
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// `complaint` or `claim`.
    pub kind: String,
    /// Needed when not signed in, with the code mailed to it.
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub category: String,
    /// A complaint's severity: `low`, `medium`, `high` or `critical`.
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub order_ref: String,
    /// A claim's reason.
    #[serde(default)]
    pub reason: String,
    /// A claim's requested resolution: `return`, `refund` or `exchange`.
    #[serde(default)]
    pub resolution: String,
    pub description: String,
    #[serde(default)]
    pub lang: String,
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Filed {
    pub tracking: String,
    /// The key of the status page (also in the link mailed to the customer).
    pub key: String,
    /// The status page.
    pub url: String,
}

/// What a case is about, from the public form or from an agent.
pub struct Details<'a> {
    kind: &'a str,
    category: &'a str,
    severity: &'a str,
    order_ref: &'a str,
    reason: &'a str,
    resolution: &'a str,
}

impl NewCase {
    pub fn details(&self) -> Details<'_> {
        Details {
            kind: &self.kind,
            category: &self.category,
            severity: &self.severity,
            order_ref: &self.order_ref,
            reason: &self.reason,
            resolution: &self.resolution,
        }
    }
}

impl OpenCase {
    pub fn details(&self) -> Details<'_> {
        Details {
            kind: &self.kind,
            category: &self.category,
            severity: &self.severity,
            order_ref: &self.order_ref,
            reason: &self.reason,
            resolution: &self.resolution,
        }
    }
}

impl Details<'_> {
    pub fn check(&self, s: &CaseSettings) -> Result<()> {
        let kind = super::check_kind(self.kind)?;
        if self.order_ref.chars().count() > 64 {
            return Err(Error::invalid(
                ErrorCode::InvalidOrder,
                "the order number is at most 64 characters",
            ));
        }
        if kind == CaseKind::Complaint {
            if !s.categories.iter().any(|c| c == self.category) {
                return Err(Error::invalid(
                    ErrorCode::InvalidCategory,
                    "choose one of the categories",
                ));
            }
            if Severity::parse(self.severity).is_none() {
                return Err(Error::invalid(
                    ErrorCode::InvalidSeverity,
                    "severity is low, medium, high or critical",
                ));
            }
        } else {
            if self.order_ref.trim().is_empty() {
                return Err(Error::invalid(
                    ErrorCode::InvalidOrder,
                    "a claim needs the order number",
                ));
            }
            if Resolution::parse(self.resolution).is_none() {
                return Err(Error::invalid(
                    ErrorCode::InvalidResolution,
                    "ask for a return, a refund or an exchange",
                ));
            }
            let r = self.reason.trim().chars().count();
            if !(1..=500).contains(&r) {
                return Err(Error::invalid(
                    ErrorCode::InvalidReason,
                    "give the reason in 1 to 500 characters",
                ));
            }
        }
        Ok(())
    }

    /// The case to store (a complaint keeps no resolution, a claim no category or severity);
    /// the tracking number is the caller's to draw.
    pub fn case(&self, conversation_id: &str, tracking: String, email: &str, now: i64) -> Case {
        let kind = CaseKind::parse(self.kind).unwrap_or(CaseKind::Complaint);
        let complaint = kind == CaseKind::Complaint;
        let only = |yes: bool, v: &str| if yes { v.to_string() } else { String::new() };
        Case {
            conversation_id: conversation_id.into(),
            kind,
            tracking,
            access_digest: String::new(),
            email: email.into(),
            category: only(complaint, self.category),
            severity: only(complaint, self.severity),
            order_ref: self.order_ref.trim().into(),
            reason: self.reason.trim().into(),
            resolution: only(!complaint, self.resolution),
            status: rules::first_status(kind),
            created_at: now,
            updated_at: now,
        }
    }
}

pub fn check_new(n: &NewCase, s: &CaseSettings) -> Result<()> {
    let len = n.description.trim().chars().count();
    if !(1..=5000).contains(&len) {
        return Err(Error::invalid(
            ErrorCode::InvalidDescription,
            "describe what happened in 1 to 5000 characters",
        ));
    }
    if n.name.chars().count() > 100 {
        return Err(Error::invalid(
            ErrorCode::InvalidName,
            "the name is at most 100 characters",
        ));
    }
    n.details().check(s)
}

/// The contact a case is filed for: the signed-in customer, or the one at a verified address.
pub async fn customer_for(tx: &mut Tx, caller: &Caller, n: &NewCase) -> Result<(String, String)> {
    if let Caller::Person { user, .. } = caller {
        if user.role().is_staff() {
            return Err(Error::invalid(
                ErrorCode::StaffCannotFile,
                "staff file cases from the console, not the public form",
            ));
        }
        let email = people::reply_address(&mut *tx, &user.id)
            .await?
            .unwrap_or_default();
        return Ok((user.id.clone(), email));
    }
    let email = kefu_core::validate::email(&n.email)
        .map_err(|_| Error::invalid(ErrorCode::InvalidEmail, "this is not an e-mail address"))?;
    if tokens::consume(tx, Purpose::CaseEmail, &code_secret(&email, &n.code))
        .await?
        .is_none()
    {
        return Err(Error::invalid(
            ErrorCode::InvalidCode,
            "the code is wrong or has expired; ask for a new one",
        ));
    }
    // A known account's address, or a contact who wrote from it before, else a new contact.
    if let Some(u) = people::by_email(&mut *tx, &email).await?
        && !u.role().is_staff()
    {
        return Ok((u.id, email));
    }
    if let Some(id) = people::customers_at_address(&mut *tx, &email)
        .await?
        .into_iter()
        .next()
    {
        return Ok((id, email));
    }
    let user = people::insert(
        tx,
        &people::NewPerson {
            name: n.name.trim().chars().take(100).collect(),
            // Later mails about the case follow the form's language.
            language: Lang::parse(&n.lang)
                .map(|l| l.code().to_string())
                .unwrap_or_default(),
            ..Default::default()
        },
    )
    .await?;
    people::set_customer_details(&mut *tx, &user.id, n.name.trim(), &email).await?;
    Ok((user.id, email))
}

pub fn status_link(state: &Service, tracking: &str, key: &str) -> String {
    state.link(&format!("/track/{tracking}#key={key}"))
}

/// A customer files a complaint or a claim (signed in, or with a code mailed to the address):
/// a conversation in the shop's case inbox (a complaint at or above the shop's severity goes to
/// the supervisor team, with a higher priority), the case with its tracking number and status
/// key, the customer's description as their first message, the SLA clocks, and a mail with the
/// status link — in one transaction. Limited per IP address.
pub async fn file(state: &Service, caller: &Caller, ip: &str, n: &NewCase) -> Result<Filed> {
    state
        .limiter
        .hit(&format!("case:ip:{ip}"), CASES_PER_IP)
        .map_err(Error::RateLimited)?;
    let s = load_settings(state).await?;
    check_new(n, &s)?;
    let inbox = case_inbox(state, &s).await?;
    let lang = Lang::parse(&n.lang).unwrap_or(Lang::ZhCn);
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    let (contact, email) = customer_for(&mut tx, caller, n).await?;
    let kind = check_kind(&n.kind)?;
    let subject = rules::subject(kind, &n.category, &n.reason, &n.order_ref);
    let conv = conversations::create(&mut tx, &inbox, Some(&contact), &subject).await?;
    let escalate = Severity::parse(&s.escalate_from).is_some_and(|from| {
        rules::escalates(
            kind,
            Severity::parse(&n.severity),
            from,
            !s.supervisor_team_id.is_empty(),
        )
    });
    let conv = conversations::update(
        &mut tx,
        &conv,
        &conversations::Changes {
            ticket_type: Some(n.kind.clone()),
            priority: Some(rules::priority(Severity::parse(&n.severity), escalate)),
            stage: Some(Stage::AfterSale),
            team_id: escalate.then(|| Some(s.supervisor_team_id.clone())),
            waiting_since: Some(Some(now)),
            ..Default::default()
        },
    )
    .await?;
    let key = new_token();
    let tracking = new_tracking(&mut tx, &n.kind).await?;
    let case = n.details().case(&conv.id, tracking, &email, now);
    store::create(&mut tx, &case, &key).await?;
    let meta = serde_json::json!({"case": {
        "tracking": case.tracking, "kind": case.kind, "category": case.category,
        "severity": case.severity, "order_ref": case.order_ref, "reason": case.reason,
        "resolution": case.resolution,
    }});
    let (first, _) = messages::append(
        &mut tx,
        &messages::NewMessage {
            conversation_id: &conv.id,
            kind: messages::kind::TEXT,
            author_kind: messages::author::CONTACT,
            author_id: Some(&contact),
            client_id: None,
            body: n.description.trim(),
            meta: &meta.to_string(),
        },
    )
    .await?;
    chat::bus::announce_in(state, &mut tx, &conv, first.seq, false).await?;
    let mut events = vec![];
    if escalate {
        let team = teams::get_team(&mut tx, &s.supervisor_team_id)
            .await?
            .map(|t| t.name)
            .unwrap_or_default();
        events.push(
            crate::chat::desk::record_event(
                state,
                &mut tx,
                &conv,
                messages::kind::ACTIVITY,
                None,
                &format!(
                    "Severity {} complaint escalated to team {team}",
                    case.severity
                ),
                serde_json::json!({"event": "escalated", "team": s.supervisor_team_id, "severity": case.severity}),
            )
            .await?,
        );
    }
    // The customer wrote: what follows is the same as for every channel (here: the SLA
    // clocks; the conversation is new, open and already waiting).
    events.extend(crate::customer_wrote::stage(state, &mut tx, &conv, &first, now).await?);
    if !email.is_empty() {
        crate::accounts::queue_mail(
            state,
            &mut tx,
            lang,
            &format!("case-filed-{}", case.kind),
            &email,
            &[
                ("tracking", case.tracking.clone()),
                ("link", status_link(state, &case.tracking, &key)),
            ],
        )
        .await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    let author = kefu_core::protocol::Author {
        kind: messages::author::CONTACT.into(),
        id: Some(contact),
        name: n.name.clone(),
    };
    chat::publish_message(state, &conv, &first, &author);
    crate::customer_wrote::committed(state, &conv, &events).await;
    let url = status_link(state, &case.tracking, &key);
    Ok(Filed {
        tracking: case.tracking,
        key,
        url,
    })
}

pub async fn new_tracking(tx: &mut Tx, kind: &str) -> Result<String> {
    for _ in 0..5 {
        let t = rules::new_tracking(check_kind(kind)?);
        if store::by_tracking(&mut *tx, &t).await?.is_none() {
            return Ok(t);
        }
    }
    Err(Error::Internal("no free tracking number".into()))
}

/// Mails a six-digit code that proves the address on the public form (limited per address
/// and per IP; valid for [`CODE_TTL`]).
pub async fn send_code(state: &Service, ip: &str, r: &CodeRequest) -> Result<()> {
    let email = kefu_core::validate::email(&r.email)
        .map_err(|_| Error::invalid(ErrorCode::InvalidEmail, "this is not an e-mail address"))?;
    let lim = |k: String, rule| state.limiter.hit(&k, rule).map_err(Error::RateLimited);
    lim(format!("case-code:ip:{ip}"), CODES_PER_IP)?;
    lim(format!("case-code:to:{email}"), CODES_PER_ADDRESS)?;
    let code = kefu_core::id::numeric_code(6);
    let lang = Lang::parse(&r.lang).unwrap_or(Lang::ZhCn);
    let mut tx = state.db.begin().await?;
    tokens::issue_plain(
        &mut tx,
        Purpose::CaseEmail,
        &code_secret(&email, &code),
        &tokens::NewToken {
            email: &email,
            ttl_ms: CODE_TTL,
            ..Default::default()
        },
    )
    .await?;
    crate::accounts::queue_mail(state, &mut tx, lang, "case-code", &email, &[("code", code)])
        .await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(())
}
