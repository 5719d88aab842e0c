//! What a visitor does through the widget: get a visitor record, open conversations, read
//! messages, say who they are (pre-chat form, offline message, the shop's signature), report the
//! pages they browse (proactive invitations), see their place in the queue, and have the
//! conversation mailed to them.

use kefu_core::Role;
use kefu_core::conversation::Status;
use kefu_core::error::ErrorCode;
use kefu_store::conversations::{self, Conversation};
use kefu_store::messages::{self, Message};
use kefu_store::people::{self, NewPerson};
use kefu_store::visitors::{self, Visitor};
use serde::{Deserialize, Serialize};

use crate::accounts::Origin;
use crate::accounts::caller::Caller;
use crate::chat::{self, Actor, desk};
use crate::limits::Rule;
use crate::{Error, Result, Service};

const PAGES_PER_VISITOR: Rule = Rule::per_minutes(60, 1);
const TRANSCRIPTS_PER_VISITOR: Rule = Rule::per_minutes(5, 60);

/// The visitor behind a widget request, or 401.
pub fn visitor(caller: &Caller) -> Result<&Visitor> {
    match caller {
        Caller::Visitor { visitor } => Ok(visitor),
        _ => Err(Error::Unauthorized),
    }
}

fn limit_new_conversation(state: &Service, v: &Visitor, ip: &str) -> Result<()> {
    state
        .limiter
        .hit(
            &format!("conv:visitor:{}", v.id),
            Rule::per_minutes(state.config.conversations_per_visitor, 10),
        )
        .and_then(|()| {
            // Many visitors may share one address (an office, a mobile carrier): the IP's
            // ceiling is far above a visitor's.
            state.limiter.hit(
                &format!("conv:ip:{ip}"),
                Rule::per_minutes(state.config.conversations_per_ip, 10),
            )
        })
        .map_err(Error::RateLimited)
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitorSession {
    /// Keep it (the widget stores it in its own storage) and send it as `X-Kefu-Visitor`.
    pub visitor_token: String,
    pub customer_id: String,
    /// The same as `customer_id`, under its name before issue 18, for existing clients.
    #[cfg_attr(feature = "openapi", schema(deprecated))]
    pub contact_id: String,
}

/// A new anonymous visitor of a widget inbox, with a customer record of their own.
pub async fn create_visitor(state: &Service, inbox_id: &str, ip: &str) -> Result<VisitorSession> {
    state
        .limiter
        .hit(
            &format!("visitor:ip:{ip}"),
            Rule::per_minutes(state.config.visitors_per_ip, 10),
        )
        .map_err(Error::RateLimited)?;
    let inbox = desk::widget_inbox(state, inbox_id).await?;
    let mut tx = state.db.begin().await?;
    let contact = people::insert(
        &mut tx,
        &NewPerson {
            role: Some(Role::Customer),
            ..Default::default()
        },
    )
    .await?;
    let (token, _) = visitors::create(&mut tx, &inbox.id, &contact.id).await?;
    tx.commit().await?;
    Ok(VisitorSession {
        visitor_token: token,
        contact_id: contact.id.clone(),
        customer_id: contact.id,
    })
}

/// The visitor's conversations in this widget, newest first.
pub async fn conversations(state: &Service, v: &Visitor) -> Result<Vec<Conversation>> {
    Ok(conversations::list_for_customer_in_inbox(&state.db, &v.customer_id, &v.inbox_id).await?)
}

/// A new conversation, its subject cut to 200 characters.
pub async fn create_conversation(
    state: &Service,
    v: &Visitor,
    ip: &str,
    subject: &str,
) -> Result<Conversation> {
    limit_new_conversation(state, v, ip)?;
    let subject: String = subject.trim().chars().take(200).collect();
    Ok(conversations::create(&state.db, &v.inbox_id, Some(&v.customer_id), &subject).await?)
}

/// Messages after a sequence number, for whoever may see the conversation (notes only for
/// staff), at most `limit` (default 200, up to 500).
pub async fn messages_after(
    state: &Service,
    actor: &Actor,
    id: &str,
    after: i64,
    limit: Option<i64>,
) -> Result<Vec<Message>> {
    let c = chat::visible(state, actor, id).await?;
    let limit = limit.unwrap_or(200).clamp(1, 500);
    Ok(messages::after(&state.db, &c.id, after, limit, actor.is_staff()).await?)
}

// ---- Availability, pre-chat and offline forms, identity ----------------------------------

#[derive(Serialize)]
pub struct WidgetStatus {
    #[serde(flatten)]
    pub availability: desk::Availability,
    /// `off`, `optional` or `required`.
    pub prechat: String,
    pub greeting: String,
    pub offline_message: String,
    pub customer: WidgetCustomer,
}

#[derive(Serialize)]
pub struct WidgetCustomer {
    pub id: String,
    pub name: String,
    pub email: String,
    /// Signed in through the shop's signature.
    pub verified: bool,
}

/// What the widget shows: the live chat or the offline form, and whether to ask who they are.
pub async fn status(state: &Service, v: &Visitor) -> Result<WidgetStatus> {
    let settings = desk::InboxSettings::load(state, &v.inbox_id).await?;
    let contact = people::get(&state.db, &v.customer_id).await?;
    let email = people::reply_address(&state.db, &v.customer_id)
        .await?
        .unwrap_or_default();
    Ok(WidgetStatus {
        availability: desk::availability(state, &v.inbox_id).await?,
        prechat: settings.prechat,
        greeting: settings.greeting,
        offline_message: settings.offline_message,
        customer: WidgetCustomer {
            id: v.customer_id.clone(),
            verified: contact.as_ref().is_some_and(|c| c.external_id.is_some()),
            name: contact.map(|c| c.name).unwrap_or_default(),
            email,
        },
    })
}

fn checked_details(name: &str, email: &str) -> Result<(String, String)> {
    let name = if name.trim().is_empty() {
        String::new()
    } else {
        kefu_core::validate::name(name)?
    };
    let email = if email.trim().is_empty() {
        String::new()
    } else {
        kefu_core::validate::email(email)?
    };
    Ok((name, email))
}

/// The pre-chat form: the visitor says who they are (a known customer record from now on).
pub async fn set_customer(state: &Service, v: &Visitor, name: &str, email: &str) -> Result<()> {
    let (name, email) = checked_details(name, email)?;
    people::set_customer_details(&state.db, &v.customer_id, &name, &email).await?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfflineMessage {
    #[serde(default)]
    pub name: String,
    pub email: String,
    pub message: String,
}

/// When nobody is online: the visitor leaves a message and an address; the reply goes there.
pub async fn leave_message(
    state: &Service,
    v: &Visitor,
    ip: &str,
    m: &OfflineMessage,
) -> Result<Conversation> {
    limit_new_conversation(state, v, ip)?;
    if m.email.trim().is_empty() {
        return Err(Error::invalid(
            ErrorCode::EmailRequired,
            "leave an e-mail address for the reply",
        ));
    }
    let (name, email) = checked_details(&m.name, &m.email)?;
    kefu_core::protocol::check_body(&m.message)?;
    people::set_customer_details(&state.db, &v.customer_id, &name, &email).await?;
    let subject: String = m.message.trim().chars().take(80).collect();
    let c = conversations::create(&state.db, &v.inbox_id, Some(&v.customer_id), &subject).await?;
    let actor = Actor::Visitor(v.clone());
    chat::store_message(
        state,
        &actor,
        &c,
        Some(&kefu_core::id::new_id()),
        messages::kind::TEXT,
        m.message.trim(),
        r#"{"offline":true}"#,
    )
    .await?;
    conversations::get(&state.db, &c.id)
        .await?
        .ok_or(Error::NotFound)
}

/// The shop vouches for the visitor (HMAC signature): from now on they are that customer and
/// see that customer's conversations; what they wrote anonymously moves with them. Returns the
/// customer's id.
pub async fn identify(
    state: &Service,
    v: &Visitor,
    id: &kefu_core::identity::SignedIdentity,
    origin: &Origin,
) -> Result<String> {
    let customer = crate::accounts::verified_customer(state, id, origin).await?;
    if customer.id != v.customer_id {
        let mut tx = state.db.begin().await?;
        conversations::reassign_customer(&mut tx, &v.customer_id, &customer.id).await?;
        visitors::set_customer(&mut tx, &v.id, &customer.id).await?;
        tx.commit().await?;
    }
    Ok(customer.id)
}

// ---- Browse consult ---------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageReport {
    pub url: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub referrer: String,
}

#[derive(Serialize)]
pub struct PageAnswer {
    pub view_id: String,
    /// A proactive greeting to open after `after_seconds` on this page.
    pub invitation: Option<Invitation>,
}

#[derive(Serialize)]
pub struct Invitation {
    pub message: String,
    pub after_seconds: i64,
}

fn web_url(s: &str) -> Option<String> {
    let s = s.trim();
    ((s.starts_with("https://") || s.starts_with("http://")) && s.len() <= 2000)
        .then(|| s.to_string())
}

/// The widget reports the page the visitor opened; the answer may carry an invitation, made
/// only when someone can answer and the visitor is not chatting already.
pub async fn report_page(state: &Service, v: &Visitor, p: &PageReport) -> Result<PageAnswer> {
    state
        .limiter
        .hit(&format!("pages:visitor:{}", v.id), PAGES_PER_VISITOR)
        .map_err(Error::RateLimited)?;
    let url =
        web_url(&p.url).ok_or_else(|| Error::invalid(ErrorCode::InvalidUrl, "an http(s) URL"))?;
    let referrer = web_url(&p.referrer).unwrap_or_default();
    let title: String = p.title.trim().chars().take(300).collect();
    let today = kefu_core::time::now_ms() / kefu_core::time::DAY * kefu_core::time::DAY;
    let returning = kefu_store::browsing::earlier_visits(&state.db, &v.id, today).await? > 0;
    let view = kefu_store::browsing::open_page(&state.db, &v.id, &url, &title, &referrer).await?;
    visitors::touch(&state.db, v).await?;
    let chatting =
        conversations::list_for_customer_in_inbox(&state.db, &v.customer_id, &v.inbox_id)
            .await?
            .iter()
            .any(|c| c.status != Status::Resolved);
    let mut invitation = None;
    if !chatting && desk::availability(state, &v.inbox_id).await?.open {
        for r in kefu_store::browsing::rules(&state.db, &v.inbox_id).await? {
            if kefu_store::browsing::matches(&r.url_pattern, &url)
                && (!r.returning_only || returning)
            {
                invitation = Some(Invitation {
                    message: r.message,
                    after_seconds: r.min_seconds,
                });
                break;
            }
        }
    }
    Ok(PageAnswer {
        view_id: view.id,
        invitation,
    })
}

/// The visitor is still on the page (sent every 30 s while it is visible).
pub async fn page_ping(state: &Service, v: &Visitor, view_id: &str) -> Result<()> {
    state
        .limiter
        .hit(&format!("pages:visitor:{}", v.id), PAGES_PER_VISITOR)
        .map_err(Error::RateLimited)?;
    if kefu_store::browsing::still_on(&state.db, &v.id, view_id).await? {
        visitors::touch(&state.db, v).await?;
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

// ---- Queue, transcript ------------------------------------------------------------------

/// The conversation's place in the queue: 1 for the next in line; 0 when an agent has it (or
/// it is not waiting).
pub async fn queue_position(state: &Service, v: &Visitor, id: &str) -> Result<i64> {
    let c = chat::visible(state, &Actor::Visitor(v.clone()), id).await?;
    Ok(conversations::queue_position(&state.db, &c).await?)
}

/// Mails the conversation to the visitor (e-mail assistance, 邮件辅助), who becomes reachable
/// at that address.
pub async fn transcript(state: &Service, v: &Visitor, id: &str, email: &str) -> Result<()> {
    let c = chat::visible(state, &Actor::Visitor(v.clone()), id).await?;
    let email = kefu_core::validate::email(email)?;
    state
        .limiter
        .hit(
            &format!("transcript:visitor:{}", v.id),
            TRANSCRIPTS_PER_VISITOR,
        )
        .map_err(Error::RateLimited)?;
    people::set_customer_details(&state.db, &v.customer_id, "", &email).await?;
    desk::mail_transcript(state, &c, &email).await
}
