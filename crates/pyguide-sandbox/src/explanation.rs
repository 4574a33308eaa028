//! What an uncaught exception means, in plain words: `python/explain.py` works it out inside the
//! learner's process after the program ended (see `python/EXPLAIN.md`), and sends it back with
//! the exit status. The program could forge it, as it can forge its output, so what arrives is
//! checked here before anyone sees it: its size, its six fields, and a `learn_more` that must be
//! a section of the curriculum being served.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The explainer, shipped inside the binary: the sandbox's interpreter loads it once.
pub const EXPLAIN_PY: &str = include_str!("../../../python/explain.py");

/// The most bytes an explanation may take as JSON (the longest the explainer writes on its
/// corpus is under 1 KiB); a longer one is dropped.
pub const MAX_EXPLANATION_BYTES: usize = 8 * 1024;

/// The most characters of `kind` and `title`; `text` and `fix` share the byte limit above.
const MAX_KIND_CHARS: usize = 80;
const MAX_TITLE_CHARS: usize = 400;

/// An explanation of the exception that ended a program (the `explanation` field of
/// `POST /api/run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    /// The exception's class name, or a finer kind (`SyntaxError.missing_colon`).
    pub kind: String,
    /// One sentence.
    pub title: String,
    /// A few sentences naming the learner's own names and values.
    pub text: String,
    /// The line in the learner's own file, when there is one.
    pub line: Option<u32>,
    /// What to try.
    pub fix: String,
    /// `/tutorials/<slug>#<anchor>`: a section of the curriculum being served.
    pub learn_more: Option<String>,
}

/// The sections of the curriculum being served, as `/tutorials/<slug>#<anchor>` links.
pub type Links = BTreeSet<String>;

impl Explanation {
    /// Reads an explanation sent by a program's process. `None` when it is not one: too large,
    /// a field missing, extra or of the wrong type, empty or oversized text. A `learn_more` that
    /// is not one of `links` is left out (a `--content` folder of an author's own may lack it).
    pub fn from_untrusted(value: serde_json::Value, links: &Links) -> Option<Explanation> {
        if serde_json::to_vec(&value).ok()?.len() > MAX_EXPLANATION_BYTES {
            return None;
        }
        let mut e: Explanation = serde_json::from_value(value).ok()?;
        let chars = |s: &str| s.chars().count();
        let sized = !e.kind.is_empty()
            && chars(&e.kind) <= MAX_KIND_CHARS
            && !e.kind.contains(char::is_whitespace)
            && !e.title.trim().is_empty()
            && chars(&e.title) <= MAX_TITLE_CHARS
            && !e.text.trim().is_empty()
            && !e.fix.trim().is_empty();
        if !sized {
            return None;
        }
        if e.learn_more.as_ref().is_some_and(|link| !links.contains(link)) {
            e.learn_more = None;
        }
        Some(e)
    }

    /// The explanation as lines of plain text, for a terminal (`pyguide run` prints it after
    /// the traceback).
    pub fn to_text(&self) -> String {
        let line = self.line.map(|n| format!(", line {n}")).unwrap_or_default();
        let mut out = format!("\nWhat this means ({}{line}):\n  {}\n", self.kind, self.title);
        for paragraph in [&self.text, &format!("Try this: {}", self.fix)] {
            out.push_str(&format!("  {paragraph}\n"));
        }
        if let Some(link) = &self.learn_more {
            out.push_str(&format!("  Learn more: {link}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn links() -> Links {
        Links::from(["/tutorials/variables#name-error".to_string()])
    }

    fn sample() -> serde_json::Value {
        json!({
            "kind": "NameError",
            "title": "Python does not know the name `scroe`; did you mean `score`?",
            "text": "Line 2 uses `scroe`, but nothing by that name exists.",
            "line": 2,
            "fix": "Change `scroe` to `score`.",
            "learn_more": "/tutorials/variables#name-error",
        })
    }

    #[test]
    fn a_real_explanation_is_kept_with_its_link() {
        let e = Explanation::from_untrusted(sample(), &links()).unwrap();
        assert_eq!(e.kind, "NameError");
        assert_eq!(e.line, Some(2));
        assert_eq!(e.learn_more.as_deref(), Some("/tutorials/variables#name-error"));
    }

    #[test]
    fn the_text_form_has_every_field() {
        let text = Explanation::from_untrusted(sample(), &links()).unwrap().to_text();
        assert_eq!(
            text,
            "\nWhat this means (NameError, line 2):\n  Python does not know the name `scroe`; did you mean `score`?\n  \
             Line 2 uses `scroe`, but nothing by that name exists.\n  Try this: Change `scroe` to `score`.\n  \
             Learn more: /tutorials/variables#name-error\n"
        );
    }

    #[test]
    fn a_link_the_curriculum_lacks_is_left_out() {
        let mut v = sample();
        v["learn_more"] = json!("https://evil.example/");
        assert_eq!(Explanation::from_untrusted(v.clone(), &links()).unwrap().learn_more, None);
        assert_eq!(Explanation::from_untrusted(sample(), &Links::new()).unwrap().learn_more, None);
    }

    #[test]
    fn malformed_or_oversized_explanations_are_dropped() {
        let mut extra = sample();
        extra["html"] = json!("<script>");
        let mut missing = sample();
        missing.as_object_mut().unwrap().remove("fix");
        let mut wrong_type = sample();
        wrong_type["line"] = json!("two");
        let mut negative = sample();
        negative["line"] = json!(-1);
        let mut huge = sample();
        huge["text"] = json!("x".repeat(MAX_EXPLANATION_BYTES));
        let mut empty = sample();
        empty["title"] = json!("  ");
        let mut spaced_kind = sample();
        spaced_kind["kind"] = json!("Name Error");
        for bad in [extra, missing, wrong_type, negative, huge, empty, spaced_kind, json!("NameError"), json!(null)] {
            assert_eq!(Explanation::from_untrusted(bad.clone(), &links()), None, "{bad}");
        }
    }
}
