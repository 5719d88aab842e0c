//! What a live connection (the socket) asks of the application: who its hello names, what it
//! should hear, the messages it missed (a page after a number, or a hole), and read receipts.
//! The transport itself stays in the web crate.

use kefu_core::protocol::ServerFrame;
use kefu_store::conversations::Conversation;
use kefu_store::{messages, people, presence, teams, visitors};

use crate::chat::hub::Interest;
use crate::chat::{self, Actor};
use crate::{Error, Result, Service};

/// Who the hello says the client is: a visitor by their token, or a person by a socket token
/// (an inactive person is refused).
pub async fn authenticate(
    state: &Service,
    token: Option<String>,
    visitor: Option<String>,
) -> Result<Actor> {
    if let Some(v) = visitor {
        let v = visitors::by_token(&state.db, &v)
            .await?
            .ok_or(Error::Unauthorized)?;
        if visitors::stale(&v) {
            state
                .seen_visitors
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(v.id.clone());
        }
        return Ok(Actor::Visitor(v));
    }
    let token = token.ok_or(Error::Unauthorized)?;
    let person_id = chat::token::verify(state, &token)
        .await?
        .ok_or(Error::Unauthorized)?;
    let user = people::get(&state.db, &person_id)
        .await?
        .filter(|u| u.active)
        .ok_or(Error::Unauthorized)?;
    Ok(Actor::Person(user))
}

/// What a connection hears: a customer their own conversations (a visitor in their widget's
/// inbox only), staff every inbox they work.
pub async fn interest(state: &Service, actor: &Actor) -> Result<Interest> {
    Ok(match actor {
        Actor::Visitor(v) => Interest::Customer {
            customer_id: v.customer_id.clone(),
            inbox: Some(v.inbox_id.clone()),
        },
        Actor::Person(u) if !u.role().is_staff() => Interest::Customer {
            customer_id: u.id.clone(),
            inbox: None,
        },
        Actor::Person(u) if u.role().sees_all_inboxes() => Interest::AllInboxes,
        Actor::Person(u) => Interest::Inboxes(
            teams::inboxes_of_member(&state.db, &u.id)
                .await?
                .into_iter()
                .map(|i| i.id)
                .collect(),
        ),
    })
}

/// A member of staff connected their console: they count as reachable for routing.
pub async fn staff_connected(state: &Service, person_id: &str) {
    let _ = presence::touch(&state.db, person_id).await;
    state.routing_wake.notify_one();
}

/// What a connection hears right after its welcome: a visitor whether their widget's inbox
/// takes live chats now (the chores tell them again whenever that changes).
pub async fn first_frames(state: &Service, actor: &Actor) -> Result<Vec<ServerFrame>> {
    Ok(match actor {
        Actor::Visitor(v) => vec![
            crate::chat::desk::availability(state, &v.inbox_id)
                .await?
                .frame(),
        ],
        Actor::Person(_) => vec![],
    })
}

/// Up to `limit` messages of a conversation after `after`, as the frames `actor` may see
/// (notes for staff only), with the number of messages read and the last number read.
pub async fn page_after(
    state: &Service,
    actor: &Actor,
    conversation_id: &str,
    after: i64,
    limit: i64,
) -> Result<(Vec<ServerFrame>, usize, Option<i64>)> {
    let page = messages::after(&state.db, conversation_id, after, limit, true).await?;
    let n = page.len();
    let last = page.last().map(|m| m.seq);
    let shown: Vec<_> = page
        .into_iter()
        .filter(|m| actor.is_staff() || !m.is_internal())
        .collect();
    Ok((chat::frames_for(state, &shown).await?, n, last))
}

/// The messages `from..=to` of a conversation (a hole in what a connection heard), as the
/// frames `actor` may see.
pub async fn hole(
    state: &Service,
    actor: &Actor,
    conversation_id: &str,
    from: i64,
    to: i64,
) -> Result<Vec<ServerFrame>> {
    let missing = messages::range(&state.db, conversation_id, from, to).await?;
    let shown: Vec<_> = missing
        .into_iter()
        .filter(|m| actor.is_staff() || !m.is_internal())
        .collect();
    chat::frames_for(state, &shown).await
}

/// `actor` has read a conversation they may see up to `seq` (clamped to its last message).
/// Returns the conversation and the number recorded.
pub async fn mark_read(
    state: &Service,
    actor: &Actor,
    conversation_id: &str,
    seq: i64,
) -> Result<(Conversation, i64)> {
    let c = chat::visible(state, actor, conversation_id).await?;
    let seq = seq.clamp(0, c.last_seq);
    messages::mark_read(&state.db, &c.id, actor.reader_id(), seq)
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))?;
    Ok((c, seq))
}
