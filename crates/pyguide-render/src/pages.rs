//! Rendering the home page, tutorial pages and the 404 page with minijinja templates.

use crate::assets::Assets;
use crate::highlight::{escape, highlight_python};
use crate::markdown::to_html;
use minijinja::{context, Environment};
use pyguide_content::{Curriculum, Item, Tutorial};
use serde::Serialize;
use std::collections::HashMap;

pub const SITE_TITLE: &str = "PyGuide";
pub const SITE_TAGLINE: &str = "Learn Python with practical tutorials and code examples";

/// Every page of the site, rendered once.
pub struct Site {
    pages: HashMap<String, String>,
    not_found: String,
    /// Number of tutorials and runnable examples, for logs.
    pub tutorials: usize,
    pub examples: usize,
}

#[derive(Serialize)]
struct TutorialLink {
    slug: String,
    title: String,
    summary: String,
    minutes: usize,
    examples: usize,
}

#[derive(Serialize)]
struct SectionView {
    name: String,
    tutorials: Vec<TutorialLink>,
}

#[derive(Serialize)]
struct TocEntry {
    anchor: String,
    text: String,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum ItemView {
    Prose {
        html: String,
    },
    Subheading {
        level: u8,
        anchor: String,
        text: String,
    },
    Code {
        lang: String,
        html: String,
    },
    Example {
        id: String,
        line: usize,
        code_html: String,
        files: Vec<FileView>,
        stdin: Option<String>,
        expected: String,
    },
}

#[derive(Serialize)]
struct FileView {
    name: String,
    html: String,
}

#[derive(Serialize)]
struct SectionBody {
    anchor: Option<String>,
    heading: Option<String>,
    items: Vec<ItemView>,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, src) in [
        ("base.html", include_str!("../templates/base.html")),
        ("home.html", include_str!("../templates/home.html")),
        ("tutorial.html", include_str!("../templates/tutorial.html")),
        ("not_found.html", include_str!("../templates/not_found.html")),
    ] {
        env.add_template(name, src).expect("the embedded templates are valid");
    }
    let assets = Assets::embedded();
    env.add_function("asset", move |name: String| assets.url(&name).unwrap_or_default());
    env.add_global("site_title", SITE_TITLE);
    env.add_global("site_tagline", SITE_TAGLINE);
    env
}

fn link(t: &Tutorial) -> TutorialLink {
    TutorialLink {
        slug: t.slug.clone(),
        title: t.meta.title.clone(),
        summary: t.meta.summary.clone(),
        minutes: t.words.div_ceil(200).max(1),
        examples: t.examples().count(),
    }
}

fn sections_view(c: &Curriculum) -> Vec<SectionView> {
    c.by_section()
        .into_iter()
        .map(|(name, ts)| SectionView { name: name.to_string(), tutorials: ts.into_iter().map(link).collect() })
        .collect()
}

fn body(t: &Tutorial) -> Vec<SectionBody> {
    t.sections
        .iter()
        .map(|s| SectionBody {
            anchor: s.heading.as_ref().map(|h| h.anchor.clone()),
            heading: s.heading.as_ref().map(|h| h.text.clone()),
            items: s
                .items
                .iter()
                .map(|item| match item {
                    Item::Prose(md) => ItemView::Prose { html: to_html(md) },
                    Item::Subheading(h) => {
                        ItemView::Subheading { level: h.level, anchor: h.anchor.clone(), text: h.text.clone() }
                    }
                    Item::Code { lang, code } => ItemView::Code {
                        lang: lang.clone(),
                        html: if lang == "python" { highlight_python(code) } else { escape(code) },
                    },
                    Item::Example(e) => ItemView::Example {
                        id: e.id.clone(),
                        line: e.line,
                        code_html: highlight_python(&e.code),
                        files: e
                            .files
                            .iter()
                            .map(|(n, c)| FileView { name: n.clone(), html: highlight_python(c) })
                            .collect(),
                        stdin: e.stdin.clone(),
                        expected: e.expected.clone(),
                    },
                })
                .collect(),
        })
        .collect()
}

impl Site {
    /// Renders every page of `curriculum`.
    pub fn build(curriculum: &Curriculum) -> Result<Site, minijinja::Error> {
        let env = environment();
        let sections = sections_view(curriculum);
        let mut pages = HashMap::new();
        let home =
            env.get_template("home.html")?.render(context! { sections => &sections, page_title => SITE_TITLE })?;
        pages.insert("/".to_string(), home);
        let tutorial_tpl = env.get_template("tutorial.html")?;
        let all = &curriculum.tutorials;
        let mut examples = 0;
        for (i, t) in all.iter().enumerate() {
            examples += t.examples().count();
            let prev = i.checked_sub(1).map(|p| link(&all[p]));
            let next = all.get(i + 1).map(link);
            let related: Vec<TutorialLink> =
                t.meta.related.iter().filter_map(|slug| curriculum.tutorial(slug)).map(link).collect();
            let toc: Vec<TocEntry> = t
                .sections
                .iter()
                .filter_map(|s| s.heading.as_ref())
                .map(|h| TocEntry { anchor: h.anchor.clone(), text: h.text.clone() })
                .collect();
            let html = tutorial_tpl.render(context! {
                page_title => format!("{} — {SITE_TITLE}", t.meta.title),
                description => &t.meta.summary,
                tutorial => link(t),
                section => &t.meta.section,
                body => body(t),
                toc => toc,
                prev => prev,
                next => next,
                related => related,
                sections => &sections,
                current => &t.slug,
            })?;
            pages.insert(format!("/tutorials/{}", t.slug), html);
        }
        let not_found = env
            .get_template("not_found.html")?
            .render(context! { page_title => format!("Not found — {SITE_TITLE}") })?;
        Ok(Site { pages, not_found, tutorials: all.len(), examples })
    }

    /// The page at `path` (`/` or `/tutorials/<slug>`).
    pub fn page(&self, path: &str) -> Option<&str> {
        self.pages.get(path).map(String::as_str)
    }

    pub fn not_found(&self) -> &str {
        &self.not_found
    }
}
