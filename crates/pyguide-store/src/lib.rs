//! PyGuide's persistence: programs shared with the Share button, stored through sqlx in SQLite
//! (a file under the data folder, the default) or PostgreSQL (`--database-url postgres://...`).
//!
//! Both backends run their own embedded migrations (`migrations/sqlite`, `migrations/postgres`)
//! when the store opens, so a fresh data folder or an empty database is ready on first run.
//! Queries are plain `sqlx::query` (no compile-time database needed to build).

mod id;

pub use id::{is_valid_id, new_id, ID_LEN};

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Largest shared program: `main.py` and its extra files together.
pub const MAX_SHARE_BYTES: usize = 256 * 1024;
/// Most extra files in one share.
pub const MAX_SHARE_FILES: usize = 16;
/// The SQLite file's name inside the data folder.
pub const SQLITE_FILE: &str = "pyguide.sqlite3";

/// A shared program.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Share {
    pub id: String,
    pub code: String,
    /// Extra files beside `main.py`.
    pub files: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The program is too large or malformed; the message is for the learner.
    #[error("{0}")]
    Invalid(String),
    #[error("cannot create the data folder {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("the database URL must start with postgres://, postgresql:// or sqlite: (got {0:?})")]
    BadUrl(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The client made as many shares as it may in this window.
    #[error("you have shared {limit} programs in the last {window}; you can share again later")]
    Quota { limit: u32, window: QuotaWindow },
}

/// The windows share quotas are counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaWindow {
    Minute,
    Day,
}

impl QuotaWindow {
    fn seconds(self) -> i64 {
        match self {
            QuotaWindow::Minute => 60,
            QuotaWindow::Day => 24 * 60 * 60,
        }
    }
}

impl std::fmt::Display for QuotaWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            QuotaWindow::Minute => "minute",
            QuotaWindow::Day => "day",
        })
    }
}

/// Who is sharing (a keyed hash of the client, from [`Store::client_hash`]) and how many shares
/// they may make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub client: String,
    pub per_minute: u32,
    pub per_day: u32,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The store: cheap to clone (a connection pool).
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// The key of [`Store::client_hash`], shared by every replica through the database.
    client_key: std::sync::Arc<[u8]>,
}

/// The name of the client-hash key in the `secrets` table.
const CLIENT_KEY: &str = "client-hash";

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend()).finish()
    }
}

impl Store {
    /// SQLite in `data_dir/pyguide.sqlite3`; the folder and the file are created if missing.
    pub async fn open_data_dir(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| StoreError::DataDir { path: data_dir.to_path_buf(), source })?;
        let opts = SqliteConnectOptions::new()
            .filename(data_dir.join(SQLITE_FILE))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5));
        Self::sqlite(opts).await
    }

    /// A database by URL: `postgres://…` / `postgresql://…`, or `sqlite:…` (tests, in-memory).
    pub async fn open_url(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool =
                PgPoolOptions::new().max_connections(8).acquire_timeout(Duration::from_secs(5)).connect(url).await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            Self::with_key(Pool::Postgres(pool)).await
        } else if url.starts_with("sqlite:") {
            Self::sqlite(SqliteConnectOptions::from_str(url)?.create_if_missing(true)).await
        } else {
            Err(StoreError::BadUrl(url.to_string()))
        }
    }

    async fn sqlite(opts: SqliteConnectOptions) -> Result<Store, StoreError> {
        // One writer at a time is SQLite's way; a few readers alongside are plenty here.
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(opts).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Self::with_key(Pool::Sqlite(pool)).await
    }

    /// The store, with the client-hash key that the first replica to open the database made.
    async fn with_key(pool: Pool) -> Result<Store, StoreError> {
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|e| StoreError::Invalid(format!("no randomness: {e}")))?;
        let key: Vec<u8> = match &pool {
            Pool::Sqlite(p) => {
                sqlx::query("INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)")
                    .bind(CLIENT_KEY)
                    .bind(&fresh[..])
                    .execute(p)
                    .await?;
                sqlx::query_scalar("SELECT value FROM secrets WHERE name = ?").bind(CLIENT_KEY).fetch_one(p).await?
            }
            Pool::Postgres(p) => {
                sqlx::query("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                    .bind(CLIENT_KEY)
                    .bind(&fresh[..])
                    .execute(p)
                    .await?;
                sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1").bind(CLIENT_KEY).fetch_one(p).await?
            }
        };
        Ok(Store { pool, client_key: key.into() })
    }

    /// A keyed hash of a client (its address, as text): the same on every replica of one
    /// database, and not reversible to the address without the key. Logs and shares record
    /// this, never the address.
    pub fn client_hash(&self, client: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&self.client_key).expect("HMAC takes any key length");
        mac.update(client.as_bytes());
        mac.finalize().into_bytes()[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Refuses with [`StoreError::Quota`] when `author` already made its share of shares.
    async fn check_quota(&self, author: &Author) -> Result<(), StoreError> {
        for (window, limit) in [(QuotaWindow::Minute, author.per_minute), (QuotaWindow::Day, author.per_day)] {
            let since = window.seconds();
            let made: i64 = match &self.pool {
                Pool::Sqlite(p) => {
                    sqlx::query_scalar("SELECT COUNT(*) FROM shares WHERE client = ? AND created_at > unixepoch() - ?")
                        .bind(&author.client)
                        .bind(since)
                        .fetch_one(p)
                        .await?
                }
                Pool::Postgres(p) => {
                    sqlx::query_scalar(
                        "SELECT COUNT(*) FROM shares WHERE client = $1 AND created_at > now() - make_interval(secs => $2::float8)",
                    )
                    .bind(&author.client)
                    .bind(since)
                    .fetch_one(p)
                    .await?
                }
            };
            if made >= i64::from(limit) {
                return Err(StoreError::Quota { limit, window });
            }
        }
        Ok(())
    }

    /// Stores a program made by `author`, within its quota (counted in the database, so it
    /// holds across replicas; two replicas taking the last share at the same moment may both
    /// get it).
    pub async fn create_share_by(
        &self,
        code: &str,
        files: &BTreeMap<String, String>,
        author: &Author,
    ) -> Result<String, StoreError> {
        check_size(code, files)?;
        self.check_quota(author).await?;
        self.insert_share(code, files, Some(&author.client)).await
    }

    /// Deletes every share made by the client with this hash (a flood); returns how many.
    pub async fn delete_shares_by(&self, client_hash: &str) -> Result<u64, StoreError> {
        let done = match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query("DELETE FROM shares WHERE client = ?").bind(client_hash).execute(p).await?.rows_affected()
            }
            Pool::Postgres(p) => {
                sqlx::query("DELETE FROM shares WHERE client = $1").bind(client_hash).execute(p).await?.rows_affected()
            }
        };
        Ok(done)
    }

    /// `"sqlite"` or `"postgres"`, for logs.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Answers when the database does (`/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::query("SELECT 1").execute(p).await.map(drop)?,
            Pool::Postgres(p) => sqlx::query("SELECT 1").execute(p).await.map(drop)?,
        }
        Ok(())
    }

    /// Stores a program and returns its new, unguessable id.
    pub async fn create_share(&self, code: &str, files: &BTreeMap<String, String>) -> Result<String, StoreError> {
        check_size(code, files)?;
        self.insert_share(code, files, None).await
    }

    async fn insert_share(
        &self,
        code: &str,
        files: &BTreeMap<String, String>,
        client: Option<&str>,
    ) -> Result<String, StoreError> {
        let files_json = serde_json::to_string(files).map_err(|e| StoreError::Invalid(e.to_string()))?;
        // 71 random bits make a collision vanishingly rare; retry anyway rather than fail.
        let mut last = None;
        for _ in 0..3 {
            let id = new_id();
            let inserted = match &self.pool {
                Pool::Sqlite(p) => sqlx::query(
                    "INSERT INTO shares (id, code, files, client, created_at) VALUES (?, ?, ?, ?, unixepoch())",
                )
                .bind(&id)
                .bind(code)
                .bind(&files_json)
                .bind(client)
                .execute(p)
                .await
                .map(|_| ()),
                Pool::Postgres(p) => {
                    sqlx::query("INSERT INTO shares (id, code, files, client) VALUES ($1, $2, $3, $4)")
                        .bind(&id)
                        .bind(code)
                        .bind(&files_json)
                        .bind(client)
                        .execute(p)
                        .await
                        .map(|_| ())
                }
            };
            match inserted {
                Ok(_) => return Ok(id),
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => last = Some(sqlx::Error::Database(e)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(last.map(StoreError::Db).unwrap_or_else(|| StoreError::Invalid("could not pick an id".into())))
    }

    /// The share with this id, or `None` (also for ids that cannot exist).
    pub async fn share(&self, id: &str) -> Result<Option<Share>, StoreError> {
        if !is_valid_id(id) {
            return Ok(None);
        }
        let row = match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query("SELECT code, files FROM shares WHERE id = ?").bind(id).fetch_optional(p).await?.map(|r| {
                    let code: String = r.get("code");
                    let files: String = r.get("files");
                    (code, files)
                })
            }
            Pool::Postgres(p) => {
                sqlx::query("SELECT code, files FROM shares WHERE id = $1").bind(id).fetch_optional(p).await?.map(|r| {
                    let code: String = r.get("code");
                    let files: String = r.get("files");
                    (code, files)
                })
            }
        };
        Ok(row.map(|(code, files)| Share {
            id: id.to_string(),
            code,
            // Written by us as a JSON object; an unreadable value is shown as no extra files.
            files: serde_json::from_str(&files).unwrap_or_default(),
        }))
    }

    /// Closes the pool (waits for connections to finish).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

fn check_size(code: &str, files: &BTreeMap<String, String>) -> Result<(), StoreError> {
    if files.len() > MAX_SHARE_FILES {
        return Err(StoreError::Invalid(format!(
            "{} files were sent; a share holds at most {MAX_SHARE_FILES}",
            files.len()
        )));
    }
    let total = code.len() + files.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    if total > MAX_SHARE_BYTES {
        return Err(StoreError::Invalid(format!(
            "the program is {total} bytes; a share holds at most {} KiB",
            MAX_SHARE_BYTES / 1024
        )));
    }
    if code.contains('\0') || files.iter().any(|(k, v)| k.contains('\0') || v.contains('\0')) {
        return Err(StoreError::Invalid("the program contains a NUL byte".into()));
    }
    Ok(())
}
