//! Test support: every test gets a database of its own, a fresh SQLite file or a fresh
//! PostgreSQL schema, so tests run in parallel on both backends.
//!
//! PostgreSQL's URL comes from `KEFU_TEST_PG_URL` (the test script sets it, starting a
//! throwaway server when none is reachable). Without it the PostgreSQL half of a test is
//! skipped with a message, except under `CI=true`, where a missing PostgreSQL fails the test.

use std::path::PathBuf;

use crate::{Backend, Db, DbOptions};

pub struct TestDb {
    pub db: Db,
    pub options: DbOptions,
    cleanup: Cleanup,
}

enum Cleanup {
    None,
    Dir(PathBuf),
    Schema { url: String, schema: String },
}

impl TestDb {
    /// Opens a migrated database of its own on `backend`; `None` if PostgreSQL is not
    /// configured outside CI.
    pub async fn open(backend: Backend) -> Option<TestDb> {
        let tag = kefu_core::id::new_id()
            .to_lowercase()
            .replace(['-', '_'], "x");
        let (options, cleanup) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("kefu-test-{tag}"));
                std::fs::create_dir_all(&dir).expect("create the test's data folder");
                let url = format!("sqlite://{}", dir.join("kefu.db").display());
                (DbOptions::new(url), Cleanup::Dir(dir))
            }
            Backend::Postgres => {
                let url = pg_url()?;
                let schema = format!("kt_{}", &tag[..16]);
                let admin = Db::connect(&DbOptions::new(url.clone()))
                    .await
                    .expect("connect to the test PostgreSQL");
                crate::Exec::execute(&admin, leak(format!("CREATE SCHEMA {schema}")), vec![])
                    .await
                    .expect("create the test's schema");
                admin.close().await;
                let mut options = DbOptions::new(url.clone());
                options.pg_schema = Some(schema.clone());
                options.max_connections = 4;
                (options, Cleanup::Schema { url, schema })
            }
        };
        let db = Db::connect(&options).await.expect("open the test database");
        db.migrate().await.expect("migrate the test database");
        Some(TestDb {
            db,
            options,
            cleanup,
        })
    }
}

impl TestDb {
    /// A second handle on the same database (another instance); it cleans nothing up.
    pub async fn sharing(other: &TestDb) -> TestDb {
        let db = Db::connect(&other.options)
            .await
            .expect("open the shared test database");
        TestDb {
            db,
            options: other.options.clone(),
            cleanup: Cleanup::None,
        }
    }
}

/// The PostgreSQL URL for tests, or `None` to skip; panics under `CI=true` without one.
pub fn pg_url() -> Option<String> {
    match std::env::var("KEFU_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but KEFU_TEST_PG_URL is not set: PostgreSQL's pass is required in CI")
        }
        _ => {
            eprintln!(
                "skipping the PostgreSQL pass: KEFU_TEST_PG_URL is not set (scripts/test sets it)"
            );
            None
        }
    }
}

/// Test-only dynamic SQL (schema names) must outlive the query; leaking a few bytes per test
/// is harmless.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::None => {}
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Schema { url, schema } => {
                // Drop runs inside the test's runtime; a short-lived thread with its own runtime
                // does the async clean-up without blocking that runtime's reactor.
                let (url, schema) = (url.clone(), schema.clone());
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async {
                        if let Ok(db) = Db::connect(&DbOptions::new(url)).await {
                            let sql = leak(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                            let _ = crate::Exec::execute(&db, sql, vec![]).await;
                            db.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// Declares a test that runs once per backend: `both_backends!(name, async_fn_taking_TestDb)`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(t) = $crate::testing::TestDb::open($crate::Backend::Sqlite).await {
                    super::$body(t).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(t) = $crate::testing::TestDb::open($crate::Backend::Postgres).await {
                    super::$body(t).await;
                }
            }
        }
    };
}
