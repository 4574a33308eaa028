//! The exercise view as the server renders it (readable without JavaScript; exercise.js enhances
//! it): hints and the solution in `<details>`, the checks' source only when visible, the marks
//! the browser's progress fills in, and what the home page needs to count progress.

use pyguide_content::{load_sources, SourceFile};
use pyguide_render::Site;

const STRINGS: &str = r#"+++
title = "Strings"
summary = "Text."
section = "Basics"
order = 1
+++
## What is a string? {#what}

```python
print("hi")
```

```output
hi
```

## Practice {#practice}

### Exercise: Shout {#ex-shout}

Write `shout(word)`.

```python starter
def shout(word):
    return word
```

```python check
SECRET_WORDS = ["hi"]
assert shout(SECRET_WORDS[0]) == "HI!", "shout('hi')"
```

```hint
Use `.upper()`.
```

```hint
Then add `"!"`.
```

```python solution
def shout(word):
    return word.upper() + "!"
```

### Exercise: Double {#ex-double}

Write `double(n)`.

```python starter
def double(n):
    return n
```

```python check visible
assert double(2) == 4, "double(2)"
```

```python solution
def double(n):
    return n * 2
```
"#;

const ONLY_EXERCISES: &str = r#"+++
title = "Drills"
summary = "Only exercises."
section = "Basics"
order = 2
+++
### Exercise: Echo {#ex-echo}

Print `hi`.

```python starter
print("ho")
```

```output
hi
```

```python solution
print("hi")
```
"#;

const PLAIN: &str = r#"+++
title = "Reading"
summary = "Prose only."
section = "Basics"
order = 3
+++
## Why read? {#why}

Because.
"#;

fn site_of(files: &[(&str, &str)]) -> Site {
    let mut files: Vec<SourceFile> =
        files.iter().map(|(p, t)| SourceFile { path: (*p).into(), text: (*t).into() }).collect();
    files.push(SourceFile { path: "sections.toml".into(), text: r#"sections = ["Basics"]"#.into() });
    Site::build(&load_sources(files).expect("valid content")).expect("renders")
}

fn all() -> Site {
    site_of(&[("strings.md", STRINGS), ("drills.md", ONLY_EXERCISES), ("reading.md", PLAIN)])
}

#[test]
fn hints_and_solution_are_in_details_and_hidden_checks_never_in_the_page() {
    let site = all();
    let html = site.page("/tutorials/strings").expect("the page");
    assert!(html.contains(r#"data-exercise="strings&#x2f;ex-shout""#), "{html}");
    assert!(html.contains(
        r#"<details class="hint" data-hint="1"><summary>Hint 1 of 2</summary><p>Use <code>.upper()</code>.</p>"#
    ));
    assert!(html.contains(r#"<details class="hint" data-hint="2"><summary>Hint 2 of 2</summary>"#));
    assert_eq!(html.matches(r#"<details class="solution" data-solution><summary>Solution</summary>"#).count(), 2);
    assert!(html.contains("word.upper() + "), "the solution's code");
    // Hidden checks: neither their source nor their data; visible ones: in a <details>.
    assert!(!html.contains("SECRET_WORDS"), "a hidden check's source leaked");
    assert_eq!(html.matches(r#"<details class="exercise-checks">"#).count(), 1);
    assert!(html.contains(r#"<span class="tok-keyword">assert</span> double(<span class="tok-number">2</span>) == <span class="tok-number">4</span>"#));
    // The mark the browser shows once an exercise is passed starts hidden.
    assert_eq!(html.matches(r#"<p class="exercise-done" data-exercise-done hidden>Completed"#).count(), 2);
}

#[test]
fn the_tutorial_page_links_its_progress_to_the_exercises_and_loads_the_widget() {
    let site = all();
    let html = site.page("/tutorials/strings").expect("the page");
    assert!(html.contains(
        r##"<p class="exercise-progress" data-exercises="strings&#x2f;ex-shout strings&#x2f;ex-double"><a href="#practice" data-progress>2 exercises on this page</a></p>"##
    ));
    assert!(html.contains(r#" data-exercise-js="/static/exercise."#), "the widget's script");
    assert!(html.contains(r#" data-editor="/static/editor."#));

    // A page with exercises and no examples still gets the editor; its exercise is not under a
    // `##` heading, so the link goes to the exercise itself.
    let drills = site.page("/tutorials/drills").expect("the page");
    assert!(drills.contains(r#" data-editor="/static/editor."#));
    assert!(drills.contains(r#" data-exercise-js="/static/exercise."#));
    assert!(drills.contains(r##"<a href="#ex-echo" data-progress>1 exercise on this page</a>"##));
    assert!(drills.contains("<p class=\"meta\">1 min read</p>"), "no \"0 runnable examples\"");

    // A page with neither: no editor, no widget, no progress mark.
    let plain = site.page("/tutorials/reading").expect("the page");
    assert!(!plain.contains("data-editor="));
    assert!(!plain.contains("data-exercise="));
    assert!(!plain.contains("data-exercise-js"));
    assert!(!plain.contains("exercise-progress"));
    // Its sidebar still counts the exercises of the tutorials that have some.
    assert!(plain.contains(r#"<li class="nav-item" data-exercises="drills&#x2f;ex-echo"><a href="/tutorials/drills">"#));
}

#[test]
fn the_home_page_carries_each_tutorials_exercise_ids_and_the_progress_panel() {
    let site = all();
    let home = site.page("/").expect("the home page");
    assert!(home.contains(
        r#"<li class="tutorial-card" data-slug="strings" data-exercises="strings&#x2f;ex-shout strings&#x2f;ex-double">"#
    ));
    assert!(home.contains(r#"<li class="tutorial-card" data-slug="drills" data-exercises="drills&#x2f;ex-echo">"#));
    assert!(home.contains(r#"<li class="tutorial-card" data-slug="reading">"#));
    assert!(home.contains("1 runnable example · <span data-progress>2 exercises</span></p>"));
    // In the page from the first paint (its space kept), hidden by noscript.css without JavaScript.
    assert!(home.contains(
        r#"<section class="progress-panel" id="progress" aria-labelledby="progress-heading" data-progress-panel>"#
    ));
    assert!(home.contains("<strong data-progress-total>0 of 3 exercises done</strong>"));
    assert!(home.contains(r#"<button type="button" data-progress-reset hidden>Reset progress</button>"#));
    assert!(home.contains(r#"<button type="button" data-progress-export>Export progress</button>"#));
    assert!(!home.contains("data-editor="), "the home page needs no editor");

    // A curriculum without exercises has no progress panel.
    let plain = site_of(&[("reading.md", PLAIN)]);
    let home = plain.page("/").expect("the home page");
    assert!(!home.contains("progress-panel"));
    assert!(!home.contains("data-exercises"));
}
