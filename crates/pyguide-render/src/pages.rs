//! Rendering the home page, tutorial pages, the playground, search and the 404 page with
//! minijinja templates. Static pages are rendered once in [`Site::build`], which also indexes the
//! curriculum for search ([`pyguide_search`]); the playground (which may show shared code) and
//! search results are rendered per request.

use crate::assets::Assets;
use crate::highlight::{escape, highlight_python};
use crate::markdown::to_html;
use minijinja::{context, Environment};
use pyguide_content::{Curriculum, Exercise, Item, Tutorial};
use pyguide_search::{Hit, SearchError, SearchIndex};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub const SITE_TITLE: &str = "PyGuide";
pub const SITE_TAGLINE: &str = "Learn Python with practical tutorials and code examples";

/// Stands for the per-response CSP nonce in pages with an editor. The server replaces it (see
/// [`Site::page`]'s callers): CodeMirror injects its styles in a `<style>` element, which the
/// CSP admits only with this nonce (`EditorView.cspNonce`).
pub const STYLE_NONCE_PLACEHOLDER: &str = "__PYGUIDE_STYLE_NONCE__";

/// The code a playground page opens with: a shared program (from the store) or the default.
#[derive(Debug, Clone, Copy)]
pub struct PlaygroundCode<'a> {
    /// The share id, for `/s/<id>` pages.
    pub id: &'a str,
    pub code: &'a str,
    pub files: &'a BTreeMap<String, String>,
}

/// What the playground shows before anything is shared.
pub const PLAYGROUND_CODE: &str = "# Write any Python here and press Run (Ctrl+Enter).\n\
name = input(\"What is your name? \")\n\
print(f\"Hello, {name}!\")\n\
for i in range(1, 4):\n    print(i, \"squared is\", i ** 2)\n";

/// Why the site could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("a page failed to render: {0:#}")]
    Template(#[from] minijinja::Error),
    #[error(transparent)]
    Search(#[from] SearchError),
}

/// What the pages say about the server they are served from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Serving {
    /// The curated packages are not installed (PyPI could not be reached, or the lock has no
    /// wheels for this interpreter): each page whose examples import them says so, and how the
    /// operator installs them.
    pub packages_missing: bool,
}

/// Every page of the site, rendered once.
pub struct Site {
    env: Environment<'static>,
    pages: HashMap<String, String>,
    not_found: String,
    search: SearchIndex,
    /// Number of tutorials and runnable examples, for logs.
    pub tutorials: usize,
    pub examples: usize,
    /// Every exercise by id (`<tutorial slug>/<anchor>`), for checking learners' answers.
    exercises: HashMap<String, Exercise>,
}

#[derive(Serialize)]
struct TutorialLink {
    slug: String,
    title: String,
    summary: String,
    minutes: usize,
    examples: usize,
    /// The ids of the tutorial's exercises (`<slug>/<anchor>`): the browser's progress marks.
    exercises: Vec<String>,
    /// The ids of the tutorial's predict-the-output questions, counted in progress too.
    predictions: Vec<String>,
}

#[derive(Serialize)]
struct SectionView {
    name: String,
    tutorials: Vec<TutorialLink>,
}

#[derive(Serialize)]
struct TocEntry {
    anchor: String,
    text: String,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum ItemView {
    Prose { html: String },
    Subheading { level: u8, anchor: String, text: String },
    Code { lang: String, html: String },
    Example { example: ExampleView },
    Exercise { exercise: ExerciseView },
    Prediction { prediction: PredictionView },
}

/// One predict-the-output question (templates/predict.html): the code, a guess (free text or
/// one of the choices), and the output, which the page reveals after the guess. Without
/// JavaScript the output is in a `<details>` the reader opens when ready.
#[derive(Serialize)]
struct PredictionView {
    /// `<tutorial slug>/<anchor>`: the browser's progress uses it.
    id: String,
    anchor: String,
    code_html: String,
    expected: String,
    choices: Vec<String>,
    /// Lines of the free-text answer box: as many as the output has.
    rows: usize,
}

/// One exercise (templates/exercise.html): prompt, starter in an editor, Check, hints one at a
/// time, the solution. The checks' source is only here when the author made them visible.
#[derive(Serialize)]
struct ExerciseView {
    /// `<tutorial slug>/<anchor>`: what `POST /api/exercise` and the browser's progress use.
    id: String,
    anchor: String,
    title: String,
    prompt_html: String,
    starter_html: String,
    files: Vec<FileView>,
    stdin: Option<String>,
    /// The output the program must print, when the exercise checks output.
    expected: Option<String>,
    /// The checks' source, only when visible.
    checks_html: Option<String>,
    hints: Vec<String>,
    solution_html: String,
}

/// One runnable example (templates/example.html), on a tutorial page or the playground.
#[derive(Serialize)]
struct ExampleView {
    id: String,
    /// The accessible name of the example's group.
    label: String,
    /// The example's title bar; "Try it yourself" when `None`.
    head: Option<String>,
    code_html: String,
    files: Vec<FileView>,
    stdin: Option<String>,
    /// The output shown when the page was checked (tutorials only).
    expected: Option<String>,
}

#[derive(Serialize)]
struct FileView {
    name: String,
    html: String,
}

#[derive(Serialize)]
struct SectionBody {
    anchor: Option<String>,
    heading: Option<String>,
    items: Vec<ItemView>,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, src) in [
        ("base.html", include_str!("../templates/base.html")),
        ("home.html", include_str!("../templates/home.html")),
        ("tutorial.html", include_str!("../templates/tutorial.html")),
        ("not_found.html", include_str!("../templates/not_found.html")),
        ("example.html", include_str!("../templates/example.html")),
        ("exercise.html", include_str!("../templates/exercise.html")),
        ("predict.html", include_str!("../templates/predict.html")),
        ("playground.html", include_str!("../templates/playground.html")),
        ("search.html", include_str!("../templates/search.html")),
    ] {
        env.add_template(name, src).expect("the embedded templates are valid");
    }
    let assets = Assets::embedded();
    // Asset URLs are ours (`/static/name.hash.ext`): safe to print without escaping the slashes.
    env.add_function("asset", move |name: String| {
        minijinja::Value::from_safe_string(assets.url(&name).unwrap_or_default())
    });
    env.add_global("site_title", SITE_TITLE);
    env.add_global("style_nonce_placeholder", STYLE_NONCE_PLACEHOLDER);
    env.add_global("site_tagline", SITE_TAGLINE);
    env
}

fn link(t: &Tutorial) -> TutorialLink {
    TutorialLink {
        slug: t.slug.clone(),
        title: t.meta.title.clone(),
        summary: t.meta.summary.clone(),
        minutes: t.words.div_ceil(200).max(1),
        examples: t.examples().count(),
        exercises: t.exercises().map(|e| e.id.clone()).collect(),
        predictions: t.predictions().map(|p| p.id.clone()).collect(),
    }
}

/// Where a tutorial's progress mark links to: the `##` section holding its first exercise
/// (usually `#exercises`), else the first exercise itself.
fn exercises_anchor(t: &Tutorial) -> Option<String> {
    t.sections.iter().find_map(|s| {
        let first = s.items.iter().find_map(|i| match i {
            Item::Exercise(e) => Some(e),
            _ => None,
        })?;
        Some(s.heading.as_ref().map_or_else(|| first.anchor.clone(), |h| h.anchor.clone()))
    })
}

fn sections_view(c: &Curriculum) -> Vec<SectionView> {
    c.by_section()
        .into_iter()
        .map(|(name, ts)| SectionView { name: name.to_string(), tutorials: ts.into_iter().map(link).collect() })
        .collect()
}

fn body(t: &Tutorial) -> Vec<SectionBody> {
    let mut n = 0;
    t.sections
        .iter()
        .map(|s| SectionBody {
            anchor: s.heading.as_ref().map(|h| h.anchor.clone()),
            heading: s.heading.as_ref().map(|h| h.text.clone()),
            items: s
                .items
                .iter()
                .map(|item| match item {
                    Item::Prose(md) => ItemView::Prose { html: to_html(md) },
                    Item::Subheading(h) => {
                        ItemView::Subheading { level: h.level, anchor: h.anchor.clone(), text: h.text.clone() }
                    }
                    Item::Code { lang, code } => ItemView::Code {
                        lang: lang.clone(),
                        html: if lang == "python" { highlight_python(code) } else { escape(code) },
                    },
                    Item::Exercise(e) => ItemView::Exercise {
                        exercise: ExerciseView {
                            id: e.id.clone(),
                            anchor: e.anchor.clone(),
                            title: e.title.clone(),
                            prompt_html: to_html(&e.prompt),
                            starter_html: highlight_python(&e.starter),
                            files: files_view(&e.files),
                            stdin: e.stdin.clone(),
                            expected: e.expected_output.clone(),
                            checks_html: e.checks_visible.then(|| highlight_python(&e.checks)),
                            hints: e.hints.iter().map(|h| to_html(h)).collect(),
                            solution_html: highlight_python(&e.solution),
                        },
                    },
                    Item::Prediction(p) => ItemView::Prediction {
                        prediction: PredictionView {
                            id: p.id.clone(),
                            anchor: p.anchor.clone(),
                            code_html: highlight_python(&p.code),
                            expected: p.expected.clone(),
                            choices: p.choices.clone(),
                            rows: p.expected.trim_end().lines().count().max(1),
                        },
                    },
                    Item::Example(e) => {
                        n += 1;
                        ItemView::Example {
                            example: ExampleView {
                                id: e.id.clone(),
                                label: format!("Try it yourself: example {n}"),
                                head: None,
                                code_html: highlight_python(&e.code),
                                files: files_view(&e.files),
                                stdin: e.stdin.clone(),
                                expected: Some(e.expected.clone()),
                            },
                        }
                    }
                })
                .collect(),
        })
        .collect()
}

fn files_view(files: &BTreeMap<String, String>) -> Vec<FileView> {
    files
        .iter()
        .map(|(n, c)| FileView {
            name: n.clone(),
            html: if n.ends_with(".py") { highlight_python(c) } else { escape(c) },
        })
        .collect()
}

impl Site {
    /// The exercise with this id (`<tutorial slug>/<anchor>`).
    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.exercises.get(id)
    }

    /// Renders every page of `curriculum` and indexes it for search, for a server that has
    /// everything its examples need.
    pub fn build(curriculum: &Curriculum) -> Result<Site, BuildError> {
        Site::build_for(curriculum, Serving::default())
    }

    /// Renders every page of `curriculum` and indexes it for search, saying on each page what
    /// `serving` lacks that its examples need.
    pub fn build_for(curriculum: &Curriculum, serving: Serving) -> Result<Site, BuildError> {
        let env = environment();
        let search = SearchIndex::build(curriculum)?;
        let sections = sections_view(curriculum);
        let mut pages = HashMap::new();
        let exercises: HashMap<String, Exercise> =
            curriculum.tutorials.iter().flat_map(|t| t.exercises()).map(|e| (e.id.clone(), e.clone())).collect();
        let home = env.get_template("home.html")?.render(context! {
            sections => &sections,
            total_exercises => exercises.len(),
            start => sections.first().and_then(|s| s.tutorials.first()),
            total_predictions => curriculum.tutorials.iter().map(|t| t.predictions().count()).sum::<usize>(),
            page_title => SITE_TITLE,
            nav => "home",
        })?;
        pages.insert("/".to_string(), home);
        let tutorial_tpl = env.get_template("tutorial.html")?;
        let all = &curriculum.tutorials;
        let mut examples = 0;
        for (i, t) in all.iter().enumerate() {
            let examples_here = t.examples().count();
            let exercises_here = t.exercises().count();
            examples += examples_here;
            let prev = i.checked_sub(1).map(|p| link(&all[p]));
            let next = all.get(i + 1).map(link);
            let related: Vec<TutorialLink> =
                t.meta.related.iter().filter_map(|slug| curriculum.tutorial(slug)).map(link).collect();
            let toc: Vec<TocEntry> = t
                .sections
                .iter()
                .filter_map(|s| s.heading.as_ref())
                .map(|h| TocEntry { anchor: h.anchor.clone(), text: h.text.clone() })
                .collect();
            let html = tutorial_tpl.render(context! {
                page_title => format!("{} — {SITE_TITLE}", t.meta.title),
                description => &t.meta.summary,
                tutorial => link(t),
                section => &t.meta.section,
                body => body(t),
                toc => toc,
                prev => prev,
                next => next,
                related => related,
                sections => &sections,
                current => &t.slug,
                exercises_anchor => exercises_anchor(t),
                editor => examples_here + exercises_here > 0,
                predictions => t.predictions().count() > 0,
                exercises => exercises_here > 0,
                packages_missing => if serving.packages_missing { t.curated_imports() } else { Vec::new() },
            })?;
            pages.insert(format!("/tutorials/{}", t.slug), html);
        }
        let not_found = env
            .get_template("not_found.html")?
            .render(context! { page_title => format!("Not found — {SITE_TITLE}") })?;
        Ok(Site { env, pages, not_found, search, tutorials: all.len(), examples, exercises })
    }

    fn render(&self, name: &str, ctx: minijinja::Value) -> String {
        match self.env.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(html) => html,
            Err(e) => {
                // The templates are embedded and exercised by tests; this is a bug, not user input.
                tracing::error!(error = %format!("{e:#}"), template = name, "template failed to render");
                self.not_found.clone()
            }
        }
    }

    /// The playground page: an editor with `code` (a shared program) or the starter program.
    /// `limits` describes the run limits in plain words.
    pub fn playground(&self, code: Option<PlaygroundCode<'_>>, limits: &str) -> String {
        let (heading, intro, head, src, files, title) = match code {
            Some(c) => (
                "Shared code",
                "Someone shared this program with you. Edit it, run it, and press Share to get a link to your own version.",
                format!("main.py · shared as {}", c.id),
                c.code,
                files_view(c.files),
                format!("Shared code {} — {SITE_TITLE}", c.id),
            ),
            None => (
                "Python playground",
                "Write any Python and run it on real CPython. Programs can read input(), print as they go, and be shared with a link.",
                "main.py".to_string(),
                PLAYGROUND_CODE,
                Vec::new(),
                format!("Playground — {SITE_TITLE}"),
            ),
        };
        let example = ExampleView {
            id: "playground".into(),
            label: "Playground editor".into(),
            head: Some(head),
            code_html: highlight_python(src),
            files,
            stdin: None,
            expected: None,
        };
        self.render(
            "playground.html",
            context! {
                page_title => title,
                description => "Run Python in your browser on real CPython.",
                heading => heading,
                intro => intro,
                example => example,
                limits_text => limits,
                editor => true,
                nav => "playground",
            },
        )
    }

    /// A 404 page with its own heading and message (such as an unknown share id).
    pub fn not_found_with(&self, heading: &str, message: &str) -> String {
        self.render(
            "not_found.html",
            context! { page_title => format!("{heading} — {SITE_TITLE}"), heading => heading, message => message },
        )
    }

    /// The best hits for `query` in the whole curriculum (see [`SearchIndex::search`]).
    pub fn search(&self, query: &str) -> Result<Vec<Hit>, SearchError> {
        self.search.search(query)
    }

    /// The search results page (`/search?q=`), which works without JavaScript: `hits` for
    /// `query`, or `error` in words when the query could not be searched.
    pub fn search_page(&self, query: &str, hits: &[Hit], error: Option<&str>) -> String {
        self.render(
            "search.html",
            context! {
                page_title => if query.is_empty() { format!("Search — {SITE_TITLE}") } else { format!("{query} — Search — {SITE_TITLE}") },
                query => query,
                hits => hits,
                error => error,
                nav => "search",
            },
        )
    }

    /// The page at `path` (`/` or `/tutorials/<slug>`).
    pub fn page(&self, path: &str) -> Option<&str> {
        self.pages.get(path).map(String::as_str)
    }

    pub fn not_found(&self) -> &str {
        &self.not_found
    }
}
