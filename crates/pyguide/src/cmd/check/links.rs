//! The error explainer's links: each entry of `LEARN_MORE` in `python/explain.py` sends a
//! learner from an error to the section that teaches its fix (`/tutorials/<slug>#<anchor>`).
//! On the embedded curriculum every one must exist; a `--content` folder of an author's own may
//! lack them (the site then leaves the link out), so there they are only listed.

use pyguide_content::Curriculum;
use pyguide_sandbox::EXPLAIN_PY;
use std::collections::BTreeMap;
use std::path::Path;

/// Where the table lives, as the report names it.
const EXPLAIN_FILE: &str = "python/explain.py";

/// One entry of the table: its line in explain.py, its topic and its link.
#[derive(Debug, PartialEq, Eq)]
pub struct Entry {
    pub line: usize,
    pub topic: String,
    pub link: String,
}

/// The entries of `LEARN_MORE` in explain.py's `source`: one `"topic": "link",` per line between
/// `LEARN_MORE = {` and `}`. A line that is not one is an error naming its line.
pub fn table(source: &str) -> Result<Vec<Entry>, String> {
    let mut lines = source.lines().enumerate().skip_while(|(_, l)| !l.starts_with("LEARN_MORE = {"));
    if lines.next().is_none() {
        return Err(format!("{EXPLAIN_FILE}: no `LEARN_MORE = {{` table"));
    }
    let mut entries = Vec::new();
    for (i, line) in lines {
        let text = line.trim();
        if text == "}" {
            return Ok(entries);
        }
        // A line of the table is a JSON object's member, as Python writes it.
        let member: BTreeMap<String, String> = serde_json::from_str(&format!("{{{}}}", text.trim_end_matches(',')))
            .map_err(|_| format!("{EXPLAIN_FILE}:{}: expected `\"topic\": \"/tutorials/slug#anchor\",`", i + 1))?;
        entries.extend(member.into_iter().map(|(topic, link)| Entry { line: i + 1, topic, link }));
    }
    Err(format!("{EXPLAIN_FILE}: the `LEARN_MORE` table has no closing `}}`"))
}

/// What is wrong with `link` in `curriculum`, in plain words, or None when it is a section.
fn problem(curriculum: &Curriculum, root: &Path, link: &str) -> Option<String> {
    let target = link.strip_prefix("/tutorials/").and_then(|rest| rest.split_once('#'));
    let Some((slug, anchor)) = target else {
        return Some(format!("{link} is not a link to a section (`/tutorials/<slug>#<anchor>`)"));
    };
    let Some(tutorial) = curriculum.tutorial(slug) else {
        return Some(format!("it links to {link}, but there is no tutorial `{slug}`"));
    };
    (!curriculum.links().contains(link)).then(|| {
        format!(
            "it links to {link}, but {} has no heading with the anchor `{anchor}`",
            root.join(&tutorial.path).display()
        )
    })
}

/// Reports every entry whose link is not a section of `curriculum`; returns how many failed
/// (always 0 for an author's own folder, where they are notes).
pub fn report(curriculum: &Curriculum, root: &Path, embedded: bool) -> usize {
    let entries = match table(EXPLAIN_PY) {
        Ok(entries) => entries,
        Err(e) => {
            println!("FAIL {e}");
            return 1;
        }
    };
    let mut failed = 0;
    for entry in &entries {
        let Some(why) = problem(curriculum, root, &entry.link) else { continue };
        if embedded {
            failed += 1;
            println!("FAIL {EXPLAIN_FILE}:{}: the explanation of `{}` {why}", entry.line, entry.topic);
            println!(
                "  hint: add that section to the tutorial (a heading, with `{{#anchor}}` after it for an anchor of \
                 its own), or point the entry at a section that exists"
            );
        } else {
            println!(
                "note: {EXPLAIN_FILE}:{}: the explanation of `{}` {why}; the site leaves that link out",
                entry.line, entry.topic
            );
        }
    }
    println!("explanations: {} links in {EXPLAIN_FILE}, {failed} to no section", entries.len());
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_is_read_whole() {
        let entries = table(EXPLAIN_PY).unwrap();
        assert!(entries.len() >= 60, "{} entries", entries.len());
        let general = entries.iter().find(|e| e.topic == "general").unwrap();
        assert_eq!(general.link, "/tutorials/exceptions#tracebacks");
        assert_eq!(
            EXPLAIN_PY.lines().nth(general.line - 1).map(str::trim),
            Some(r#""general": "/tutorials/exceptions#tracebacks","#)
        );
    }

    #[test]
    fn a_malformed_table_names_its_line() {
        let source = "x = 1\nLEARN_MORE = {\n    \"general\": \"/tutorials/a#b\",\n    'single': quotes,\n}\n";
        assert_eq!(
            table(source).unwrap_err(),
            "python/explain.py:4: expected `\"topic\": \"/tutorials/slug#anchor\",`"
        );
        assert!(table("x = 1\n").is_err());
        assert!(table("LEARN_MORE = {\n").unwrap_err().contains("no closing"));
    }

    #[test]
    fn missing_tutorials_and_anchors_are_told_apart() {
        let page = "+++\ntitle = \"Sums\"\nsummary = \"Adding.\"\nsection = \"Basics\"\n+++\nIntro.\n\n## How do I add? {#add}\n\nText.\n";
        let files = vec![
            pyguide_content::SourceFile { path: "sums.md".into(), text: page.into() },
            pyguide_content::SourceFile { path: "sections.toml".into(), text: "sections = [\"Basics\"]\n".into() },
        ];
        let c = pyguide_content::load_sources(files).unwrap();
        let root = Path::new("content");
        assert_eq!(problem(&c, root, "/tutorials/sums#add"), None);
        assert!(problem(&c, root, "/tutorials/sums#subtract")
            .unwrap()
            .contains("content/sums.md has no heading with the anchor `subtract`"));
        assert!(problem(&c, root, "/tutorials/lists#basics").unwrap().contains("no tutorial `lists`"));
        assert!(problem(&c, root, "https://example.com/").unwrap().contains("not a link to a section"));
    }
}
