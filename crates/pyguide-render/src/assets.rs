//! The frontend's built files, embedded in the binary and served under content-hashed names.
//!
//! Text assets are also gzipped once, at the best level, when first needed: the server sends
//! those bytes to every browser that accepts gzip instead of compressing on each request.

use include_dir::{include_dir, Dir};
use std::collections::HashMap;
use std::sync::OnceLock;

static DIST: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../frontend/dist");

/// One embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    pub bytes: &'static [u8],
    /// The same bytes gzipped, for text assets (scripts, styles, JSON, SVG).
    pub gzip: Option<&'static [u8]>,
    pub content_type: &'static str,
}

/// Every embedded asset, by hashed name (`app.1a2b3c4d.js`), and the logical → hashed map.
pub struct Assets {
    by_hashed: HashMap<String, Asset>,
    hashed_of: HashMap<String, String>,
}

impl Assets {
    /// The embedded assets (computed once).
    pub fn embedded() -> &'static Assets {
        static ASSETS: OnceLock<Assets> = OnceLock::new();
        ASSETS.get_or_init(|| {
            let mut by_hashed = HashMap::new();
            let mut hashed_of = HashMap::new();
            let mut stack = vec![&DIST];
            while let Some(dir) = stack.pop() {
                for entry in dir.entries() {
                    if let Some(d) = entry.as_dir() {
                        stack.push(d);
                    } else if let Some(f) = entry.as_file() {
                        let logical = f.path().to_string_lossy().replace('\\', "/");
                        let hashed = hashed_name(&logical, f.contents());
                        let content_type = content_type(&logical);
                        let gzip = compressible(content_type).then(|| gzip(f.contents()));
                        by_hashed.insert(hashed.clone(), Asset { bytes: f.contents(), gzip, content_type });
                        hashed_of.insert(logical, hashed);
                    }
                }
            }
            Assets { by_hashed, hashed_of }
        })
    }

    /// The URL of a logical asset name such as `app.js`.
    pub fn url(&self, logical: &str) -> Option<String> {
        self.hashed_of.get(logical).map(|h| format!("/static/{h}"))
    }

    /// The asset behind a hashed name.
    pub fn get(&self, hashed: &str) -> Option<Asset> {
        self.by_hashed.get(hashed).copied()
    }
}

/// `dir/app.js` + contents → `dir/app.<8 hex digits of FNV-1a 64>.js`.
fn hashed_name(logical: &str, bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    let hash = format!("{:08x}", h >> 32);
    match logical.rfind('.') {
        Some(dot) if !logical[dot..].contains('/') => format!("{}.{hash}{}", &logical[..dot], &logical[dot..]),
        _ => format!("{logical}.{hash}"),
    }
}

fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/") || content_type.starts_with("application/json") || content_type.contains("svg")
}

/// Gzip at the best level; the result lives as long as the program (assets are computed once).
fn gzip(bytes: &[u8]) -> &'static [u8] {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    enc.write_all(bytes).expect("gzip into memory");
    Box::leak(enc.finish().expect("gzip into memory").into_boxed_slice())
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "map" => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_change_with_contents() {
        let a = hashed_name("app.js", b"one");
        let b = hashed_name("app.js", b"two");
        assert_ne!(a, b);
        assert!(a.starts_with("app.") && a.ends_with(".js"));
        let assets = Assets::embedded();
        let url = assets.url("app.js").expect("app.js is embedded");
        let asset = assets.get(url.trim_start_matches("/static/")).expect("served");
        let gz = asset.gzip.expect("scripts are gzipped");
        assert!(gz.len() < asset.bytes.len());
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz), &mut back).unwrap();
        assert_eq!(back, asset.bytes);
        for name in ["theme.js", "app.js", "editor.js", "style.css"] {
            assert!(assets.url(name).is_some(), "{name} is embedded");
        }
    }
}
