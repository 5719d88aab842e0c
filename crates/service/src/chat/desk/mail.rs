//! Chat replies a customer did not read, mailed to them; transcripts.

use kefu_core::protocol::ServerFrame;
use kefu_store::Tx;
use kefu_store::conversations::{self, Conversation};
use kefu_store::messages::{self};
use kefu_store::people::{self, Person};

use crate::Result;
use crate::Service;
use crate::chat::{self};

/// The customer's language (Chinese unless they chose), the shop's name, and how to greet them.
pub async fn mail_context(
    state: &Service,
    contact: &str,
) -> Result<(crate::i18n::Lang, String, String)> {
    let customer = people::get(&state.db, contact).await?;
    let shop = kefu_store::settings::get(&state.db, kefu_store::settings::SHOP_NAME).await?;
    let fallback = state.shop_lang().await;
    Ok(mail_context_of(customer, shop, fallback))
}

/// [`mail_context`] read through a transaction, so it never waits for a second connection.
pub async fn mail_context_in(
    tx: &mut Tx,
    contact: &str,
) -> Result<(crate::i18n::Lang, String, String)> {
    let customer = people::get(&mut *tx, contact).await?;
    let shop = kefu_store::settings::get(&mut *tx, kefu_store::settings::SHOP_NAME).await?;
    let fallback = crate::shop_lang_via(&mut *tx).await;
    Ok(mail_context_of(customer, shop, fallback))
}

pub(super) fn mail_context_of(
    customer: Option<Person>,
    shop: Option<String>,
    fallback: crate::i18n::Lang,
) -> (crate::i18n::Lang, String, String) {
    let lang = customer
        .as_ref()
        .and_then(|c| crate::i18n::Lang::parse(&c.language))
        .unwrap_or(fallback);
    let shop = shop.unwrap_or_else(|| "Kefu".into());
    let name = customer
        .map(|c| c.name)
        .filter(|n| !n.is_empty())
        .unwrap_or_default();
    (lang, shop, name)
}

/// Turns a queued chat reply into the mail to send, or `None` when the customer has read it in
/// the chat meanwhile (then the row is marked skipped).
pub async fn prepare_chat_reply(
    state: &Service,
    mail: &kefu_store::outbox::OutboxMail,
) -> Result<Option<kefu_store::outbox::OutboxMail>> {
    let Some(conv_id) = &mail.conversation_id else {
        return Ok(Some(mail.clone()));
    };
    let Some(conv) = conversations::get(&state.db, conv_id).await? else {
        kefu_store::outbox::mark_skipped(&state.db, &mail.id).await?;
        return Ok(None);
    };
    let contact = conv.customer_id.clone().unwrap_or_default();
    if messages::read_seq(&state.db, &conv.id, &contact).await? >= mail.seq {
        kefu_store::outbox::mark_skipped(&state.db, &mail.id).await?;
        return Ok(None);
    }
    let (lang, shop, name) = mail_context(state, &contact).await?;
    let (_, body) = crate::accounts::mail_text(
        state,
        lang,
        "chat-reply",
        &[
            ("shop", shop),
            ("name", name),
            ("messages", mail.body_text.clone()),
        ],
    );
    Ok(Some(kefu_store::outbox::OutboxMail {
        body_text: body,
        ..mail.clone()
    }))
}

/// Mails the visible part of a conversation to `to` (the visitor asked for it).
pub async fn mail_transcript(state: &Service, conv: &Conversation, to: &str) -> Result<()> {
    let contact = conv.customer_id.clone().unwrap_or_default();
    let (lang, shop, _) = mail_context(state, &contact).await?;
    let msgs = messages::last(&state.db, &conv.id, 1000, false).await?;
    let frames = chat::frames_for(state, &msgs).await?;
    let mut lines = vec![];
    for (m, f) in msgs.iter().zip(frames) {
        let who = match (&f, m.author_kind.as_str()) {
            (_, messages::author::CONTACT) => if lang == crate::i18n::Lang::ZhCn {
                "我"
            } else {
                "Me"
            }
            .to_string(),
            (ServerFrame::Message { author, .. }, messages::author::AGENT) => author.name.clone(),
            _ => "—".to_string(),
        };
        let when = kefu_core::time::format_utc(m.created_at);
        let body = if m.kind == messages::kind::ATTACHMENT {
            format!("[{}]", m.body)
        } else {
            m.body.clone()
        };
        lines.push(format!("[{when} UTC] {who}: {body}"));
    }
    let (subject, body) = crate::accounts::mail_text(
        state,
        lang,
        "transcript",
        &[("shop", shop), ("messages", lines.join("\n"))],
    );
    kefu_store::outbox::enqueue(&state.db, "transcript", to, &subject, &body).await?;
    state.outbox_wake.notify_one();
    Ok(())
}
