//! Configuration: typed, documented, layered. Defaults, then `kefu.toml` (or `--config`), then
//! `KEFU_*` environment variables (`KEFU_DATABASE_URL` sets `database.url`), then flags.
//! A bad value stops start-up with a message that names the key.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port to listen on.
    pub listen: String,
    /// Folder for the SQLite database, uploaded files and the search index.
    pub data_dir: PathBuf,
    /// The address people use to reach Kefu, for links in mails. Empty: `http://{listen}`.
    pub public_url: String,
    pub database: DatabaseConfig,
    pub security: SecurityConfig,
    pub smtp: SmtpSection,
    pub chat: ChatConfig,
    pub mail: MailConfig,
    pub log: LogConfig,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// Largest received mail turned into a message, in bytes; bigger ones stay on the mail
    /// server and are listed for admins.
    pub max_bytes: usize,
    /// Mails from one address an inbox turns into messages an hour; more are listed for
    /// admins instead (a script, a mail loop).
    pub max_per_sender_per_hour: u32,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            max_bytes: 25 * 1024 * 1024,
            max_per_sender_per_hour: 30,
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChatConfig {
    /// Largest file sent in a conversation, in bytes.
    pub max_upload_bytes: usize,
    /// Seconds an agent's reply waits to be read in the chat before it is mailed.
    pub reply_mail_delay_seconds: i64,
    /// Messages one customer or visitor may send a minute; staff five times as many.
    pub messages_per_minute: u32,
    /// New widget visitors one IP address may make in ten minutes.
    pub new_visitors_per_ip: u32,
    /// New conversations one visitor may open in ten minutes, and all visitors of one IP.
    pub new_conversations_per_visitor: u32,
    pub new_conversations_per_ip: u32,
}

impl Default for ChatConfig {
    fn default() -> Self {
        ChatConfig {
            max_upload_bytes: 10 * 1024 * 1024,
            reply_mail_delay_seconds: 120,
            messages_per_minute: 60,
            new_visitors_per_ip: 600,
            new_conversations_per_visitor: 10,
            new_conversations_per_ip: 1000,
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// Empty: SQLite in the data folder. Or `postgres://user:password@host/db`.
    pub url: String,
    /// SQLite durability: `full` (every acknowledged write survives power loss) or `normal`.
    pub sqlite_synchronous: String,
    /// PostgreSQL connections, or SQLite reader connections.
    pub max_connections: u32,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// Mark cookies Secure; turn on when Kefu is served over HTTPS.
    pub secure_cookies: bool,
    /// A session ends after this many hours without use.
    pub session_idle_hours: i64,
    /// Reverse proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<String>,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// The key that seals stored secrets (mail server passwords) and signs mail reply tokens.
    /// Empty: one is made at first start and kept in `<data_dir>/secret.key`. Instances
    /// sharing a database must share this value.
    pub secret_key: String,
    /// Shop-signed identities checked per IP address a minute (widget and shop server).
    pub identity_checks_per_minute: u32,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpSection {
    /// Empty: no delivery; mail waits in the outbox where admins can read it.
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    /// Sender, e.g. `Shop Support <support@shop.example>`.
    pub from: String,
    /// `starttls`, `tls` or `none`.
    pub tls: String,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter: `info`, `debug`, `kefu_web=debug,info`.
    pub level: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("kefu-data"),
            public_url: String::new(),
            database: DatabaseConfig::default(),
            security: SecurityConfig::default(),
            mail: MailConfig::default(),
            smtp: SmtpSection::default(),
            chat: ChatConfig::default(),
            log: LogConfig::default(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: String::new(),
            sqlite_synchronous: "full".into(),
            max_connections: 8,
        }
    }
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            secure_cookies: false,
            session_idle_hours: 24 * 7,
            trusted_proxies: vec![],
            max_body_bytes: 1024 * 1024,
            secret_key: String::new(),
            identity_checks_per_minute: 600,
        }
    }
}

impl Default for SmtpSection {
    fn default() -> Self {
        SmtpSection {
            host: String::new(),
            port: 587,
            username: String::new(),
            password: String::new(),
            from: String::new(),
            tls: "starttls".into(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
        }
    }
}

/// Secrets never reach the log.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = self.clone();
        shown.database.url = kefu_store::db_redact_url(&shown.database.url);
        if !shown.security.secret_key.is_empty() {
            shown.security.secret_key = "***".into();
        }
        if !shown.smtp.password.is_empty() {
            shown.smtp.password = "***".into();
        }
        match toml::to_string(&shown) {
            Ok(s) => f.write_str(&s),
            Err(_) => f.write_str("<config>"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

fn err(key: &str, msg: impl std::fmt::Display) -> ConfigError {
    ConfigError(format!("{key}: {msg}"))
}

impl Config {
    /// Loads the layers. `file` is `--config`; without it `./kefu.toml` is read if present.
    pub fn load(file: Option<&Path>, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let mut tree =
            toml::Value::try_from(Config::default()).map_err(|e| ConfigError(e.to_string()))?;
        let path = file.map(Path::to_path_buf).or_else(|| {
            let p = PathBuf::from("kefu.toml");
            p.exists().then_some(p)
        });
        if let Some(path) = path {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
            // Checked on its own first, so errors point at the line the admin wrote.
            toml::from_str::<Config>(&text)
                .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
            let file_tree: toml::Value = toml::from_str(&text)
                .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
            merge(&mut tree, file_tree);
        }
        apply_env(&mut tree, env)?;
        // Round-trip through text so type errors come with the key and its line.
        let text = toml::to_string(&tree).map_err(|e| ConfigError(e.to_string()))?;
        let config: Config = toml::from_str(&text).map_err(|e| ConfigError(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        let url_ok = ["http://", "https://"]
            .iter()
            .any(|p| self.public_url.starts_with(p));
        if !self.public_url.is_empty() && !url_ok {
            return Err(err("public_url", "must start with http:// or https://"));
        }
        let url = &self.database.url;
        if !url.is_empty()
            && !["postgres://", "postgresql://", "sqlite://"]
                .iter()
                .any(|p| url.starts_with(p))
        {
            return Err(err(
                "database.url",
                "must be empty (SQLite in data_dir), sqlite://… or postgres://…",
            ));
        }
        if !matches!(self.database.sqlite_synchronous.as_str(), "full" | "normal") {
            return Err(err(
                "database.sqlite_synchronous",
                "must be \"full\" or \"normal\"",
            ));
        }
        if self.database.max_connections == 0 || self.database.max_connections > 1000 {
            return Err(err("database.max_connections", "must be 1 to 1000"));
        }
        if !(1..=24 * 365).contains(&self.security.session_idle_hours) {
            return Err(err("security.session_idle_hours", "must be 1 to 8760"));
        }
        if !(1024..=1024 * 1024 * 1024).contains(&self.chat.max_upload_bytes) {
            return Err(err("chat.max_upload_bytes", "must be 1024 to 1073741824"));
        }
        if !(0..=7 * 24 * 3600).contains(&self.chat.reply_mail_delay_seconds) {
            return Err(err("chat.reply_mail_delay_seconds", "must be 0 to 604800"));
        }
        if self.chat.messages_per_minute == 0 {
            return Err(err("chat.messages_per_minute", "must be at least 1"));
        }
        for (name, n) in [
            ("chat.new_visitors_per_ip", self.chat.new_visitors_per_ip),
            (
                "chat.new_conversations_per_visitor",
                self.chat.new_conversations_per_visitor,
            ),
            (
                "chat.new_conversations_per_ip",
                self.chat.new_conversations_per_ip,
            ),
            (
                "security.identity_checks_per_minute",
                self.security.identity_checks_per_minute,
            ),
        ] {
            if n == 0 {
                return Err(err(name, "must be at least 1"));
            }
        }
        if self.mail.max_per_sender_per_hour == 0 {
            return Err(err("mail.max_per_sender_per_hour", "must be at least 1"));
        }
        if self.security.max_body_bytes < 16 * 1024 {
            return Err(err("security.max_body_bytes", "must be at least 16384"));
        }
        self.trusted_proxies()?;
        if !self.smtp.host.is_empty() {
            if kefu_mail::TlsMode::parse(&self.smtp.tls).is_none() {
                return Err(err("smtp.tls", "must be \"starttls\", \"tls\" or \"none\""));
            }
            if self.smtp.from.is_empty() {
                return Err(err("smtp.from", "is required when smtp.host is set"));
            }
        }
        Ok(())
    }

    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen.parse().map_err(|_| {
            err(
                "listen",
                format!(
                    "expected address:port such as 127.0.0.1:8080, got {:?}",
                    self.listen
                ),
            )
        })
    }

    pub fn trusted_proxies(&self) -> Result<Vec<IpAddr>, ConfigError> {
        self.security
            .trusted_proxies
            .iter()
            .map(|p| {
                p.parse().map_err(|_| {
                    err(
                        "security.trusted_proxies",
                        format!("{p:?} is not an IP address"),
                    )
                })
            })
            .collect()
    }

    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("kefu.db").display())
        } else {
            self.database.url.clone()
        }
    }

    pub fn public_url(&self) -> String {
        if self.public_url.is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.public_url.trim_end_matches('/').to_string()
        }
    }

    /// The key sealing stored secrets: `security.secret_key`, else the one kept in
    /// `<data_dir>/secret.key` (made at first start, readable by the owner only).
    pub fn secret_key(&self) -> anyhow::Result<kefu_core::secretbox::SecretKey> {
        use anyhow::Context;
        if !self.security.secret_key.is_empty() {
            return Ok(kefu_core::secretbox::SecretKey::derive(
                &self.security.secret_key,
            ));
        }
        let path = self.data_dir.join("secret.key");
        if let Ok(s) = std::fs::read_to_string(&path) {
            let s = s.trim();
            if s.len() >= 32 {
                return Ok(kefu_core::secretbox::SecretKey::derive(s));
            }
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create {}", self.data_dir.display()))?;
        let secret = kefu_core::id::new_token();
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        {
            use std::io::Write;
            let mut f = opts
                .open(&path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            writeln!(f, "{secret}")?;
        }
        Ok(kefu_core::secretbox::SecretKey::derive(&secret))
    }

    pub fn smtp(&self) -> Option<kefu_mail::SmtpConfig> {
        (!self.smtp.host.is_empty()).then(|| kefu_mail::SmtpConfig {
            host: self.smtp.host.clone(),
            port: self.smtp.port,
            username: self.smtp.username.clone(),
            password: self.smtp.password.clone(),
            from: self.smtp.from.clone(),
            tls: kefu_mail::TlsMode::parse(&self.smtp.tls).unwrap_or(kefu_mail::TlsMode::StartTls),
        })
    }
}

/// Overlays `b` on `a`, table by table.
fn merge(a: &mut toml::Value, b: toml::Value) {
    match (a, b) {
        (toml::Value::Table(a), toml::Value::Table(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (a, b) => *a = b,
    }
}

/// Every leaf of the defaults has a variable: `database.max_connections` is
/// `KEFU_DATABASE_MAX_CONNECTIONS`. The value takes the type of the default.
fn apply_env(tree: &mut toml::Value, env: &[(String, String)]) -> Result<(), ConfigError> {
    fn walk(
        v: &mut toml::Value,
        path: &mut Vec<String>,
        env: &[(String, String)],
    ) -> Result<(), ConfigError> {
        if let toml::Value::Table(t) = v {
            for (k, child) in t.iter_mut() {
                path.push(k.clone());
                walk(child, path, env)?;
                path.pop();
            }
            return Ok(());
        }
        let name = format!("KEFU_{}", path.join("_").to_uppercase());
        let key = path.join(".");
        if let Some((_, raw)) = env.iter().find(|(k, _)| *k == name) {
            *v = match v {
                toml::Value::Integer(_) => toml::Value::Integer(
                    raw.trim()
                        .parse()
                        .map_err(|_| err(&key, format!("{name}={raw:?} is not a whole number")))?,
                ),
                toml::Value::Boolean(_) => toml::Value::Boolean(match raw.trim() {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" => false,
                    _ => return Err(err(&key, format!("{name}={raw:?} is not true or false"))),
                }),
                toml::Value::Array(_) => toml::Value::Array(
                    raw.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| toml::Value::String(s.to_string()))
                        .collect(),
                ),
                _ => toml::Value::String(raw.clone()),
            };
        }
        Ok(())
    }
    walk(tree, &mut vec![], env)
}

/// The documented example printed by `kefu config example`.
pub const EXAMPLE: &str = r#"# kefu.toml: every setting with its default. Each can also be set by environment
# variable: KEFU_ + the key path in capitals joined by _, e.g. KEFU_DATABASE_URL, KEFU_SMTP_HOST.

# Address and port to listen on.
listen = "127.0.0.1:8080"
# Folder for the SQLite database, uploaded files and the search index.
data_dir = "kefu-data"
# The address people use to reach Kefu, for links in mails. Empty: http://{listen}.
public_url = ""

[database]
# Empty: SQLite in data_dir (the embedded default). For several instances use PostgreSQL:
# url = "postgres://kefu:secret@db.internal/kefu"
url = ""
# SQLite durability: "full" (acknowledged writes survive power loss) or "normal".
sqlite_synchronous = "full"
# PostgreSQL connections, or SQLite reader connections.
max_connections = 8

[security]
# Mark cookies Secure; turn on when Kefu is served over HTTPS.
secure_cookies = false
# A session ends after this many hours without use.
session_idle_hours = 168
# Reverse proxies whose X-Forwarded-For header is believed, e.g. ["127.0.0.1"].
trusted_proxies = []
# Largest request body, in bytes.
max_body_bytes = 1048576
# Shop-signed identities checked per IP address a minute (the widget's sign-in and the shop
# server's POST /api/v1/identity/verify).
identity_checks_per_minute = 600

[smtp]
# Empty host: nothing is delivered; mail waits in the outbox, readable at /admin/outbox.
host = ""
port = 587
username = ""
password = ""
# Sender, e.g. "Shop Support <support@shop.example>".
from = ""
# "starttls" (port 587), "tls" (port 465) or "none" (a relay on this machine only).
tls = "starttls"

[chat]
# Largest file sent in a conversation, in bytes.
max_upload_bytes = 10485760
# Seconds an agent's reply waits to be read in the chat before it is mailed to the customer.
reply_mail_delay_seconds = 120
# Messages one customer or visitor may send a minute (staff: five times as many).
messages_per_minute = 60
# New widget visitors one IP address may make in ten minutes (offices and mobile carriers put
# many customers behind one address).
new_visitors_per_ip = 600
# New conversations one visitor may open in ten minutes, and all visitors of one IP together.
new_conversations_per_visitor = 10
new_conversations_per_ip = 1000

[mail]
# Largest received mail turned into a message, in bytes; bigger ones stay on the mail server.
max_bytes = 26214400
# Mails from one address an inbox turns into messages an hour; more are listed for admins.
max_per_sender_per_hour = 30

[log]
# A tracing filter: "info", "debug", "kefu_web=debug,info".
level = "info"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_valid_and_the_example_matches_them() {
        let c = Config::load(Some(Path::new("/dev/null")), &[]).unwrap();
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!(c.database_url(), "sqlite://kefu-data/kefu.db");
        let example: Config = toml::from_str(EXAMPLE).unwrap();
        assert_eq!(
            toml::to_string(&example).unwrap(),
            toml::to_string(&Config::default()).unwrap()
        );
    }

    #[test]
    fn environment_overrides_the_file_with_types() {
        let dir = std::env::temp_dir().join(format!("kefu-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("kefu.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\n[database]\nmax_connections = 3\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&file),
            &env(&[
                ("KEFU_DATABASE_MAX_CONNECTIONS", "5"),
                ("KEFU_SECURITY_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.2"),
            ]),
        )
        .unwrap();
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert_eq!(c.database.max_connections, 5);
        assert_eq!(c.trusted_proxies().unwrap().len(), 2);
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = Config::load(
            Some(Path::new("/dev/null")),
            &env(&[("KEFU_LISTEN", "nowhere")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("listen"), "{e}");
        let e = Config::load(
            Some(Path::new("/dev/null")),
            &env(&[("KEFU_SMTP_PORT", "abc")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("smtp.port"), "{e}");
        let e = Config::load(
            Some(Path::new("/dev/null")),
            &env(&[("KEFU_DATABASE_URL", "mysql://x")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("database.url"), "{e}");
        let dir = std::env::temp_dir().join(format!("kefu-cfg2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("kefu.toml");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        let e = Config::load(Some(&file), &[]).unwrap_err();
        assert!(e.to_string().contains("lisen"), "{e}");
        std::fs::write(&file, "[smtp]\nport = \"x\"\n").unwrap();
        let e = Config::load(Some(&file), &[]).unwrap_err();
        assert!(
            e.to_string().contains("port") && e.to_string().contains("line 2"),
            "{e}"
        );
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let mut c = Config::default();
        c.smtp.password = "hunter2".into();
        c.database.url = "postgres://kefu:s3cret@db/kefu".into();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cret"),
            "{shown}"
        );
    }
}
