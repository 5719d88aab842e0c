//! Conversation mail out: recipients, signatures, threading headers, a text and an HTML part, files, through the outbox.

use crate::mail::MailFailure;
use kefu_core::ErrorCode;

use kefu_core::mailtoken;
use kefu_mail::SmtpSender;
use kefu_mail::outgoing::{OutgoingFile, OutgoingMail};
use kefu_store::conversations::{self, Conversation};
use kefu_store::mail::{self as store_mail, NewMail, outcome};
use kefu_store::messages::{self, Message};
use kefu_store::outbox::{self, OutboxMail};
use kefu_store::{Tx, attachments, people, teams};
use serde::{Deserialize, Serialize};

use super::*;
use crate::Service;
use crate::{Error, Result};

/// What an agent chose for a mail reply; everything optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct MailOptions {
    /// Recipients; the customer when empty.
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// Never shown to the other recipients, nor to the customer in the conversation.
    pub bcc: Vec<String>,
    /// One of the agent's or the inbox's signatures.
    pub signature_id: Option<String>,
    /// Attachments of this conversation to send with the mail.
    pub attachment_ids: Vec<String>,
    /// The subject; `Re: <conversation subject>` when empty.
    pub subject: String,
}

/// The signature `id` if `agent` may sign with it in `conv`: their own, or one of the inbox's.
pub async fn signature_of(
    x: impl kefu_store::Exec,
    agent: &kefu_store::people::Person,
    conv: &Conversation,
    id: &str,
) -> Result<store_mail::Signature> {
    store_mail::signature(x, id)
        .await?
        .filter(|s| {
            s.owner_id.as_deref() == Some(agent.id.as_str())
                || (s.owner_id.is_none()
                    && s.inbox_id.as_deref().is_none_or(|i| i == conv.inbox_id))
        })
        .ok_or_else(|| Error::invalid(ErrorCode::InvalidSignature, "no such signature"))
}

/// The text of a signature `agent` may use in `conv`.
pub async fn signature_text(
    state: &Service,
    agent: &kefu_store::people::Person,
    conv: &Conversation,
    id: &str,
) -> Result<String> {
    Ok(signature_of(&state.db, agent, conv, id).await?.body)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct Payload {
    inbox_id: String,
    message_id: String,
    in_reply_to: Option<String>,
    references: Vec<String>,
    cc: Vec<String>,
    bcc: Vec<String>,
    to: Vec<String>,
    attachment_ids: Vec<String>,
    chat_message_id: String,
}

pub(super) fn clean_addresses(list: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = vec![];
    for a in list {
        let a = a.trim().to_lowercase();
        if a.is_empty() {
            continue;
        }
        kefu_core::validate::email(&a).map_err(|_| {
            Error::invalid(
                ErrorCode::InvalidRecipient,
                format!("{a} is not an e-mail address"),
            )
        })?;
        if !out.contains(&a) {
            out.push(a);
        }
    }
    if out.len() > 50 {
        return Err(Error::invalid(
            ErrorCode::TooManyRecipients,
            "at most 50 recipients",
        ));
    }
    Ok(out)
}

/// Whether an inbox is an e-mail inbox.
pub async fn is_mail_inbox(state: &Service, inbox_id: &str) -> Result<bool> {
    Ok(teams::get_inbox(&state.db, inbox_id)
        .await?
        .is_some_and(|i| i.channel == CHANNEL))
}

pub(super) fn reply_subject(subject: &str) -> String {
    let s = subject.trim();
    let lower = s.to_lowercase();
    if lower.starts_with("re:") || s.starts_with("回复") || s.starts_with("答复") {
        s.to_string()
    } else {
        format!("Re: {s}")
    }
}

/// Queues an agent's message of an e-mail conversation as a mail, in the message's
/// transaction. Returns the visible details to keep on the message (no BCC).
pub async fn queue(
    state: &Service,
    tx: &mut Tx,
    conv: &Conversation,
    agent: &kefu_store::people::Person,
    msg: &Message,
    opts: &MailOptions,
) -> Result<()> {
    let settings = load_via(&mut *tx, &conv.inbox_id).await?;
    if settings.address.is_empty() {
        return Err(Error::invalid(
            ErrorCode::MailNotConfigured,
            "this inbox has no support address yet; an admin sets it in the inbox's mail settings",
        ));
    }
    let mut to = clean_addresses(&opts.to)?;
    if to.is_empty() {
        let customer = conv.customer_id.as_deref().unwrap_or_default();
        match people::reply_address(&mut *tx, customer).await? {
            Some(a) => to.push(a),
            None => {
                return Err(Error::invalid(
                    ErrorCode::NoRecipient,
                    "the customer has no e-mail address; enter a recipient",
                ));
            }
        }
    }
    let cc = clean_addresses(&opts.cc)?;
    let bcc = clean_addresses(&opts.bcc)?;
    for id in &opts.attachment_ids {
        crate::files::attachment_of(&mut *tx, &conv.id, id).await?;
    }
    let mut body = msg.body.clone();
    if let Some(sid) = &opts.signature_id {
        let sig = signature_of(&mut *tx, agent, conv, sid).await?;
        body = format!("{body}\n\n-- \n{}", sig.body.trim());
    }
    // Threading: the customer's newest mail and the chain before it.
    let history = store_mail::of_conversation(&mut *tx, &conv.id).await?;
    let references: Vec<String> = history
        .iter()
        .rev()
        .take(20)
        .rev()
        .map(|m| format!("<{}>", m.message_id))
        .collect();
    let in_reply_to = history
        .iter()
        .rev()
        .find(|m| m.direction == "in")
        .or(history.last())
        .map(|m| format!("<{}>", m.message_id));
    let domain = settings
        .address
        .split_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_else(|| "kefu.local".into());
    let secret = token_secret(state);
    let message_id = mailtoken::message_id(&secret, &conv.id, &msg.id, &domain);
    let subject = if opts.subject.trim().is_empty() {
        reply_subject(&conv.subject)
    } else {
        opts.subject.trim().chars().take(200).collect()
    };
    let payload = Payload {
        inbox_id: conv.inbox_id.clone(),
        message_id: message_id.clone(),
        in_reply_to,
        references,
        to: to.clone(),
        cc,
        bcc,
        attachment_ids: opts.attachment_ids.clone(),
        chat_message_id: msg.id.clone(),
    };
    let json = serde_json::to_string(&payload).map_err(|e| Error::Internal(e.to_string()))?;
    outbox::enqueue_mail(
        tx,
        &to.join(", "),
        &subject,
        &body,
        &conv.id,
        msg.seq,
        &json,
    )
    .await?;
    store_mail::record(
        tx,
        &NewMail {
            inbox_id: &conv.inbox_id,
            message_id: message_id.trim_matches(['<', '>']),
            conversation_id: Some(&conv.id),
            chat_message_id: Some(&msg.id),
            direction: "out",
            outcome: outcome::QUEUED,
            subject: &subject,
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

pub(super) fn text_to_html(text: &str) -> String {
    let mut out = String::from(
        "<!doctype html><html><body style=\"font-family:sans-serif;font-size:14px;line-height:1.5\">",
    );
    let (main, sig) = match text.split_once("\n-- \n") {
        Some((m, s)) => (m, Some(s)),
        None => (text, None),
    };
    out.push_str(&crate::knowledge::markdown::to_html(main));
    if let Some(sig) = sig {
        out.push_str(
            "<div style=\"color:#555;border-top:1px solid #ddd;margin-top:1em;padding-top:.5em\">",
        );
        for line in sig.lines() {
            kefu_core::letter::escape_into(&mut out, line);
            out.push_str("<br>");
        }
        out.push_str("</div>");
    }
    out.push_str("</body></html>");
    out
}

/// Delivers one conversation mail through its inbox's SMTP server.
pub async fn deliver(state: &Service, mail: &OutboxMail) -> Result<(), MailFailure> {
    let p: Payload = serde_json::from_str(&mail.payload)?;
    let settings = load(state, &p.inbox_id).await?;
    let server = settings.smtp.as_ref().ok_or(MailFailure::NoSmtp)?;
    let cfg = smtp_config(state, &settings, server)?;
    let sender = SmtpSender::new(&cfg)?;
    let mut files = vec![];
    for id in &p.attachment_ids {
        let a = attachments::get(&state.db, id)
            .await?
            .ok_or(MailFailure::AttachmentGone)?;
        let bytes = tokio::fs::read(crate::files::storage_path(state, &a.storage_key))
            .await
            .map_err(|source| MailFailure::File {
                name: a.name.clone(),
                source,
            })?;
        files.push(OutgoingFile {
            name: a.name,
            content_type: a.content_type,
            bytes,
        });
    }
    let reply_to = mail
        .conversation_id
        .as_deref()
        .map(|c| mailtoken::reply_address(&token_secret(state), &settings.address, c));
    let out = OutgoingMail {
        from: from_header(&settings),
        reply_to,
        to: p.to.clone(),
        cc: p.cc.clone(),
        bcc: p.bcc.clone(),
        subject: mail.subject.clone(),
        message_id: p.message_id.clone(),
        in_reply_to: p.in_reply_to.clone(),
        references: p.references.clone(),
        text: mail.body_text.clone(),
        html: Some(text_to_html(&mail.body_text)),
        attachments: files,
    };
    let msg = kefu_mail::outgoing::build(&out)?;
    sender.send_message(msg).await?;
    let mut tx = state.db.begin().await?;
    store_mail::set_outcome(
        &mut tx,
        &p.inbox_id,
        p.message_id.trim_matches(['<', '>']),
        outcome::SENT,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A conversation mail could not be delivered: say so in the conversation, for its agents
/// (`last`: no more retries).
pub async fn delivery_failed(state: &Service, mail: &OutboxMail, error: &str, last: bool) {
    let Some(cid) = &mail.conversation_id else {
        return;
    };
    let Ok(Some(conv)) = conversations::get(&state.db, cid).await else {
        return;
    };
    let r = async {
        let mut tx = state.db.begin().await?;
        let ev = crate::chat::desk::record_event(
            state,
            &mut tx,
            &conv,
            messages::kind::ACTIVITY,
            None,
            &if last {
                format!("The mail to {} could not be delivered: {error}", mail.to_addr)
            } else {
                format!(
                    "The mail to {} could not be delivered yet; retrying: {error}",
                    mail.to_addr
                )
            },
            serde_json::json!({"event": "mail_failed", "outbox": mail.id, "error": error, "final": last}),
        )
        .await?;
        tx.commit().await?;
        crate::chat::desk::publish_all(state, &conv, &[ev]).await;
        Ok::<_, Error>(())
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, "recording a failed delivery");
    }
}
