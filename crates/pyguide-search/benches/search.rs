//! Query latency of the search index over the real curriculum (content/), against a baseline
//! measured in the same run: a naive scan for every query word as a substring of the same
//! text (lowercased once, up front), which finds no typos, stems nothing and ranks nothing.
//!
//!     cargo bench -p pyguide-search --bench search
//!
//! Prints the index's size and build time, then p50 and p95 over all queries for both.

use pyguide_search::{searchable_text, SearchIndex};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

/// Queries a learner types: topics, typos, code, phrases, a word half typed.
const QUERIES: &[&str] = &[
    "lambda",
    "lamda",
    "dictonary",
    "list comprehension",
    "for loop",
    "while loop break",
    "enumerate",
    "f-string format",
    "exceptions",
    "raise ValueError",
    "try except finally",
    "dataclass",
    "with open",
    "generator yield",
    "decorator",
    "async await",
    "recursion",
    "sorted key",
    "tupels",
    "clas inheritance",
    "__init__",
    "global variable scope",
    "comprehen",
    "print",
    "slicing a string",
    "default arguments",
    "*args **kwargs",
    "set union",
    "json dump",
    "regular expresion",
];

/// Rounds of every query: enough samples for stable percentiles.
const ROUNDS: usize = 30;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn measure(mut f: impl FnMut(&str) -> usize) -> (Vec<Duration>, usize) {
    let mut samples = Vec::with_capacity(QUERIES.len() * ROUNDS);
    let mut found = 0;
    for round in 0..ROUNDS {
        for q in QUERIES {
            let start = Instant::now();
            let n = black_box(f(black_box(q)));
            samples.push(start.elapsed());
            if round == 0 {
                found += n;
            }
        }
    }
    samples.sort();
    (samples, found)
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    let curriculum = pyguide_content::load_dir(&dir).expect("the curriculum loads");
    let start = Instant::now();
    let index = SearchIndex::build(&curriculum).expect("the index builds");
    let built = start.elapsed();
    let texts: Vec<String> = searchable_text(&curriculum).into_iter().map(|t| t.to_lowercase()).collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "index: {} documents from {} tutorials ({:.0} KB of text), built in {}",
        index.len(),
        curriculum.tutorials.len(),
        bytes as f64 / 1000.0,
        ms(built)
    );

    let (tantivy, hits) = measure(|q| index.search(q).expect("searches").len());
    let (naive, matches) = measure(|q| {
        let words: Vec<String> = q.to_lowercase().split_whitespace().map(str::to_string).collect();
        texts.iter().filter(|t| words.iter().all(|w| t.contains(w.as_str()))).count()
    });

    let (p50, p95) = (percentile(&tantivy, 0.5), percentile(&tantivy, 0.95));
    let (b50, b95) = (percentile(&naive, 0.5), percentile(&naive, 0.95));
    println!("{} queries x {ROUNDS} rounds", QUERIES.len());
    println!("| | p50 | p95 | results (all queries) |");
    println!("| --- | --- | --- | --- |");
    println!("| search index (stemming, one-typo, ranked, snippets) | {} | {} | {hits} hits |", ms(p50), ms(p95));
    println!("| baseline: substring scan of the same text | {} | {} | {matches} matching parts |", ms(b50), ms(b95));
    println!("p50 ratio index / baseline: {:.2}", p50.as_secs_f64() / b50.as_secs_f64());
    let target = Duration::from_millis(5);
    println!("target p50 <= 5 ms: {}", if p50 <= target { "met" } else { "NOT met" });
}
