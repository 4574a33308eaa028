//! The search routes through `oneshot`: `GET /api/search` (JSON, as you type) and `GET /search`
//! (the results page without JavaScript), on a small curriculum; typos, snippets, anchors and
//! every kind of bad query.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use common::{plain_runner, send, site_of, test_limits};
use pyguide_server::{router, AppState};
use serde_json::Value;

const DICTIONARIES: &str = r#"+++
title = "Dictionaries"
summary = "Map keys to values."
section = "Data"
order = 1
slug = "dictionaries"
+++
A dictionary maps keys to values.

## How do I look a value up safely? {#get}

Use `get`, which gives a default when the key is missing.

```python
ages = {"ada": 36}
print(ages.get("bob", 0))
```

```output
0
```
"#;

const LAMBDA: &str = r#"+++
title = "Small Functions"
summary = "Anonymous functions."
section = "Data"
order = 2
slug = "small-functions"
+++
Functions without a name.

## What is a lambda? {#lambda}

A lambda is a function written as one expression: `lambda x: x * 2`.
"#;

fn app() -> Router {
    let site = site_of(&[
        ("sections.toml", "sections = [\"Data\"]"),
        ("data/dictionaries.md", DICTIONARIES),
        ("data/small-functions.md", LAMBDA),
    ]);
    router(AppState { runner: plain_runner(1, test_limits(2)), site })
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

async fn api(q: &str) -> (StatusCode, Value) {
    let (status, headers, body) = send(app(), get(&format!("/api/search?q={q}"))).await;
    assert_eq!(headers.get(header::CONTENT_TYPE).unwrap(), "application/json");
    (status, serde_json::from_slice(&body).expect("the answer is JSON"))
}

async fn page(uri: &str) -> (StatusCode, String) {
    let (status, _, body) = send(app(), get(uri)).await;
    (status, String::from_utf8(body).unwrap())
}

#[tokio::test]
async fn a_typo_finds_the_tutorial() {
    let (status, v) = api("dictonary").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["query"], "dictonary");
    assert_eq!(v["hits"][0]["url"], "/tutorials/dictionaries", "{v:#}");
    assert_eq!(v["hits"][0]["title"], "Dictionaries");
}

#[tokio::test]
async fn a_hit_in_a_section_links_to_its_anchor_with_the_word_marked() {
    let (status, v) = api("lamda").await;
    assert_eq!(status, StatusCode::OK);
    let hit = &v["hits"][0];
    assert_eq!(hit["url"], "/tutorials/small-functions#lambda", "{v:#}");
    assert_eq!(hit["title"], "What is a lambda?");
    assert_eq!(hit["tutorial"], "Small Functions");
    let marked: Vec<&str> = hit["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["mark"] == true)
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert!(!marked.is_empty() && marked.iter().all(|w| *w == "lambda"), "{hit:#}");
}

#[tokio::test]
async fn code_is_searched() {
    let (_, v) = api("ages.get").await;
    assert_eq!(v["hits"][0]["url"], "/tutorials/dictionaries#get", "{v:#}");
}

#[tokio::test]
async fn empty_missing_and_wordless_queries_have_no_hits() {
    for q in ["", "%20%20", "%3F%21%2A%28%29", "zzzzqqqq"] {
        let (status, v) = api(q).await;
        assert_eq!(status, StatusCode::OK, "{q}: {v}");
        assert_eq!(v["hits"], Value::Array(vec![]), "{q}");
    }
    let (status, _, body) = send(app(), get("/api/search")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["hits"], Value::Array(vec![]));
}

#[tokio::test]
async fn a_too_long_query_is_a_400_in_words() {
    let (status, v) = api(&"a".repeat(201)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "The search is too long: at most 200 characters, please");
    let (status, _) = api(&"a".repeat(200)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_query_string_that_cannot_be_read_is_a_400_in_words() {
    // Two q's: which one was meant?
    let (status, v) = api("lambda&q=dict").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().unwrap().contains("?q="), "{v}");
    let (status, html) = page("/search?q=a&q=b").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("The search could not be read"), "{html}");
    // Bytes that are not UTF-8 are replaced, leaving no words: no hits rather than an error.
    let (status, v) = api("%FF%FE").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["hits"], Value::Array(vec![]));
}

#[tokio::test]
async fn the_results_page_works_without_javascript() {
    let (status, html) = page("/search?q=lamda").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("1 result for “lamda”"), "{html}");
    // minijinja escapes the slashes of the href (`&#x2f;`), which browsers read back as `/`.
    assert!(html.contains(r#"&#x2f;tutorials&#x2f;small-functions#lambda">What is a lambda?</a>"#), "{html}");
    assert!(html.contains("in Small Functions"), "{html}");
    assert!(html.contains("<mark>lambda</mark>"), "{html}");
    // The header's box keeps the words, to change them.
    assert!(html.contains(r#"name="q" type="search""#) && html.contains(r#"value="lamda""#), "{html}");
}

#[tokio::test]
async fn the_results_page_escapes_the_query_and_says_when_nothing_matches() {
    let (status, html) = page("/search?q=%3Cscript%3Ezzzz").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<script>zzzz"), "{html}");
    assert!(html.contains("&lt;script&gt;zzzz"), "{html}");
    assert!(html.contains("0 results") && html.contains("Nothing matches"), "{html}");
    let (status, html) = page(&format!("/search?q={}", "b".repeat(300))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("at most 200 characters"), "{html}");
}

#[tokio::test]
async fn every_page_has_a_search_box_that_submits_to_the_results_page() {
    let (_, html) = page("/tutorials/dictionaries").await;
    assert!(html.contains(r#"<form id="search" class="search" role="search" action="/search" method="get""#), "{html}");
    let chunk = html.split("data-search-js=\"").nth(1).unwrap().split('"').next().unwrap();
    let (status, _, js) = send(app(), get(chunk)).await;
    assert_eq!(status, StatusCode::OK, "{chunk}");
    assert!(String::from_utf8(js).unwrap().contains("/api/search?q="));
}
