//! Full-text search over the curriculum, in the server: titles, headings, prose and code.
//!
//! [`SearchIndex::build`] indexes a [`Curriculum`] in memory with tantivy at start-up: one
//! document per tutorial (title and summary) and one per part of a page (the text under a
//! heading, up to the next heading), so every hit links to an anchor. Words are stemmed
//! (English), and each query word also matches the indexed words one edit away from it
//! (a Levenshtein automaton walked over tantivy's term dictionary), so "lamda" finds lambda.
//! The words a query matched are expanded into plain term queries, which keeps BM25 scoring
//! and lets the snippet highlight exactly what matched.

mod text;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA};
use pyguide_content::{Curriculum, Item, Tutorial};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer};
use tantivy::{Index, IndexReader, TantivyDocument, Term};

/// The longest query accepted, in characters: longer is a [`SearchError::TooLong`].
pub const MAX_QUERY_CHARS: usize = 200;
/// Words of a query beyond this many are ignored (each word costs a dictionary walk).
pub const MAX_QUERY_WORDS: usize = 8;
/// The most hits a search returns.
pub const MAX_HITS: usize = 20;
/// At most this many hits come from one tutorial, so one page does not fill the list.
const HITS_PER_TUTORIAL: usize = 3;
/// Fuzzy and prefix expansions kept per query word and field: enough for real typos, and a
/// bound on the work a one-letter prefix can cause.
const MAX_EXPANSIONS: usize = 40;
/// Words shorter than this are matched exactly: one edit away from "for" is half the language.
const FUZZY_MIN_CHARS: usize = 4;
/// The analyzer every field is indexed and queried with.
const ANALYZER: &str = "pyguide_en";
/// Characters of context in a snippet.
const SNIPPET_CHARS: usize = 160;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the search is too long: at most {MAX_QUERY_CHARS} characters, please")]
    TooLong,
    #[error("the search index failed: {0}")]
    Index(#[from] tantivy::TantivyError),
}

/// One result: where it is, what it is called, and a piece of its text with the matched words
/// marked.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    /// The heading of the part that matched, or the tutorial's title.
    pub title: String,
    /// The tutorial the hit is in.
    pub tutorial: String,
    /// `/tutorials/<slug>` or `/tutorials/<slug>#<anchor>`.
    pub url: String,
    /// The snippet, in pieces; `mark` pieces are the words that matched.
    pub snippet: Vec<SnippetPart>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SnippetPart {
    pub text: String,
    pub mark: bool,
}

impl Hit {
    /// The snippet as plain text.
    pub fn snippet_text(&self) -> String {
        self.snippet.iter().map(|p| p.text.as_str()).collect()
    }

    /// The words marked in the snippet.
    pub fn marked(&self) -> Vec<&str> {
        self.snippet.iter().filter(|p| p.mark).map(|p| p.text.as_str()).collect()
    }
}

#[derive(Clone, Copy)]
struct Fields {
    title: Field,
    heading: Field,
    body: Field,
    code: Field,
    tutorial: Field,
    url: Field,
}

impl Fields {
    /// The searched fields and how much a match in each counts.
    fn weighted(&self) -> [(Field, f32); 4] {
        [(self.title, 8.0), (self.heading, 3.0), (self.body, 1.0), (self.code, 1.0)]
    }
}

/// The curriculum's search index, in memory.
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    analyzer: TextAnalyzer,
    /// Building these tables is the costly part of a Levenshtein automaton: done once.
    one_edit: LevenshteinAutomatonBuilder,
    exact: LevenshteinAutomatonBuilder,
    /// How many documents were indexed.
    pub documents: usize,
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// One searchable part of a tutorial.
#[derive(Default)]
struct Part {
    heading: String,
    anchor: Option<String>,
    body: String,
    code: String,
}

impl Part {
    fn push_body(&mut self, s: &str) {
        push_line(&mut self.body, s);
    }
    fn push_code(&mut self, s: &str) {
        push_line(&mut self.code, s);
    }
}

fn push_line(out: &mut String, s: &str) {
    let s = s.trim();
    if s.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(s);
}

/// A tutorial split at its headings (`##`, `###`, exercises), each part with its anchor.
fn parts(t: &Tutorial) -> Vec<Part> {
    let mut out = vec![Part::default()];
    for s in &t.sections {
        if let Some(h) = &s.heading {
            out.push(Part { heading: h.text.clone(), anchor: Some(h.anchor.clone()), ..Part::default() });
        }
        for item in &s.items {
            let last = out.last_mut().expect("starts with one part");
            match item {
                Item::Prose(md) => last.push_body(&text::markdown_to_text(md)),
                Item::Subheading(h) => {
                    out.push(Part { heading: h.text.clone(), anchor: Some(h.anchor.clone()), ..Part::default() })
                }
                Item::Code { code, .. } => last.push_code(code),
                Item::Example(e) => {
                    last.push_code(&e.code);
                    for f in e.files.values() {
                        last.push_code(f);
                    }
                }
                Item::Prediction(p) => last.push_code(&p.code),
                // The exercise's prompt and starter, not its solution: search should not spoil it.
                Item::Exercise(e) => out.push(Part {
                    heading: e.title.clone(),
                    anchor: Some(e.anchor.clone()),
                    body: text::markdown_to_text(&e.prompt),
                    code: e.starter.clone(),
                }),
            }
        }
    }
    out.retain(|p| p.anchor.is_some() || !p.body.is_empty() || !p.code.is_empty());
    out
}

/// The text of every document the index holds (title or heading, prose, code), one string
/// each: what a baseline scans to compare against the index.
pub fn searchable_text(curriculum: &Curriculum) -> Vec<String> {
    let mut out = Vec::new();
    for t in &curriculum.tutorials {
        out.push(format!("{}\n{}", t.meta.title, t.meta.summary));
        out.extend(parts(t).into_iter().map(|p| format!("{}\n{}\n{}", p.heading, p.body, p.code)));
    }
    out
}

impl SearchIndex {
    /// Indexes every tutorial of `curriculum`.
    pub fn build(curriculum: &Curriculum) -> Result<SearchIndex, SearchError> {
        let mut schema = Schema::builder();
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let text = TextOptions::default().set_indexing_options(indexing).set_stored();
        let fields = Fields {
            title: schema.add_text_field("title", text.clone()),
            heading: schema.add_text_field("heading", text.clone()),
            body: schema.add_text_field("body", text.clone()),
            code: schema.add_text_field("code", text),
            tutorial: schema.add_text_field("tutorial", STORED),
            url: schema.add_text_field("url", STORED),
        };
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(ANALYZER, analyzer());
        // One thread writes one segment: the whole curriculum is a few MB at most.
        let mut writer = index.writer_with_num_threads(1, 50_000_000)?;
        let mut documents = 0;
        for t in &curriculum.tutorials {
            let page = format!("/tutorials/{}", t.slug);
            let mut doc = TantivyDocument::new();
            doc.add_text(fields.title, &t.meta.title);
            doc.add_text(fields.body, &t.meta.summary);
            doc.add_text(fields.tutorial, &t.meta.title);
            doc.add_text(fields.url, &page);
            writer.add_document(doc)?;
            documents += 1;
            for p in parts(t) {
                let mut doc = TantivyDocument::new();
                doc.add_text(fields.heading, &p.heading);
                doc.add_text(fields.body, &p.body);
                doc.add_text(fields.code, &p.code);
                doc.add_text(fields.tutorial, &t.meta.title);
                let url = p.anchor.as_ref().map_or_else(|| page.clone(), |a| format!("{page}#{a}"));
                doc.add_text(fields.url, &url);
                writer.add_document(doc)?;
                documents += 1;
            }
        }
        writer.commit()?;
        let reader = index.reader()?;
        Ok(SearchIndex {
            reader,
            fields,
            analyzer: analyzer(),
            one_edit: LevenshteinAutomatonBuilder::new(1, true),
            exact: LevenshteinAutomatonBuilder::new(0, false),
            documents,
        })
    }

    /// The best hits for `query`, at most [`MAX_HITS`]. An empty query, or one with no words
    /// in it (only punctuation), has no hits.
    pub fn search(&self, query: &str) -> Result<Vec<Hit>, SearchError> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(SearchError::TooLong);
        }
        let words = self.words(query);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        // A query still being typed: its last word may be the start of a longer one.
        let typing = !query.ends_with(char::is_whitespace);
        let searcher = self.reader.searcher();
        let mut per_word = Vec::new();
        let mut matched: HashMap<Field, BTreeMap<String, f32>> = HashMap::new();
        for (i, word) in words.iter().enumerate() {
            let prefix = typing && i + 1 == words.len();
            let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (field, weight) in self.fields.weighted() {
                for (term, exact) in self.expand(&searcher, field, word, prefix)? {
                    // A word as typed counts more than one it was corrected or completed to.
                    let boost = if exact { weight } else { weight * 0.5 };
                    matched.entry(field).or_default().insert(term.clone(), boost);
                    let q = TermQuery::new(Term::from_field_text(field, &term), IndexRecordOption::WithFreqs);
                    alternatives.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
                }
            }
            per_word.push(BooleanQuery::new(alternatives));
        }
        // Every word must match; if no part has them all, any word will do.
        let all =
            BooleanQuery::new(per_word.iter().map(|q| (Occur::Must, Box::new(q.clone()) as Box<dyn Query>)).collect());
        let mut top = searcher.search(&all, &TopDocs::with_limit(MAX_HITS * HITS_PER_TUTORIAL))?;
        if top.is_empty() && per_word.len() > 1 {
            let any = BooleanQuery::new(per_word.into_iter().map(|q| (Occur::Should, Box::new(q) as _)).collect());
            top = searcher.search(&any, &TopDocs::with_limit(MAX_HITS * HITS_PER_TUTORIAL))?;
        }
        let snippets: Vec<SnippetGenerator> = [self.fields.body, self.fields.code]
            .into_iter()
            .map(|f| {
                SnippetGenerator::new(matched.remove(&f).unwrap_or_default(), self.analyzer.clone(), f, SNIPPET_CHARS)
            })
            .collect();
        let mut per_tutorial: HashMap<String, usize> = HashMap::new();
        let mut hits = Vec::new();
        for (_score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let get = |f: Field| doc.get_first(f).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let tutorial = get(self.fields.tutorial);
            let seen = per_tutorial.entry(tutorial.clone()).or_default();
            *seen += 1;
            if *seen > HITS_PER_TUTORIAL {
                continue;
            }
            let heading = get(self.fields.heading);
            let title =
                [get(self.fields.title), heading].into_iter().find(|s| !s.is_empty()).unwrap_or(tutorial.clone());
            let snippet = snippets
                .iter()
                .map(|g| g.snippet_from_doc(&doc))
                .find(|s| !s.highlighted().is_empty())
                .map(|s| pieces(s.fragment(), s.highlighted()))
                .unwrap_or_else(|| lead(&get(self.fields.body)));
            hits.push(Hit { title, tutorial, url: get(self.fields.url), snippet });
            if hits.len() == MAX_HITS {
                break;
            }
        }
        Ok(hits)
    }

    /// The query's words, analysed as the text was (lowercased, stemmed).
    fn words(&self, query: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(query);
        while stream.advance() {
            let w = stream.token().text.clone();
            if !words.contains(&w) {
                words.push(w);
            }
        }
        words.truncate(MAX_QUERY_WORDS);
        words
    }

    /// The indexed words of `field` that `word` stands for: itself, those one edit away, and,
    /// when `prefix`, those it begins. Each comes with whether it is the word itself.
    fn expand(
        &self,
        searcher: &tantivy::Searcher,
        field: Field,
        word: &str,
        prefix: bool,
    ) -> Result<Vec<(String, bool)>, SearchError> {
        let fuzzy = word.chars().count() >= FUZZY_MIN_CHARS;
        let mut automata = vec![if fuzzy { self.one_edit.build_dfa(word) } else { self.exact.build_dfa(word) }];
        if prefix {
            automata.push(self.exact.build_prefix_dfa(word));
        }
        let mut out: Vec<(String, bool)> = Vec::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field)?;
            for dfa in &automata {
                let mut stream =
                    inverted.terms().search(DfaAutomaton(dfa)).into_stream().map_err(tantivy::TantivyError::from)?;
                let mut n = 0;
                while n < MAX_EXPANSIONS && stream.advance() {
                    let Ok(term) = std::str::from_utf8(stream.key()) else { continue };
                    if !out.iter().any(|(t, _)| t == term) {
                        out.push((term.to_string(), term == word));
                        n += 1;
                    }
                }
            }
        }
        Ok(out)
    }

    /// The number of tutorials and parts indexed.
    pub fn len(&self) -> usize {
        self.documents
    }

    pub fn is_empty(&self) -> bool {
        self.documents == 0
    }
}

/// A Levenshtein DFA as an automaton tantivy's term dictionary can be searched with.
struct DfaAutomaton<'a>(&'a DFA);

impl tantivy_fst::Automaton for DfaAutomaton<'_> {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != levenshtein_automata::SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// A snippet's text cut into marked and unmarked pieces.
fn pieces(fragment: &str, highlighted: &[std::ops::Range<usize>]) -> Vec<SnippetPart> {
    let mut out = Vec::new();
    let mut at = 0;
    for r in highlighted {
        if r.start > at {
            out.push(SnippetPart { text: fragment[at..r.start].to_string(), mark: false });
        }
        out.push(SnippetPart { text: fragment[r.clone()].to_string(), mark: true });
        at = r.end;
    }
    if at < fragment.len() {
        out.push(SnippetPart { text: fragment[at..].to_string(), mark: false });
    }
    out
}

/// The start of a text, when no word of it matched (a hit on a heading or title).
fn lead(body: &str) -> Vec<SnippetPart> {
    let mut text: String = body.chars().take(SNIPPET_CHARS).collect();
    if text.len() < body.len() {
        if let Some(space) = text.rfind(char::is_whitespace) {
            text.truncate(space);
        }
        text.push('…');
    }
    if text.is_empty() {
        return Vec::new();
    }
    vec![SnippetPart { text, mark: false }]
}
