//! Conversations as the API and the console read and open them: the filtered list, who may
//! read one (people by role and team, API tokens by scope), opening one, reading its messages,
//! everything the agent sees beside it (the customer card, the pages they browsed, their other
//! conversations), the customer search, live visitors, presence and notifications.

use kefu_core::Role;
use kefu_core::error::ErrorCode;
use kefu_core::time::now_ms;
use kefu_store::browsing::{self, LiveVisitor, PageView};
use kefu_store::conversations::{self, Conversation};
use kefu_store::messages::{self, Message};
use kefu_store::notifications::{self, Notification};
use kefu_store::people::{self, Person};
use kefu_store::presence::{self, AgentPresence};
use kefu_store::teams;
use serde::{Deserialize, Serialize};

use crate::accounts::caller::Caller;
use crate::chat::{self, Actor, desk};
use crate::{Error, Result, Service};

/// The caller as a signed-in person; tokens are refused (403), anyone else must sign in.
pub fn person(caller: &Caller) -> Result<&Person> {
    match caller {
        Caller::Person { user, .. } => Ok(user),
        Caller::Token { .. } => Err(Error::Forbidden),
        _ => Err(Error::Unauthorized),
    }
}

/// The staff member a request acts as: the signed-in staff member, or, for an API token that
/// holds `scope`, the admin who made it (the token acts on their behalf, seeing what they see;
/// a token whose maker is no longer active staff is refused). Anyone else: as
/// [`Caller::staff`].
pub async fn acting_staff(state: &Service, caller: &Caller, scope: &str) -> Result<Person> {
    match caller {
        Caller::Token { token } if token.has_scope(scope) => {
            kefu_store::people::get(&state.db, &token.created_by)
                .await?
                .filter(|p| p.active && p.role().is_staff())
                .ok_or(Error::Forbidden)
        }
        _ => caller.staff().cloned(),
    }
}

/// The caller as someone who acts in conversations (people and visitors; tokens read but do
/// not write).
pub fn actor(caller: &Caller) -> Result<Actor> {
    match caller {
        Caller::Person { user, .. } => Ok(Actor::Person(user.clone())),
        Caller::Visitor { visitor } => Ok(Actor::Visitor(visitor.clone())),
        Caller::Token { .. } => Err(Error::Forbidden),
        _ => Err(Error::Unauthorized),
    }
}

#[derive(Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ListQuery {
    /// `mine`, `unassigned`, `team` (with `team`) or `all` (everything the caller may see).
    /// `team`, `inbox` and `tag` narrow any view.
    #[serde(default)]
    pub view: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub inbox: String,
    #[serde(default)]
    pub tag: String,
    /// Part of the subject or of the customer's name, e-mail or phone.
    #[serde(default)]
    pub q: String,
    pub limit: Option<i64>,
}

/// Conversations the caller may see, filtered.
pub async fn list(
    state: &Service,
    caller: &Caller,
    q: &ListQuery,
) -> Result<Vec<conversations::Listed>> {
    let mut f = conversations::Filter {
        status: &q.status,
        stage: &q.stage,
        inbox: &q.inbox,
        tag: &q.tag,
        team: &q.team,
        search: &q.q,
        limit: q.limit.unwrap_or(200),
        ..Default::default()
    };
    let me = match caller {
        Caller::Token { .. } => String::new(),
        Caller::Person { user, .. } => user.id.clone(),
        _ => return Err(Error::Unauthorized),
    };
    f.reader = &me;
    if let Caller::Person { user, .. } = caller {
        match user.role() {
            Role::Customer => f.customer = &me,
            r if r.sees_all_inboxes() => {}
            _ => f.member = &me,
        }
    }
    match q.view.as_str() {
        // Tokens belong to nobody: they have no "mine".
        "mine" if !me.is_empty() => f.assignee = &me,
        "unassigned" => f.unassigned = true,
        "" | "all" | "team" => {}
        _ => {
            return Err(Error::invalid(
                ErrorCode::InvalidView,
                "view is mine, unassigned, team or all",
            ));
        }
    }
    Ok(conversations::list(&state.db, &f).await?)
}

/// The conversation if the caller may read it: a token with `conversations:read`, its
/// customer, staff who see every inbox, members of its inbox's teams. Everyone else gets
/// `NotFound`, as if it did not exist.
pub async fn readable(state: &Service, caller: &Caller, id: &str) -> Result<Conversation> {
    let c = conversations::get(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    let ok = match caller {
        Caller::Token { token } => token.has_scope("conversations:read"),
        Caller::Person { user, .. } => match user.role() {
            Role::Customer => c.customer_id.as_deref() == Some(user.id.as_str()),
            r if r.sees_all_inboxes() => true,
            _ => teams::is_member_of_inbox(&state.db, &user.id, &c.inbox_id).await?,
        },
        _ => false,
    };
    if ok { Ok(c) } else { Err(Error::NotFound) }
}

/// Messages after a sequence number for the caller (tokens with `conversations:read` see
/// notes, like staff), at most `limit` (default 200, up to 500).
pub async fn messages(
    state: &Service,
    caller: &Caller,
    id: &str,
    after: i64,
    limit: Option<i64>,
) -> Result<Vec<Message>> {
    if let Caller::Token { .. } = caller {
        let c = readable(state, caller, id).await?;
        let limit = limit.unwrap_or(200).clamp(1, 500);
        return Ok(messages::after(&state.db, &c.id, after, limit, true).await?);
    }
    chat::widget::messages_after(state, &actor(caller)?, id, after, limit).await
}

/// Staff or a token open a conversation in an inbox they work, for a customer (or nobody yet).
pub async fn open(
    state: &Service,
    caller: &Caller,
    inbox_id: &str,
    customer_id: Option<&str>,
    subject: &str,
) -> Result<Conversation> {
    let inbox = teams::get_inbox(&state.db, inbox_id)
        .await?
        .ok_or(Error::NotFound)?;
    if let Some(u) = caller.user()
        && !u.role().sees_all_inboxes()
        && !teams::is_member_of_inbox(&state.db, &u.id, &inbox.id).await?
    {
        return Err(Error::NotFound);
    }
    if let Some(cid) = customer_id {
        people::get(&state.db, cid)
            .await?
            .filter(|c| c.role() == Role::Customer)
            .ok_or_else(|| Error::invalid(ErrorCode::InvalidCustomer, "no such customer"))?;
    }
    let subject: String = subject.trim().chars().take(200).collect();
    Ok(conversations::create(&state.db, &inbox.id, customer_id, &subject).await?)
}

/// Everything the agent sees beside a conversation.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationContext {
    pub conversation: Conversation,
    pub customer: Option<CustomerCard>,
    /// Pages the customer browsed, newest first.
    pub trail: Vec<PageView>,
    /// Their other conversations, in every channel, that the agent may see.
    pub past: Vec<Conversation>,
    /// Place in the queue (0: not waiting).
    pub queue_position: i64,
    pub assignee_name: Option<String>,
    /// The inbox's channel: `widget` or `email` (replies then go out by mail).
    pub channel: String,
    /// The service-level clock, if a policy applies.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub sla: Option<kefu_store::sla::Clock>,
    /// The complaint or claim this conversation is, with the statuses it may move to.
    pub case: Option<crate::tickets::cases::StaffCase>,
    /// For an e-mail conversation: To and CC of a reply to all, as a mail client fills them.
    pub reply_all: Option<crate::mail::replies::ReplyAll>,
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerCard {
    pub id: String,
    pub name: String,
    /// The account's address, else the one left in the widget.
    pub email: String,
    pub phone: String,
    pub language: String,
    /// Signed in or vouched for by the shop's signature (an anonymous visitor is not).
    pub verified: bool,
    pub external_id: Option<String>,
    pub created_at: i64,
}

impl CustomerCard {
    /// The card of `c`, reachable at `email`.
    pub(crate) fn of(c: Person, email: String) -> CustomerCard {
        CustomerCard {
            verified: c.email_verified_at.is_some() || c.external_id.is_some(),
            id: c.id,
            name: c.name,
            email,
            phone: c.phone,
            language: c.language,
            external_id: c.external_id,
            created_at: c.created_at,
        }
    }
}

/// The sidebar of a conversation, for staff who may open it.
pub async fn context(state: &Service, user: &Person, id: &str) -> Result<ConversationContext> {
    if !user.role().is_staff() {
        return Err(Error::NotFound);
    }
    let actor = Actor::Person(user.clone());
    let conv = chat::visible(state, &actor, id).await?;
    let mut customer = None;
    let mut trail = vec![];
    let mut past = vec![];
    if let Some(cid) = &conv.customer_id
        && let Some(c) = people::get(&state.db, cid).await?
    {
        let email = people::reply_address(&state.db, cid)
            .await?
            .unwrap_or_default();
        customer = Some(CustomerCard::of(c, email));
        trail = browsing::trail_of_customer(&state.db, cid, 50).await?;
        // One customer across channels: also the records that share their address (shown to
        // staff only; an unverified address never gives the visitor anyone else's history).
        let mut contacts = vec![cid.clone()];
        if let Some(c) = &customer
            && !c.email.is_empty()
        {
            for other in people::customers_at_address(&state.db, &c.email).await? {
                if !contacts.contains(&other) {
                    contacts.push(other);
                }
            }
        }
        for contact in &contacts {
            for other in conversations::list_for_customer(&state.db, contact).await? {
                if other.id != conv.id && chat::visible(state, &actor, &other.id).await.is_ok() {
                    past.push(other);
                }
            }
        }
        past.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
    }
    let assignee_name = match &conv.assignee_id {
        Some(a) => people::get(&state.db, a)
            .await?
            .map(|u| u.display_name().to_string()),
        None => None,
    };
    let channel = teams::get_inbox(&state.db, &conv.inbox_id)
        .await?
        .map(|i| i.channel.as_str().to_string())
        .unwrap_or_default();
    let case = kefu_store::cases::get(&state.db, &conv.id)
        .await?
        .map(crate::tickets::cases::StaffCase::of);
    Ok(ConversationContext {
        reply_all: crate::mail::replies::reply_all_of(state, &conv).await?,
        sla: kefu_store::sla::get(&state.db, &conv.id).await?,
        case,
        channel,
        queue_position: conversations::queue_position(&state.db, &conv).await?,
        conversation: conv,
        customer,
        trail,
        past,
        assignee_name,
    })
}

/// Customers whose name, e-mail address or phone number contains `q` (two characters at least).
pub async fn search_customers(state: &Service, q: &str) -> Result<Vec<CustomerCard>> {
    if q.trim().chars().count() < 2 {
        return Err(Error::invalid(
            ErrorCode::QueryTooShort,
            "search with at least two characters",
        ));
    }
    let found = people::search_customers(&state.db, q, 50).await?;
    Ok(found
        .into_iter()
        .map(|c| {
            let email = c.email.clone();
            CustomerCard::of(c, email)
        })
        .collect())
}

/// Visitors seen in the last two minutes in the inboxes the agent works.
pub async fn live_visitors(state: &Service, user: &Person) -> Result<Vec<LiveVisitor>> {
    let inboxes: Vec<String> = if user.role().sees_all_inboxes() {
        vec![]
    } else {
        let mine: Vec<String> = teams::inboxes_of_member(&state.db, &user.id)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        if mine.is_empty() {
            return Ok(vec![]);
        }
        mine
    };
    Ok(browsing::live(&state.db, now_ms() - 2 * 60_000, &inboxes).await?)
}

/// Every agent's presence.
pub async fn agents(state: &Service) -> Result<Vec<AgentPresence>> {
    Ok(presence::list(&state.db).await?)
}

/// An agent sets their presence (`online`, `away`, `offline`) and, if given, how many open
/// conversations auto-assignment gives them (1-100).
pub async fn set_presence(
    state: &Service,
    user: &Person,
    presence: &str,
    max_chats: Option<i64>,
) -> Result<AgentPresence> {
    if let Some(n) = max_chats {
        if !(1..=100).contains(&n) {
            return Err(Error::invalid(
                ErrorCode::InvalidCapacity,
                "max_chats is 1 to 100",
            ));
        }
        presence::set_capacity(&state.db, &user.id, n).await?;
    }
    desk::set_presence(state, user, presence).await?;
    presence::get(&state.db, &user.id)
        .await?
        .ok_or(Error::NotFound)
}

/// The person's latest 50 notifications.
pub async fn notifications(state: &Service, user: &Person) -> Result<Vec<Notification>> {
    Ok(notifications::list(&state.db, &user.id, 50).await?)
}

/// Marks one of the person's notifications read.
pub async fn read_notification(state: &Service, user: &Person, id: &str) -> Result<()> {
    if notifications::mark_read(&state.db, &user.id, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// A customer's own conversations and cases, for their account page.
pub async fn own_history(
    state: &Service,
    user: &Person,
) -> Result<(Vec<Conversation>, Vec<kefu_store::cases::Case>)> {
    Ok((
        conversations::list_for_customer(&state.db, &user.id).await?,
        kefu_store::cases::of_customer(&state.db, &user.id).await?,
    ))
}

/// The latest 500 messages of a conversation the person may see (no notes), each with its
/// frame (author names resolved), for a printable transcript.
pub async fn transcript(
    state: &Service,
    user: &Person,
    id: &str,
) -> Result<(
    Conversation,
    Vec<(Message, kefu_core::protocol::ServerFrame)>,
)> {
    let c = chat::visible(state, &Actor::Person(user.clone()), id).await?;
    let msgs = messages::last(&state.db, &c.id, 500, false).await?;
    let frames = chat::frames_for(state, &msgs).await?;
    Ok((c, msgs.into_iter().zip(frames).collect()))
}
