//! Exercises: a `### Exercise: Title` heading and the blocks under it (prompt, starter, checks,
//! hints, solution) become one [`Exercise`].

use crate::parse::{check_file_name, is_python, parse_info, Block};
use crate::{ContentError, Heading};
use std::collections::BTreeMap;
use std::path::Path;

/// The heading text that starts an exercise.
const PREFIX: &str = "Exercise:";

/// A practice task: the learner edits the starter until the hidden checks pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exercise {
    /// Unique on the site: `<tutorial slug>/<anchor>` (the API and the browser's progress use it).
    pub id: String,
    /// The heading's anchor on the page.
    pub anchor: String,
    /// The heading text after `Exercise:`.
    pub title: String,
    /// 1-based line of the heading.
    pub line: usize,
    /// Markdown source of the prompt: the prose (and any shown code) under the heading.
    pub prompt: String,
    pub starter: String,
    pub starter_line: usize,
    pub solution: String,
    pub solution_line: usize,
    /// Every ```` ```python check ```` block, joined; run after the learner's code.
    pub checks: String,
    /// 1-based line of the first check block (0 when there is none).
    pub checks_line: usize,
    /// The author allows the learner to see the checks' source.
    pub checks_visible: bool,
    /// What the learner's program must print (stdout, then stderr), when given.
    pub expected_output: Option<String>,
    /// Standard input for the learner's program.
    pub stdin: Option<String>,
    /// Extra files written beside `main.py`.
    pub files: BTreeMap<String, String>,
    /// Markdown hints, revealed one at a time.
    pub hints: Vec<String>,
    /// Plausible wrong answers (```` ```python wrong ```` blocks) that the checks must reject.
    /// `pyguide check` runs them; they are never shown to learners.
    pub wrong: Vec<WrongSolution>,
}

/// A ```` ```python wrong ```` block: an answer a learner could plausibly write (an off-by-one, a
/// missed case, a hard-coded answer) that the exercise's checks must reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongSolution {
    pub code: String,
    /// 1-based line of the opening fence.
    pub line: usize,
}

pub(crate) fn is_exercise_heading(h: &Heading) -> bool {
    h.level == 3 && h.text.starts_with(PREFIX)
}

/// Reads the blocks of the exercise that `heading` starts, from `blocks[start]` up to the next
/// `##` or `###` heading. Returns the exercise (or `None` after pushing errors) and the index of
/// the first block after it.
pub(crate) fn parse_exercise(
    path: &Path,
    text: &str,
    slug: &str,
    heading: Heading,
    blocks: &[Block],
    start: usize,
    errors: &mut Vec<ContentError>,
) -> (Option<Exercise>, usize) {
    let n_errors = errors.len();
    let title = heading.text[PREFIX.len()..].trim().to_string();
    if title.is_empty() {
        errors.push(
            ContentError::new(path, heading.line, "the exercise has no title")
                .hint("write the title after the colon: `### Exercise: Count the vowels`"),
        );
    }
    let mut ex = Exercise {
        id: format!("{slug}/{}", heading.anchor),
        anchor: heading.anchor.clone(),
        title,
        line: heading.line,
        prompt: String::new(),
        starter: String::new(),
        starter_line: 0,
        solution: String::new(),
        solution_line: 0,
        checks: String::new(),
        checks_line: 0,
        checks_visible: false,
        expected_output: None,
        stdin: None,
        files: BTreeMap::new(),
        hints: Vec::new(),
        wrong: Vec::new(),
    };
    let mut prompt_parts: Vec<&str> = Vec::new();
    let mut i = start;
    let once = |errors: &mut Vec<ContentError>, seen: usize, line: usize, what: &str| {
        if seen > 0 {
            errors.push(
                ContentError::new(
                    path,
                    line,
                    format!("the exercise has a second {what} block (the first is on line {seen})"),
                )
                .hint("an exercise has one of these; merge the two blocks"),
            );
        }
    };
    let mut output_line = 0;
    let mut stdin_line = 0;
    while let Some(block) = blocks.get(i) {
        match block {
            Block::Heading { level, .. } if *level <= 3 => break,
            Block::Heading { range, .. } | Block::Prose(range) => {
                let src = text[range.clone()].trim();
                if !src.is_empty() {
                    prompt_parts.push(src);
                }
            }
            Block::Fence { info, content, line, range, .. } => {
                let fence = parse_info(info);
                let line = *line;
                if let Some(name) = fence.extra_file() {
                    if let Err(msg) = check_file_name(name) {
                        errors.push(
                            ContentError::new(path, line, format!("file={name}: {msg}"))
                                .hint("use a name like helpers.py or scores.csv"),
                        );
                    } else if ex.files.insert(name.to_string(), content.clone()).is_some() {
                        errors.push(ContentError::new(
                            path,
                            line,
                            format!("file={name} is given twice for one exercise"),
                        ));
                    }
                } else if is_python(fence.lang) && !fence.norun {
                    match (fence.role, fence.file) {
                        (Some("starter"), _) => {
                            once(errors, ex.starter_line, line, "```python starter");
                            ex.starter = content.clone();
                            ex.starter_line = line;
                        }
                        (Some("solution"), _) => {
                            once(errors, ex.solution_line, line, "```python solution");
                            ex.solution = content.clone();
                            ex.solution_line = line;
                        }
                        (Some("wrong"), _) => ex.wrong.push(WrongSolution { code: content.clone(), line }),
                        (Some("predict"), _) => errors.push(
                            ContentError::new(path, line, "a ```python predict block inside an exercise")
                                .hint("put the prediction before the exercise's `### Exercise:` heading"),
                        ),
                        (Some(_check), _) => {
                            if ex.checks_line == 0 {
                                ex.checks_line = line;
                            } else {
                                ex.checks.push('\n');
                            }
                            ex.checks.push_str(content);
                            ex.checks_visible |= fence.visible;
                        }
                        (None, _) => errors.push(
                            ContentError::new(path, line, "a ```python block inside an exercise has no role").hint(
                                "write ```python starter, ```python solution, ```python check, \
                                 ```python wrong or ```python file=NAME; code that is only shown is ```python norun",
                            ),
                        ),
                    }
                } else if fence.lang == "output" {
                    once(errors, output_line, line, "```output");
                    output_line = line;
                    ex.expected_output = Some(content.clone());
                } else if fence.lang == "stdin" {
                    once(errors, stdin_line, line, "```stdin");
                    stdin_line = line;
                    ex.stdin = Some(content.clone());
                } else if fence.lang == "hint" {
                    if content.trim().is_empty() {
                        errors.push(
                            ContentError::new(path, line, "an empty ```hint block")
                                .hint("write the hint inside the block, or remove it"),
                        );
                    }
                    ex.hints.push(content.trim_end().to_string());
                } else {
                    // Any other block (data shown in the prompt, ```python norun) is part of it.
                    prompt_parts.push(text[range.clone()].trim_end());
                }
            }
        }
        i += 1;
    }
    ex.prompt = prompt_parts.join("\n\n");
    let at = heading.line;
    if ex.starter_line == 0 {
        errors.push(
            ContentError::new(path, at, format!("the exercise {:?} has no ```python starter block", ex.title))
                .hint("add the code the learner starts from in a ```python starter block (it may be nearly empty)"),
        );
    }
    if ex.solution_line == 0 {
        errors.push(
            ContentError::new(path, at, format!("the exercise {:?} has no ```python solution block", ex.title))
                .hint("add a ```python solution block: `pyguide check` proves it passes, and learners may reveal it"),
        );
    }
    if ex.checks_line == 0 && ex.expected_output.is_none() {
        errors.push(
            ContentError::new(path, at, format!("the exercise {:?} has nothing to check", ex.title)).hint(
                "add a ```python check block of asserts run after the learner's code, or an ```output block of what it must print",
            ),
        );
    }
    if ex.checks_line > 0 && !ex.checks.lines().any(|l| l.starts_with("assert")) {
        errors.push(
            ContentError::new(path, ex.checks_line, "the exercise's checks have no top-level `assert`")
                .hint("each top-level `assert got == expected, \"what it checks\"` is one check the learner sees"),
        );
    }
    let ok = errors.len() == n_errors;
    (ok.then_some(ex), i)
}
