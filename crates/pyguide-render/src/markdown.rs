//! Prose Markdown → HTML. Raw HTML in content is shown as text, never injected.

use pulldown_cmark::{html, CowStr, Event, Parser};

pub(crate) fn to_html(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, pyguide_content::markdown_options()).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(CowStr::from(raw.into_string())),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn raw_html_is_escaped() {
        let html = super::to_html("Hi <script>alert(1)</script> **there**");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("<strong>there</strong>"));
    }
}
