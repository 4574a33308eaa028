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

/// Every case's errors, each checked to name file:line and a fix, as one report for a snapshot.
fn report_errors(cases: &[(&str, String)]) -> String {
    let mut report = String::new();
    for (name, text) in cases {
        let msg = errors(text);
        assert!(msg.starts_with("error: data-structures/lists.md:"), "{name}: {msg}");
        assert!(msg.contains("hint:"), "{name}: every error says how to fix it: {msg}");
        report.push_str(&format!("== {name}\n{msg}\n"));
    }
    report
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
fn an_example_says_how_many_pictures_it_shows() {
    let page = "+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"S\"\n+++\n```python images=2\nprint(1)\n```\n```output\n1\n```\n```python\nprint(2)\n```\n```output\n2\n```\n";
    let t = parse(page).expect("parses");
    let images: Vec<u32> = t.examples().map(|e| e.images).collect();
    assert_eq!(images, [2, 0], "no attribute means none");
    for bad in ["images=-1", "images=", "images=1.5", "images=99999"] {
        let msg = errors(&page.replace("images=2", bad));
        assert!(msg.contains(&format!("lists.md:6: {bad}: not a number of pictures")), "{msg}");
    }
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
        ("bad images", "+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"S\"\n+++\n```python images=two\nprint(1)\n```\n```output\n1\n```\n".to_string()),
    ];
    let report = report_errors(&cases);
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
    fn never_panics_on_markdown_like_bodies(body in "((```|~~~|\\+\\+\\+|---|#{2,3} |Exercise: |starter|solution|check|wrong|predict|choices|hint|\\{#|python|output|stdin|file=|\\.\\.\\.|[a-z ]|\n)){0,80}") {
        let text = format!("+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"S\"\n+++\n{body}");
        if let Ok(t) = parse(&text) {
            for e in t.examples() {
                prop_assert!(text.get(e.expected_range.clone()).is_some());
            }
        }
    }
}

const EXERCISES: &str = r#"+++
title = "Lists"
summary = "s"
section = "Data structures"
+++
## Exercises {#exercises}

### Exercise: Count the vowels {#ex-vowels}

Write `count_vowels(text)`.

```text
count_vowels("banana") -> 3
```

```python starter
def count_vowels(text):
    return 0
```

```python check
assert count_vowels("banana") == 3, "banana"
```

```hint
Loop over the text.
```

```python check visible
assert count_vowels("") == 0
```

```hint
Use `sum()`.
```

```python solution
def count_vowels(text):
    return sum(c in "aeiou" for c in text)
```

### Exercise: Greet

```python file=names.py
NAME = "Ada"
```

```text file=greeting.txt
Hi
```

```python starter
print("Hi")
```

```stdin
x
```

```output
Hi Ada
```

```python solution
import names
print("Hi", names.NAME)
```

## Summary

Done.
"#;

#[test]
fn exercises_parse_into_the_model() {
    let t = parse(EXERCISES).expect("parses");
    let ex: Vec<_> = t.exercises().collect();
    assert_eq!(ex.len(), 2);
    let v = ex[0];
    assert_eq!(
        (v.id.as_str(), v.anchor.as_str(), v.title.as_str(), v.line),
        ("lists/ex-vowels", "ex-vowels", "Count the vowels", 8)
    );
    assert_eq!(v.prompt, "Write `count_vowels(text)`.\n\n```text\ncount_vowels(\"banana\") -> 3\n```");
    assert_eq!(v.starter, "def count_vowels(text):\n    return 0\n");
    assert_eq!(v.checks, "assert count_vowels(\"banana\") == 3, \"banana\"\n\nassert count_vowels(\"\") == 0\n");
    assert_eq!((v.checks_line, v.starter_line, v.solution_line), (21, 16, 37));
    assert!(v.checks_visible, "one visible check block makes the checks visible");
    assert_eq!(v.hints, vec!["Loop over the text.", "Use `sum()`."]);
    assert_eq!(v.expected_output, None);
    let g = ex[1];
    assert_eq!(g.id, "lists/exercise-greet");
    assert_eq!(g.expected_output.as_deref(), Some("Hi Ada\n"));
    assert_eq!(g.stdin.as_deref(), Some("x\n"));
    assert_eq!(g.files.get("names.py").map(String::as_str), Some("NAME = \"Ada\"\n"));
    assert_eq!(g.files.get("greeting.txt").map(String::as_str), Some("Hi\n"), "data files in any language");
    assert!(g.hints.is_empty() && g.checks.is_empty() && !g.checks_visible);
    // The exercise's blocks are not examples, and the section after it is its own.
    assert_eq!(t.examples().count(), 0);
    assert_eq!(t.sections.last().and_then(|s| s.heading.as_ref()).map(|h| h.anchor.as_str()), Some("summary"));
}

#[test]
fn malformed_exercises_name_file_line_and_fix() {
    let page = |body: &str| format!("+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"S\"\n+++\n{body}");
    let cases: Vec<(&str, String)> = vec![
        ("no title", page("### Exercise:\n```python starter\n```\n```python check\nassert 1\n```\n```python solution\n```\n")),
        ("no starter", page("### Exercise: A\n```python check\nassert x == 1\n```\n```python solution\nx = 1\n```\n")),
        ("no solution", page("### Exercise: A\n```python starter\nx = 0\n```\n```output\n1\n```\n")),
        ("nothing to check", page("### Exercise: A\n```python starter\nx = 0\n```\n```python solution\nx = 1\n```\n")),
        ("checks without assert", page("### Exercise: A\n```python starter\n```\n```python check\nprint(x)\n```\n```python solution\n```\n")),
        ("python without role", page("### Exercise: A\n```python starter\n```\n```python\nx = 1\n```\n```output\n\n```\n```python solution\n```\n")),
        ("two starters", page("### Exercise: A\n```python starter\n```\n```python starter\n```\n```output\n1\n```\n```python solution\n```\n")),
        ("empty hint", page("### Exercise: A\n```python starter\n```\n```hint\n```\n```output\n1\n```\n```python solution\n```\n")),
        ("check outside an exercise", page("## Q\n```python check\nassert True\n```\n")),
        ("hint outside an exercise", page("## Q\n```hint\nTry harder.\n```\n")),
    ];
    let report = report_errors(&cases);
    insta::assert_snapshot!("malformed_exercises", report);
}

const PREDICT: &str = r#"+++
title = "Lists"
summary = "s"
section = "S"
+++
## Guess {#guess}

```python predict
print(len("abc"))
```

```output
3
```

```choices
2
3
abc
```

```python predict
print("a")
print("b")
```

```output
a
b
```

### Exercise: Double {#ex-double}

```python starter
n = 0
```

```python check
assert n == 4, "n"
```

```python solution
n = 2 * 2
```

```python wrong
n = 2 + 3
```

```python wrong
n = 5
```
"#;

#[test]
fn predictions_and_wrong_solutions_parse_into_the_model() {
    let t = parse(PREDICT).expect("parses");
    let p: Vec<_> = t.predictions().collect();
    assert_eq!(p.len(), 2);
    assert_eq!((p[0].id.as_str(), p[0].anchor.as_str(), p[0].line), ("lists/predict-1", "predict-1", 8));
    assert_eq!((p[0].expected.as_str(), p[0].expected_line), ("3\n", 12));
    assert_eq!(p[0].choices, vec!["2", "3", "abc"]);
    assert_eq!(p[1].expected, "a\nb\n");
    assert!(p[1].choices.is_empty(), "no choices: a free-text guess");
    let as_example = p[0].as_example();
    assert_eq!((as_example.code.as_str(), as_example.expected_line), ("print(len(\"abc\"))\n", 12));
    assert_eq!(t.examples().count(), 0, "predictions are not examples on the page");
    let ex = t.exercises().next().expect("the exercise");
    let wrong: Vec<_> = ex.wrong.iter().map(|w| (w.code.as_str(), w.line)).collect();
    assert_eq!(wrong, vec![("n = 2 + 3\n", 46), ("n = 5\n", 50)]);
}

#[test]
fn malformed_predictions_name_file_line_and_fix() {
    let page = |body: &str| format!("+++\ntitle = \"t\"\nsummary = \"s\"\nsection = \"S\"\n+++\n{body}");
    let cases: Vec<(&str, &str, String)> = vec![
        ("no output", "7: this ```python predict block has no ```output block after it", page("\n```python predict\nprint(1)\n```\n")),
        ("ellipsis", "11: a prediction's output contains `...`", page("\n```python predict\nprint(id(1))\n```\n\n```output\n...\n```\n")),
        ("one choice", "15: a ```choices block with 1 option(s)", page("\n```python predict\nprint(1)\n```\n\n```output\n1\n```\n\n```choices\n1\n```\n")),
        ("five choices", "15: a ```choices block with 5 option(s)", page("\n```python predict\nprint(1)\n```\n\n```output\n1\n```\n\n```choices\n1\n2\n3\n4\n5\n```\n")),
        ("answer missing", "15: none of the choices is the output \"1\"", page("\n```python predict\nprint(1)\n```\n\n```output\n1\n```\n\n```choices\n2\n3\n```\n")),
        ("two lines", "17: choices for an output of several lines", page("\n```python predict\nprint(1)\nprint(2)\n```\n\n```output\n1\n2\n```\n\n```choices\n1\n2\n```\n")),
        ("twice", "15: the option \"1\" is given twice", page("\n```python predict\nprint(1)\n```\n\n```output\n1\n```\n\n```choices\n1\n1\n2\n```\n")),
        ("stray choices", "7: a ```choices block without a ```python predict block before it", page("\n```choices\n1\n2\n```\n")),
        ("inside an exercise", "8: a ```python predict block inside an exercise", page("### Exercise: A\n\n```python predict\nprint(1)\n```\n```python starter\n```\n```output\n1\n```\n```python solution\n```\n")),
    ];
    for (name, want, text) in cases {
        let msg = errors(&text);
        assert!(msg.contains(&format!("data-structures/lists.md:{want}")), "{name}: {msg}");
        assert!(msg.contains("hint:"), "{name}: every error says how to fix it: {msg}");
    }
}

#[test]
fn the_ramp_names_existing_tutorials() {
    let sections = SourceFile { path: "sections.toml".into(), text: "sections = [\"S\"]\n".into() };
    let page = SourceFile {
        path: "s/loops.md".into(),
        text: "+++\ntitle = \"Loops\"\nsummary = \"s\"\nsection = \"S\"\n+++\nBody.\n".into(),
    };
    let ramp = |text: &str| SourceFile { path: "ramp.toml".into(), text: text.into() };
    let good = "[[construct]]\nname = \"while\"\ntutorial = \"loops\"\ncovers = \"while loops\"\n";
    let c = load_sources(vec![sections.clone(), page.clone(), ramp(good)]).expect("loads");
    assert_eq!(c.ramp.len(), 1);
    assert_eq!((c.ramp[0].construct.as_str(), c.ramp[0].tutorial.as_str(), c.ramp[0].line), ("while", "loops", 1));
    let unknown = good.replace("\"loops\"", "\"later\"");
    let msg = load_sources(vec![sections.clone(), page.clone(), ramp(&unknown)]).expect_err("unknown slug").to_string();
    assert!(
        msg.contains("ramp.toml:1: the construct \"while\" names the tutorial \"later\", which is no tutorial's slug"),
        "{msg}"
    );
    let twice = format!("{good}\n{good}");
    let msg = load_sources(vec![sections.clone(), page.clone(), ramp(&twice)]).expect_err("twice").to_string();
    assert!(msg.contains("ramp.toml:6: the construct \"while\" is listed twice (first on line 1)"), "{msg}");
    let msg = load_sources(vec![sections, page, ramp("[[construct]]\nname = 1\n")]).expect_err("bad toml").to_string();
    assert!(msg.contains("ramp.toml:2:") && msg.contains("hint: ramp.toml lists [[construct]] tables"), "{msg}");
}
