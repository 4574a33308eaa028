//! The search index over the real curriculum (content/): typos, stemming, code, snippets and
//! the bounds on queries.

use pyguide_search::{Hit, SearchError, SearchIndex, MAX_HITS, MAX_QUERY_CHARS};
use std::path::Path;
use std::sync::OnceLock;

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
        let curriculum = pyguide_content::load_dir(&dir).expect("the curriculum loads");
        SearchIndex::build(&curriculum).expect("the index builds")
    })
}

fn search(q: &str) -> Vec<Hit> {
    index().search(q).expect("the search runs")
}

#[test]
fn a_missing_letter_still_finds_lambda() {
    let hits = search("lamda");
    let first = hits.first().expect("hits for lamda");
    assert_eq!(first.tutorial, "Lambda and Higher-Order Functions", "{hits:#?}");
    assert!(first.marked().iter().any(|w| w.eq_ignore_ascii_case("lambda")), "{first:#?}");
}

#[test]
fn a_misspelt_plural_finds_the_dictionaries_tutorial() {
    let hits = search("dictonary");
    let first = hits.first().expect("hits for dictonary");
    assert_eq!(first.url, "/tutorials/dictionaries", "{hits:#?}");
    assert_eq!(first.title, "Dictionaries");
}

#[test]
fn swapped_letters_count_as_one_edit() {
    let hits = search("tupels");
    assert_eq!(hits.first().map(|h| h.tutorial.as_str()), Some("Tuples and Unpacking"), "{hits:#?}");
}

#[test]
fn stemming_matches_other_forms_of_a_word() {
    // "raising" is stemmed to "rais", as are "raise" and "raised".
    let hits = search("raising exceptions");
    assert!(hits.iter().take(3).any(|h| h.url.starts_with("/tutorials/raising-exceptions")), "{hits:#?}");
    let marked: Vec<String> = hits.iter().flat_map(|h| h.marked()).map(str::to_lowercase).collect();
    assert!(marked.iter().any(|w| w == "raise" || w == "raised" || w == "raises"), "{marked:?}");
}

#[test]
fn code_is_searched_and_its_snippet_shows_the_code() {
    let hits = search("enumerate sys.stdin");
    let hit = hits.iter().find(|h| h.snippet_text().contains("enumerate(sys.stdin")).expect("a hit in code");
    assert!(hit.marked().contains(&"enumerate"), "{hit:#?}");
}

#[test]
fn every_hit_links_to_its_tutorial_and_headings_to_their_anchor() {
    let hits = search("dictionary comprehension");
    assert!(!hits.is_empty());
    for h in &hits {
        assert!(h.url.starts_with("/tutorials/"), "{h:#?}");
    }
    assert!(hits.iter().any(|h| h.url.contains('#')), "some hit is a section: {hits:#?}");
}

#[test]
fn snippets_mark_the_words_that_matched_and_nothing_else() {
    for h in search("generator expression") {
        for w in h.marked() {
            let w = w.to_lowercase();
            assert!(w.starts_with("generat") || w.starts_with("express"), "{w} marked in {h:#?}");
        }
    }
}

#[test]
fn a_word_being_typed_matches_as_a_prefix() {
    let hits = search("comprehen");
    assert!(hits.iter().any(|h| h.tutorial == "List, Dict and Set Comprehensions"), "{hits:#?}");
    assert_eq!(search("dictio").first().map(|h| h.url.as_str()), Some("/tutorials/dictionaries"));
    // With a space after it the word is complete: nothing is "dictio" or one edit away from it.
    assert!(search("dictio ").is_empty(), "{:#?}", search("dictio "));
}

#[test]
fn empty_and_wordless_queries_have_no_hits() {
    assert!(search("").is_empty());
    assert!(search("   ").is_empty());
    assert!(search("?!*()[]{} -- ::").is_empty());
    assert!(search("zqxjvwk").is_empty());
}

#[test]
fn a_too_long_query_is_refused_in_words() {
    let q = "a".repeat(MAX_QUERY_CHARS + 1);
    let err = index().search(&q).expect_err("too long");
    assert!(matches!(err, SearchError::TooLong));
    assert!(err.to_string().contains("200 characters"), "{err}");
    assert!(index().search(&"word ".repeat(40)).is_ok(), "200 characters is fine");
}

#[test]
fn hits_are_bounded_and_no_tutorial_takes_them_all() {
    let hits = search("print");
    assert_eq!(hits.len(), MAX_HITS);
    let first = &hits[0].tutorial;
    assert!(hits.iter().filter(|h| &h.tutorial == first).count() <= 3, "{hits:#?}");
}

#[test]
fn non_ascii_queries_work() {
    assert!(index().search("café ünïcödé 🐍").is_ok());
}
