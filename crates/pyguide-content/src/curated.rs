//! The curated packages (numpy, pandas, matplotlib, pytest): the one list of them, and which
//! programs import them. The sandbox uses it to send a run to the interpreter that has them
//! imported already; the site and `pyguide check` use it to know which tutorials need them.

use crate::{Item, Tutorial};

/// The packages a learner may import, as `packages/lock.json` names them (a test of the
/// sandbox's lock holds the two equal).
pub const CURATED: [&str; 4] = ["numpy", "pandas", "matplotlib", "pytest"];

/// Whether a program imports one of the curated packages, judged from its source: an `import`
/// or `from ... import` naming one (`import numpy as np`, `from matplotlib import pyplot`,
/// `import os, pandas`), or a string that is exactly one's name (`importlib.import_module("numpy")`).
/// A lexical scan, not a parse: a wrong "yes" only sends a run to the interpreter with the
/// packages imported, a wrong "no" only makes its import slower (every unit has the packages).
pub fn imports_curated<'a>(sources: impl IntoIterator<Item = &'a str>) -> bool {
    sources.into_iter().any(|s| !curated_imports(s).is_empty() || names_curated_in_a_string(s))
}

/// Whether `source` has a string that is exactly a curated package's name, as a dynamic import
/// has (`importlib.import_module("numpy")`); so has data (`{"numpy": "1.26.4"}`).
fn names_curated_in_a_string(source: &str) -> bool {
    CURATED.iter().any(|name| source.contains(&format!("\"{name}\"")) || source.contains(&format!("'{name}'")))
}

/// The curated packages that `source`'s `import` and `from ... import` statements name (a
/// lexical scan, as in [`imports_curated`], without its strings), in [`CURATED`]'s order.
pub fn curated_imports(source: &str) -> Vec<&'static str> {
    let mut found = [false; CURATED.len()];
    let mut note = |module: &str| {
        let top = module.split('.').next().unwrap_or_default();
        if let Some(i) = CURATED.iter().position(|c| *c == top) {
            found[i] = true;
        }
    };
    for statement in source.split(['\n', ';']) {
        let words: Vec<&str> =
            statement.split(|c: char| c.is_whitespace() || c == ',' || c == '(').filter(|w| !w.is_empty()).collect();
        match words.as_slice() {
            ["import", names @ ..] => {
                // `import a as b, c`: every name that does not follow `as`.
                let mut after_as = false;
                for w in names {
                    if w.starts_with('#') {
                        break;
                    }
                    if *w == "as" {
                        after_as = true;
                        continue;
                    }
                    if !after_as {
                        note(w);
                    }
                    after_as = false;
                }
            }
            ["from", module, "import", ..] => note(module),
            _ => {}
        }
    }
    CURATED.iter().zip(found).filter(|(_, f)| *f).map(|(c, _)| *c).collect()
}

impl Tutorial {
    /// The curated packages this page's programs import (its examples, predictions and
    /// exercises, with their extra files), in [`CURATED`]'s order: without them installed,
    /// the page's examples fail and `pyguide check` cannot check it. Only `import` statements
    /// count here: a page's strings name packages as data (a pip tutorial's `"numpy"`), and no
    /// page imports one dynamically.
    pub fn curated_imports(&self) -> Vec<&'static str> {
        let mut sources: Vec<&str> = Vec::new();
        for item in self.items() {
            match item {
                Item::Example(e) => {
                    sources.push(&e.code);
                    sources.extend(e.files.values().map(String::as_str));
                }
                Item::Prediction(p) => sources.push(&p.code),
                Item::Exercise(e) => {
                    sources.extend([e.starter.as_str(), e.solution.as_str(), e.checks.as_str()]);
                    sources.extend(e.files.values().map(String::as_str));
                }
                Item::Prose(_) | Item::Subheading(_) | Item::Code { .. } => {}
            }
        }
        let used: Vec<Vec<&'static str>> = sources.into_iter().map(curated_imports).collect();
        CURATED.into_iter().filter(|c| used.iter().any(|u| u.contains(c))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_found() {
        for yes in [
            "import numpy as np\n",
            "  import pandas\n",
            "import os, sys, matplotlib.pyplot as plt\n",
            "from matplotlib import pyplot\n",
            "x = 1; import pytest\n",
            "import importlib\nnp = importlib.import_module('numpy')\n",
            "if True:\n    from numpy.linalg import norm\n",
        ] {
            assert!(imports_curated([yes]), "{yes:?}");
        }
        for no in [
            "print('hello')\n",
            "import numbers\n",
            "import os as numpy\n",
            "from . import numpy_helpers\n",
            "# import numpy\nprint(1)\n",
            "numpy = 3\n",
        ] {
            assert!(!imports_curated([no]), "{no:?}");
        }
        assert!(imports_curated(["print(1)\n", "import pandas as pd\n"]), "an extra file counts");
    }

    #[test]
    fn which_packages_in_the_lists_order() {
        assert_eq!(
            curated_imports("import pytest\nimport matplotlib.pyplot as plt, numpy as np\n"),
            ["numpy", "matplotlib", "pytest"]
        );
        assert!(curated_imports("import turtle\n").is_empty());
        // A string is a dynamic import for the router, but only data for a page.
        assert!(curated_imports("versions = {'numpy': '2.0'}\n").is_empty());
        assert!(imports_curated(["versions = {'numpy': '2.0'}\n"]));
    }
}
