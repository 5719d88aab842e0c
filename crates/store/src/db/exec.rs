//! Transactions and the portable execution layer: one `Exec` over the database or a
//! transaction, on either backend.

use super::*;

/// A write transaction on either backend; dropped without [`Tx::commit`] it rolls back.
pub struct Tx {
    pub(super) inner: TxInner,
    /// Search changes to record at commit (kind, object id); see [`crate::changes`].
    pub(super) changes: Vec<(&'static str, String)>,
    /// Notifications to send at commit, in one statement (PostgreSQL): the events channel and
    /// the payloads in order.
    pub(super) notes: Option<(String, Vec<String>)>,
}

pub(super) enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// Notes that a searchable object changed; the change-log row is written just before the
    /// transaction commits, so the log's counter row is locked only for the commit itself.
    pub fn changed(&mut self, kind: &'static str, object_id: &str) {
        if !self
            .changes
            .iter()
            .any(|(k, id)| *k == kind && id == object_id)
        {
            self.changes.push((kind, object_id.to_string()));
        }
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Announces `payload` to every instance when, and only if, this transaction commits. The
    /// payloads of one transaction go out in one statement just before it commits (a batch of
    /// chat messages costs one round trip, not one each).
    pub async fn notify(&mut self, db: &Db, payload: &str) -> Result<()> {
        if let TxInner::Postgres(_) = self.inner {
            self.notes
                .get_or_insert_with(|| (db.events_channel().to_string(), Vec::new()))
                .1
                .push(payload.to_string());
        }
        Ok(())
    }

    pub async fn commit(mut self) -> Result<()> {
        let changes = std::mem::take(&mut self.changes);
        if !changes.is_empty() {
            crate::changes::write(&mut self, &changes).await?;
        }
        if let Some((channel, notes)) = self.notes.take() {
            // A list of strings always serialises.
            let list = serde_json::to_string(&notes).unwrap_or_else(|_| "[]".into());
            crate::Exec::execute(
                &mut self,
                "SELECT pg_notify($1, n) FROM jsonb_array_elements_text($2::jsonb) AS t(n)",
                vec![Value::from(channel), Value::from(list)],
            )
            .await?;
        }
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Encodes the bound values for one statement, on either backend.
pub(super) fn arguments<DB>(values: Vec<Value>) -> Result<<DB as Database>::Arguments>
where
    DB: Database,
    String: for<'e> Encode<'e, DB> + Type<DB>,
    i64: for<'e> Encode<'e, DB> + Type<DB>,
    bool: for<'e> Encode<'e, DB> + Type<DB>,
    Option<String>: for<'e> Encode<'e, DB> + Type<DB>,
    Option<i64>: for<'e> Encode<'e, DB> + Type<DB>,
{
    let mut a = <DB as Database>::Arguments::default();
    for v in values {
        match v {
            Value::Text(s) => a.add(s),
            Value::Int(i) => a.add(i),
            Value::Bool(b) => a.add(b),
            Value::NullText => a.add(None::<String>),
            Value::NullInt => a.add(None::<i64>),
        }
        .map_err(|e| Error::Sqlx(sqlx::Error::Encode(e)))?;
    }
    Ok(a)
}

/// Something SQL can run on: the database (`&Db`) or a transaction (`&mut Tx`).
///
/// Statements are `&'static str`: SQL is never assembled from user input.
pub trait Exec: Send {
    fn execute(
        self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> impl Future<Output = Result<u64>> + Send;
    fn fetch_optional<T: Record>(
        self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> impl Future<Output = Result<Option<T>>> + Send;
    fn fetch_all<T: Record>(
        self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> impl Future<Output = Result<Vec<T>>> + Send;
    fn fetch_one<T: Record>(
        self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> impl Future<Output = Result<T>> + Send
    where
        Self: Sized,
    {
        async move { self.fetch_optional(sql, args).await?.ok_or(Error::NotFound) }
    }
}

/// SQLite reads go to the reader pool; anything else to the single writer.
pub(super) fn is_read(sql: &str) -> bool {
    let head = sql.trim_start();
    head.get(..6)
        .is_some_and(|h| h.eq_ignore_ascii_case("SELECT"))
        || head
            .get(..4)
            .is_some_and(|h| h.eq_ignore_ascii_case("WITH"))
}

impl Exec for &Db {
    async fn execute(self, sql: &'static str, args: Vec<Value>) -> Result<u64> {
        Ok(match &*self.pools {
            Pools::Sqlite { writer, .. } => sqlx::query_with(sql, arguments::<Sqlite>(args)?)
                .execute(writer)
                .await?
                .rows_affected(),
            Pools::Postgres(pool) => sqlx::query_with(sql, arguments::<Postgres>(args)?)
                .execute(pool)
                .await?
                .rows_affected(),
        })
    }

    async fn fetch_optional<T: Record>(
        self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> Result<Option<T>> {
        Ok(match &*self.pools {
            Pools::Sqlite { writer, reader } => {
                let pool = if is_read(sql) { reader } else { writer };
                sqlx::query_as_with(sql, arguments::<Sqlite>(args)?)
                    .fetch_optional(pool)
                    .await?
            }
            Pools::Postgres(pool) => {
                sqlx::query_as_with(sql, arguments::<Postgres>(args)?)
                    .fetch_optional(pool)
                    .await?
            }
        })
    }

    async fn fetch_all<T: Record>(self, sql: &'static str, args: Vec<Value>) -> Result<Vec<T>> {
        Ok(match &*self.pools {
            Pools::Sqlite { writer, reader } => {
                let pool = if is_read(sql) { reader } else { writer };
                sqlx::query_as_with(sql, arguments::<Sqlite>(args)?)
                    .fetch_all(pool)
                    .await?
            }
            Pools::Postgres(pool) => {
                sqlx::query_as_with(sql, arguments::<Postgres>(args)?)
                    .fetch_all(pool)
                    .await?
            }
        })
    }
}

impl Exec for &mut Tx {
    async fn execute(self, sql: &'static str, args: Vec<Value>) -> Result<u64> {
        Ok(match &mut self.inner {
            TxInner::Sqlite(t) => sqlx::query_with(sql, arguments::<Sqlite>(args)?)
                .execute(&mut **t)
                .await?
                .rows_affected(),
            TxInner::Postgres(t) => sqlx::query_with(sql, arguments::<Postgres>(args)?)
                .execute(&mut **t)
                .await?
                .rows_affected(),
        })
    }

    async fn fetch_optional<T: Record>(
        self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> Result<Option<T>> {
        Ok(match &mut self.inner {
            TxInner::Sqlite(t) => {
                sqlx::query_as_with(sql, arguments::<Sqlite>(args)?)
                    .fetch_optional(&mut **t)
                    .await?
            }
            TxInner::Postgres(t) => {
                sqlx::query_as_with(sql, arguments::<Postgres>(args)?)
                    .fetch_optional(&mut **t)
                    .await?
            }
        })
    }

    async fn fetch_all<T: Record>(self, sql: &'static str, args: Vec<Value>) -> Result<Vec<T>> {
        Ok(match &mut self.inner {
            TxInner::Sqlite(t) => {
                sqlx::query_as_with(sql, arguments::<Sqlite>(args)?)
                    .fetch_all(&mut **t)
                    .await?
            }
            TxInner::Postgres(t) => {
                sqlx::query_as_with(sql, arguments::<Postgres>(args)?)
                    .fetch_all(&mut **t)
                    .await?
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_recognised() {
        assert!(is_read("  select 1"));
        assert!(is_read("WITH x AS (SELECT 1) SELECT * FROM x"));
        assert!(!is_read("INSERT INTO t VALUES (1)"));
        assert!(!is_read("UPDATE t SET a = 1"));
    }
}
