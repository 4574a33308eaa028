//! A small Python highlighter, so code reads well with JavaScript off. Output is escaped HTML
//! with `<span class="tok-…">` around keywords, strings, numbers, comments and names.

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "match", "case",
];

const BUILTINS: &[&str] = &[
    "print",
    "input",
    "len",
    "range",
    "int",
    "str",
    "float",
    "bool",
    "list",
    "dict",
    "set",
    "tuple",
    "type",
    "id",
    "isinstance",
    "enumerate",
    "zip",
    "map",
    "filter",
    "sorted",
    "sum",
    "min",
    "max",
    "abs",
    "open",
    "repr",
    "super",
    "object",
    "iter",
    "next",
    "any",
    "all",
    "hasattr",
    "getattr",
    "setattr",
    "round",
    "reversed",
    "frozenset",
    "bytes",
    "Exception",
    "ValueError",
    "TypeError",
    "KeyError",
    "IndexError",
    "ZeroDivisionError",
    "self",
];

/// Escapes `text` for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn span(out: &mut String, class: &str, text: &str) {
    out.push_str("<span class=\"tok-");
    out.push_str(class);
    out.push_str("\">");
    out.push_str(&escape(text));
    out.push_str("</span>");
}

/// Highlights Python source. The text content of the result is exactly `code`.
pub fn highlight_python(code: &str) -> String {
    let chars: Vec<(usize, char)> = code.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|c| c.1);
    let byte = |i: usize| chars.get(i).map(|c| c.0).unwrap_or(code.len());
    let mut out = String::with_capacity(code.len() * 2);
    let mut i = 0;
    let mut prev_word = "";
    while i < chars.len() {
        let c = chars[i].1;
        let start = i;
        if c == '#' {
            while at(i).is_some_and(|c| c != '\n') {
                i += 1;
            }
            span(&mut out, "comment", &code[byte(start)..byte(i)]);
            continue;
        }
        // String, with an optional prefix such as f, rb, u.
        let mut j = i;
        while at(j).is_some_and(|c| "rRbBfFuU".contains(c)) && j - i < 2 {
            j += 1;
        }
        if let Some(q @ ('"' | '\'')) = at(j) {
            // `i` is at a token start (words are consumed whole), so a prefix here is one.
            {
                let triple = at(j + 1) == Some(q) && at(j + 2) == Some(q);
                let mut k = if triple { j + 3 } else { j + 1 };
                loop {
                    match at(k) {
                        None => break,
                        Some('\\') => k += 2,
                        Some('\n') if !triple => break,
                        Some(ch) if ch == q => {
                            if !triple {
                                k += 1;
                                break;
                            }
                            if at(k + 1) == Some(q) && at(k + 2) == Some(q) {
                                k += 3;
                                break;
                            }
                            k += 1;
                        }
                        Some(_) => k += 1,
                    }
                }
                let k = k.min(chars.len());
                span(&mut out, "string", &code[byte(start)..byte(k)]);
                i = k;
                prev_word = "";
                continue;
            }
        }
        if c.is_ascii_digit() || (c == '.' && at(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            while at(i).is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_') {
                i += 1;
            }
            span(&mut out, "number", &code[byte(start)..byte(i)]);
            prev_word = "";
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            while at(i).is_some_and(|c| c.is_alphanumeric() || c == '_') {
                i += 1;
            }
            let word = &code[byte(start)..byte(i)];
            if KEYWORDS.contains(&word) {
                span(&mut out, "keyword", word);
            } else if prev_word == "def" || prev_word == "class" {
                span(&mut out, "def", word);
            } else if BUILTINS.contains(&word) {
                span(&mut out, "builtin", word);
            } else {
                out.push_str(&escape(word));
            }
            prev_word = if KEYWORDS.contains(&word) { word } else { "" };
            continue;
        }
        if c == '@'
            && (i == 0 || at(i - 1) == Some('\n') || at(i - 1) == Some(' '))
            && at(i + 1).is_some_and(|c| c.is_alphabetic())
        {
            i += 1;
            while at(i).is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                i += 1;
            }
            span(&mut out, "decorator", &code[byte(start)..byte(i)]);
            continue;
        }
        if !c.is_whitespace() {
            prev_word = "";
        }
        out.push_str(&escape(&code[byte(i)..byte(i + 1)]));
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    #[test]
    fn keeps_the_text_and_marks_tokens() {
        let code = "def f(x):  # add\n    return f\"{x!r}\" + 'a<b' + 0x1F\n@dec\nclass C: pass\ns = \"\"\"multi\nline\"\"\"\n";
        let html = highlight_python(code);
        assert_eq!(text_of(&html), code);
        assert!(html.contains("<span class=\"tok-keyword\">def</span>"));
        assert!(html.contains("<span class=\"tok-def\">f</span>"));
        assert!(html.contains("<span class=\"tok-comment\"># add</span>"));
        assert!(html.contains("<span class=\"tok-string\">&#39;a&lt;b&#39;</span>"));
        assert!(html.contains("<span class=\"tok-number\">0x1F</span>"));
        assert!(html.contains("tok-decorator"));
    }

    #[test]
    fn unterminated_strings_and_unicode() {
        for code in ["'abc", "\"\"\"never closed", "é = 'ü'", "x = '\\", "rb'x' f'", "#"] {
            assert_eq!(text_of(&highlight_python(code)), code);
        }
    }
}
