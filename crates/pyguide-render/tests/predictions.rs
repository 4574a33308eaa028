//! Predict-the-output questions as the server renders them: the code, a guess form that
//! predict.js shows (hidden without JavaScript), the output in a `<details>`, the progress ids
//! on the tutorial page and the home page, and predict.js only where there are predictions.

use pyguide_content::{load_sources, SourceFile};
use pyguide_render::Site;

const GUESS: &str = r#"+++
title = "Guess"
summary = "Predictions."
section = "Basics"
order = 1
+++
## What does it print? {#what}

```python predict
print(1 + 1)
```

```output
2
```

```choices
11
2
```

```python predict
print("<b>")
print("x")
```

```output
<b>
x
```
"#;

const PLAIN: &str =
    "+++\ntitle = \"Plain\"\nsummary = \"s\"\nsection = \"Basics\"\norder = 2\n+++\nNothing to guess.\n";

fn site() -> Site {
    let files = vec![
        SourceFile { path: "guess.md".into(), text: GUESS.into() },
        SourceFile { path: "plain.md".into(), text: PLAIN.into() },
        SourceFile { path: "sections.toml".into(), text: r#"sections = ["Basics"]"#.into() },
    ];
    Site::build(&load_sources(files).expect("valid content")).expect("renders")
}

#[test]
fn a_prediction_is_a_guess_form_and_an_output_behind_a_disclosure() {
    let site = site();
    let html = site.page("/tutorials/guess").expect("the page");
    assert!(html.contains(r#"<section class="predict" id="predict-1" data-predict="guess&#x2f;predict-1""#), "{html}");
    assert!(html.contains(r#"<form class="predict-form" data-predict-form hidden>"#), "the form waits for predict.js");
    // Choices are radio buttons; a free-text guess is a textarea as tall as the output.
    assert!(html.contains(r#"<input type="radio" name="predict-1-guess" value="11"> <code>11</code>"#), "{html}");
    assert!(html.contains(r#"<input type="radio" name="predict-1-guess" value="2"> <code>2</code>"#));
    assert!(html.contains(r#"<textarea id="predict-2-guess" name="guess" rows="2""#), "{html}");
    // The output is in the page (for readers without JavaScript), escaped, behind a <details>.
    assert!(html.contains(
        r#"<details class="predict-answer" data-predict-answer><summary>Show the output</summary><pre class="output" data-predict-output>&lt;b&gt;
x
</pre></details>"#
    ), "{html}");
    assert!(html.contains(r#"<p class="predict-done" data-predict-done hidden>Answered"#));
    assert!(html.contains(
        r#"<p class="predict-progress" data-predictions="guess&#x2f;predict-1 guess&#x2f;predict-2"><span data-progress>2 predict-the-output questions on this page</span></p>"#
    ), "{html}");
    assert!(html.contains(r#" data-predict-js="/static/predict."#), "predict.js is loaded here");
    assert!(!html.contains("data-editor="), "predictions need no editor");

    let plain = site.page("/tutorials/plain").expect("the page");
    assert!(!plain.contains("data-predict"), "no predict.js where there is nothing to guess");
}

#[test]
fn the_home_page_counts_predictions() {
    let home = site().page("/").expect("the home page").to_string();
    assert!(
        home.contains(r#"data-slug="guess" data-predictions="guess&#x2f;predict-1 guess&#x2f;predict-2">"#),
        "{home}"
    );
}
