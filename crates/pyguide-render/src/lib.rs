//! Tutorials → HTML pages, rendered once on the server and readable without JavaScript.
//!
//! [`Site::build`] renders every page of a [`Curriculum`] up front; the server only looks pages
//! up. Assets (the page script and styles) are embedded with content-hashed names
//! ([`assets`]), so they can be cached forever.

pub mod assets;
mod highlight;
mod markdown;
mod pages;

pub use assets::{Asset, Assets};
pub use highlight::highlight_python;
pub use pages::{
    BuildError, PlaygroundCode, Serving, Site, PLAYGROUND_CODE, SITE_TAGLINE, SITE_TITLE, STYLE_NONCE_PLACEHOLDER,
};
pub use pyguide_search::{Hit, SearchError, SnippetPart};
