//! Content tests: well-formed tutorials parse into the expected model; malformed ones give
//! errors naming file:line and the fix; no input makes the parser panic.

use proptest::prelude::*;
use pyguide_content::{load_sources, parse_tutorial, ContentErrors, Item, SourceFile};
use std::path::Path;

const GOOD: &str = r#"+++
title = "Lists"
summary = "Ordered, changeable collections."
section = "Data structures"
order = 2
related = ["other"]
+++
Lists hold items in order.

## How do I make a list? {#make}

```python
nums = [3, 1, 2]
print(sorted(nums))
```

```output
[1, 2, 3]
```

### Asking the user

```python
name = input("Name: ")
print("Hi", name)
```

```stdin
Ada
```

```output
Name: Hi Ada
```

## How do I make a list?

```python file=helpers.py
def double(x):
    return 2 * x
```

```python
import helpers
print(helpers.double(21), id(helpers))
```

```output
42 ...
```

```bash
python3 main.py
```

```python norun
this is not run
```
"#;

fn parse(text: &str) -> Result<pyguide_content::Tutorial, ContentErrors> {
    parse_tutorial(Path::new("data-structures/lists.md"), text)
}

fn errors(text: &str) -> String {
    parse(text).expect_err("should not parse").to_string()
}

#[test]
fn well_formed_tutorial_model() {
    let t = parse(GOOD).expect("parses");
    assert_eq!(t.slug, "lists");
    assert_eq!(t.meta.order, 2);
    let headings: Vec<_> = t.sections.iter().map(|s| s.heading.as_ref().map(|h| (h.anchor.clone(), h.line))).collect();
    assert_eq!(headings, vec![None, Some(("make".into(), 10)), Some(("how-do-i-make-a-list".into(), 36))]);
    let examples: Vec<_> = t.examples().collect();
    assert_eq!(examples.len(), 3);
    assert_eq!(examples[0].id, "lists-1");
    assert_eq!(examples[0].line, 12);
    assert_eq!(examples[0].expected, "[1, 2, 3]\n");
    assert_eq!(examples[0].expected_line, 17);
    assert_eq!(&GOOD[examples[0].expected_range.clone()], "[1, 2, 3]\n");
    assert_eq!(examples[1].stdin.as_deref(), Some("Ada\n"));
    assert_eq!(examples[2].files.get("helpers.py").map(String::as_str), Some("def double(x):\n    return 2 * x\n"));
    let codes: Vec<_> = t.sections[2]
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Code { lang, code } => Some((lang.as_str(), code.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(codes, vec![("bash", "python3 main.py\n"), ("python", "this is not run\n")]);
    insta::assert_debug_snapshot!("well_formed", t.sections);
}

#[test]
fn yaml_front_matter() {
    let text = "---\ntitle: \"Lists\"\nsummary: Ordered collections\nsection: Data structures\norder: 3\nrelated: [a, b]\n---\nBody\n";
    let t = parse(text).expect("parses");
    assert_eq!(t.meta.title, "Lists");
    assert_eq!(t.meta.section, "Data structures");
    assert_eq!(t.meta.order, 3);
    assert_eq!(t.meta.related, vec!["a", "b"]);
}

#[test]
fn malformed_tutorials_name_file_line_and_fix() {
    let cases: Vec<(&str, String)> = vec![
        ("no front matter", "# Lists\n".to_string()),
        ("unclosed", "+++\ntitle = \"x\"\n".to_string()),
        ("bad toml", "+++\ntitle = \"x\"\nsummary = oops\n+++\n".to_string()),
        ("missing title", "+++\nsummary = \"s\"\nsection = \"S\"\n+++\n".to_string()),
        ("unknown key", "+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"S\"\ntitel = \"x\"\n+++\n".to_string()),
        ("bad slug", "+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"S\"\nslug = \"Not OK\"\n+++\n".to_string()),
        ("h1 in body", "+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"S\"\n+++\n# Title\n".to_string()),
        ("python without output", "+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"S\"\n+++\n\n```python\nprint(1)\n```\n\nText.\n".to_string()),
        ("output alone", "+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"S\"\n+++\n```output\n1\n```\n".to_string()),
        ("dangling file", "+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"S\"\n+++\n```python file=a.py\nX = 1\n```\n\nProse.\n".to_string()),
        ("bad file name", "+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"S\"\n+++\n```python file=../a.py\nX = 1\n```\n```python\nprint(1)\n```\n```output\n1\n```\n".to_string()),
        ("duplicate anchor", "+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"S\"\n+++\n## A {#x}\n## B {#x}\n".to_string()),
    ];
    let mut report = String::new();
    for (name, text) in &cases {
        let msg = errors(text);
        assert!(msg.starts_with("error: data-structures/lists.md:"), "{name}: {msg}");
        assert!(msg.contains("hint:"), "{name}: every error says how to fix it: {msg}");
        report.push_str(&format!("== {name}\n{msg}\n"));
    }
    insta::assert_snapshot!("malformed", report);
}

#[test]
fn curriculum_level_errors() {
    let sections = SourceFile { path: "sections.toml".into(), text: "sections = [\"Basics\"]\n".into() };
    let page = |path: &str, section: &str, extra: &str| SourceFile {
        path: path.into(),
        text: format!("+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"{section}\"\n{extra}+++\nBody\n"),
    };
    let err = load_sources(vec![sections.clone(), page("a.md", "Nope", "")]).unwrap_err().to_string();
    assert!(err.contains("a.md:4: unknown section \"Nope\"") && err.contains("Basics"), "{err}");
    let err =
        load_sources(vec![sections.clone(), page("a.md", "Basics", "slug = \"x\"\n"), page("b/x.md", "Basics", "")])
            .unwrap_err()
            .to_string();
    assert!(err.contains("slug \"x\" is also used by"), "{err}");
    let err = load_sources(vec![sections.clone(), page("a.md", "Basics", "related = [\"ghost\"]\n")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("a.md:5: `related` names \"ghost\""), "{err}");
    let err = load_sources(vec![page("a.md", "Basics", "")]).unwrap_err().to_string();
    assert!(err.contains("no sections.toml"), "{err}");
    let c = load_sources(vec![sections, page("b.md", "Basics", "order = 2\n"), page("a.md", "Basics", "order = 1\n")])
        .unwrap();
    let order: Vec<_> = c.tutorials.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(order, ["a", "b"]);
}

#[test]
fn load_dir_reads_a_tree_and_reports_missing_folders() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("basics")).unwrap();
    std::fs::write(dir.path().join("sections.toml"), "sections = [\"Basics\"]").unwrap();
    std::fs::write(
        dir.path().join("basics/hello.md"),
        "+++\ntitle = \"Hello\"\nsummary = \"s\"\nsection = \"Basics\"\n+++\nHi\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    let c = pyguide_content::load_dir(dir.path()).unwrap();
    assert_eq!(c.tutorials.len(), 1);
    assert_eq!(c.tutorials[0].path, Path::new("basics/hello.md"));
    let err = pyguide_content::load_dir(&dir.path().join("missing")).unwrap_err().to_string();
    assert!(err.contains("cannot read the folder") && err.contains("--content"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics_on_any_text(text in "\\PC*") {
        let _ = parse(&text);
    }

    #[test]
    fn never_panics_on_markdown_like_bodies(body in "((```|~~~|\\+\\+\\+|---|##? |\\{#|python|output|stdin|file=|\\.\\.\\.|[a-z ]|\n)){0,80}") {
        let text = format!("+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"S\"\n+++\n{body}");
        if let Ok(t) = parse(&text) {
            for e in t.examples() {
                prop_assert!(text.get(e.expected_range.clone()).is_some());
            }
        }
    }
}
