//! Reading an inbox over IMAP: connect (TLS, STARTTLS or plain on loopback), log in, select the
//! folder, fetch every mail after the last UID read, and wait for new mail with IDLE (or, when
//! the server lacks IDLE, by polling). Errors are told in plain words for the settings page.

use std::sync::Arc;
use std::time::Duration;

use async_imap::{Client, Session};
use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::TlsMode;

/// How long connecting, logging in or one command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct ImapConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: String,
    pub password: String,
    /// Usually `INBOX`.
    pub folder: String,
}

impl std::fmt::Debug for ImapConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("folder", &self.folder)
            .finish_non_exhaustive()
    }
}

/// What went wrong, in words an admin can act on.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ImapError {
    #[error("cannot reach the IMAP server {0}: {1}")]
    Connect(String, String),
    #[error("the secure connection to the IMAP server failed: {0}")]
    Tls(String),
    #[error("the IMAP server refused the user name or password: {0}")]
    Login(String),
    #[error("the folder {0:?} cannot be opened: {1}")]
    Folder(String, String),
    #[error("the IMAP server did not answer in time")]
    Timeout,
    #[error("the IMAP connection failed: {0}")]
    Protocol(String),
}

pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Io for T {}
type Stream = Box<dyn Io>;

async fn within<T, E: std::fmt::Display>(
    f: impl Future<Output = Result<T, E>>,
    wrap: impl FnOnce(String) -> ImapError,
) -> Result<T, ImapError> {
    match timeout(COMMAND_TIMEOUT, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(wrap(e.to_string())),
        Err(_) => Err(ImapError::Timeout),
    }
}

fn tls_connector() -> tokio_rustls::TlsConnector {
    let roots = tokio_rustls::rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("the ring provider supports the default protocol versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

async fn wrap_tls(host: &str, tcp: TcpStream) -> Result<Stream, ImapError> {
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| ImapError::Tls(e.to_string()))?;
    let tls = within(tls_connector().connect(name, tcp), ImapError::Tls).await?;
    Ok(Box::new(tls))
}

/// An open, selected folder.
pub struct Mailbox {
    session: Session<Stream>,
    pub uid_validity: u32,
    /// Messages in the folder.
    pub exists: u32,
    /// Whether the server offers IDLE.
    pub idle: bool,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("uid_validity", &self.uid_validity)
            .field("exists", &self.exists)
            .field("idle", &self.idle)
            .finish_non_exhaustive()
    }
}

/// Connects, logs in and selects the folder.
pub async fn open(cfg: &ImapConfig) -> Result<Mailbox, ImapError> {
    let addr = format!("{}:{}", cfg.host, cfg.port);
    let tcp = within(TcpStream::connect(&addr), |e| {
        ImapError::Connect(addr.clone(), e)
    })
    .await?;
    let _ = tcp.set_nodelay(true);
    let stream: Stream = match cfg.tls {
        TlsMode::Tls => wrap_tls(&cfg.host, tcp).await?,
        TlsMode::None => Box::new(tcp),
        TlsMode::StartTls => {
            let mut client = Client::new(tcp);
            within(client.read_response(), ImapError::Protocol).await?;
            within(
                client.run_command_and_check_ok("STARTTLS", None),
                ImapError::Tls,
            )
            .await?;
            wrap_tls(&cfg.host, client.into_inner()).await?
        }
    };
    let mut client = Client::new(stream);
    if cfg.tls != TlsMode::StartTls {
        // The greeting (after STARTTLS the server sends none).
        within(client.read_response(), ImapError::Protocol).await?;
    }
    let mut session =
        match timeout(COMMAND_TIMEOUT, client.login(&cfg.username, &cfg.password)).await {
            Ok(Ok(s)) => s,
            Ok(Err((e, _))) => return Err(ImapError::Login(e.to_string())),
            Err(_) => return Err(ImapError::Timeout),
        };
    let folder = if cfg.folder.is_empty() {
        "INBOX"
    } else {
        &cfg.folder
    };
    let selected = within(session.select(folder), |e| {
        ImapError::Folder(folder.to_string(), e)
    })
    .await?;
    let idle = within(session.capabilities(), ImapError::Protocol)
        .await?
        .has_str("IDLE");
    Ok(Mailbox {
        session,
        uid_validity: selected.uid_validity.unwrap_or(0),
        exists: selected.exists,
        idle,
    })
}

impl Mailbox {
    /// UIDs of the mails after `last_uid`, oldest first, at most `limit`.
    pub async fn uids_after(&mut self, last_uid: u32, limit: usize) -> Result<Vec<u32>, ImapError> {
        if self.exists == 0 {
            // Refresh the count (new mail arrives as EXISTS while idle or on NOOP).
            within(self.session.noop(), ImapError::Protocol).await?;
        }
        let found = within(
            self.session
                .uid_search(format!("UID {}:*", last_uid.saturating_add(1))),
            ImapError::Protocol,
        )
        .await?;
        // `n:*` always includes the newest mail, even when its UID is below n.
        let mut uids: Vec<u32> = found.into_iter().filter(|u| *u > last_uid).collect();
        uids.sort_unstable();
        uids.truncate(limit);
        Ok(uids)
    }

    /// The raw bytes of these mails, by UID, without marking them read.
    pub async fn fetch(&mut self, uids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>, ImapError> {
        if uids.is_empty() {
            return Ok(vec![]);
        }
        let set = uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let fetched = within(
            async {
                let stream = self.session.uid_fetch(&set, "(UID BODY.PEEK[])").await?;
                stream.try_collect::<Vec<_>>().await
            },
            ImapError::Protocol,
        )
        .await?;
        let mut out: Vec<(u32, Vec<u8>)> = fetched
            .iter()
            .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
            .collect();
        out.sort_by_key(|(uid, _)| *uid);
        Ok(out)
    }

    /// Waits until the server reports a change or `wait` passes: IDLE when offered, else a
    /// sleep and a NOOP. Returns the mailbox to read again.
    pub async fn wait(self, wait: Duration) -> Result<Mailbox, ImapError> {
        let Mailbox {
            mut session,
            uid_validity,
            idle,
            ..
        } = self;
        // Mail that arrived while catching up was announced (EXISTS) in responses already
        // read: look again at once rather than idle past it until the poll interval.
        let mut announced = false;
        while let Ok(r) = session.unsolicited_responses.try_recv() {
            announced |= matches!(
                r,
                async_imap::types::UnsolicitedResponse::Exists(_)
                    | async_imap::types::UnsolicitedResponse::Recent(_)
            );
        }
        let session = if announced {
            session
        } else if idle {
            let mut handle = session.idle();
            within(handle.init(), ImapError::Protocol).await?;
            let (fut, _stop) = handle.wait_with_timeout(wait);
            fut.await.map_err(|e| ImapError::Protocol(e.to_string()))?;
            within(handle.done(), ImapError::Protocol).await?
        } else {
            tokio::time::sleep(wait).await;
            within(session.noop(), ImapError::Protocol).await?;
            session
        };
        while session.unsolicited_responses.try_recv().is_ok() {}
        Ok(Mailbox {
            session,
            uid_validity,
            // Unknown after waiting; `uids_after` asks the server.
            exists: 1,
            idle,
        })
    }

    pub async fn logout(mut self) {
        let _ = timeout(Duration::from_secs(5), self.session.logout()).await;
    }
}

/// Tries the settings: connects, logs in, opens the folder. Returns how many mails it holds.
pub async fn test(cfg: &ImapConfig) -> Result<u32, ImapError> {
    let mb = open(cfg).await?;
    let n = mb.exists;
    mb.logout().await;
    Ok(n)
}
