//! Live chat's moving parts: who may act in a conversation, sending a message (shared by the
//! socket and the HTTP API), turning stored messages into protocol frames, this instance's
//! fan-out (the hub), the cross-instance bus, group commit, socket tokens, and the desk's work on
//! conversations (events, assignment, routing chores).

pub mod bus;
pub mod commit;
pub mod connection;
pub mod customers;
pub mod desk;
pub mod hub;
pub mod queries;
pub mod token;
pub mod widget;

use kefu_core::ErrorCode;
use kefu_core::kinds::MessageKind;
use std::collections::HashMap;

use kefu_core::Role;
use kefu_core::protocol::{self, Author, ServerFrame};
use kefu_store::conversations::{self, Conversation};
use kefu_store::messages::{self, Message};
use kefu_store::people::{self, Person};
use kefu_store::teams;
use kefu_store::visitors::Visitor;

use crate::Service;
use crate::chat::hub::{ConnId, Event, Outbound};
use crate::limits::Rule;
use crate::{Error, Result};

/// Someone acting in conversations: a widget visitor or a signed-in person.
#[derive(Debug, Clone)]
pub enum Actor {
    Visitor(Visitor),
    Person(Person),
}

impl Actor {
    pub fn is_staff(&self) -> bool {
        matches!(self, Actor::Person(u) if u.role().is_staff())
    }

    /// The id under which reads are recorded: the contact for customers, the user for staff.
    pub fn reader_id(&self) -> &str {
        match self {
            Actor::Visitor(v) => &v.customer_id,
            Actor::Person(u) => &u.id,
        }
    }

    pub fn author(&self) -> Author {
        match self {
            Actor::Visitor(v) => Author {
                kind: messages::author::CONTACT.into(),
                id: Some(v.customer_id.clone()),
                name: String::new(),
            },
            Actor::Person(u) => Author {
                kind: if u.role().is_staff() {
                    messages::author::AGENT.into()
                } else {
                    messages::author::CONTACT.into()
                },
                id: Some(u.id.clone()),
                name: u.display_name().to_string(),
            },
        }
    }
}

/// The conversation if the actor may see it; `NotFound` otherwise, exactly as if it did not
/// exist.
pub async fn visible(
    state: &Service,
    actor: &Actor,
    conversation_id: &str,
) -> Result<Conversation> {
    let c = conversations::get(&state.db, conversation_id)
        .await?
        .ok_or(Error::NotFound)?;
    let ok = match actor {
        Actor::Visitor(v) => {
            c.customer_id.as_deref() == Some(v.customer_id.as_str()) && c.inbox_id == v.inbox_id
        }
        Actor::Person(u) => match u.role() {
            Role::Customer => c.customer_id.as_deref() == Some(u.id.as_str()),
            r if r.sees_all_inboxes() => true,
            _ => teams::is_member_of_inbox(&state.db, &u.id, &c.inbox_id).await?,
        },
    };
    if ok { Ok(c) } else { Err(Error::NotFound) }
}

/// Messages from one IP address a minute, from customers and visitors (staff often share an
/// office's address): ten times `messages_per_minute`, so that the senders one address may
/// create (visitors and sign-ups are limited per IP too) cannot multiply a sender's limit
/// without bound. Called by every door a message comes in by, before [`send`].
pub fn limit_address(state: &Service, actor: &Actor, ip: &str) -> Result<()> {
    if actor.is_staff() {
        return Ok(());
    }
    let rule = Rule::per_minutes(state.config.messages_per_minute.saturating_mul(10), 1);
    state
        .limiter
        .hit(&format!("msg:ip:{ip}"), rule)
        .map_err(Error::RateLimited)
}

/// One sender's messages a minute: `messages_per_minute` for customers and visitors, five
/// times that for staff. A refusal stores nothing; the client sends again after the wait.
fn limit_sender(state: &Service, actor: &Actor) -> Result<()> {
    let per_minute = state
        .config
        .messages_per_minute
        .saturating_mul(if actor.is_staff() { 5 } else { 1 });
    let rule = Rule::per_minutes(per_minute, 1);
    state
        .limiter
        .hit(&format!("msg:{}", actor.reader_id()), rule)
        .map_err(Error::RateLimited)
}

/// Sends a message: checked, committed, then announced. Returns the message and whether it is
/// new (`false`: this client id was already sent, and the stored message is returned).
pub async fn send(
    state: &Service,
    actor: &Actor,
    conversation_id: &str,
    client_id: &str,
    body: &str,
    note: bool,
    accept_warnings: bool,
) -> Result<(Message, bool)> {
    send_queued(
        state,
        actor,
        conversation_id,
        client_id,
        body,
        note,
        accept_warnings,
    )
    .await?
    .await
}

/// What a queued send resolves to once its transaction committed.
pub type Sending = futures_util::future::BoxFuture<'static, Result<(Message, bool)>>;

/// [`send`] in two steps, so one connection can have several messages on their way without
/// reordering them: this checks the message and queues it for commit (in the order of the
/// calls), and the returned future waits for the commit. A refusal (bad input, no access, the
/// quality gate, load shedding) comes from the first step.
pub async fn send_queued(
    state: &Service,
    actor: &Actor,
    conversation_id: &str,
    client_id: &str,
    body: &str,
    note: bool,
    accept_warnings: bool,
) -> Result<Sending> {
    protocol::check_client_id(client_id)?;
    protocol::check_body(body)?;
    limit_sender(state, actor)?;
    // Load shedding first: a refusal must cost less than the work it saves.
    let place = commit::admit(state)?;
    let conv = visible(state, actor, conversation_id).await?;
    if note && !actor.is_staff() {
        return Err(Error::invalid(
            ErrorCode::NotesStaffOnly,
            "only staff write private notes",
        ));
    }
    let kind = if note {
        messages::kind::NOTE
    } else {
        messages::kind::TEXT
    };
    // An agent's reply to the customer passes the forbidden-phrase guard first; a resend of a
    // stored message is not checked again.
    let check = match actor {
        Actor::Person(agent) if actor.is_staff() && !note => {
            if let Some(m) = messages::by_client_id(&state.db, &conv.id, client_id).await? {
                return Ok(Box::pin(async move { Ok((m, false)) }));
            }
            let channel = if crate::mail::is_mail_inbox(state, &conv.inbox_id).await? {
                "email"
            } else {
                "chat"
            };
            let verdict = crate::quality::check_reply(state, body).await?;
            crate::quality::gate(
                state,
                agent,
                &conv,
                channel,
                body,
                &verdict,
                accept_warnings,
            )
            .await?;
            Some((agent.clone(), channel, verdict))
        }
        _ => None,
    };
    let job = commit::Job {
        actor: actor.clone(),
        conv: conv.clone(),
        client_id: Some(client_id.to_string()),
        kind,
        body: body.to_string(),
        meta: String::new(),
        mail: None,
    };
    let committed = commit::enqueue(state, job, place).await?;
    let state = state.clone();
    let body = body.to_string();
    Ok(Box::pin(async move {
        let sent = committed.await?;
        if let Some((agent, channel, verdict)) = check
            && sent.1
        {
            // In a task of its own: this future waits in the sender's socket loop, which is not
            // polling it while it handles the next frame; holding (or queueing for) the one
            // SQLite writer here while that frame wants it too deadlocked both until the
            // pool's 30 s timeout (the browser tests' lost read receipt, under load).
            tokio::spawn(async move {
                if let Err(e) =
                    crate::quality::record_sent(&state, &agent, &conv, channel, &body, &verdict)
                        .await
                {
                    tracing::warn!(error = %e, "the quality check of a sent reply was not recorded");
                }
            });
        }
        Ok(sent)
    }))
}

/// Stores a message the actor may write in `conv` and does what follows from it, in the same
/// transaction: a customer's message reopens a closed conversation and queues it for an agent;
/// an agent's reply takes an unassigned conversation and is mailed to a customer who does not
/// read it in the chat. Then it is announced, and mentions in notes notify.
pub async fn store_message(
    state: &Service,
    actor: &Actor,
    conv: &Conversation,
    client_id: Option<&str>,
    kind: MessageKind,
    body: &str,
    meta: &str,
) -> Result<(Message, bool)> {
    store_message_with(state, actor, conv, client_id, kind, body, meta, None).await
}

/// [`store_message`] with the agent's choices for a mail reply (recipients, signature, files)
/// in an e-mail conversation; without them the reply goes to the customer.
///
/// Messages from many senders share transactions (group commit, [`commit`]): each is
/// acknowledged only after the transaction holding it committed.
#[allow(clippy::too_many_arguments)]
pub async fn store_message_with(
    state: &Service,
    actor: &Actor,
    conv: &Conversation,
    client_id: Option<&str>,
    kind: MessageKind,
    body: &str,
    meta: &str,
    mail: Option<&crate::mail::MailOptions>,
) -> Result<(Message, bool)> {
    let job = commit::Job {
        actor: actor.clone(),
        conv: conv.clone(),
        client_id: client_id.map(str::to_string),
        kind,
        body: body.to_string(),
        meta: meta.to_string(),
        mail: mail.cloned(),
    };
    commit::submit(state, job).await
}

/// A message stored in a transaction that has not committed yet, and what to announce once it
/// has.
pub struct Staged {
    pub msg: Message,
    pub fresh: bool,
    events: Vec<Message>,
}

/// Stores one message and what follows from it in `tx` (see [`store_message`]); nothing is
/// announced until [`finish`] after the commit.
pub async fn stage(state: &Service, tx: &mut kefu_store::Tx, j: &commit::Job) -> Result<Staged> {
    let author = j.actor.author();
    let (msg, fresh) = messages::append(&mut *tx, &j.new_message(&author)).await?;
    stage_stored(state, tx, j, msg, fresh).await
}

/// What a stored message brings with it in its transaction (reopening, SLA clocks, claims,
/// mail), after [`messages::append`] or [`messages::append_many`] stored it.
pub async fn stage_stored(
    state: &Service,
    tx: &mut kefu_store::Tx,
    j: &commit::Job,
    msg: Message,
    fresh: bool,
) -> Result<Staged> {
    let (actor, conv) = (&j.actor, &j.conv);
    if !fresh {
        return Ok(Staged {
            msg,
            fresh,
            events: vec![],
        });
    }
    bus::announce_in(state, tx, conv, msg.seq, msg.is_internal()).await?;
    let mut events = vec![];
    let now = kefu_core::time::now_ms();
    if !actor.is_staff() {
        events = crate::customer_wrote::stage(state, tx, conv, &msg, now).await?;
    } else if let Actor::Person(agent) = actor
        && !msg.is_internal()
    {
        if conv.assignee_id.is_none() && conversations::claim(&mut *tx, &conv.id, &agent.id).await?
        {
            events.push(crate::chat::desk::record_joined(state, tx, conv, agent).await?);
        }
        if crate::customer_wrote::is_words_or_files(&msg) {
            crate::tickets::sla::on_agent_reply(state, tx, conv, now).await?;
        }
        // Only an agent's visible reply asks which channel the inbox is.
        let mail_inbox = teams::get_inbox(&mut *tx, &conv.inbox_id)
            .await?
            .is_some_and(|i| i.channel == crate::mail::CHANNEL);
        if !mail_inbox {
            mail_reply_later(state, tx, conv, agent, &msg).await?;
        } else if msg.kind == messages::kind::TEXT {
            // Files go out with the mail that names them (`attachment_ids`).
            let opts = j.mail.clone().unwrap_or_default();
            crate::mail::queue(state, tx, conv, agent, &msg, &opts).await?;
            state.outbox_wake.notify_one();
        }
    }
    Ok(Staged { msg, fresh, events })
}

/// Announces a committed message and what came with it.
pub async fn finish(state: &Service, j: &commit::Job, s: &Staged) {
    if !s.fresh {
        return;
    }
    let (actor, conv) = (&j.actor, &j.conv);
    publish_message(state, conv, &s.msg, &actor.author());
    if actor.is_staff() {
        crate::chat::desk::publish_all(state, conv, &s.events).await;
    } else {
        crate::customer_wrote::committed(state, conv, &s.events).await;
    }
    if let Actor::Person(agent) = actor
        && s.msg.kind == messages::kind::NOTE
    {
        crate::chat::desk::notify_mentions(state, conv, agent, &j.body).await;
    }
}

/// One message in a transaction of its own (the path when nobody else is writing, and the
/// fallback when a shared transaction failed).
pub async fn store_alone(state: &Service, j: &commit::Job) -> Result<(Message, bool)> {
    store_alone_then(state, j, |_| {}).await
}

/// [`store_alone`], calling `committed` with the new message after its commit and before it
/// is announced (so the sender's acknowledgement can go out ahead of its own echo).
pub async fn store_alone_then(
    state: &Service,
    j: &commit::Job,
    committed: impl FnOnce(&Message),
) -> Result<(Message, bool)> {
    let mut tx = state.db.begin().await?;
    let s = match stage(state, &mut tx, j).await {
        Ok(s) => s,
        // Two sends of one client id raced; the other committed first. Return it.
        Err(Error::Conflict(ErrorCode::Conflict, _)) => {
            drop(tx);
            let mut tx = state.db.begin().await?;
            let author = j.actor.author();
            let r = messages::append(&mut tx, &j.new_message(&author)).await?;
            tx.commit().await?;
            return Ok(r);
        }
        Err(e) => return Err(e),
    };
    if !s.fresh {
        return Ok((s.msg, false));
    }
    tx.commit().await?;
    committed(&s.msg);
    finish(state, j, &s).await;
    Ok((s.msg, true))
}

/// Queues an agent's reply to go to the customer by mail unless they read it in the chat
/// first (widget conversations of customers who left an address).
async fn mail_reply_later(
    state: &Service,
    tx: &mut kefu_store::Tx,
    conv: &Conversation,
    agent: &Person,
    msg: &Message,
) -> Result<()> {
    let Some(contact) = &conv.customer_id else {
        return Ok(());
    };
    let Some(to) = people::reply_address(&mut *tx, contact).await? else {
        return Ok(());
    };
    let (lang, shop, _) = crate::chat::desk::mail_context_in(tx, contact).await?;
    let line = if msg.kind == messages::kind::ATTACHMENT {
        format!("{}: [{}]", agent.display_name(), msg.body)
    } else {
        format!("{}: {}", agent.display_name(), msg.body)
    };
    // The body holds the replies only, so that replies waiting together merge into one mail;
    // the worker wraps them in the greeting when it sends (`desk::prepare_chat_reply`).
    let (subject, _) = crate::accounts::mail_text(state, lang, "chat-reply", &[("shop", shop)]);
    kefu_store::outbox::enqueue_reply(
        tx,
        &to,
        &subject,
        &line,
        &conv.id,
        msg.seq,
        kefu_core::time::now_ms() + state.config.reply_mail_delay_ms,
    )
    .await?;
    Ok(())
}

pub fn message_frame(m: &Message, author: Author) -> ServerFrame {
    ServerFrame::Message {
        conversation: m.conversation_id.clone(),
        seq: m.seq,
        id: m.id.clone(),
        kind: m.kind,
        author,
        body: m.body.clone(),
        meta: m.meta.clone(),
        created_at: m.created_at,
        cid: m.client_id.clone(),
    }
}

/// Announces a committed message to this instance's connections.
pub fn publish_message(state: &Service, conv: &Conversation, m: &Message, author: &Author) {
    let frame = message_frame(m, author.clone());
    state.hub.publish(&Event {
        inbox_id: conv.inbox_id.as_str().into(),
        customer_id: conv.customer_id.as_deref().map(Into::into),
        origin: None,
        frame: Outbound {
            conversation: m.conversation_id.as_str().into(),
            seq: m.seq,
            internal: m.is_internal(),
            json: frame.to_json().into(),
        },
    });
}

/// Announces something that is not stored (typing, reads) to everyone else in the conversation,
/// on this instance and the others.
pub async fn publish_ephemeral(
    state: &Service,
    conv: &Conversation,
    origin: ConnId,
    frame: &ServerFrame,
    staff_only: bool,
) {
    let json = frame.to_json();
    bus::announce_now(state, conv, &json, staff_only).await;
    state.hub.publish(&Event {
        inbox_id: conv.inbox_id.as_str().into(),
        customer_id: conv.customer_id.as_deref().map(Into::into),
        origin: Some(origin),
        frame: Outbound {
            conversation: conv.id.as_str().into(),
            seq: 0,
            internal: staff_only,
            json: json.into(),
        },
    });
}

/// Frames for stored messages, with author names looked up once per author.
pub async fn frames_for(state: &Service, msgs: &[Message]) -> Result<Vec<ServerFrame>> {
    let mut names: HashMap<String, String> = HashMap::new();
    let mut out = Vec::with_capacity(msgs.len());
    for m in msgs {
        let name = match (&m.author_id, m.author_kind.as_str()) {
            (Some(id), messages::author::AGENT) => {
                if !names.contains_key(id) {
                    let n = people::get(&state.db, id)
                        .await?
                        .map(|u| u.display_name().to_string())
                        .unwrap_or_default();
                    names.insert(id.clone(), n);
                }
                names.get(id).cloned().unwrap_or_default()
            }
            _ => String::new(),
        };
        out.push(message_frame(
            m,
            Author {
                kind: m.author_kind.clone(),
                id: m.author_id.clone(),
                name,
            },
        ));
    }
    Ok(out)
}
