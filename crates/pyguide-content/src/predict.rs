//! Predict-the-output questions: a ```` ```python predict ```` block, its ```` ```output ````, and
//! optionally ```` ```choices ```` (2 to 4 options, one per line). The learner guesses what the
//! code prints before the page reveals it; `pyguide check` proves the output as for examples.

use crate::parse::{parse_info, Block};
use crate::{ContentError, Example};
use std::ops::Range;
use std::path::Path;

/// The most and fewest options a ```` ```choices ```` block may offer.
const CHOICES: std::ops::RangeInclusive<usize> = 2..=4;

/// A question: what does this code print?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    /// Unique on the site: `<tutorial slug>/<anchor>` (the browser's progress uses it).
    pub id: String,
    /// The anchor on the page: `predict-<n>`, counted from 1.
    pub anchor: String,
    /// 1-based line of the opening ```` ```python predict ```` fence.
    pub line: usize,
    pub code: String,
    /// Exactly what the code prints (stdout, then stderr); no `...`.
    pub expected: String,
    /// 1-based line of the opening ```` ```output ```` fence.
    pub expected_line: usize,
    /// Byte range of the output block's content in the source, for `--bless`.
    pub expected_range: Range<usize>,
    /// The options to pick from; empty when the learner types a free-text guess.
    pub choices: Vec<String>,
}

impl Prediction {
    /// The prediction as an example, for running and checking it like one.
    pub fn as_example(&self) -> Example {
        Example {
            id: self.id.replace('/', "-"),
            line: self.line,
            code: self.code.clone(),
            files: Default::default(),
            stdin: None,
            expected: self.expected.clone(),
            expected_line: self.expected_line,
            expected_range: self.expected_range.clone(),
            images: 0,
        }
    }
}

/// Reads the prediction whose code is `blocks[at]`: the output block after it and the optional
/// choices block after that. Returns the prediction (or `None` after pushing errors) and the
/// index of the first block after it.
pub(crate) fn parse_prediction(
    path: &Path,
    slug: &str,
    number: usize,
    blocks: &[Block],
    at: usize,
    errors: &mut Vec<ContentError>,
) -> (Option<Prediction>, usize) {
    let Some(Block::Fence { content: code, line, .. }) = blocks.get(at) else {
        return (None, at + 1);
    };
    let mut next = at + 1;
    let Some(Block::Fence { info, content: expected, line: expected_line, content_range, .. }) =
        blocks.get(next).filter(|b| matches!(b, Block::Fence { info, .. } if parse_info(info).lang == "output"))
    else {
        errors.push(
            ContentError::new(path, *line, "this ```python predict block has no ```output block after it").hint(
                "add the exact output right after it in an ```output block (an empty one is filled by `pyguide check --bless`)",
            ),
        );
        return (None, next);
    };
    let _ = info;
    next += 1;
    let n_errors = errors.len();
    if expected.contains("...") {
        errors.push(ContentError::new(path, *expected_line, "a prediction's output contains `...`").hint(
            "the learner's guess is compared with the output exactly: choose code whose output is always the same",
        ));
    }
    let mut choices = Vec::new();
    if let Some(Block::Fence { info, content, line: choices_line, .. }) = blocks.get(next) {
        if parse_info(info).lang == "choices" {
            next += 1;
            choices = content.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
            let answer = expected.trim();
            if !CHOICES.contains(&choices.len()) {
                errors.push(
                    ContentError::new(
                        path,
                        *choices_line,
                        format!("a ```choices block with {} option(s)", choices.len()),
                    )
                    .hint("give 2 to 4 options, one per line, one of them the output"),
                );
            } else if answer.contains('\n') {
                errors.push(
                    ContentError::new(path, *choices_line, "choices for an output of several lines")
                        .hint("options are one line each: use a one-line output, or drop the ```choices block for a free-text guess"),
                );
            } else if !choices.iter().any(|c| c == answer) {
                errors.push(
                    ContentError::new(path, *choices_line, format!("none of the choices is the output {answer:?}"))
                        .hint("one option must be exactly the output block's text"),
                );
            }
            let mut seen = std::collections::HashSet::new();
            if let Some(dup) = choices.iter().find(|c| !seen.insert(c.as_str())) {
                errors.push(
                    ContentError::new(path, *choices_line, format!("the option {dup:?} is given twice"))
                        .hint("give each option once"),
                );
            }
        }
    }
    if errors.len() > n_errors {
        return (None, next);
    }
    let anchor = format!("predict-{number}");
    let prediction = Prediction {
        id: format!("{slug}/{anchor}"),
        anchor,
        line: *line,
        code: code.clone(),
        expected: expected.clone(),
        expected_line: *expected_line,
        expected_range: content_range.clone(),
        choices,
    };
    (Some(prediction), next)
}
