//! Anchor ids and slugs from heading text.

/// `"What is the GIL?"` → `"what-is-the-gil"`. ASCII letters and digits are kept (lowercased),
/// runs of anything else become one `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else if c == '\'' || c == '’' {
            // "Python's" → "pythons"
        } else {
            dash = true;
        }
    }
    if out.is_empty() {
        out.push_str("section");
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs() {
        assert_eq!(
            super::slugify("What is the Global Interpreter Lock (GIL)?"),
            "what-is-the-global-interpreter-lock-gil"
        );
        assert_eq!(super::slugify("Python's import system"), "pythons-import-system");
        assert_eq!(super::slugify("  --  "), "section");
    }
}
