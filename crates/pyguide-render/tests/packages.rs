//! Pages whose examples import a curated package (numpy, pandas, matplotlib, pytest) say so
//! when the server has not installed them, and how the operator installs them; other pages,
//! and every page of a server that has them, say nothing.

use pyguide_content::{load_sources, SourceFile};
use pyguide_render::{Serving, Site};

const TABLES: &str = r#"+++
title = "Tables"
summary = "pandas and a plot."
section = "Basics"
order = 1
+++
## How? {#how}

```python
import pandas as pd
print(len(pd.DataFrame({"a": [1, 2]})))
```

```output
2
```

### Exercise: Plot it {#ex-plot}

Plot.

```python starter
import matplotlib.pyplot as plt
```

```python check
assert True, "nothing"
```

```python solution
import matplotlib.pyplot as plt
plt.plot([1, 2])
```

```python wrong
# Nothing.
pass
```
"#;

const PLAIN: &str = r#"+++
title = "Plain"
summary = "No packages."
section = "Basics"
order = 2
+++
## How? {#how}

```python
import numbers
numpy_like = [1, 2]  # numpy would be faster
print("numpy", len(numpy_like))
```

```output
numpy 2
```
"#;

/// The notice's one sentence that names what is missing.
const NOTICE: &str = "which this server does not have installed";

fn curriculum() -> pyguide_content::Curriculum {
    let files = vec![
        SourceFile { path: "tables.md".into(), text: TABLES.into() },
        SourceFile { path: "plain.md".into(), text: PLAIN.into() },
        SourceFile { path: "sections.toml".into(), text: r#"sections = ["Basics"]"#.into() },
    ];
    load_sources(files).expect("valid content")
}

#[test]
fn the_content_model_knows_which_packages_a_page_imports() {
    let c = curriculum();
    // The example imports pandas and the exercise matplotlib, in the curated list's order.
    assert_eq!(c.tutorial("tables").unwrap().curated_imports(), ["pandas", "matplotlib"]);
    // `import numbers`, a name and a comment that mention numpy are no imports of it.
    assert!(c.tutorial("plain").unwrap().curated_imports().is_empty());
}

#[test]
fn without_the_packages_a_page_that_needs_them_says_so_and_how_to_install_them() {
    let site = Site::build_for(&curriculum(), Serving { packages_missing: true }).expect("renders");
    let html = site.page("/tutorials/tables").expect("the page");
    assert!(html.contains(NOTICE), "{html}");
    assert!(html.contains("The examples on this page need pandas, matplotlib,"), "names the packages: {html}");
    assert!(html.contains("<code>pyguide packages</code>"), "says how the operator installs them");
    assert!(html.contains(r#"role="note""#), "a note for screen readers");
    let plain = site.page("/tutorials/plain").expect("the page");
    assert!(!plain.contains(NOTICE), "a page that needs no package says nothing");
}

#[test]
fn with_the_packages_no_page_has_the_notice() {
    for site in [
        Site::build(&curriculum()).expect("renders"),
        Site::build_for(&curriculum(), Serving { packages_missing: false }).expect("renders"),
    ] {
        assert!(!site.page("/tutorials/tables").expect("the page").contains(NOTICE));
    }
}
