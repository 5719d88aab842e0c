//! Mail as agents work it: replying by mail from a conversation (through the quality checks),
//! the deliveries of a conversation and retrying one, the original of a received mail, and
//! signatures.

use kefu_core::ErrorCode;
use kefu_store::mail::{self as store_mail, Signature};
use kefu_store::messages::{self, Message};
use kefu_store::outbox::{self, OutboxMail};
use kefu_store::people::Person;
use serde::{Deserialize, Serialize};

use super::MailOptions;
use crate::chat::{self, Actor};
use crate::{Error, Result, Service};

#[derive(Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MailReply {
    pub body: String,
    /// The sender's id for the message; a resend is stored and mailed once.
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    #[serde(default)]
    pub bcc: Vec<String>,
    #[serde(default)]
    pub signature_id: Option<String>,
    #[serde(default)]
    pub attachment_ids: Vec<String>,
    /// `Re: <conversation subject>` when absent; a blank subject is refused.
    #[serde(default)]
    pub subject: Option<String>,
    /// Send even though the quality checks warned (recorded).
    #[serde(default)]
    pub accept_warnings: bool,
}

/// An agent replies by mail in a conversation of an e-mail inbox: the forbidden phrases and
/// the mail's etiquette are checked (not again for a resend of a stored mail), the message is
/// stored and the mail queued. Returns the message and whether it is new.
pub async fn reply(
    state: &Service,
    user: &Person,
    id: &str,
    r: MailReply,
) -> Result<(Message, bool)> {
    let actor = Actor::Person(user.clone());
    let conv = chat::visible(state, &actor, id).await?;
    if !super::is_mail_inbox(state, &conv.inbox_id).await? {
        return Err(Error::invalid(
            ErrorCode::NotAMailConversation,
            "this conversation is not in an e-mail inbox",
        ));
    }
    kefu_core::protocol::check_body(&r.body)?;
    let client_id = if r.client_id.is_empty() {
        kefu_core::id::new_id()
    } else {
        kefu_core::protocol::check_client_id(&r.client_id)?;
        r.client_id.clone()
    };
    let resend = messages::by_client_id(&state.db, &conv.id, &client_id)
        .await?
        .is_some();
    let check = crate::quality::MailCheckRequest {
        subject: r
            .subject
            .clone()
            .or_else(|| Some(format!("Re: {}", conv.subject))),
        body: r.body.clone(),
        attachment_ids: r.attachment_ids.clone(),
        signature_id: r.signature_id.clone(),
        to: r.to.clone(),
        cc: r.cc.clone(),
        bcc: r.bcc.clone(),
    };
    let verdict = if resend {
        None
    } else {
        let draft = crate::quality::draft_of(state, user, &conv, &check).await?;
        let v = crate::quality::check_mail(state, &draft).await?;
        crate::quality::gate(state, user, &conv, "email", &r.body, &v, r.accept_warnings).await?;
        Some(v)
    };
    let opts = MailOptions {
        to: r.to,
        cc: r.cc,
        bcc: r.bcc,
        signature_id: r.signature_id,
        attachment_ids: r.attachment_ids,
        subject: r.subject.unwrap_or_default(),
    };
    // What everyone in the conversation may see: recipients and copies, never the BCC.
    let meta = serde_json::json!({"mail": {"to": opts.to, "cc": opts.cc, "outgoing": true}});
    let (msg, fresh) = chat::store_message_with(
        state,
        &actor,
        &conv,
        Some(&client_id),
        messages::kind::TEXT,
        r.body.trim(),
        &meta.to_string(),
        Some(&opts),
    )
    .await?;
    if let Some(v) = &verdict
        && fresh
    {
        crate::quality::record_sent(state, user, &conv, "email", &r.body, v).await?;
    }
    Ok((msg, fresh))
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: String,
    pub to: String,
    pub subject: String,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    /// The conversation message the mail carries.
    pub seq: i64,
}

impl From<OutboxMail> for Delivery {
    fn from(m: OutboxMail) -> Delivery {
        Delivery {
            id: m.id,
            to: m.to_addr,
            subject: m.subject,
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            next_attempt_at: m.next_attempt_at,
            sent_at: m.sent_at,
            seq: m.seq,
        }
    }
}

/// The mails of a conversation the agent may open.
pub async fn deliveries(state: &Service, user: &Person, id: &str) -> Result<Vec<Delivery>> {
    let conv = chat::visible(state, &Actor::Person(user.clone()), id).await?;
    let list = outbox::of_conversation(&state.db, &conv.id).await?;
    Ok(list
        .into_iter()
        .filter(|m| m.kind == outbox::CONVERSATION_MAIL)
        .map(Delivery::from)
        .collect())
}

/// Retries a waiting or failed mail of the conversation now.
pub async fn retry(state: &Service, user: &Person, id: &str, mail_id: &str) -> Result<()> {
    let conv = chat::visible(state, &Actor::Person(user.clone()), id).await?;
    let m = outbox::get(&state.db, mail_id)
        .await?
        .filter(|m| m.conversation_id.as_deref() == Some(conv.id.as_str()))
        .ok_or(Error::NotFound)?;
    if !outbox::retry_now(&state.db, &m.id).await? {
        return Err(Error::conflict(
            ErrorCode::NotWaiting,
            "the mail is not waiting",
        ));
    }
    state.outbox_wake.notify_one();
    Ok(())
}

/// The original HTML of a received mail (its text in a `<pre>` when it had no HTML),
/// sanitised, with `cid:` images pointing at the conversation's stored files and remote images
/// left out unless `remote_images`. The edge serves it sandboxed as well.
pub async fn original_html(
    state: &Service,
    user: &Person,
    id: &str,
    message_id: &str,
    remote_images: bool,
) -> Result<kefu_mail::sanitize::SafeHtml> {
    let conv = chat::visible(state, &Actor::Person(user.clone()), id).await?;
    let rec = store_mail::of_message(&state.db, message_id)
        .await?
        .filter(|r| r.conversation_id.as_deref() == Some(conv.id.as_str()) && !r.raw_key.is_empty())
        .ok_or(Error::NotFound)?;
    let raw = tokio::fs::read(crate::files::storage_path(state, &rec.raw_key))
        .await
        .map_err(|_| Error::NotFound)?;
    let parsed = kefu_mail::inbound::parse(&raw).map_err(|_| Error::NotFound)?;
    let msg = messages::get(&state.db, message_id)
        .await?
        .filter(|m| m.conversation_id == conv.id)
        .ok_or(Error::NotFound)?;
    let mut html = match parsed.html {
        Some(h) => h,
        None => {
            let mut out =
                String::from("<pre style=\"white-space:pre-wrap;font-family:sans-serif\">");
            kefu_core::letter::escape_into(&mut out, &parsed.text);
            out.push_str("</pre>");
            out
        }
    };
    if let Ok(meta) = serde_json::from_str::<serde_json::Value>(&msg.meta)
        && let Some(files) = meta["mail"]["files"].as_array()
    {
        for f in files {
            if let (Some(cid), Some(att)) = (f["cid"].as_str(), f["attachment"].as_str()) {
                let url = format!("{INLINE_PREFIX}{att}?inline=1");
                html = html.replace(&format!("cid:{cid}"), &url);
            }
        }
    }
    Ok(kefu_mail::sanitize::mail_html(
        &html,
        remote_images,
        INLINE_PREFIX,
    ))
}

/// Where a mail's inline images are served from (the attachment route checks who may see
/// them).
const INLINE_PREFIX: &str = "/api/v1/attachments/";

// ---- Reply all --------------------------------------------------------------------------------

/// Whom a reply goes to, the way a mail client's "reply all" fills it in: the newest mail from
/// outside (`Reply-To` over `From`), its other recipients as CC, the shop's own address never.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplyAll {
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

/// [`ReplyAll`] for an e-mail conversation from the messages given (newest last), the shop's
/// address being `support` (with or without a `+token`).
pub fn reply_all(support: &str, msgs: &[kefu_store::messages::Message]) -> Option<ReplyAll> {
    let last = msgs.iter().rev().find_map(|m| {
        (m.author_kind == messages::author::CONTACT)
            .then(|| serde_json::from_str::<serde_json::Value>(&m.meta).ok())
            .flatten()
            .and_then(|v| v.get("mail").cloned())
    })?;
    let list = |k: &str| -> Vec<String> {
        last[k]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_lowercase))
                    .collect()
            })
            .unwrap_or_default()
    };
    let ours = |a: &str| {
        let (local, domain) = a.split_once('@').unwrap_or((a, ""));
        let base = local.split('+').next().unwrap_or(local);
        format!("{base}@{domain}").eq_ignore_ascii_case(support)
    };
    let to = match last["reply_to"].as_str().filter(|s| !s.is_empty()) {
        Some(r) => r.to_lowercase(),
        None => last["from"].as_str()?.to_lowercase(),
    };
    let mut cc: Vec<String> = vec![];
    for a in list("to").into_iter().chain(list("cc")) {
        if !ours(&a) && a != to && !cc.contains(&a) {
            cc.push(a);
        }
    }
    Some(ReplyAll { to: vec![to], cc })
}

/// [`reply_all`] for conversation `conv` of an e-mail inbox (`None` for other channels).
pub async fn reply_all_of(
    state: &Service,
    conv: &kefu_store::conversations::Conversation,
) -> Result<Option<ReplyAll>> {
    if !crate::mail::is_mail_inbox(state, &conv.inbox_id).await? {
        return Ok(None);
    }
    let settings = crate::mail::load(state, &conv.inbox_id).await?;
    let msgs = messages::last(&state.db, &conv.id, 50, false).await?;
    Ok(reply_all(&settings.address, &msgs))
}

// ---- Signatures ------------------------------------------------------------------------------

/// The signatures an agent may use: their own and their inboxes'.
pub async fn signatures(state: &Service, user: &Person) -> Result<Vec<Signature>> {
    Ok(store_mail::signatures_for(&state.db, &user.id).await?)
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewSignature {
    pub name: String,
    pub body: String,
    /// Set (admins only) for a signature of an inbox that every agent may use.
    #[serde(default)]
    pub inbox_id: Option<String>,
}

fn check_signature(name: &str, body: &str) -> Result<()> {
    if name.trim().is_empty() || name.trim().chars().count() > 80 {
        return Err(Error::invalid(
            ErrorCode::InvalidName,
            "a name of 1 to 80 characters",
        ));
    }
    if body.trim().is_empty() || body.chars().count() > 2000 {
        return Err(Error::invalid(
            ErrorCode::InvalidSignature,
            "a signature of 1 to 2000 characters",
        ));
    }
    Ok(())
}

/// A new signature: the agent's own, or an inbox's (admins only).
pub async fn add_signature(state: &Service, user: &Person, n: &NewSignature) -> Result<Signature> {
    check_signature(&n.name, &n.body)?;
    let name = n.name.trim();
    Ok(match &n.inbox_id {
        Some(inbox) => {
            if user.role() != kefu_core::Role::Admin {
                return Err(Error::Forbidden);
            }
            super::admin::mail_inbox(state, inbox).await?;
            store_mail::add_signature(&state.db, None, Some(inbox), name, n.body.trim()).await?
        }
        None => {
            store_mail::add_signature(&state.db, Some(&user.id), None, name, n.body.trim()).await?
        }
    })
}

/// The signature `id` if `user` may change it: their own, or (admins) an inbox's.
async fn own_signature(state: &Service, user: &Person, id: &str) -> Result<Signature> {
    let sig = store_mail::signature(&state.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    let mine = sig.owner_id.as_deref() == Some(user.id.as_str());
    let admin_inbox = sig.owner_id.is_none() && user.role() == kefu_core::Role::Admin;
    if !(mine || admin_inbox) {
        return Err(Error::NotFound);
    }
    Ok(sig)
}

/// Deletes the agent's own signature, or (admins) an inbox's.
pub async fn delete_signature(state: &Service, user: &Person, id: &str) -> Result<()> {
    own_signature(state, user, id).await?;
    store_mail::delete_signature(&state.db, id).await?;
    Ok(())
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignatureEdit {
    pub name: String,
    pub body: String,
}

/// Renames or rewrites the agent's own signature, or (admins) an inbox's.
pub async fn edit_signature(
    state: &Service,
    user: &Person,
    id: &str,
    e: &SignatureEdit,
) -> Result<Signature> {
    check_signature(&e.name, &e.body)?;
    own_signature(state, user, id).await?;
    store_mail::update_signature(&state.db, id, e.name.trim(), e.body.trim()).await?;
    store_mail::signature(&state.db, id)
        .await?
        .ok_or(Error::NotFound)
}
