//! The default curriculum, embedded in the binary so `pyguide serve` works from any folder.

use include_dir::{include_dir, Dir};
use pyguide_content::{ContentErrors, Curriculum, SourceFile};
use std::path::Path;

static CONTENT: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../content");

fn files() -> Vec<SourceFile> {
    let mut out = Vec::new();
    let mut stack = vec![&CONTENT];
    while let Some(dir) = stack.pop() {
        for entry in dir.entries() {
            if let Some(d) = entry.as_dir() {
                stack.push(d);
            } else if let Some(f) = entry.as_file() {
                let path = f.path();
                let wanted = path.extension().is_some_and(|e| e == "md")
                    || path == Path::new(pyguide_content::SECTIONS_FILE)
                    || path == Path::new(pyguide_content::RAMP_FILE);
                if let (true, Some(text)) = (wanted, f.contents_utf8()) {
                    out.push(SourceFile { path: path.to_path_buf(), text: text.to_string() });
                }
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The embedded curriculum, or the curriculum in `dir`.
pub fn curriculum(dir: Option<&Path>) -> anyhow::Result<Curriculum> {
    let loaded: Result<Curriculum, ContentErrors> = match dir {
        Some(d) => pyguide_content::load_dir(d),
        None => pyguide_content::load_sources(files()),
    };
    loaded.map_err(|e| {
        let n = e.0.len();
        anyhow::anyhow!("the content has {n} problem{}:\n{e}", if n == 1 { "" } else { "s" })
    })
}
