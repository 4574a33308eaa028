//! Splitting and parsing a tutorial's front matter (TOML between `+++` or YAML between `---`).

use crate::{line_of, ContentError};
use serde::Deserialize;
use std::path::Path;

/// What a tutorial says about itself.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    pub summary: String,
    pub section: String,
    #[serde(default)]
    pub order: i64,
    #[serde(default)]
    pub slug: Option<String>,
    /// Slugs of related tutorials, linked at the end of the page.
    #[serde(default)]
    pub related: Vec<String>,
    /// Line of the `section` key, for error messages.
    #[serde(skip)]
    pub section_line: usize,
    /// Line of the `related` key, for error messages.
    #[serde(skip)]
    pub related_line: usize,
}

/// Splits `text` into front matter and body; returns the parsed front matter and the byte
/// offset where the body starts.
pub(crate) fn split(path: &Path, text: &str) -> Result<(FrontMatter, usize), ContentError> {
    let (fence, yaml) = if text.starts_with("+++") {
        ("+++", false)
    } else if text.starts_with("---") {
        ("---", true)
    } else {
        return Err(ContentError::new(path, 1, "the file does not start with front matter")
            .hint("Did you forget to add `+++` at the top? A tutorial starts with:\n  +++\n  title = \"...\"\n  summary = \"...\"\n  section = \"...\"\n  order = 1\n  +++"));
    };
    let first_nl = match text.find('\n') {
        Some(i) if text[..i].trim_end() == fence => i + 1,
        _ => {
            return Err(ContentError::new(path, 1, format!("the opening `{fence}` must be alone on the first line"))
                .hint(format!("put `{fence}` on a line of its own, then the front matter on the next lines")))
        }
    };
    let mut offset = first_nl;
    let mut close = None;
    for line in text[first_nl..].split_inclusive('\n') {
        if line.trim_end() == fence {
            close = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((fm_end, body_start)) = close else {
        return Err(ContentError::new(path, 1, format!("the front matter opened with `{fence}` is never closed"))
            .hint(format!("add a line with only `{fence}` after the front matter")));
    };
    let raw = &text[first_nl..fm_end];
    let line_base = 1; // `raw` starts on line 2; line_of(raw, x) is 1-based, so add 1.
    let key_line = |key: &str| {
        raw.lines()
            .position(|l| {
                let l = l.trim_start();
                l.starts_with(key) && l[key.len()..].trim_start().starts_with(['=', ':'])
            })
            .map(|i| i + 1 + line_base)
            .unwrap_or(1)
    };
    let hint = "the keys are title, summary, section, order and optionally slug and related";
    let mut fm: FrontMatter = if yaml {
        serde_yaml_ng::from_str(raw).map_err(|e| {
            // A missing or unknown key has no location; it names the key instead.
            let msg = e.to_string();
            let line = e.location().map(|l| l.line() + line_base).or_else(|| msg.split('`').nth(1).map(key_line));
            ContentError::new(path, line.unwrap_or(1), format!("front matter is not valid: {msg}"))
                .hint(format!("write one `key: value` per line; {hint}"))
        })?
    } else {
        let table = raw.parse::<toml::Table>().map_err(|e| {
            let line = e.span().map(|s| line_of(raw, s.start) + line_base).unwrap_or(1);
            ContentError::new(path, line, format!("front matter is not valid TOML: {}", e.message().trim()))
                .hint("write `key = \"value\"`, with text in double quotes")
        })?;
        FrontMatter::deserialize(toml::Value::Table(table)).map_err(|e| {
            let msg = e.message().to_string();
            let line = msg.split('`').nth(1).map(key_line).unwrap_or(1);
            ContentError::new(path, line, format!("front matter: {msg}")).hint(hint)
        })?
    };
    for (key, value) in [("title", &fm.title), ("section", &fm.section)] {
        if value.trim().is_empty() {
            return Err(ContentError::new(path, key_line(key), format!("front matter: `{key}` is empty"))
                .hint(format!("give the tutorial a {key}")));
        }
    }
    if let Some(slug) = &fm.slug {
        if slug.is_empty() || !slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err(ContentError::new(path, key_line("slug"), format!("front matter: slug {slug:?} is not valid"))
                .hint("use lowercase letters, digits and `-` only, e.g. slug = \"how-python-works\""));
        }
    }
    fm.section_line = key_line("section");
    fm.related_line = key_line("related");
    Ok((fm, body_start))
}
