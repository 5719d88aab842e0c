use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    /// A uniqueness rule was broken: the e-mail is taken, the name exists.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    /// Someone else saved the record after the caller read it (optimistic check).
    #[error("{0}")]
    Stale(String),
    #[error("invalid database configuration: {0}")]
    Config(String),
    #[error("database error: {0}")]
    Sqlx(sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Error::NotFound,
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                Error::Conflict(d.message().to_string())
            }
            _ => Error::Sqlx(e),
        }
    }
}

impl Error {
    /// The database could not write for want of space: SQLite's `SQLITE_FULL` (13),
    /// PostgreSQL's `disk_full` (53100), or the operating system's "no space left".
    pub fn is_storage_full(&self) -> bool {
        match self {
            Error::Sqlx(sqlx::Error::Database(d)) => {
                matches!(d.code().as_deref(), Some("13" | "53100"))
                    || d.message().contains("disk is full")
            }
            Error::Sqlx(sqlx::Error::Io(e)) => e.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
