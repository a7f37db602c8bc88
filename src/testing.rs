//! Test support: a fresh database per test, on SQLite always and on PostgreSQL when one is
//! reachable. With `CI=true` a missing PostgreSQL is a failure, never a silent skip.

use crate::clock::Clock;
use crate::db::Db;
use crate::live::LiveBus;
use crate::{Core, CoreSettings};
use std::path::PathBuf;

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("EVENTLY_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// The Redis server tests use.
pub fn redis_url() -> String {
    std::env::var("EVENTLY_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_string())
}

/// True when running in CI, where every backing service must be present.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A database that exists for one test.
pub struct TestDb {
    pub db: Db,
    /// `DATABASE_URL` for a server process using the same database.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A migrated SQLite database in a fresh temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir =
            std::env::temp_dir().join(format!("evently-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let url = format!("sqlite:{}", dir.join("evently.db").display());
        let db = Db::connect(Some(&url), &dir)
            .await
            .unwrap_or_else(|e| panic!("sqlite: {e}"));
        db.migrate()
            .await
            .unwrap_or_else(|e| panic!("sqlite migrate: {e}"));
        TestDb {
            db,
            url,
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// A migrated, brand-new PostgreSQL database, or `None` (with a loud note) when no
    /// server is reachable outside CI. In CI it panics instead.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = postgres_admin_url();
        let admin = match Db::connect_postgres(&admin_url, 2).await {
            Ok(db) => db,
            Err(e) => {
                if in_ci() {
                    panic!("CI=true but PostgreSQL is not reachable at {admin_url}: {e}");
                }
                eprintln!("\n*** SKIPPING PostgreSQL test: no server at {admin_url} ({e}) ***\n");
                return None;
            }
        };
        let name = format!("evently_test_{}", uuid::Uuid::new_v4().simple());
        if let crate::db::Db::Postgres(pool) = &admin {
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(pool)
                .await
                .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        }
        admin.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b.to_string())
            .unwrap_or(admin_url.clone());
        let url = format!("{base}/{name}");
        let db = Db::connect_postgres(&url, 40)
            .await
            .unwrap_or_else(|e| panic!("connect {url}: {e}"));
        db.migrate()
            .await
            .unwrap_or_else(|e| panic!("postgres migrate: {e}"));
        Some(TestDb {
            db,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    /// Both engines: SQLite always, PostgreSQL when available (always in CI).
    pub async fn all() -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite().await];
        if let Some(pg) = TestDb::postgres().await {
            v.push(pg);
        }
        v
    }

    pub fn engine(&self) -> &'static str {
        self.db.engine().as_str()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                // Drop may run on the test's own runtime thread, so the pool cannot be closed
                // from here (that would wait on the thread we block). `WITH (FORCE)` ends its
                // connections server-side instead.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async move {
                        if let Ok(crate::db::Db::Postgres(pool)) =
                            Db::connect_postgres(&admin_url, 1).await
                        {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .execute(&pool)
                            .await;
                            pool.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// A 256-bit key for tests.
pub const TEST_SIGNING_KEY: &[u8; 32] = b"evently-test-signing-key-32bytes";

/// A core on `db` with a manual clock starting at `start_ms`.
pub fn core_with_clock(db: &Db, start_ms: i64) -> Core {
    let keys = crate::accounts::tokens::TokenKeys::new(TEST_SIGNING_KEY, 900)
        .unwrap_or_else(|e| panic!("{e}"));
    Core::new(
        db.clone(),
        Clock::manual(start_ms),
        CoreSettings {
            max_hold_renewals: 2,
            token_keys: keys,
            ticket_keys: crate::tickets::TicketKeys::from_seed(TEST_SIGNING_KEY),
            outbox: crate::notifications::OutboxSettings::default(),
            require_verified_email: false,
            push: None,
        },
        LiveBus::new(),
        crate::ratelimit::RateLimiter::new(false, None),
    )
}
