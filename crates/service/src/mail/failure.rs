//! Why mail could not be received or delivered: what the outbox and an inbox's mail settings
//! record next to the mail or the inbox, in words an admin can act on.

/// A failed receipt or delivery.
#[derive(Debug, thiserror::Error)]
pub enum MailFailure {
    #[error(transparent)]
    Mail(#[from] kefu_mail::MailError),
    #[error(transparent)]
    Imap(#[from] kefu_mail::imap::ImapError),
    /// The stored password cannot be unsealed with the configured key.
    #[error("{0}; enter the password again (was the secret key changed?)")]
    Password(String),
    #[error("the inbox has no SMTP server; set one in its mail settings")]
    NoSmtp,
    #[error("no SMTP server is configured")]
    NoTransport,
    #[error("bad payload: {0}")]
    Payload(#[from] serde_json::Error),
    #[error("an attachment was deleted")]
    AttachmentGone,
    #[error("reading {name}: {source}")]
    File {
        name: String,
        source: std::io::Error,
    },
    #[error("storing a received mail failed: {0}")]
    Ingest(crate::Error),
    #[error(transparent)]
    Service(#[from] crate::Error),
    #[error(transparent)]
    Store(#[from] kefu_store::Error),
}
