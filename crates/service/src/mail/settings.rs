//! An inbox's mail settings: its address, IMAP and SMTP servers (passwords sealed with the configured key), and testing them.

use crate::mail::MailFailure;
use kefu_core::ErrorCode;

use kefu_mail::imap::{self, ImapConfig};
use kefu_mail::{SmtpConfig, SmtpSender, TlsMode};
use kefu_store::settings;
use serde::{Deserialize, Serialize};

use crate::Service;
use crate::{Error, Result};

pub(super) fn settings_key(inbox_id: &str) -> String {
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

pub(super) fn form_of(s: &StoredServer) -> ServerForm {
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

pub(super) fn check_server(which: &'static str, f: &ServerForm) -> Result<()> {
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
        // 0: every five minutes; else at least 30 s.
        poll_seconds: match form.poll_seconds {
            0 => 0,
            p => p.clamp(30, 3600),
        },
    })
}

pub async fn save(state: &Service, inbox_id: &str, s: &StoredSettings) -> Result<()> {
    let json = serde_json::to_string(s).map_err(|e| Error::Internal(e.to_string()))?;
    settings::set(&state.db, &settings_key(inbox_id), &json).await?;
    state.mail_wake.notify_one();
    Ok(())
}

pub(super) fn open_password(
    state: &Service,
    s: &StoredServer,
) -> std::result::Result<String, MailFailure> {
    if s.password.is_empty() {
        return Ok(String::new());
    }
    state
        .config
        .secret_key
        .open(&s.password)
        .map_err(|e| MailFailure::Password(e.to_string()))
}

pub fn imap_config(
    state: &Service,
    s: &StoredServer,
) -> std::result::Result<ImapConfig, MailFailure> {
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
) -> std::result::Result<SmtpConfig, MailFailure> {
    Ok(SmtpConfig {
        host: s.host.clone(),
        port: s.port,
        username: s.username.clone(),
        password: open_password(state, s)?,
        from: from_header(settings),
        tls: TlsMode::parse(&s.tls).unwrap_or(TlsMode::StartTls),
    })
}

pub(super) fn from_header(s: &StoredSettings) -> String {
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
                error: e.to_string(),
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
                let sender = SmtpSender::new(&cfg)?;
                sender.test_connection().await?;
                Ok::<_, MailFailure>(())
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
