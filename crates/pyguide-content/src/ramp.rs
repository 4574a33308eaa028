//! The ramp: which tutorial introduces each Python construct (`content/ramp.toml`). An
//! exercise may only need constructs that its own tutorial or an earlier one introduces;
//! `pyguide check` reads the constructs from the syntax tree of each starter and solution.

use crate::{line_of, ContentError};
use serde::Deserialize;
use std::path::Path;

/// The name of the file, at the root of a content folder, that holds the ramp.
pub const RAMP_FILE: &str = "ramp.toml";

/// One construct and the tutorial that introduces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RampEntry {
    /// The construct's name, as `python/ramp.py` reports it (`while`, `def/return`, ...).
    pub construct: String,
    /// The slug of the tutorial that introduces it.
    pub tutorial: String,
    /// What it covers, in words (`while` loops, `def` and `return`, ...).
    pub covers: String,
    /// 1-based line of the entry in ramp.toml.
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RampFile {
    construct: Vec<toml::Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    name: String,
    tutorial: String,
    covers: String,
}

/// Parses ramp.toml; the tutorials it names are checked against the curriculum by the caller.
pub(crate) fn parse_ramp(path: &Path, text: &str) -> Result<Vec<RampEntry>, ContentError> {
    let file: RampFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
        ContentError::new(path, line, e.message().to_string()).hint(
            "ramp.toml lists [[construct]] tables, each with name = \"while\", tutorial = \"loops\", covers = \"while loops\"",
        )
    })?;
    let mut seen = std::collections::HashMap::new();
    let mut out = Vec::new();
    for entry in file.construct {
        let line = line_of(text, entry.span().start);
        let raw = entry.into_inner();
        if let Some(first) = seen.insert(raw.name.clone(), line) {
            return Err(ContentError::new(
                path,
                line,
                format!("the construct {:?} is listed twice (first on line {first})", raw.name),
            )
            .hint("each construct is introduced by one tutorial: keep one entry"));
        }
        out.push(RampEntry { construct: raw.name, tutorial: raw.tutorial, covers: raw.covers, line });
    }
    Ok(out)
}
