//! The outbox worker: delivers queued mail with retries and back-off. Several instances may
//! run it at once; each mail is claimed by one of them (see `kefu_store::outbox::claim`).

use std::sync::atomic::Ordering;
use std::time::Duration;

use kefu_core::time::now_ms;
use kefu_store::outbox::{self, OutboxMail};
use tokio::sync::watch;

use crate::Service;

pub const POLL_INTERVAL_MS: i64 = 5_000;
/// How long a claimed mail is reserved for the sender that claimed it.
const LEASE_MS: i64 = 2 * 60_000;

/// Something that delivers a mail (SMTP in production).
pub trait Transport: Send + Sync + 'static {
    fn send(
        &self,
        mail: &OutboxMail,
    ) -> impl Future<Output = Result<(), crate::mail::MailFailure>> + Send;
}

/// No server-wide SMTP: only conversation mail (through each inbox's own server) goes out; the
/// rest waits in the outbox for admins.
pub struct NoTransport;

impl Transport for NoTransport {
    async fn send(&self, _mail: &OutboxMail) -> Result<(), crate::mail::MailFailure> {
        Err(crate::mail::MailFailure::NoTransport)
    }
}

/// The server-wide SMTP server: each mail leaves with its text and, made from it, an HTML
/// part whose addresses are links.
pub struct SmtpTransport(pub kefu_mail::SmtpSender);

impl Transport for SmtpTransport {
    async fn send(&self, mail: &OutboxMail) -> Result<(), crate::mail::MailFailure> {
        let lang = if mail
            .body_text
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        {
            "zh-CN"
        } else {
            "en"
        };
        let html = kefu_core::letter::to_html(&mail.body_text, lang);
        Ok(self
            .0
            .send_letter(
                &mail.to_addr,
                &mail.subject,
                &mail.body_text,
                &html,
                &mail.id,
            )
            .await?)
    }
}

/// One pass: deliver every due mail. Returns how many were sent. `transport` is the
/// server-wide SMTP server (`None`: not configured); conversation mail goes through its inbox's
/// server.
pub async fn deliver_due<T: Transport>(
    state: &Service,
    transport: Option<&T>,
) -> kefu_store::Result<usize> {
    let mut sent = 0;
    for mail in outbox::due(&state.db, 50, transport.is_none()).await? {
        if !outbox::claim(&state.db, &mail, LEASE_MS).await? {
            continue;
        }
        let mail = if mail.kind == "chat_reply" {
            match crate::chat::desk::prepare_chat_reply(state, &mail).await {
                Ok(Some(m)) => m,
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(mail = %mail.id, error = %e, "could not prepare a chat reply");
                    continue;
                }
            }
        } else {
            mail
        };
        let result = if mail.kind == outbox::CONVERSATION_MAIL {
            crate::mail::deliver(state, &mail).await
        } else if let Some(t) = transport {
            t.send(&mail).await
        } else {
            continue;
        };
        match result {
            Ok(()) => {
                outbox::mark_sent(&state.db, &mail.id).await?;
                state.metrics.mails_sent.increment(1);
                sent += 1;
            }
            Err(e) => {
                let e = e.to_string();
                tracing::warn!(mail = %mail.id, to = %mail.to_addr, error = %e, "mail delivery failed");
                state.metrics.mail_failures.increment(1);
                outbox::mark_attempt_failed(&state.db, &mail, &e).await?;
                if mail.kind == outbox::CONVERSATION_MAIL
                    && (mail.attempts == 0 || mail.attempts + 1 >= outbox::MAX_ATTEMPTS)
                {
                    // The agents see the first failure (it will be retried) and the last.
                    crate::mail::delivery_failed(
                        state,
                        &mail,
                        &e,
                        mail.attempts + 1 >= outbox::MAX_ATTEMPTS,
                    )
                    .await;
                }
            }
        }
    }
    Ok(sent)
}

/// Runs until `shutdown` turns true; woken early when mail is queued.
pub async fn run<T: Transport>(
    state: Service,
    transport: Option<T>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = deliver_due(&state, transport.as_ref()).await {
            tracing::warn!(error = %e, "outbox pass failed; retrying");
        } else {
            state
                .metrics
                .outbox_heartbeat
                .store(now_ms(), Ordering::Relaxed);
        }
        tokio::select! {
            _ = state.outbox_wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(POLL_INTERVAL_MS as u64)) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// An admin sends a waiting or failed mail again now (a failed one gets its tries back).
pub async fn retry(state: &Service, id: &str) -> crate::Result<()> {
    if !outbox::retry_now(&state.db, id).await? {
        return Err(crate::Error::conflict(
            kefu_core::ErrorCode::NotWaiting,
            "the mail is not waiting to be sent",
        ));
    }
    state.outbox_wake.notify_one();
    Ok(())
}

/// The latest 200 mails of the outbox, for admins.
pub async fn recent(state: &Service) -> crate::Result<Vec<OutboxMail>> {
    Ok(outbox::list(&state.db, 200).await?)
}
