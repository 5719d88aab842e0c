//! A received mail becomes what it must: a conversation message with its files in one transaction, threaded by signed token or by headers, or a record for admins.

use kefu_core::threading::{self, Candidate};
use kefu_core::time::now_ms;
use kefu_mail::inbound::{self, Inbound, Kind};
use kefu_store::conversations::{self, Conversation};
use kefu_store::mail::{self as store_mail, NewMail, outcome};
use kefu_store::messages::{self, NewMessage};
use kefu_store::{Tx, attachments, people};

use crate::Service;
use crate::chat::{self, bus};
use crate::{Error, Result};

/// What became of a received mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// A message in this conversation (new or existing).
    Stored {
        conversation_id: String,
        message_id: String,
        new_conversation: bool,
    },
    /// Already received (fetched twice): nothing changed.
    Duplicate,
    /// Recorded but not a message: an automatic reply, a bounce, our own mail, or a mail that
    /// could not be read or was too large (kept for admins).
    NotStored(&'static str),
}

pub(super) fn token_secret(state: &Service) -> String {
    state.config.secret_key.purpose("mail-reply-token")
}

pub(super) fn sha_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The conversation a received mail belongs to, if any: by our signed token (reply address or
/// Message-ID in `In-Reply-To` / `References`), else by a Message-ID this inbox knows, but then
/// only when the sender is that conversation's customer.
/// `senders`: the customer records at the sender's address.
pub(super) async fn find_thread(
    state: &Service,
    inbox_id: &str,
    mail: &Inbound,
    senders: &[String],
) -> Result<Option<Conversation>> {
    let secret = token_secret(state);
    let candidate = |c: &Conversation| Candidate {
        id: c.id.clone(),
        inbox_id: c.inbox_id.clone(),
        customer_id: c.customer_id.clone(),
    };
    let mut found: Vec<Conversation> = vec![];
    for id in threading::signed_candidates(
        &secret,
        mail.to.iter().chain(&mail.cc),
        &mail.in_reply_to,
        &mail.references,
    ) {
        if let Some(conv) = conversations::get(&state.db, &id).await? {
            found.push(conv);
        }
    }
    let signed: Vec<Candidate> = found.iter().map(candidate).collect();
    let mut ids: Vec<String> = mail.references.clone();
    ids.extend(mail.in_reply_to.iter().cloned());
    // The headers are read only when no signature decides.
    let by_headers = if signed.iter().any(|c| c.inbox_id == inbox_id) {
        None
    } else {
        match store_mail::thread_of(&state.db, inbox_id, &ids).await? {
            Some(c) => conversations::get(&state.db, &c).await?,
            None => None,
        }
    };
    let header_candidate = by_headers.as_ref().map(candidate);
    let chosen = threading::choose(inbox_id, &signed, header_candidate.as_ref(), senders)
        .map(|c| c.id.clone());
    Ok(chosen.and_then(|id| found.into_iter().chain(by_headers).find(|c| c.id == id)))
}

/// A new contact for a sender nobody knows yet.
pub(super) async fn new_customer(tx: &mut Tx, mail: &Inbound) -> Result<String> {
    let name: String = mail.from_name.chars().take(100).collect();
    let user = people::insert(
        tx,
        &people::NewPerson {
            name,
            language: String::new(),
            ..Default::default()
        },
    )
    .await?;
    people::set_customer_details(&mut *tx, &user.id, "", &mail.from_addr).await?;
    Ok(user.id)
}

/// Turns one raw mail into what it must become, all in one transaction with the inbox's
/// reading position (`uid`, when read over IMAP), so nothing is lost or stored twice.
pub async fn ingest(
    state: &Service,
    inbox_id: &str,
    raw: &[u8],
    position: Option<(u32, u32)>,
) -> Result<Ingested> {
    let record_only = |message_id: String,
                       what: &'static str,
                       from: String,
                       subject: String,
                       raw_key: String,
                       error: String| async move {
        let mut tx = state.db.begin().await?;
        let fresh = store_mail::record(
            &mut tx,
            &NewMail {
                inbox_id,
                message_id: &message_id,
                direction: "in",
                outcome: what,
                from_addr: &from,
                subject: &subject,
                raw_key: &raw_key,
                error: &error,
                ..Default::default()
            },
        )
        .await?;
        if let Some((validity, uid)) = position {
            store_mail::set_position(&mut tx, inbox_id, validity.into(), uid.into()).await?;
        }
        tx.commit().await?;
        Ok::<_, Error>(if fresh {
            Ingested::NotStored(what)
        } else {
            Ingested::Duplicate
        })
    };
    // Over the limit, the customer still wrote to us: the text becomes the message, the files
    // are left out (the agent is told), and the raw mail is kept for admins. Only past four
    // times the limit is the mail left on the server, listed for admins with its size.
    let oversized = raw.len() > state.config.max_mail_bytes;
    if raw.len() > state.config.max_mail_bytes.saturating_mul(4) {
        let head = String::from_utf8_lossy(&raw[..raw.len().min(64 * 1024)]).to_string();
        let parsed = inbound::parse(head.as_bytes()).ok();
        let id = parsed
            .as_ref()
            .map(|p| p.message_id.clone())
            .unwrap_or_else(|| format!("too-large-{}", sha_hex(raw)));
        return record_only(
            id,
            outcome::TOO_LARGE,
            parsed
                .as_ref()
                .map(|p| p.from_addr.clone())
                .unwrap_or_default(),
            parsed.map(|p| p.subject).unwrap_or_default(),
            String::new(),
            format!(
                "the mail is {} bytes, over the limit of {}",
                raw.len(),
                state.config.max_mail_bytes
            ),
        )
        .await;
    }
    let parsed = inbound::parse(raw);
    let message_id = match &parsed {
        Ok(m) => m.message_id.clone(),
        Err(_) => format!("unparsable-{}", sha_hex(raw)),
    };
    if store_mail::get(&state.db, inbox_id, &message_id)
        .await?
        .is_some()
    {
        if let Some((validity, uid)) = position {
            store_mail::set_position(&state.db, inbox_id, validity.into(), uid.into()).await?;
        }
        return Ok(Ingested::Duplicate);
    }
    let raw_key = crate::files::store_bytes(state, now_ms(), ".eml", raw).await?;
    let mut mail = match parsed {
        Err(e) => {
            return record_only(
                message_id,
                outcome::UNPARSABLE,
                String::new(),
                String::new(),
                raw_key,
                e.to_string(),
            )
            .await;
        }
        Ok(m) => m,
    };
    let files_left_out = if oversized {
        std::mem::take(&mut mail.parts).len()
    } else {
        0
    };
    let not_personal = match mail.kind {
        Kind::Personal => None,
        Kind::AutoReply => Some(outcome::AUTO_REPLY),
        Kind::Bounce => Some(outcome::BOUNCE),
        Kind::OwnMail => Some(outcome::OWN_MAIL),
    };
    if let Some(report) = &mail.bounce {
        return bounced(
            state,
            inbox_id,
            &message_id,
            &mail,
            report,
            &raw_key,
            position,
        )
        .await;
    }
    if let Some(what) = not_personal {
        return record_only(
            message_id,
            what,
            mail.from_addr.clone(),
            mail.subject.clone(),
            raw_key,
            String::new(),
        )
        .await;
    }
    // A flood from one address (a script, a mail loop) is kept for admins, not stored.
    let hour_ago = now_ms() - 3_600_000;
    let limit = i64::from(state.config.mails_per_sender_per_hour);
    if store_mail::stored_from_since(&state.db, inbox_id, &mail.from_addr, hour_ago).await? >= limit
    {
        return record_only(
            message_id,
            outcome::FLOOD,
            mail.from_addr.clone(),
            mail.subject.clone(),
            raw_key,
            format!("over {limit} mails from this address in an hour"),
        )
        .await;
    }
    let senders = people::customers_at_address(&state.db, &mail.from_addr).await?;
    let mut thread = find_thread(state, inbox_id, &mail, &senders).await?;
    // A reply to a conversation merged into another goes where the conversation went.
    for _ in 0..5 {
        match thread.as_ref().and_then(|c| c.merged_into.clone()) {
            Some(into) => thread = conversations::get(&state.db, &into).await?,
            None => break,
        }
    }
    let damage = mail.damaged.join("; ");
    let mut tx = state.db.begin().await?;
    if !store_mail::record(
        &mut tx,
        &NewMail {
            inbox_id,
            message_id: &message_id,
            direction: "in",
            outcome: if mail.damaged.is_empty() {
                outcome::STORED
            } else {
                outcome::DAMAGED
            },
            error: &damage,
            from_addr: &mail.from_addr,
            subject: &mail.subject,
            raw_key: &raw_key,
            ..Default::default()
        },
    )
    .await?
    {
        // Another instance took it between our check and now.
        return Ok(Ingested::Duplicate);
    }
    // The conversation's customer when they wrote; else whoever has this address (a CC'd
    // colleague answering); else a new contact.
    let customer = thread.as_ref().and_then(|c| c.customer_id.clone());
    let contact = match customer.filter(|c| senders.contains(c)) {
        Some(c) => c,
        None => match senders.first() {
            Some(c) => c.clone(),
            None => new_customer(&mut tx, &mail).await?,
        },
    };
    let (conv, new_conversation) = match thread {
        Some(c) => (c, false),
        None => {
            let subject: String = if mail.subject.trim().is_empty() {
                mail.new_text.trim().chars().take(80).collect()
            } else {
                mail.subject.trim().chars().take(200).collect()
            };
            (
                conversations::create(&mut tx, inbox_id, Some(&contact), &subject).await?,
                true,
            )
        }
    };
    // Someone who is neither the customer nor among the conversation's recipients so far (a
    // forwarded thread answered by a stranger): the message joins, flagged for the agent; the
    // conversation stays the customer's.
    let new_sender = !new_conversation
        && conv.customer_id.as_deref() != Some(contact.as_str())
        && !known_recipient(&mut tx, &conv.id, &mail.from_addr).await?;
    // Files: inline images (shown in the original HTML) and attachments.
    let mut files = vec![];
    for part in &mail.parts {
        let key = crate::files::store_bytes(state, conv.created_at, "", &part.bytes).await?;
        let name = crate::files::clean_name(&part.name);
        let content_type = crate::files::sniff(&part.bytes)
            .unwrap_or("application/octet-stream")
            .to_string();
        let a = attachments::insert(
            &mut tx,
            &conv.id,
            &name,
            &content_type,
            part.bytes.len() as i64,
            &key,
            &contact,
        )
        .await?;
        files.push(serde_json::json!({
            "attachment": a.id, "name": a.name, "content_type": a.content_type, "size": a.size,
            "inline": part.inline, "cid": part.content_id,
        }));
    }
    let body = if mail.new_text.trim().is_empty() {
        mail.text.trim().to_string()
    } else {
        mail.new_text.trim().to_string()
    };
    let body: String = body
        .chars()
        .take(kefu_core::protocol::MAX_BODY_CHARS)
        .collect();
    let meta = serde_json::json!({
        "mail": {
            "message_id": message_id,
            "from": mail.from_addr,
            "from_name": mail.from_name,
            "reply_to": mail.reply_to,
            "new_sender": new_sender,
            "damaged": mail.damaged,
            "too_large": oversized.then(|| serde_json::json!({
                "bytes": raw.len(), "limit": state.config.max_mail_bytes, "files": files_left_out,
            })),
            "to": mail.to,
            "cc": mail.cc,
            "subject": mail.subject,
            "html": mail.html.is_some(),
            "folded": mail.new_text.trim() != mail.text.trim(),
            "files": files,
            "forwarded": mail.forwarded.iter().map(|f| serde_json::json!({
                "from": f.from, "to": f.to, "subject": f.subject, "date": f.date_ms,
                "text": f.text.chars().take(kefu_core::protocol::MAX_BODY_CHARS).collect::<String>(),
            })).collect::<Vec<_>>(),
        }
    });
    let (msg, _) = messages::append(
        &mut tx,
        &NewMessage {
            conversation_id: &conv.id,
            kind: messages::kind::TEXT,
            author_kind: messages::author::CONTACT,
            author_id: Some(&contact),
            client_id: None,
            body: &body,
            meta: &meta.to_string(),
        },
    )
    .await?;
    store_mail::attach(&mut tx, inbox_id, &message_id, &conv.id, &msg.id).await?;
    // A customer wrote: what follows is the same as for every channel.
    let events = crate::customer_wrote::stage(state, &mut tx, &conv, &msg, msg.created_at).await?;
    if let Some((validity, uid)) = position {
        store_mail::set_position(&mut tx, inbox_id, validity.into(), uid.into()).await?;
    }
    bus::announce_in(state, &mut tx, &conv, msg.seq, false).await?;
    tx.commit().await?;
    let author = kefu_core::protocol::Author {
        kind: messages::author::CONTACT.into(),
        id: Some(contact),
        name: mail.from_name.clone(),
    };
    chat::publish_message(state, &conv, &msg, &author);
    crate::customer_wrote::committed(state, &conv, &events).await;
    Ok(Ingested::Stored {
        conversation_id: conv.id,
        message_id: msg.id,
        new_conversation,
    })
}

/// A delivery failure report: kept for admins, and, when it returns a mail of a conversation
/// (by its Message-ID), that mail is marked undelivered and its agents are told in the
/// conversation, all in one transaction with the reading position.
async fn bounced(
    state: &Service,
    inbox_id: &str,
    message_id: &str,
    mail: &Inbound,
    report: &inbound::BounceReport,
    raw_key: &str,
    position: Option<(u32, u32)>,
) -> Result<Ingested> {
    let returned = match &report.original_id {
        Some(id) => store_mail::get(&state.db, inbox_id, id)
            .await?
            .filter(|r| r.direction == "out"),
        None => None,
    };
    let why = [report.status.as_str(), report.diagnostic.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let error = match &returned {
        Some(r) => format!(
            "returns <{}> to {}: {why}",
            r.message_id,
            if report.recipient.is_empty() {
                "?"
            } else {
                &report.recipient
            }
        ),
        None => format!("a delivery report for a mail this inbox did not send: {why}"),
    };
    let mut tx = state.db.begin().await?;
    let fresh = store_mail::record(
        &mut tx,
        &NewMail {
            inbox_id,
            message_id,
            conversation_id: returned.as_ref().and_then(|r| r.conversation_id.as_deref()),
            direction: "in",
            outcome: outcome::BOUNCE,
            from_addr: &mail.from_addr,
            subject: &mail.subject,
            raw_key,
            error: &error,
            ..Default::default()
        },
    )
    .await?;
    let mut told = None;
    if fresh
        && let Some(r) = &returned
        && r.outcome != outcome::BOUNCED
    {
        store_mail::set_failure(&mut tx, inbox_id, &r.message_id, outcome::BOUNCED, &why).await?;
        if let Some(cid) = &r.conversation_id
            && let Some(conv) = conversations::get(&mut tx, cid).await?
        {
            // The outbox's record of it, shown to agents among the conversation's mails.
            for m in kefu_store::outbox::of_conversation(&mut tx, cid).await? {
                if m.kind == kefu_store::outbox::CONVERSATION_MAIL
                    && m.payload.contains(r.message_id.as_str())
                {
                    kefu_store::outbox::mark_bounced(&mut tx, &m.id, &why).await?;
                }
            }
            let ev = crate::chat::desk::record_event(
                state,
                &mut tx,
                &conv,
                messages::kind::ACTIVITY,
                None,
                &format!(
                    "The mail to {} came back undelivered: {why}",
                    report.recipient
                ),
                serde_json::json!({
                    "event": "mail_bounced", "to": report.recipient, "error": why,
                    "status": report.status, "message": r.chat_message_id,
                }),
            )
            .await?;
            told = Some((conv, ev));
        }
    }
    if let Some((validity, uid)) = position {
        store_mail::set_position(&mut tx, inbox_id, validity.into(), uid.into()).await?;
    }
    tx.commit().await?;
    if let Some((conv, ev)) = told {
        crate::chat::desk::publish_all(state, &conv, &[ev]).await;
    }
    Ok(if fresh {
        Ingested::NotStored(outcome::BOUNCE)
    } else {
        Ingested::Duplicate
    })
}

/// Whether `address` was among the recipients of the conversation's mail so far (To or CC of a
/// mail in or out).
async fn known_recipient(tx: &mut kefu_store::Tx, conv: &str, address: &str) -> Result<bool> {
    let address = address.to_lowercase();
    for m in messages::last(&mut *tx, conv, 200, false).await? {
        let Ok(meta) = serde_json::from_str::<serde_json::Value>(&m.meta) else {
            continue;
        };
        let mail = &meta["mail"];
        for k in ["to", "cc", "from"] {
            let hit = match &mail[k] {
                serde_json::Value::Array(a) => a
                    .iter()
                    .any(|x| x.as_str().is_some_and(|x| x.eq_ignore_ascii_case(&address))),
                serde_json::Value::String(x) => x.eq_ignore_ascii_case(&address),
                _ => false,
            };
            if hit {
                return Ok(true);
            }
        }
    }
    Ok(false)
}
