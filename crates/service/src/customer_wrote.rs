//! What follows when a customer writes, whatever the channel the message came by (the chat
//! widget, the account page, the API, a received mail, and every channel after them): written
//! once, so that every channel reopens, queues, times and announces a conversation alike.

use kefu_core::conversation::{Status, customer_wrote};
use kefu_store::Tx;
use kefu_store::conversations::{self, Conversation};
use kefu_store::messages::{self, Message};

use crate::Result;
use crate::Service;

/// In the transaction that stored `msg` (already stored, by the customer, in `conv`): a
/// conversation that was not open opens again (no longer snoozed) and records a "reopened"
/// activity for staff; an unassigned one waits for an agent from now unless it already did;
/// words and files (not events) start or run the service-level clocks. Returns the activity
/// messages to announce after the commit ([`committed`]).
pub async fn stage(
    state: &Service,
    tx: &mut Tx,
    conv: &Conversation,
    msg: &Message,
    now: i64,
) -> Result<Vec<Message>> {
    let rule = customer_wrote(
        Some(conv.status),
        conv.assignee_id.is_some(),
        conv.waiting_since.is_some(),
    );
    let mut ch = conversations::Changes::default();
    if rule.reopen {
        ch.status = Some(Status::Open);
        ch.snoozed_until = Some(None);
    }
    if rule.wait_from_now {
        ch.waiting_since = Some(Some(now));
    }
    if !ch.is_empty() {
        conversations::update(&mut *tx, conv, &ch).await?;
    }
    if is_words_or_files(msg) {
        crate::tickets::sla::on_customer_message(state, tx, conv, now).await?;
    }
    let mut events = vec![];
    if rule.reopen {
        events.push(
            crate::chat::desk::record_event(
                state,
                tx,
                conv,
                messages::kind::ACTIVITY,
                None,
                "The customer wrote again; the conversation is open",
                serde_json::json!({"event": "reopened"}),
            )
            .await?,
        );
    }
    Ok(events)
}

/// After the commit (the message itself is announced by its channel): the activity is shown
/// and, when nobody has the conversation, routing looks for an agent.
pub async fn committed(state: &Service, conv: &Conversation, events: &[Message]) {
    crate::chat::desk::publish_all(state, conv, events).await;
    if conv.assignee_id.is_none() {
        state.routing_wake.notify_one();
    }
}

/// Whether `m` is words or files for the other side (what service-level clocks count).
pub fn is_words_or_files(m: &Message) -> bool {
    m.kind == messages::kind::TEXT || m.kind == messages::kind::ATTACHMENT
}
