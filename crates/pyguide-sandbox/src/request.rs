//! A run request and its validation (shared by the HTTP API and the CLI).

use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// Largest program accepted.
pub const MAX_CODE_BYTES: usize = 64 * 1024;
/// Largest stdin accepted.
pub const MAX_STDIN_BYTES: usize = 64 * 1024;
/// Most extra files per run.
pub const MAX_FILES: usize = 16;
/// Largest extra file.
pub const MAX_FILE_BYTES: usize = 64 * 1024;

/// A program to run: `main.py`, optional stdin and extra files beside it. This is also the body
/// of `POST /api/run` and `POST /api/inspect` and the WebSocket's `run` message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    pub code: String,
    #[serde(default)]
    pub stdin: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub files: BTreeMap<String, String>,
}

/// `"files": null` means no files, as an absent field does.
fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or_default())
}

/// Why a request was refused, in words a learner can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RequestError(pub String);

impl From<String> for RequestError {
    fn from(words: String) -> Self {
        RequestError(words)
    }
}

impl From<&str> for RequestError {
    fn from(words: &str) -> Self {
        RequestError(words.to_string())
    }
}

impl RunRequest {
    pub fn new(code: impl Into<String>) -> Self {
        RunRequest { code: code.into(), ..Default::default() }
    }

    /// Checks sizes, NUL bytes and file names.
    pub fn validate(&self) -> Result<(), RequestError> {
        let err = |m: String| Err(RequestError(m));
        if self.code.len() > MAX_CODE_BYTES {
            return err(format!("the code is {} bytes; the limit is {} KiB", self.code.len(), MAX_CODE_BYTES / 1024));
        }
        if self.code.contains('\0') {
            return err("the code contains a NUL byte".into());
        }
        if let Some(stdin) = &self.stdin {
            if stdin.len() > MAX_STDIN_BYTES {
                return err(format!("stdin is {} bytes; the limit is {} KiB", stdin.len(), MAX_STDIN_BYTES / 1024));
            }
            if stdin.contains('\0') {
                return err("stdin contains a NUL byte".into());
            }
        }
        if self.files.len() > MAX_FILES {
            return err(format!("{} files were sent; at most {MAX_FILES} are allowed", self.files.len()));
        }
        for (name, content) in &self.files {
            check_name(name)?;
            if content.len() > MAX_FILE_BYTES {
                return err(format!(
                    "file {name:?} is {} bytes; the limit is {} KiB",
                    content.len(),
                    MAX_FILE_BYTES / 1024
                ));
            }
            if content.contains('\0') {
                return err(format!("file {name:?} contains a NUL byte"));
            }
        }
        Ok(())
    }
}

fn check_name(name: &str) -> Result<(), RequestError> {
    if name.is_empty() {
        return Err("a file name is empty".into());
    }
    if name.starts_with('/') {
        return Err(format!("file name {name:?} is absolute; use a plain name such as helpers.py").into());
    }
    if name.split(['/', '\\']).any(|part| part == "..") {
        return Err(format!("file name {name:?} contains `..`; use a plain name such as helpers.py").into());
    }
    if name.contains(['/', '\\', '\0']) || name.len() > 64 || name.starts_with('.') {
        return Err(format!("file name {name:?} is not a plain file name (no folders, at most 64 characters)").into());
    }
    if name == "main.py" {
        return Err("main.py is the program itself; send it as `code`".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_file(name: &str, content: &str) -> RunRequest {
        let mut r = RunRequest::new("print(1)");
        r.files.insert(name.into(), content.into());
        r
    }

    #[test]
    fn accepts_plain_requests() {
        assert!(RunRequest::new("print(1)").validate().is_ok());
        assert!(with_file("helpers.py", "X = 1").validate().is_ok());
    }

    #[test]
    fn refuses_bad_names_and_sizes() {
        for name in ["/etc/passwd", "../x.py", "a/../b.py", "sub/x.py", "", ".hidden", "main.py"] {
            assert!(with_file(name, "").validate().is_err(), "{name:?} should be refused");
        }
        assert!(RunRequest::new("a".repeat(MAX_CODE_BYTES + 1)).validate().is_err());
        assert!(RunRequest::new("print(1)\0").validate().is_err());
        assert!(with_file("x.py", &"a".repeat(MAX_FILE_BYTES + 1)).validate().is_err());
        let mut many = RunRequest::new("");
        for i in 0..=MAX_FILES {
            many.files.insert(format!("f{i}.py"), String::new());
        }
        assert!(many.validate().is_err());
    }
}
