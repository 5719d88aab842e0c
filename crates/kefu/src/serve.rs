//! `kefu serve`: open the database, migrate, start the outbox worker and the HTTP server, and
//! shut down gracefully on Ctrl-C or SIGTERM.

use std::time::Instant;

use anyhow::Context;
use kefu_service::mail::delivery::SmtpTransport;
use kefu_store::{Db, DbOptions, people};
use kefu_web::{AppState, WebConfig};
use tokio::sync::watch;

use crate::config::Config;
use crate::demo;

/// Prints to stdout, ignoring a closed stdout: a supervisor that stops reading must not bring
/// the server down (println! panics on a broken pipe).
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

pub async fn open_db(config: &Config) -> anyhow::Result<Db> {
    if config.database.url.is_empty() {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data folder {}",
                config.data_dir.display()
            )
        })?;
    }
    let mut options = DbOptions::new(config.database_url());
    options.sqlite_synchronous_full = config.database.sqlite_synchronous == "full";
    options.max_connections = config.database.max_connections;
    Db::connect(&options).await.with_context(|| {
        format!(
            "cannot open the database {}",
            kefu_store::db_redact_url(&options.url)
        )
    })
}

/// The data folder must take writes (the database, uploads, the search index): a read-only
/// one is refused at start with a clear error, not found out by the first customer's message.
fn writable(dir: &std::path::Path) -> anyhow::Result<()> {
    let probe = dir.join(".kefu-write-check");
    std::fs::write(&probe, b"ok")
        .and_then(|()| std::fs::remove_file(&probe))
        .with_context(|| format!("the data folder {} cannot be written", dir.display()))
}

pub async fn run(config: Config, seed_demo: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    init_logging(&config.log.level);
    tracing::debug!(config = ?config, "configuration");
    let addr = config.listen_addr()?;
    if config.database.url.is_empty() || config.data_dir.exists() {
        for sub in ["uploads", "index"] {
            std::fs::create_dir_all(config.data_dir.join(sub)).with_context(|| {
                format!("cannot create {}", config.data_dir.join(sub).display())
            })?;
        }
        writable(&config.data_dir)?;
    }
    let db = open_db(&config).await?;
    db.migrate().await.context("database migration failed")?;

    let listener = listen(addr).with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    // Links in mails and the socket's origin check need the address actually bound (port 0
    // picks one at start).
    let public_url = if config.public_url.is_empty() {
        format!("http://{local}")
    } else {
        config.public_url()
    };
    let smtp = config.smtp();
    let web_config = WebConfig {
        public_url: public_url.clone(),
        secure_cookies: config.security.secure_cookies,
        session_idle_hours: config.security.session_idle_hours,
        trusted_proxies: config.trusted_proxies()?,
        max_body_bytes: config.security.max_body_bytes,
        smtp_configured: smtp.is_some(),
        uploads_dir: config.data_dir.join("uploads"),
        max_upload_bytes: config.chat.max_upload_bytes,
        reply_mail_delay_ms: config.chat.reply_mail_delay_seconds * 1000,
        index_dir: Some(config.data_dir.join("index")),
        secret_key: config.secret_key()?,
        max_mail_bytes: config.mail.max_bytes,
        messages_per_minute: config.chat.messages_per_minute,
        mails_per_sender_per_hour: config.mail.max_per_sender_per_hour,
        visitors_per_ip: config.chat.new_visitors_per_ip,
        conversations_per_visitor: config.chat.new_conversations_per_visitor,
        conversations_per_ip: config.chat.new_conversations_per_ip,
        identity_checks_per_minute: config.security.identity_checks_per_minute,
        demo: seed_demo,
    };
    let mut demo_lines = vec![];
    if seed_demo {
        demo_lines = demo::seed(&db).await?;
    }
    let setup_code = if people::count_admins(&db).await? == 0 {
        Some(kefu_core::id::numeric_code(8))
    } else {
        None
    };
    let state = AppState::new(db.clone(), web_config, setup_code.clone());
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    // Conversation mail goes out through each e-mail inbox's own server, so the worker always
    // runs; without `[smtp]` the other mail waits in the outbox for admins.
    let smtp_configured = smtp.is_some();
    let transport = match smtp {
        Some(cfg) => Some(SmtpTransport(
            kefu_mail::SmtpSender::new(&cfg).context("smtp")?,
        )),
        None => None,
    };
    let workers = kefu_service::workers::start(
        &state,
        kefu_service::workers::Mail::On(transport),
        shutdown_rx,
    );
    let (router, _) = kefu_web::app(state);
    say!(
        "Kefu is listening on http://{local} (started in {} ms)",
        started.elapsed().as_millis()
    );
    say!(
        "  database: {}",
        kefu_store::db_redact_url(&config.database_url())
    );
    if let Some(code) = &setup_code {
        say!(
            "  first run: open {}/setup and enter the set-up code {code}",
            public_url
        );
    }
    for line in &demo_lines {
        say!("  {line}");
    }
    if seed_demo {
        say!("  demo storefront with the chat widget: {public_url}/demo");
    }
    if !smtp_configured {
        say!("  mail: no SMTP configured; mail waits in the outbox (/admin/outbox)");
    }

    let shutdown = async move {
        wait_for_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = shutdown_tx.send(true);
    };
    kefu_web::serve(listener, router, shutdown).await?;
    workers.join().await;
    db.close().await;
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// Listens on `addr` with a backlog of 4096 connections (the kernel caps it at `somaxconn`):
/// when thousands of widgets reconnect at once (a network blip, a restart), connections wait in
/// the backlog instead of having their SYN dropped and retried a second or more later.
fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}
