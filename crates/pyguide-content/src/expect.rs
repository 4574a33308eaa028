//! Comparing what a program printed with what the page says, `...` matching any text.

/// Does `actual` match `expected`? Trailing whitespace on each line and trailing blank lines
/// are ignored on both sides; `...` in `expected` matches any text, newlines included
/// (doctest's ELLIPSIS).
pub fn output_matches(expected: &str, actual: &str) -> bool {
    let expected = normalize(expected);
    let actual = normalize(actual);
    let pieces: Vec<&str> = expected.split("...").collect();
    if pieces.len() == 1 {
        return expected == actual;
    }
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    if actual.len() < first.len() + last.len() || !actual.starts_with(first) || !actual.ends_with(last) {
        return false;
    }
    // Leftmost matching of each middle piece is optimal for patterns with only `*`.
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for piece in &pieces[1..pieces.len() - 1] {
        match rest.find(piece) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    true
}

/// Trailing spaces removed from every line, trailing newlines removed, CRLF as LF.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.replace("\r\n", "\n").split('\n') {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.truncate(out.trim_end_matches('\n').len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_whitespace() {
        assert!(output_matches("a\nb\n", "a\nb"));
        assert!(output_matches("a  \n\n", "a\n"));
        assert!(!output_matches("a\nb", "a\nc"));
        assert!(!output_matches("a", ""));
    }

    #[test]
    fn ellipsis() {
        assert!(output_matches("<object at ...>", "<object at 0x7f00>"));
        assert!(output_matches("took ... s\ndone", "took 0.25 s\ndone"));
        assert!(output_matches("...", "anything\nat all"));
        assert!(output_matches("a...b...c", "a123b456c"));
        assert!(!output_matches("a...b...c", "a123c456b"));
        assert!(!output_matches("ab...ba", "aba"));
        assert!(output_matches("File \"...main.py\", line 1", "File \"/tmp/x/main.py\", line 1"));
    }
}
