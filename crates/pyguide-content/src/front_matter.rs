//! Splitting and parsing a tutorial's front matter (TOML between `+++` or flat YAML between `---`).

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
    let table = if yaml {
        yaml_to_table(path, raw, line_base)?
    } else {
        match raw.parse::<toml::Table>() {
            Ok(t) => t,
            Err(e) => {
                let line = e.span().map(|s| line_of(raw, s.start) + line_base).unwrap_or(1);
                return Err(ContentError::new(
                    path,
                    line,
                    format!("front matter is not valid TOML: {}", e.message().trim()),
                )
                .hint("write `key = \"value\"`, with text in double quotes"));
            }
        }
    };
    let key_line = |key: &str| {
        raw.lines()
            .position(|l| {
                let l = l.trim_start();
                l.starts_with(key) && l[key.len()..].trim_start().starts_with(['=', ':'])
            })
            .map(|i| i + 1 + line_base)
            .unwrap_or(1)
    };
    let mut fm: FrontMatter = FrontMatter::deserialize(toml::Value::Table(table)).map_err(|e| {
        let msg = e.message().to_string();
        let line = msg.split('`').nth(1).map(key_line).unwrap_or(1);
        ContentError::new(path, line, format!("front matter: {msg}"))
            .hint("the keys are title, summary, section, order and optionally slug and related")
    })?;
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

/// Flat YAML: `key: value` lines, values plain, quoted or `[a, b]` lists. Enough for front
/// matter, and every error still names its line.
fn yaml_to_table(path: &Path, raw: &str, line_base: usize) -> Result<toml::Table, ContentError> {
    let mut table = toml::Table::new();
    for (i, line) in raw.lines().enumerate() {
        let lineno = i + 1 + line_base;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((key, value)) = trimmed.split_once(':') else {
            return Err(ContentError::new(path, lineno, format!("front matter line {trimmed:?} is not `key: value`"))
                .hint("write one `key: value` per line"));
        };
        let value = value.trim();
        let v = if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
            toml::Value::Array(
                inner
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| toml::Value::String(unquote(s)))
                    .collect(),
            )
        } else if let Ok(n) = value.parse::<i64>() {
            toml::Value::Integer(n)
        } else {
            toml::Value::String(unquote(value))
        };
        table.insert(key.trim().to_string(), v);
    }
    Ok(table)
}

fn unquote(s: &str) -> String {
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return s[1..s.len() - 1].to_string();
        }
    }
    s.to_string()
}
