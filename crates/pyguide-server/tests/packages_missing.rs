//! A server without the curated packages (PyPI could not be reached) still serves every page,
//! and the pages whose examples import them say so and how the operator installs them.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{plain_runner, send, test_limits};
use pyguide_content::{load_sources, SourceFile};
use pyguide_render::{Serving, Site};
use pyguide_server::{router, AppState};
use std::sync::Arc;

const ARRAYS: &str = r#"+++
title = "Arrays"
summary = "numpy."
section = "Basics"
order = 1
+++
## How? {#how}

```python
import numpy as np
print(np.arange(3))
```

```output
[0 1 2]
```
"#;

const LOOPS: &str = r#"+++
title = "Loops"
summary = "No packages."
section = "Basics"
order = 2
+++
## How? {#how}

```python
for i in range(2):
    print(i)
```

```output
0
1
```
"#;

fn site(serving: Serving) -> Arc<Site> {
    let files = [("sections.toml", r#"sections = ["Basics"]"#), ("arrays.md", ARRAYS), ("loops.md", LOOPS)]
        .iter()
        .map(|(p, t)| SourceFile { path: (*p).into(), text: (*t).into() })
        .collect();
    Arc::new(Site::build_for(&load_sources(files).expect("valid content"), serving).expect("renders"))
}

async fn page(serving: Serving, path: &str) -> String {
    let app = router(AppState { runner: plain_runner(1, test_limits(3)), site: site(serving) });
    let (status, _, body) = send(app, Request::get(path).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    String::from_utf8(body).expect("UTF-8")
}

#[tokio::test]
async fn without_the_packages_their_pages_say_so_and_the_others_are_served_as_ever() {
    let missing = Serving { packages_missing: true };
    let arrays = page(missing, "/tutorials/arrays").await;
    assert!(
        arrays.contains("The examples on this page need numpy, which this server does not have installed"),
        "{arrays}"
    );
    assert!(arrays.contains("<code>pyguide packages</code>"), "how the operator installs them");
    // The page is still whole: its example is there to read.
    assert!(arrays.contains("np.arange"), "{arrays}");
    let loops = page(missing, "/tutorials/loops").await;
    assert!(!loops.contains("does not have installed"), "{loops}");
    assert!(page(missing, "/").await.contains("/tutorials/arrays"), "the home page lists every tutorial");

    let installed = page(Serving::default(), "/tutorials/arrays").await;
    assert!(!installed.contains("does not have installed"), "{installed}");
}
