//! Shares written by earlier versions stay readable: every fixture under `tests/fixtures/`
//! (made by `scripts/make-upgrade-fixtures` with that version's migrations: an SQLite file and
//! a PostgreSQL dump) is opened with the current code, which migrates it, and its shares are
//! read back. PostgreSQL's part runs when `DATABASE_URL` names a server (`scripts/test` starts
//! one).

use pyguide_store::Store;
use serde::Deserialize;
use sqlx::Connection;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct Expected {
    sqlite: Vec<Share>,
    postgres: Vec<Share>,
}

#[derive(Deserialize)]
struct Share {
    id: String,
    code: String,
    files: BTreeMap<String, String>,
}

fn fixtures() -> Vec<(PathBuf, Expected)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut found: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/fixtures exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|dir| {
            let text = std::fs::read_to_string(dir.join("shares.json")).expect("shares.json");
            let expected = serde_json::from_str(&text).expect("shares.json parses");
            (dir, expected)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!found.is_empty(), "no fixture in {}", root.display());
    found
}

async fn reads_back(store: &Store, shares: &[Share], fixture: &Path) {
    for want in shares {
        let got = store.share(&want.id).await.expect("read").unwrap_or_else(|| {
            panic!("share {} of {} is missing", want.id, fixture.display());
        });
        assert_eq!(got.code, want.code, "{}", fixture.display());
        assert_eq!(got.files, want.files, "{}", fixture.display());
    }
    // Still writable: the migrations after the fixture's ran.
    let id = store.create_share("print('new')", &BTreeMap::new()).await.expect("a new share");
    assert_eq!(store.share(&id).await.unwrap().unwrap().code, "print('new')");
}

#[tokio::test]
async fn sqlite_files_of_earlier_versions_open_and_read() {
    for (dir, expected) in fixtures() {
        let data = tempfile::tempdir().unwrap();
        std::fs::copy(dir.join("pyguide.sqlite3"), data.path().join("pyguide.sqlite3")).unwrap();
        let store = Store::open_data_dir(data.path()).await.expect("the old file opens");
        reads_back(&store, &expected.sqlite, &dir).await;
        store.close().await;
    }
}

#[tokio::test]
async fn postgres_dumps_of_earlier_versions_load_and_read() {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!("DATABASE_URL is not set: PostgreSQL's fixtures are not checked");
        return;
    };
    let (server, _) = url.rsplit_once('/').expect("the URL names a database");
    for (dir, expected) in fixtures() {
        let name = format!("pyguide_upgrade_{}", dir.file_name().unwrap().to_string_lossy().replace(['.', '-'], "_"));
        let mut admin = sqlx::PgConnection::connect(&url).await.expect("connects");
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await.unwrap();
        sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
        let db_url = format!("{server}/{name}");
        // The dump as psql would run it, without psql's own commands (\restrict and the like).
        let dump = std::fs::read_to_string(dir.join("postgres.sql")).unwrap();
        let sql: String = dump.lines().filter(|l| !l.starts_with('\\')).map(|l| format!("{l}\n")).collect();
        let mut conn = sqlx::PgConnection::connect(&db_url).await.expect("connects");
        sqlx::raw_sql(&sql).execute(&mut conn).await.expect("the dump loads");
        conn.close().await.unwrap();
        let store = Store::open_url(&db_url).await.expect("the old database opens");
        reads_back(&store, &expected.postgres, &dir).await;
        store.close().await;
        // A closed client's server process may still be ending; FORCE waits it out.
        sqlx::raw_sql(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await.unwrap();
    }
}
