//! Pictures a program shows: plots (PNG) and turtle drawings (rendered here to SVG). They come
//! from the learner's process on a channel of their own (see `supervise.rs`), sent by
//! `python/pictures.py`; the program could forge anything there, so each is checked here before
//! anyone sees it, as an [`crate::Explanation`] is.

use crate::drawing::{Drawing, DrawingError};
use base64::Engine;
use serde::ser::{Serialize, SerializeMap, Serializer};

/// The picture module, as the program imports it (`python/pictures.py`).
pub const PICTURES_MODULE: &str = "_pyguide_pictures";

/// `python/pictures.py`, shipped inside the binary.
pub const PICTURES_PY: &str = include_str!("../../../python/pictures.py");

/// In the plain runner, the variable that tells the picture module its channel's descriptor
/// and [`MAX_PICTURES`] ("3,8"); the sandbox's interpreter tells it itself.
pub const PICTURES_ENV: &str = "PYGUIDE_PICTURES";

/// The most pictures a run shows; past them, the result counts those not shown.
pub const MAX_PICTURES: usize = 8;
/// The largest side of a PNG, in pixels (a 6.4 x 4.8 inch figure at 100 dpi is 640 x 480).
pub const MAX_PNG_SIDE: u32 = 8192;
/// The most characters of a picture's alt text; a longer one is cut.
const MAX_ALT_CHARS: usize = 300;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// The last chunk of every PNG: length 0, `IEND`, and its CRC.
const PNG_END: &[u8] = b"\0\0\0\0IEND\xaeB`\x82";

/// What a picture is.
#[derive(Debug, Clone, PartialEq)]
pub enum Image {
    /// A PNG, as the program sent it (signature, header and end checked).
    Png(Vec<u8>),
    /// A turtle drawing, and its SVG.
    Drawing { drawing: Drawing, svg: String },
}

/// One picture, in order with the text: it comes after the first `after_stdout` bytes of the
/// run's stdout and `after_stderr` bytes of its stderr. As `POST /api/run` answers it (an
/// element of `images`): `{"mime", "data" (base64), "width", "height", "alt", "drawing"?,
/// "after_stdout", "after_stderr"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    pub image: Image,
    pub width: u32,
    pub height: u32,
    /// "Figure 1: squares", as the page shows it.
    pub alt: String,
    pub after_stdout: usize,
    pub after_stderr: usize,
}

/// The kind of picture the program says it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PictureFormat {
    Png,
    /// A turtle drawing's JSON (see [`Drawing`]).
    Drawing,
}

/// Why a picture was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PictureError {
    #[error("not a PNG (no PNG signature, header or end)")]
    NotPng,
    #[error("the PNG is {0}x{1}; each side must be 1 to {MAX_PNG_SIDE}")]
    PngSize(u32, u32),
    #[error("the picture says it is {claimed:?} but is {actual:?}")]
    SizeMismatch { claimed: (u32, u32), actual: (u32, u32) },
    #[error(transparent)]
    Drawing(#[from] DrawingError),
}

impl Picture {
    /// Reads a picture sent by a program's process: `body` in `format`, said to be
    /// `width` x `height`. Placed at the start of the output; the channel's reader places it.
    pub fn from_untrusted(
        format: PictureFormat,
        (width, height): (u32, u32),
        alt: &str,
        body: Vec<u8>,
    ) -> Result<Picture, PictureError> {
        let (image, actual) = match format {
            PictureFormat::Png => {
                let size = png_size(&body)?;
                (Image::Png(body), size)
            }
            PictureFormat::Drawing => {
                let drawing = Drawing::from_untrusted(&body)?;
                let size = (drawing.width, drawing.height);
                (Image::Drawing { svg: drawing.to_svg(), drawing }, size)
            }
        };
        if actual != (width, height) {
            return Err(PictureError::SizeMismatch { claimed: (width, height), actual });
        }
        let alt = alt.chars().filter(|c| !c.is_control()).take(MAX_ALT_CHARS).collect::<String>().trim().to_string();
        Ok(Picture { image, width, height, alt, after_stdout: 0, after_stderr: 0 })
    }

    /// The MIME type the page gets it as.
    pub fn mime(&self) -> &'static str {
        match self.image {
            Image::Png(_) => "image/png",
            Image::Drawing { .. } => "image/svg+xml",
        }
    }

    /// The picture's bytes as the page gets them (the PNG, or the drawing's SVG), in base64.
    pub fn data_base64(&self) -> String {
        let bytes = match &self.image {
            Image::Png(png) => png.as_slice(),
            Image::Drawing { svg, .. } => svg.as_bytes(),
        };
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// The checked drawing, for a turtle picture.
    pub fn drawing(&self) -> Option<&Drawing> {
        match &self.image {
            Image::Png(_) => None,
            Image::Drawing { drawing, .. } => Some(drawing),
        }
    }
}

impl Serialize for Picture {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("mime", self.mime())?;
        m.serialize_entry("data", &self.data_base64())?;
        m.serialize_entry("width", &self.width)?;
        m.serialize_entry("height", &self.height)?;
        m.serialize_entry("alt", &self.alt)?;
        if let Some(d) = self.drawing() {
            m.serialize_entry("drawing", d)?;
        }
        m.serialize_entry("after_stdout", &self.after_stdout)?;
        m.serialize_entry("after_stderr", &self.after_stderr)?;
        m.end()
    }
}

/// The size a PNG says it is, once its signature, its header chunk (with its CRC) and its end
/// chunk are checked.
fn png_size(png: &[u8]) -> Result<(u32, u32), PictureError> {
    // Signature, then the IHDR chunk: length 13, type, 13 bytes of data, CRC.
    let ihdr = png.get(8..33).ok_or(PictureError::NotPng)?;
    let be32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let shaped = png.starts_with(PNG_SIGNATURE)
        && png.ends_with(PNG_END)
        && png.len() >= 33 + PNG_END.len()
        && be32(&ihdr[0..4]) == 13
        && &ihdr[4..8] == b"IHDR"
        && crc32fast::hash(&ihdr[4..21]) == be32(&ihdr[21..25]);
    if !shaped {
        return Err(PictureError::NotPng);
    }
    let (w, h) = (be32(&ihdr[8..12]), be32(&ihdr[12..16]));
    if !(1..=MAX_PNG_SIDE).contains(&w) || !(1..=MAX_PNG_SIDE).contains(&h) {
        return Err(PictureError::PngSize(w, h));
    }
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest PNG: 1x1, one grey pixel.
    pub(crate) fn tiny_png() -> Vec<u8> {
        let mut png = PNG_SIGNATURE.to_vec();
        let mut chunk = |kind: &[u8], data: &[u8]| {
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut typed = kind.to_vec();
            typed.extend_from_slice(data);
            png.extend_from_slice(&typed);
            png.extend_from_slice(&crc32fast::hash(&typed).to_be_bytes());
        };
        chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]);
        chunk(b"IEND", &[]);
        png
    }

    #[test]
    fn a_png_is_kept_with_its_size_and_serialised_in_base64() {
        let p = Picture::from_untrusted(PictureFormat::Png, (1, 1), "Figure 1: dot\n", tiny_png()).unwrap();
        assert_eq!((p.width, p.height, p.alt.as_str(), p.mime()), (1, 1, "Figure 1: dot", "image/png"));
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["data"].as_str().unwrap(), base64::engine::general_purpose::STANDARD.encode(tiny_png()));
        assert!(v.get("drawing").is_none());
    }

    #[test]
    fn forged_pngs_are_refused() {
        let png = tiny_png();
        let mut bad_crc = png.clone();
        bad_crc[20] ^= 1;
        let mut huge = png.clone();
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        let fixed = crc32fast::hash(&huge[12..29]).to_be_bytes();
        huge[29..33].copy_from_slice(&fixed);
        let cases = [
            (b"GIF89a".to_vec(), PictureError::NotPng),
            (png[..png.len() - 4].to_vec(), PictureError::NotPng),
            (bad_crc, PictureError::NotPng),
            (huge, PictureError::PngSize(100_000, 1)),
            (Vec::new(), PictureError::NotPng),
        ];
        for (body, want) in cases {
            assert_eq!(Picture::from_untrusted(PictureFormat::Png, (1, 1), "x", body).unwrap_err(), want);
        }
        assert!(matches!(
            Picture::from_untrusted(PictureFormat::Png, (2, 1), "x", png).unwrap_err(),
            PictureError::SizeMismatch { .. }
        ));
    }

    #[test]
    fn a_drawing_comes_with_its_svg() {
        let json = br##"{"width": 10, "height": 10, "bgcolor": "#ffffff", "ops": []}"##.to_vec();
        let p = Picture::from_untrusted(PictureFormat::Drawing, (10, 10), "A turtle drawing", json).unwrap();
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["mime"], "image/svg+xml");
        assert_eq!(v["drawing"]["bgcolor"], "#ffffff");
        let svg = base64::engine::general_purpose::STANDARD.decode(v["data"].as_str().unwrap()).unwrap();
        assert!(String::from_utf8(svg).unwrap().starts_with("<svg "));
    }
}
