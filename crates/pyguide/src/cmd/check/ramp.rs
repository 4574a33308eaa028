//! The ramp: no exercise may need a construct that a later tutorial introduces (content/ramp.toml
//! says which tutorial introduces what). The constructs come from the syntax tree of each
//! exercise's starter and solution, read by `python/ramp.py`.
//!
//! Why through the runner rather than a Rust Python parser or the host's python3: the syntax
//! tree must be the one the curriculum's own interpreter builds (a `match`, `except*`, whatever
//! the version adds), and the runner is already there and knows that interpreter. One run reads
//! every program, split into files of at most 60 KB (the runner's limit per file is 64 KiB).

use pyguide_content::Curriculum;
use pyguide_sandbox::{Admission, RunRequest, Runner};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

const READER: &str = include_str!("../../../../../python/ramp.py");
const CHUNK_BYTES: usize = 60_000;

/// One program to read: `<exercise id> starter` or `<exercise id> solution`.
#[derive(Serialize)]
pub struct Program {
    id: String,
    code: String,
}

#[derive(Deserialize)]
pub struct Found {
    id: String,
    #[serde(default)]
    constructs: BTreeMap<String, usize>,
    #[serde(default)]
    error: Option<String>,
}

/// Every exercise's starter and solution, when the curriculum has a ramp.
pub fn programs(curriculum: &Curriculum) -> Vec<Program> {
    if curriculum.ramp.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for t in &curriculum.tutorials {
        for e in t.exercises() {
            out.push(Program { id: format!("{} starter", e.id), code: e.starter.clone() });
            out.push(Program { id: format!("{} solution", e.id), code: e.solution.clone() });
        }
    }
    out
}

/// Runs the reader on every program; returns what it found, by program id.
pub async fn analyse(runner: Arc<dyn Runner>, programs: Vec<Program>) -> anyhow::Result<HashMap<String, Found>> {
    if programs.is_empty() {
        return Ok(HashMap::new());
    }
    let mut files = BTreeMap::new();
    let mut chunk: Vec<&Program> = Vec::new();
    let mut size = 0;
    for p in &programs {
        let len = p.code.len() + p.id.len() + 32;
        if !chunk.is_empty() && size + len > CHUNK_BYTES {
            files.insert(format!("ramp_input_{}.json", files.len()), serde_json::to_string(&chunk)?);
            chunk.clear();
            size = 0;
        }
        chunk.push(p);
        size += len;
    }
    files.insert(format!("ramp_input_{}.json", files.len()), serde_json::to_string(&chunk)?);
    let req = RunRequest { code: READER.to_string(), stdin: None, files };
    let result = runner.run(req, Admission::Wait).await?;
    if result.exit_code != Some(0) {
        anyhow::bail!("the ramp reader (python/ramp.py) failed:\n{}", result.printed());
    }
    let mut found = HashMap::new();
    for line in result.stdout.lines().filter(|l| !l.trim().is_empty()) {
        let f: Found = serde_json::from_str(line)?;
        found.insert(f.id.clone(), f);
    }
    Ok(found)
}

/// Reports every starter or solution that needs a construct introduced after its tutorial;
/// returns how many there are.
pub fn report(curriculum: &Curriculum, root: &Path, found: &HashMap<String, Found>) -> usize {
    let position: HashMap<&str, usize> =
        curriculum.tutorials.iter().enumerate().map(|(i, t)| (t.slug.as_str(), i)).collect();
    let introduced: HashMap<&str, &pyguide_content::RampEntry> =
        curriculum.ramp.iter().map(|r| (r.construct.as_str(), r)).collect();
    let mut errors = 0;
    for (i, t) in curriculum.tutorials.iter().enumerate() {
        for e in t.exercises() {
            for (part, code_line) in [("starter", e.starter_line), ("solution", e.solution_line)] {
                let Some(f) = found.get(&format!("{} {part}", e.id)) else { continue };
                let at = format!("{}:{}", root.join(&t.path).display(), code_line);
                if let Some(err) = &f.error {
                    // The exercise check reports syntax errors in a solution; a starter may be
                    // unfinished on purpose.
                    tracing::debug!("{at}: the {part} does not parse ({err}); the ramp cannot read it");
                    continue;
                }
                for (construct, line) in &f.constructs {
                    let Some(entry) = introduced.get(construct.as_str()) else { continue };
                    let Some(&at_tutorial) = position.get(entry.tutorial.as_str()) else { continue };
                    if at_tutorial > i {
                        errors += 1;
                        let later = &curriculum.tutorials[at_tutorial];
                        println!(
                            "FAIL {at}: exercise {}: its {part} uses {} (line {} of the {part}), which the tutorial {:?} ({}) introduces later",
                            e.id,
                            construct,
                            line,
                            later.slug,
                            later.path.display()
                        );
                        println!(
                            "  hint: rewrite the exercise with what {:?} and earlier tutorials teach ({}: {}), or move the construct earlier in ramp.toml",
                            t.slug, entry.construct, entry.covers
                        );
                    }
                }
            }
        }
    }
    errors
}
