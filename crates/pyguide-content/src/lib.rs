//! PyGuide's content model: a folder of Markdown tutorials becomes a typed [`Curriculum`].
//!
//! Everything here is pure: no process is spawned and nothing is rendered. Errors always name
//! the file and line and say how to fix the problem, because authors read them in a terminal.

mod curated;
mod error;
mod exercise;
mod expect;
mod front_matter;
mod parse;
mod predict;
mod ramp;
mod slug;

pub use curated::{curated_imports, imports_curated, CURATED};
pub use error::{ContentError, ContentErrors};
pub use exercise::{Exercise, WrongSolution};
pub use expect::{normalize as normalize_output, output_matches};
pub use front_matter::FrontMatter;
pub use parse::{check_file_name, markdown_options, parse_tutorial};
pub use predict::Prediction;
pub use ramp::{RampEntry, RAMP_FILE};
pub use slug::slugify;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The name of the file, at the root of a content folder, that lists the sections in order.
pub const SECTIONS_FILE: &str = "sections.toml";

/// One file of a content tree, already read: its path (for messages) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the content root, used in error messages and by `--bless`.
    pub path: PathBuf,
    pub text: String,
}

/// A whole content tree: the sections in learning order and every tutorial.
#[derive(Debug, Clone)]
pub struct Curriculum {
    /// Section names in the order of `sections.toml`.
    pub sections: Vec<String>,
    /// Tutorials in reading order: by section, then `order`, then slug.
    pub tutorials: Vec<Tutorial>,
    /// Which tutorial introduces each construct (`ramp.toml`); empty when the folder has none.
    pub ramp: Vec<RampEntry>,
}

/// One tutorial page.
#[derive(Debug, Clone)]
pub struct Tutorial {
    pub path: PathBuf,
    pub meta: FrontMatter,
    /// The slug used in URLs: from the front matter, else the file stem.
    pub slug: String,
    /// Sections of the page; the first has no heading when the page has an intro.
    pub sections: Vec<Section>,
    /// Number of words of prose and code, for a reading-time estimate.
    pub words: usize,
}

/// A `##` question and what follows it, up to the next `##`.
#[derive(Debug, Clone)]
pub struct Section {
    pub heading: Option<Heading>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    /// The stable anchor id: `{#explicit}` or the slugified text, made unique on the page.
    pub anchor: String,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub enum Item {
    /// Markdown prose, kept as source text for the renderer.
    Prose(String),
    /// A `###` (or deeper) heading inside a section.
    Subheading(Heading),
    /// A code block that is shown, not run.
    Code { lang: String, code: String },
    /// A runnable example whose output is checked.
    Example(Example),
    /// A practice task with hidden checks (`### Exercise: Title`).
    Exercise(Exercise),
    /// A predict-the-output question (```` ```python predict ````).
    Prediction(Prediction),
}

/// A ```` ```python ```` block followed by an ```` ```output ```` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// Unique on the page: `<tutorial slug>-<n>`, counted from 1.
    pub id: String,
    /// 1-based line of the opening ```` ```python ```` fence.
    pub line: usize,
    pub code: String,
    /// Extra files written beside `main.py` (from ```` ```python file=NAME ```` blocks).
    pub files: BTreeMap<String, String>,
    /// Standard input, from an optional ```` ```stdin ```` block.
    pub stdin: Option<String>,
    /// What the program prints: stdout, then stderr.
    pub expected: String,
    /// 1-based line of the opening ```` ```output ```` fence.
    pub expected_line: usize,
    /// Byte range of the output block's content in the source, for `--bless`.
    pub expected_range: Range<usize>,
    /// How many pictures it shows (plots, turtle drawings): `images=N` on its fence, else 0.
    pub images: u32,
}

impl Tutorial {
    /// Every item of the page, in order.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|s| s.items.iter())
    }

    /// Every runnable example of the page, in order.
    pub fn examples(&self) -> impl Iterator<Item = &Example> {
        self.items().filter_map(|i| match i {
            Item::Example(e) => Some(e),
            _ => None,
        })
    }

    /// Every predict-the-output question of the page, in order.
    pub fn predictions(&self) -> impl Iterator<Item = &Prediction> {
        self.items().filter_map(|i| match i {
            Item::Prediction(p) => Some(p),
            _ => None,
        })
    }

    /// Every exercise of the page, in order.
    pub fn exercises(&self) -> impl Iterator<Item = &Exercise> {
        self.items().filter_map(|i| match i {
            Item::Exercise(e) => Some(e),
            _ => None,
        })
    }
}

impl Curriculum {
    pub fn tutorial(&self, slug: &str) -> Option<&Tutorial> {
        self.tutorials.iter().find(|t| t.slug == slug)
    }

    /// Every place a link may point to, as `/tutorials/<slug>#<anchor>`: each heading (`##` and
    /// deeper) and each exercise of each tutorial.
    pub fn links(&self) -> std::collections::BTreeSet<String> {
        let mut links = std::collections::BTreeSet::new();
        for t in &self.tutorials {
            for section in &t.sections {
                let anchors = section.heading.iter().map(|h| &h.anchor).chain(section.items.iter().filter_map(
                    |item| match item {
                        Item::Subheading(h) => Some(&h.anchor),
                        Item::Exercise(e) => Some(&e.anchor),
                        _ => None,
                    },
                ));
                links.extend(anchors.map(|a| format!("/tutorials/{}#{a}", t.slug)));
            }
        }
        links
    }

    /// Tutorials grouped by section, in order; sections without tutorials are left out.
    pub fn by_section(&self) -> Vec<(&str, Vec<&Tutorial>)> {
        self.sections
            .iter()
            .map(|s| {
                let ts = self.tutorials.iter().filter(|t| &t.meta.section == s).collect();
                (s.as_str(), ts)
            })
            .filter(|(_, ts): &(&str, Vec<&Tutorial>)| !ts.is_empty())
            .collect()
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionsFile {
    sections: Vec<String>,
}

/// Reads every `*.md` file under `dir` (recursively) and `dir/sections.toml`.
pub fn load_dir(dir: &Path) -> Result<Curriculum, ContentErrors> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    collect_files(dir, dir, &mut files, &mut errors);
    if !errors.is_empty() {
        return Err(ContentErrors(errors));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    load_sources(files)
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<SourceFile>, errors: &mut Vec<ContentError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(
                ContentError::new(dir, 0, format!("cannot read the folder: {e}"))
                    .hint("pass an existing content folder with --content DIR"),
            );
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(root, &path, out, errors);
            continue;
        }
        let is_md = path.extension().is_some_and(|e| e == "md");
        let at_root = path.parent() == Some(root);
        let is_toml = at_root && path.file_name().is_some_and(|n| n == SECTIONS_FILE || n == RAMP_FILE);
        if !is_md && !is_toml {
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => out.push(SourceFile { path: rel, text }),
                Err(e) => errors.push(
                    ContentError::new(&rel, 0, format!("the file is not valid UTF-8 ({e})"))
                        .hint("save the file as UTF-8"),
                ),
            },
            Err(e) => errors.push(ContentError::new(&rel, 0, format!("cannot read the file: {e}"))),
        }
    }
}

/// Builds a curriculum from files already in memory (the embedded curriculum uses this).
/// `sections.toml` must be among them, `ramp.toml` may be; every other file is a tutorial.
pub fn load_sources(files: Vec<SourceFile>) -> Result<Curriculum, ContentErrors> {
    let mut errors = Vec::new();
    let mut sections: Option<Vec<String>> = None;
    let mut ramp = Vec::new();
    let mut tutorials = Vec::new();
    for file in &files {
        if file.path == Path::new(RAMP_FILE) {
            match ramp::parse_ramp(&file.path, &file.text) {
                Ok(r) => ramp = r,
                Err(e) => errors.push(e),
            }
            continue;
        }
        if file.path == Path::new(SECTIONS_FILE) {
            match toml::from_str::<SectionsFile>(&file.text) {
                Ok(s) => sections = Some(s.sections),
                Err(e) => {
                    let line = e.span().map(|s| line_of(&file.text, s.start)).unwrap_or(1);
                    errors.push(
                        ContentError::new(&file.path, line, e.message().to_string())
                            .hint("sections.toml holds one list: sections = [\"Getting started\", ...]"),
                    );
                }
            }
            continue;
        }
        match parse_tutorial(&file.path, &file.text) {
            Ok(t) => tutorials.push(t),
            Err(mut e) => errors.append(&mut e.0),
        }
    }
    let sections = match sections {
        Some(s) => s,
        None => {
            if errors.is_empty() {
                errors.push(
                    ContentError::new(Path::new(SECTIONS_FILE), 0, "the content folder has no sections.toml").hint(
                        "create sections.toml at the root of the content folder with: sections = [\"Getting started\"]",
                    ),
                );
            }
            Vec::new()
        }
    };
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for t in &tutorials {
        if !sections.is_empty() && !sections.contains(&t.meta.section) {
            errors.push(
                ContentError::new(&t.path, t.meta.section_line, format!("unknown section {:?}", t.meta.section)).hint(
                    format!(
                        "use one of the sections listed in {SECTIONS_FILE}: {}, or add it there",
                        sections.join(", ")
                    ),
                ),
            );
        }
        if let Some(other) = seen.insert(t.slug.clone(), t.path.clone()) {
            errors.push(
                ContentError::new(&t.path, 1, format!("slug {:?} is also used by {}", t.slug, other.display()))
                    .hint("give one of them another `slug` in its front matter"),
            );
        }
    }
    for t in &tutorials {
        for r in &t.meta.related {
            if !seen.contains_key(r) {
                errors.push(
                    ContentError::new(
                        &t.path,
                        t.meta.related_line,
                        format!("`related` names {r:?}, which is no tutorial's slug"),
                    )
                    .hint("use the slug of an existing tutorial (its file name without .md, or its `slug`)"),
                );
            }
        }
    }
    for r in &ramp {
        if !seen.contains_key(&r.tutorial) {
            errors.push(
                ContentError::new(
                    Path::new(RAMP_FILE),
                    r.line,
                    format!(
                        "the construct {:?} names the tutorial {:?}, which is no tutorial's slug",
                        r.construct, r.tutorial
                    ),
                )
                .hint("use the slug of an existing tutorial (its file name without .md, or its `slug`)"),
            );
        }
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        return Err(ContentErrors(errors));
    }
    let pos = |s: &str| sections.iter().position(|x| x == s).unwrap_or(usize::MAX);
    tutorials.sort_by(|a, b| {
        (pos(&a.meta.section), a.meta.order, &a.slug).cmp(&(pos(&b.meta.section), b.meta.order, &b.slug))
    });
    Ok(Curriculum { sections, tutorials, ramp })
}

/// 1-based line number of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}
