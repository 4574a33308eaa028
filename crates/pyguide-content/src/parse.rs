//! Parsing one tutorial file: front matter, then `##` sections of prose, code and examples.

use crate::exercise::{is_exercise_heading, parse_exercise};
use crate::front_matter::split;
use crate::predict::parse_prediction;
use crate::{line_of, slugify, ContentError, ContentErrors, Example, Heading, Item, Section, Tutorial};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag};
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::Path;

/// Markdown extensions PyGuide content may use (the renderer uses the same set).
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_HEADING_ATTRIBUTES
}

/// A top-level block of the body, before examples are assembled.
pub(crate) enum Block {
    Heading { level: u8, text: String, id: Option<String>, line: usize, range: Range<usize> },
    Fence { info: String, content: String, line: usize, content_range: Range<usize>, range: Range<usize> },
    Prose(Range<usize>),
}

/// Parses the text of one tutorial. `path` is only used in messages and to derive the slug.
pub fn parse_tutorial(path: &Path, text: &str) -> Result<Tutorial, ContentErrors> {
    let (meta, body_start) = split(path, text).map_err(|e| ContentErrors(vec![e]))?;
    let slug = meta
        .slug
        .clone()
        .unwrap_or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
    let blocks = blocks(text, body_start);
    let mut errors = Vec::new();
    let sections = assemble(path, text, &slug, blocks, &mut errors);
    if !errors.is_empty() {
        return Err(ContentErrors(errors));
    }
    let words = text[body_start..].split_whitespace().count();
    Ok(Tutorial { path: path.to_path_buf(), meta, slug, sections, words })
}

fn blocks(text: &str, body_start: usize) -> Vec<Block> {
    let body = &text[body_start..];
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<Block> = None;
    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        let range = range.start + body_start..range.end + body_start;
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    current = Some(match tag {
                        Tag::Heading { level, id, .. } => Block::Heading {
                            level: heading_level(level),
                            text: String::new(),
                            id: id.map(|s| s.to_string()),
                            line: line_of(text, range.start),
                            range: range.clone(),
                        },
                        Tag::CodeBlock(kind) => {
                            let info = match kind {
                                CodeBlockKind::Fenced(info) => info.to_string(),
                                CodeBlockKind::Indented => String::new(),
                            };
                            Block::Fence {
                                info,
                                content: String::new(),
                                line: line_of(text, range.start),
                                content_range: fence_content_range(text, range.clone()),
                                range: range.clone(),
                            }
                        }
                        _ => Block::Prose(range),
                    });
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    out.extend(current.take());
                }
            }
            Event::Text(t) | Event::Code(t) if depth > 0 => match current.as_mut() {
                Some(Block::Heading { text, .. }) | Some(Block::Fence { content: text, .. }) => text.push_str(&t),
                _ => {}
            },
            _ if depth == 0 => out.push(Block::Prose(range)),
            _ => {}
        }
    }
    out
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// The byte range inside a fenced block: after the opening fence line, before the closing one.
fn fence_content_range(text: &str, block: Range<usize>) -> Range<usize> {
    let src = &text[block.clone()];
    let start = src.find('\n').map(|i| block.start + i + 1).unwrap_or(block.end);
    let trimmed = src.trim_end_matches(['\n', '\r']);
    let last_line_start = trimmed.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let last = trimmed[last_line_start..].trim_start();
    let end = if last_line_start > 0 && (last.starts_with("```") || last.starts_with("~~~")) {
        block.start + last_line_start
    } else {
        block.end
    };
    start..end.max(start)
}

pub(crate) struct Fence<'a> {
    pub(crate) lang: &'a str,
    pub(crate) file: Option<&'a str>,
    pub(crate) norun: bool,
    /// The exercise part this block is (`starter`, `solution`, `check`, `wrong`), or `predict`.
    pub(crate) role: Option<&'a str>,
    /// `visible` on a check block: the learner may see its source.
    pub(crate) visible: bool,
    /// `images=N` on an example: how many pictures it shows (unparsed).
    pub(crate) images: Option<&'a str>,
}

impl Fence<'_> {
    /// The name of the extra file this block is (```` ```python file=helpers.py ````, or data in
    /// any language: ```` ```csv file=scores.csv ````), if it is one.
    pub(crate) fn extra_file(&self) -> Option<&str> {
        self.file.filter(|_| !self.norun && !matches!(self.lang, "output" | "stdin" | "hint"))
    }
}

pub(crate) fn parse_info(info: &str) -> Fence<'_> {
    let mut words = info.split_whitespace();
    let lang = words.next().unwrap_or("");
    let mut fence = Fence { lang, file: None, norun: false, role: None, visible: false, images: None };
    for w in words {
        if let Some(name) = w.strip_prefix("file=") {
            fence.file = Some(name);
        } else if w == "norun" {
            fence.norun = true;
        } else if matches!(w, "starter" | "solution" | "check" | "wrong" | "predict") {
            fence.role = Some(w);
        } else if w == "visible" {
            fence.visible = true;
        } else if let Some(n) = w.strip_prefix("images=") {
            fence.images = Some(n);
        }
    }
    fence
}

/// The most pictures an example's fence may declare (a run shows at most 8 and counts the rest).
const MAX_DECLARED_IMAGES: u32 = 1000;

/// `N` of `images=N` on the fence at `line`: how many pictures an example shows.
fn parse_images(value: &str, path: &Path, line: usize) -> Result<u32, ContentError> {
    value.parse::<u32>().ok().filter(|n| *n <= MAX_DECLARED_IMAGES).ok_or_else(|| {
        ContentError::new(path, line, format!("images={value}: not a number of pictures"))
            .hint("write images=N on the ```python fence, N being how many pictures the example shows (images=2), or leave it out for none")
    })
}

pub(crate) fn is_python(lang: &str) -> bool {
    matches!(lang, "python" | "py" | "python3")
}

/// Checks an extra file's name: a plain file name beside main.py.
pub fn check_file_name(name: &str) -> Result<(), String> {
    let ok_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if name.is_empty() || name.len() > 64 || !ok_chars || name.starts_with('.') {
        return Err(format!("{name:?} is not a plain file name (letters, digits, `_`, `-`, `.`; at most 64)"));
    }
    if name == "main.py" {
        return Err("main.py is the example itself".into());
    }
    Ok(())
}

fn assemble(path: &Path, text: &str, slug: &str, blocks: Vec<Block>, errors: &mut Vec<ContentError>) -> Vec<Section> {
    let mut sections = vec![Section { heading: None, items: Vec::new() }];
    let mut anchors = HashSet::new();
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut files_line = 0;
    let mut n_examples = 0;
    let mut n_predictions = 0;
    let mut i = 0;
    while i < blocks.len() {
        let block = &blocks[i];
        i += 1;
        let main_python = matches!(block, Block::Fence { info, .. } if { let f = parse_info(info); is_python(f.lang) && !f.norun && f.file.is_none() });
        let file_block = matches!(block, Block::Fence { info, .. } if parse_info(info).extra_file().is_some());
        if !files.is_empty() && !main_python && !file_block {
            errors.push(
                ContentError::new(
                    path,
                    files_line,
                    "a ```python file=... block is not followed by the example that uses it",
                )
                .hint("put the ```python file=NAME blocks right before the ```python block of the example"),
            );
            files.clear();
        }
        let items = &mut sections.last_mut().expect("there is always a section").items;
        match block {
            Block::Prose(range) => {
                let src = &text[range.clone()];
                if src.trim().is_empty() {
                    continue;
                }
                match items.last_mut() {
                    Some(Item::Prose(p)) => {
                        p.push_str("\n\n");
                        p.push_str(src);
                    }
                    _ => items.push(Item::Prose(src.to_string())),
                }
            }
            Block::Heading { level, text: htext, id, line, .. } => {
                if *level == 1 {
                    errors.push(
                        ContentError::new(path, *line, "a `#` heading in the body")
                            .hint("the page title comes from `title` in the front matter; use `##` for questions"),
                    );
                    continue;
                }
                let anchor = match id {
                    Some(id) => {
                        if !anchors.insert(id.clone()) {
                            errors.push(
                                ContentError::new(
                                    path,
                                    *line,
                                    format!("the anchor {{#{id}}} is used twice on this page"),
                                )
                                .hint("give each heading its own anchor"),
                            );
                        }
                        id.clone()
                    }
                    None => {
                        let base = slugify(htext);
                        let mut candidate = base.clone();
                        let mut n = 2;
                        while !anchors.insert(candidate.clone()) {
                            candidate = format!("{base}-{n}");
                            n += 1;
                        }
                        candidate
                    }
                };
                let heading = Heading { level: *level, text: htext.trim().to_string(), anchor, line: *line };
                if is_exercise_heading(&heading) {
                    let (exercise, next) = parse_exercise(path, text, slug, heading, &blocks, i, errors);
                    i = next;
                    items.extend(exercise.map(Item::Exercise));
                    continue;
                }
                if *level == 2 {
                    sections.push(Section { heading: Some(heading), items: Vec::new() });
                } else {
                    items.push(Item::Subheading(heading));
                }
            }
            Block::Fence { info, content, line, .. } => {
                let fence = parse_info(info);
                if fence.role == Some("predict") && is_python(fence.lang) && !files.is_empty() {
                    errors.push(
                        ContentError::new(
                            path,
                            files_line,
                            "a ```python file=... block before a ```python predict block",
                        )
                        .hint("a prediction is one snippet on its own: put the file's code in it"),
                    );
                    files.clear();
                } else if fence.role == Some("predict") && is_python(fence.lang) {
                    n_predictions += 1;
                    let (prediction, next) = parse_prediction(path, slug, n_predictions, &blocks, i - 1, errors);
                    i = next;
                    items.extend(prediction.map(Item::Prediction));
                } else if fence.lang == "choices" {
                    errors.push(
                        ContentError::new(
                            path,
                            *line,
                            "a ```choices block without a ```python predict block before it",
                        )
                        .hint("put it right after the ```output block of a ```python predict block"),
                    );
                } else if let Some(role) = fence.role.filter(|_| is_python(fence.lang)) {
                    errors.push(
                        ContentError::new(path, *line, format!("a ```python {role} block outside an exercise"))
                            .hint("put it under a `### Exercise: Title` heading, with the exercise's other blocks"),
                    );
                } else if fence.lang == "hint" {
                    errors.push(
                        ContentError::new(path, *line, "a ```hint block outside an exercise")
                            .hint("put it under a `### Exercise: Title` heading, with the exercise's other blocks"),
                    );
                } else if let Some(name) = fence.extra_file() {
                    if let Err(msg) = check_file_name(name) {
                        errors.push(
                            ContentError::new(path, *line, format!("file={name}: {msg}"))
                                .hint("use a name like helpers.py or scores.csv"),
                        );
                    } else if files.insert(name.to_string(), content.clone()).is_some() {
                        errors.push(ContentError::new(
                            path,
                            *line,
                            format!("file={name} is given twice for one example"),
                        ));
                    }
                    files_line = *line;
                } else if is_python(fence.lang) && !fence.norun {
                    let images = match fence.images.map(|v| parse_images(v, path, *line)).transpose() {
                        Ok(n) => n.unwrap_or(0),
                        Err(e) => {
                            errors.push(e);
                            0
                        }
                    };
                    let mut stdin = None;
                    if let Some(Block::Fence { info: in_info, content: input, .. }) = blocks.get(i) {
                        if parse_info(in_info).lang == "stdin" {
                            stdin = Some(input.clone());
                            i += 1;
                        }
                    }
                    match blocks.get(i) {
                        Some(Block::Fence { info: out_info, content: out, line: out_line, content_range, .. })
                            if parse_info(out_info).lang == "output" =>
                        {
                            i += 1;
                            n_examples += 1;
                            items.push(Item::Example(Example {
                                id: format!("{slug}-{n_examples}"),
                                line: *line,
                                code: content.clone(),
                                files: std::mem::take(&mut files),
                                stdin,
                                expected: out.clone(),
                                expected_line: *out_line,
                                expected_range: content_range.clone(),
                                images,
                            }));
                        }
                        _ => {
                            errors.push(
                                ContentError::new(path, *line, "this ```python example has no ```output block after it")
                                    .hint("add an ```output block right after it (an empty one is filled by `pyguide check --bless`), or write ```python norun to show code that does not run"),
                            );
                            files.clear();
                        }
                    }
                } else if fence.lang == "output" || fence.lang == "stdin" {
                    errors.push(
                        ContentError::new(
                            path,
                            *line,
                            format!("a ```{} block without a ```python block before it", fence.lang),
                        )
                        .hint("put it right after the ```python block of its example"),
                    );
                } else {
                    let lang = if is_python(fence.lang) { "python" } else { fence.lang };
                    items.push(Item::Code { lang: lang.to_string(), code: content.clone() });
                }
            }
        }
    }
    if !files.is_empty() {
        errors.push(
            ContentError::new(
                path,
                files_line,
                "a ```python file=... block is not followed by the example that uses it",
            )
            .hint("put the ```python file=NAME blocks right before the ```python block of the example"),
        );
    }
    if sections.len() > 1 && sections[0].items.is_empty() {
        sections.remove(0);
    }
    sections
}
