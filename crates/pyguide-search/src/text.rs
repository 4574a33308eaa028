//! Markdown prose as the plain text a reader sees, for indexing and snippets.

use pulldown_cmark::{Event, Parser, TagEnd};

/// The words of `md` without its markup: text, inline code, and a line break after each block.
pub(crate) fn markdown_to_text(md: &str) -> String {
    let mut out = String::new();
    for event in Parser::new_ext(md, pyguide_content::markdown_options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::Heading(_) | TagEnd::CodeBlock | TagEnd::TableCell,
            ) => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::markdown_to_text;

    #[test]
    fn markup_goes_and_words_stay() {
        let text = markdown_to_text("A **bold** [link](https://example.org) and `len(x)`.\n\n- one\n- two");
        assert_eq!(text, "A bold link and len(x).\none\ntwo");
    }
}
