//! The e-mail channel: inbox mail settings (passwords sealed with the configured key), the
//! IMAP receiver (IDLE, polling as fallback), turning a received mail into a conversation
//! message in one transaction, and conversation mail sent through the outbox with proper
//! headers, recipients, signatures and attachments.

pub mod delivery;

use kefu_core::ErrorCode;
use std::collections::HashMap;
use std::time::Duration;

use kefu_core::mailtoken;
use kefu_core::time::now_ms;
use kefu_mail::imap::{self, ImapConfig};
use kefu_mail::inbound::{self, Inbound, Kind};
use kefu_mail::outgoing::{OutgoingFile, OutgoingMail};
use kefu_mail::{SmtpConfig, SmtpSender, TlsMode};
use kefu_store::conversations::{self, Conversation};
use kefu_store::mail::{self as store_mail, NewMail, outcome};
use kefu_store::messages::{self, Message, NewMessage};
use kefu_store::outbox::{self, OutboxMail};
use kefu_store::{Tx, attachments, people, settings, teams};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::Service;
use crate::chat::{self, bus};
use crate::{Error, Result};

/// The channel name of e-mail inboxes.
pub const CHANNEL: &str = "email";

fn settings_key(inbox_id: &str) -> String {
    format!("inbox_mail:{inbox_id}")
}

/// One mail server's settings as stored (the password sealed).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct StoredServer {
    pub host: String,
    pub port: u16,
    /// `tls`, `starttls` or `none`.
    pub tls: String,
    pub username: String,
    /// Sealed with the configured secret key (`v1:…`).
    pub password: String,
    /// IMAP only: the folder to read (`INBOX`).
    pub folder: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct StoredSettings {
    /// The support address customers write to (`support@shop.example`).
    pub address: String,
    /// The name mail is sent under (`Shop 客服`).
    pub display_name: String,
    pub imap: Option<StoredServer>,
    pub smtp: Option<StoredServer>,
    /// Seconds between polls when the server has no IDLE (and the longest IDLE wait).
    pub poll_seconds: u64,
}

/// A mail server as the settings page sees it: the password is never shown.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct ServerForm {
    pub host: String,
    pub port: u16,
    /// `tls`, `starttls` or `none` (`none` only for a server on this machine).
    pub tls: String,
    pub username: String,
    /// Write only: empty keeps the stored password.
    pub password: String,
    /// Read only: whether a password is stored.
    pub password_set: bool,
    /// IMAP only; `INBOX` when empty.
    pub folder: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct MailSettingsForm {
    pub address: String,
    pub display_name: String,
    pub imap: Option<ServerForm>,
    pub smtp: Option<ServerForm>,
    pub poll_seconds: u64,
}

pub async fn load(state: &Service, inbox_id: &str) -> Result<StoredSettings> {
    load_via(&state.db, inbox_id).await
}

/// [`load`] through `x` (a transaction's own connection, inside one).
pub async fn load_via(x: impl kefu_store::Exec, inbox_id: &str) -> Result<StoredSettings> {
    let raw = settings::get(x, &settings_key(inbox_id)).await?;
    Ok(raw
        .and_then(|r| serde_json::from_str(&r).ok())
        .unwrap_or_default())
}

fn form_of(s: &StoredServer) -> ServerForm {
    ServerForm {
        host: s.host.clone(),
        port: s.port,
        tls: s.tls.clone(),
        username: s.username.clone(),
        password: String::new(),
        password_set: !s.password.is_empty(),
        folder: s.folder.clone(),
    }
}

pub fn to_form(s: &StoredSettings) -> MailSettingsForm {
    MailSettingsForm {
        address: s.address.clone(),
        display_name: s.display_name.clone(),
        imap: s.imap.as_ref().map(form_of),
        smtp: s.smtp.as_ref().map(form_of),
        poll_seconds: s.poll_seconds,
    }
}

fn check_server(which: &'static str, f: &ServerForm) -> Result<()> {
    let bad = |m: String| Error::invalid(ErrorCode::InvalidMailServer, m);
    let host = f.host.trim();
    if host.is_empty()
        || host.len() > 253
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
    {
        return Err(bad(format!(
            "{which}: the server name is missing or not valid"
        )));
    }
    if f.port == 0 {
        return Err(bad(format!("{which}: the port is missing")));
    }
    if TlsMode::parse(&f.tls).is_none() {
        return Err(bad(format!("{which}: security is tls, starttls or none")));
    }
    if f.username.len() > 320 || f.password.len() > 1000 || f.folder.len() > 200 {
        return Err(bad(format!("{which}: a value is too long")));
    }
    Ok(())
}

/// Checks a settings form and seals its passwords; empty passwords keep the stored ones.
pub fn merge(
    state: &Service,
    old: &StoredSettings,
    form: &MailSettingsForm,
) -> Result<StoredSettings> {
    let address = form.address.trim().to_lowercase();
    if !kefu_core::validate::email(&address).is_ok_and(|_| !address.contains('+')) {
        return Err(Error::invalid(
            ErrorCode::InvalidAddress,
            "the support address must be a plain e-mail address (without +)",
        ));
    }
    if form.display_name.chars().count() > 100 {
        return Err(Error::invalid(
            ErrorCode::InvalidName,
            "the name is too long",
        ));
    }
    let seal = |which: &'static str,
                f: &Option<ServerForm>,
                old: &Option<StoredServer>|
     -> Result<Option<StoredServer>> {
        let Some(f) = f else { return Ok(None) };
        check_server(which, f)?;
        let password = if f.password.is_empty() {
            old.as_ref().map(|o| o.password.clone()).unwrap_or_default()
        } else {
            state.config.secret_key.seal(&f.password)
        };
        Ok(Some(StoredServer {
            host: f.host.trim().to_string(),
            port: f.port,
            tls: f.tls.clone(),
            username: f.username.trim().to_string(),
            password,
            folder: if f.folder.trim().is_empty() {
                "INBOX".into()
            } else {
                f.folder.trim().to_string()
            },
        }))
    };
    Ok(StoredSettings {
        address,
        display_name: form.display_name.trim().to_string(),
        imap: seal("IMAP", &form.imap, &old.imap)?,
        smtp: seal("SMTP", &form.smtp, &old.smtp)?,
        poll_seconds: form.poll_seconds.clamp(0, 3600),
    })
}

pub async fn save(state: &Service, inbox_id: &str, s: &StoredSettings) -> Result<()> {
    let json = serde_json::to_string(s).map_err(|e| Error::Internal(e.to_string()))?;
    settings::set(&state.db, &settings_key(inbox_id), &json).await?;
    state.mail_wake.notify_one();
    Ok(())
}

fn open_password(state: &Service, s: &StoredServer) -> Result<String, String> {
    if s.password.is_empty() {
        return Ok(String::new());
    }
    state
        .config
        .secret_key
        .open(&s.password)
        .map_err(|e| format!("{e}; enter the password again (was the secret key changed?)"))
}

pub fn imap_config(state: &Service, s: &StoredServer) -> Result<ImapConfig, String> {
    Ok(ImapConfig {
        host: s.host.clone(),
        port: s.port,
        tls: TlsMode::parse(&s.tls).unwrap_or(TlsMode::Tls),
        username: s.username.clone(),
        password: open_password(state, s)?,
        folder: s.folder.clone(),
    })
}

pub fn smtp_config(
    state: &Service,
    settings: &StoredSettings,
    s: &StoredServer,
) -> Result<SmtpConfig, String> {
    Ok(SmtpConfig {
        host: s.host.clone(),
        port: s.port,
        username: s.username.clone(),
        password: open_password(state, s)?,
        from: from_header(settings),
        tls: TlsMode::parse(&s.tls).unwrap_or(TlsMode::StartTls),
    })
}

fn from_header(s: &StoredSettings) -> String {
    if s.display_name.is_empty() {
        s.address.clone()
    } else {
        format!(
            "\"{}\" <{}>",
            s.display_name.replace(['"', '\\', '\r', '\n'], ""),
            s.address
        )
    }
}

/// The outcome of trying a server from the settings page.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerCheck {
    pub ok: bool,
    /// What went wrong, in plain words.
    pub error: String,
    /// IMAP: mails in the folder.
    pub messages: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailCheck {
    pub imap: Option<ServerCheck>,
    pub smtp: Option<ServerCheck>,
}

pub async fn check_servers(state: &Service, s: &StoredSettings) -> MailCheck {
    let imap = match &s.imap {
        None => None,
        Some(server) => Some(match imap_config(state, server) {
            Err(e) => ServerCheck {
                ok: false,
                error: e,
                messages: None,
            },
            Ok(cfg) => match imap::test(&cfg).await {
                Ok(n) => ServerCheck {
                    ok: true,
                    error: String::new(),
                    messages: Some(n),
                },
                Err(e) => ServerCheck {
                    ok: false,
                    error: e.to_string(),
                    messages: None,
                },
            },
        }),
    };
    let smtp = match &s.smtp {
        None => None,
        Some(server) => {
            let r = async {
                let cfg = smtp_config(state, s, server)?;
                let sender = SmtpSender::new(&cfg).map_err(|e| e.to_string())?;
                sender.test_connection().await
            }
            .await;
            Some(ServerCheck {
                ok: r.is_ok(),
                error: r
                    .err()
                    .map(|e| format!("the SMTP server cannot be used: {e}"))
                    .unwrap_or_default(),
                messages: None,
            })
        }
    };
    MailCheck { imap, smtp }
}

// ---- Receiving -----------------------------------------------------------------------------

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

fn token_secret(state: &Service) -> String {
    state.config.secret_key.purpose("mail-reply-token")
}

fn sha_hex(bytes: &[u8]) -> String {
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
async fn find_thread(
    state: &Service,
    inbox_id: &str,
    mail: &Inbound,
    senders: &[String],
) -> Result<Option<Conversation>> {
    let secret = token_secret(state);
    let mut claimed: Vec<String> = vec![];
    for addr in mail.to.iter().chain(&mail.cc) {
        if let Some(c) = mailtoken::from_address(&secret, addr) {
            claimed.push(c);
        }
    }
    for id in mail.in_reply_to.iter().chain(mail.references.iter().rev()) {
        if let Some(c) = mailtoken::from_message_id(&secret, id) {
            claimed.push(c);
        }
    }
    for c in claimed {
        if let Some(conv) = conversations::get(&state.db, &c).await?
            && conv.inbox_id == inbox_id
        {
            return Ok(Some(conv));
        }
    }
    let mut ids: Vec<String> = mail.references.clone();
    ids.extend(mail.in_reply_to.iter().cloned());
    if let Some(c) = store_mail::thread_of(&state.db, inbox_id, &ids).await?
        && let Some(conv) = conversations::get(&state.db, &c).await?
        && let Some(customer) = &conv.customer_id
        && senders.contains(customer)
    {
        return Ok(Some(conv));
    }
    Ok(None)
}

/// A new contact for a sender nobody knows yet.
async fn new_contact(tx: &mut Tx, mail: &Inbound) -> Result<String> {
    let name: String = mail.from_name.chars().take(100).collect();
    let user = people::insert(
        tx,
        &people::NewUser {
            name,
            language: String::new(),
            ..Default::default()
        },
    )
    .await?;
    people::set_contact_details(&mut *tx, &user.id, "", &mail.from_addr).await?;
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
    if raw.len() > state.config.max_mail_bytes {
        // Left on the mail server; admins see it listed with its size.
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
    let mail = match parsed {
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
    let not_personal = match mail.kind {
        Kind::Personal => None,
        Kind::AutoReply => Some(outcome::AUTO_REPLY),
        Kind::Bounce => Some(outcome::BOUNCE),
        Kind::OwnMail => Some(outcome::OWN_MAIL),
    };
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
    let mut tx = state.db.begin().await?;
    if !store_mail::record(
        &mut tx,
        &NewMail {
            inbox_id,
            message_id: &message_id,
            direction: "in",
            outcome: outcome::STORED,
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
            None => new_contact(&mut tx, &mail).await?,
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
            "to": mail.to,
            "cc": mail.cc,
            "subject": mail.subject,
            "html": mail.html.is_some(),
            "folded": mail.new_text.trim() != mail.text.trim(),
            "files": files,
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

/// Reads one inbox: everything new, then waits for more; reconnects with back-off on errors.
async fn receive(state: Service, inbox_id: String, cfg: ImapConfig, poll: Duration) {
    let mut backoff = Duration::from_secs(2);
    loop {
        match receive_once(&state, &inbox_id, &cfg, poll).await {
            Ok(()) => backoff = Duration::from_secs(2),
            Err(e) => {
                tracing::warn!(inbox = %inbox_id, error = %e, "reading the mailbox failed");
                let _ = store_mail::set_error(&state.db, &inbox_id, &e).await;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(300));
            }
        }
    }
}

/// One connection's life: catch up, then wait and catch up again until the connection fails.
async fn receive_once(
    state: &Service,
    inbox_id: &str,
    cfg: &ImapConfig,
    poll: Duration,
) -> Result<(), String> {
    let mut mb = imap::open(cfg).await.map_err(|e| e.to_string())?;
    let _ = store_mail::set_error(&state.db, inbox_id, "").await;
    loop {
        let pos = store_mail::state(&state.db, inbox_id)
            .await
            .map_err(|e| e.to_string())?;
        let mut last = if pos.uid_validity == i64::from(mb.uid_validity) {
            pos.last_uid.clamp(0, i64::from(u32::MAX)) as u32
        } else {
            0
        };
        loop {
            let uids = mb.uids_after(last, 20).await.map_err(|e| e.to_string())?;
            if uids.is_empty() {
                break;
            }
            let mails = mb.fetch(&uids).await.map_err(|e| e.to_string())?;
            for (uid, raw) in mails {
                match ingest(state, inbox_id, &raw, Some((mb.uid_validity, uid))).await {
                    Ok(_) => {
                        state
                            .metrics
                            .mails_received
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    Err(e) => return Err(format!("storing a received mail failed: {e}")),
                }
            }
            if uids.len() < 20 {
                break;
            }
            last = uids.last().copied().unwrap_or(last);
        }
        mb = mb.wait(poll).await.map_err(|e| e.to_string())?;
    }
}

/// Runs the receivers of every e-mail inbox with IMAP settings, restarting one when its
/// settings change, until `shutdown` turns true.
pub async fn run(state: Service, mut shutdown: watch::Receiver<bool>) {
    let mut running: HashMap<String, (StoredSettings, JoinHandle<()>)> = HashMap::new();
    loop {
        match wanted(&state).await {
            Ok(wanted) => {
                running.retain(|id, (s, handle)| {
                    let keep = wanted.iter().any(|(w, ws)| w == id && ws == s);
                    if !keep {
                        handle.abort();
                    }
                    keep
                });
                for (id, s) in wanted {
                    if running.contains_key(&id) {
                        continue;
                    }
                    let Some(server) = &s.imap else { continue };
                    match imap_config(&state, server) {
                        Ok(cfg) => {
                            let poll = Duration::from_secs(if s.poll_seconds == 0 {
                                300
                            } else {
                                s.poll_seconds
                            });
                            let handle =
                                tokio::spawn(receive(state.clone(), id.clone(), cfg, poll));
                            running.insert(id, (s, handle));
                        }
                        Err(e) => {
                            let _ = store_mail::set_error(&state.db, &id, &e).await;
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "listing mail inboxes failed"),
        }
        tokio::select! {
            _ = state.mail_wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(30)) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            for (_, (_, h)) in running {
                h.abort();
            }
            return;
        }
    }
}

async fn wanted(state: &Service) -> Result<Vec<(String, StoredSettings)>> {
    let mut out = vec![];
    for inbox in teams::list_inboxes(&state.db).await? {
        if inbox.channel != CHANNEL {
            continue;
        }
        let s = load(state, &inbox.id).await?;
        if s.imap.is_some() {
            out.push((inbox.id, s));
        }
    }
    Ok(out)
}

// ---- Sending -------------------------------------------------------------------------------

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
    agent: &kefu_store::people::User,
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
    agent: &kefu_store::people::User,
    conv: &Conversation,
    id: &str,
) -> Result<String> {
    Ok(signature_of(&state.db, agent, conv, id).await?.body)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct Payload {
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

fn clean_addresses(list: &[String]) -> Result<Vec<String>> {
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

fn reply_subject(subject: &str) -> String {
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
    agent: &kefu_store::people::User,
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
        let a = attachments::get(&mut *tx, id).await?;
        if a.is_none_or(|a| a.conversation_id != conv.id) {
            return Err(Error::invalid(
                ErrorCode::InvalidAttachment,
                "no such file in this conversation",
            ));
        }
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

fn text_to_html(text: &str) -> String {
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
            kefu_search::snippet::escape_into(&mut out, line);
            out.push_str("<br>");
        }
        out.push_str("</div>");
    }
    out.push_str("</body></html>");
    out
}

/// Delivers one conversation mail through its inbox's SMTP server.
pub async fn deliver(state: &Service, mail: &OutboxMail) -> Result<(), String> {
    let p: Payload =
        serde_json::from_str(&mail.payload).map_err(|e| format!("bad payload: {e}"))?;
    let settings = load(state, &p.inbox_id).await.map_err(|e| e.to_string())?;
    let server = settings
        .smtp
        .as_ref()
        .ok_or("the inbox has no SMTP server; set one in its mail settings")?;
    let cfg = smtp_config(state, &settings, server)?;
    let sender = SmtpSender::new(&cfg).map_err(|e| e.to_string())?;
    let mut files = vec![];
    for id in &p.attachment_ids {
        let a = attachments::get(&state.db, id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("an attachment was deleted")?;
        let bytes = tokio::fs::read(crate::files::storage_path(state, &a.storage_key))
            .await
            .map_err(|e| format!("reading {}: {e}", a.name))?;
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
    let mut tx = state.db.begin().await.map_err(|e| e.to_string())?;
    store_mail::set_outcome(
        &mut tx,
        &p.inbox_id,
        p.message_id.trim_matches(['<', '>']),
        outcome::SENT,
    )
    .await
    .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
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
