//! The store against SQLite (a temporary data folder) and, when `DATABASE_URL` names one, a real
//! PostgreSQL server (`scripts/test` starts a throwaway cluster and always sets it).

use pyguide_store::{Author, QuotaWindow, Store, StoreError, MAX_SHARE_BYTES};
use std::collections::BTreeMap;

async fn round_trip(store: &Store) {
    let mut files = BTreeMap::new();
    files.insert("helpers.py".to_string(), "def hi():\n    return 'hé'\n".to_string());
    let code = "import helpers\nprint(helpers.hi())  # ünïcode ✓\n";
    let id = store.create_share(code, &files).await.expect("stored");
    assert!(pyguide_store::is_valid_id(&id), "{id}");
    let share = store.share(&id).await.expect("read").expect("found");
    assert_eq!(share.code, code);
    assert_eq!(share.files, files);

    let other = store.create_share("print(1)", &BTreeMap::new()).await.expect("stored");
    assert_ne!(id, other, "each share gets its own id");
    assert!(store.share(&other).await.unwrap().unwrap().files.is_empty());

    // Unknown, malformed and hostile ids are simply not found.
    for bad in ["AAAAAAAAAAAA", "nope", "", "' OR 1=1 --", &"a".repeat(5000)] {
        assert!(store.share(bad).await.expect("no error").is_none(), "{bad:?}");
    }

    // Size limits, in plain words.
    let big = "#".repeat(MAX_SHARE_BYTES + 1);
    match store.create_share(&big, &BTreeMap::new()).await {
        Err(StoreError::Invalid(msg)) => assert!(msg.contains("KiB"), "{msg}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    let many: BTreeMap<String, String> = (0..17).map(|i| (format!("f{i}.py"), String::new())).collect();
    assert!(matches!(store.create_share("x", &many).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.create_share("x\0", &BTreeMap::new()).await, Err(StoreError::Invalid(_))));
    quotas(store).await;
}

/// Shares per client per minute and per day, counted in the database; a flood can be deleted
/// by its client's hash.
async fn quotas(store: &Store) {
    // A fresh client per call, so that the test can run again on the same database.
    let flooder = store.client_hash(&format!("198.51.100.{}", std::process::id() % 250));
    let other = store.client_hash("203.0.113.9");
    assert_eq!(flooder.len(), 32, "{flooder}");
    assert_ne!(flooder, other);
    assert!(!flooder.contains("198.51"), "the hash does not show the address");
    let author = |client: &str, per_minute, per_day| Author { client: client.to_string(), per_minute, per_day };
    let none = BTreeMap::new();
    let _ = store.delete_shares_by(&flooder).await.unwrap();
    for _ in 0..3 {
        store.create_share_by("print(1)", &none, &author(&flooder, 3, 100)).await.expect("within the quota");
    }
    match store.create_share_by("print(1)", &none, &author(&flooder, 3, 100)).await {
        Err(e @ StoreError::Quota { limit: 3, window: QuotaWindow::Minute }) => {
            assert!(e.to_string().contains("3 programs in the last minute"), "{e}")
        }
        other => panic!("expected the minute quota, got {other:?}"),
    }
    assert!(matches!(
        store.create_share_by("print(1)", &none, &author(&flooder, 10, 3)).await,
        Err(StoreError::Quota { window: QuotaWindow::Day, .. })
    ));
    // Another client is not affected.
    store.create_share_by("print(2)", &none, &author(&other, 3, 100)).await.expect("another client shares");
    assert_eq!(store.delete_shares_by(&flooder).await.unwrap(), 3);
    store.create_share_by("print(1)", &none, &author(&flooder, 3, 100)).await.expect("the flood is gone");
}

#[tokio::test]
async fn sqlite_data_dir_is_created_and_survives_reopening() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nested").join("data");
    let store = Store::open_data_dir(&dir).await.expect("opens");
    assert_eq!(store.backend(), "sqlite");
    assert!(dir.join(pyguide_store::SQLITE_FILE).exists());
    round_trip(&store).await;
    let id = store.create_share("print('kept')", &BTreeMap::new()).await.unwrap();

    let hash = store.client_hash("192.0.2.1");
    store.close().await;

    // Reopening runs the migrations again (a no-op) and finds the share, and the same key.
    let store = Store::open_data_dir(&dir).await.expect("reopens");
    assert_eq!(store.client_hash("192.0.2.1"), hash, "the client hash's key is kept in the database");
    assert_eq!(store.share(&id).await.unwrap().unwrap().code, "print('kept')");
    store.close().await;
}

#[tokio::test]
async fn bad_urls_and_folders_are_explained() {
    let err = Store::open_url("mysql://localhost/x").await.unwrap_err();
    assert!(err.to_string().contains("postgres://"), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let err = Store::open_data_dir(&file.join("data")).await.unwrap_err();
    assert!(err.to_string().contains("cannot create the data folder"), "{err}");
}

#[tokio::test]
async fn postgres_round_trip() {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!("DATABASE_URL is not set: skipping the PostgreSQL test (scripts/test always sets it)");
        return;
    };
    let store = Store::open_url(&url).await.expect("connects to PostgreSQL and migrates");
    assert_eq!(store.backend(), "postgres");
    round_trip(&store).await;
    store.close().await;
    // A second open re-runs the (already applied) migrations.
    let store = Store::open_url(&url).await.expect("reopens");
    store.close().await;
}
