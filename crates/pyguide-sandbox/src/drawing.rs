//! A turtle drawing, as the learner's `turtle` module sends it on the picture channel, and its
//! SVG. The program could send anything, so the drawing is a typed value with every field
//! checked (known fields only, a bounded number of ops, finite numbers within bounds, colours
//! that are `#rrggbb` or a CSS colour name); the SVG uses presentation attributes only (the
//! page's CSP forbids `style`), with the turtle's y axis pointing up.

use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// The most ops a drawing may have (a spiral of a few thousand steps fits easily; a circle is
/// at most 60 lines).
pub const MAX_OPS: usize = 10_000;
/// The most points of all `fill` ops together.
const MAX_FILL_POINTS: usize = 100_000;
/// The largest canvas side, in pixels.
pub const MAX_SIDE: u32 = 4096;
/// The farthest a coordinate may be from the centre.
const MAX_COORD: f64 = 100_000.0;
/// The widest pen, the largest dot or font, in pixels.
const MAX_SIZE: f64 = 1000.0;
/// The longest an op may take to draw, in milliseconds.
const MAX_MS: f64 = 60_000.0;
/// The most characters of one `text` op.
const MAX_TEXT_CHARS: usize = 1000;

/// A point in turtle coordinates: origin at the centre, y up.
pub type Point = [f64; 2];

/// A colour: `#rrggbb`, or a CSS colour name (letters only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Color(String);

impl TryFrom<String> for Color {
    type Error = String;
    fn try_from(s: String) -> Result<Color, String> {
        let hex = s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit());
        let name = (1..=30).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic());
        if hex || name {
            Ok(Color(s))
        } else {
            Err(format!("{s:?} is not a colour (#rrggbb or a colour name)"))
        }
    }
}

impl From<Color> for String {
    fn from(c: Color) -> String {
        c.0
    }
}

/// Where a `text` op's text sits against its point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    Left,
    Center,
    Right,
}

/// One step of a drawing, in drawing order. `ms` is how long the page takes to draw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase", deny_unknown_fields)]
pub enum Op {
    Line {
        from: Point,
        to: Point,
        color: Color,
        width: f64,
        ms: f64,
    },
    Fill {
        points: Vec<Point>,
        color: Color,
        ms: f64,
    },
    Dot {
        at: Point,
        size: f64,
        color: Color,
        ms: f64,
    },
    Text {
        at: Point,
        text: String,
        color: Color,
        size: f64,
        align: Align,
        ms: f64,
    },
    /// Where the turtle ends, and whether it is shown.
    Turtle {
        at: Point,
        heading: f64,
        visible: bool,
        ms: f64,
    },
}

/// A whole drawing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drawing {
    pub width: u32,
    pub height: u32,
    pub bgcolor: Color,
    pub ops: Vec<Op>,
}

/// Why a drawing was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DrawingError {
    #[error("not a drawing: {0}")]
    Malformed(String),
    #[error("the canvas is {0}x{1}; each side must be 1 to {MAX_SIDE}")]
    Size(u32, u32),
    #[error("{0} ops; at most {MAX_OPS}")]
    TooManyOps(usize),
    #[error("{0} fill points in all; at most {MAX_FILL_POINTS}")]
    TooManyPoints(usize),
    #[error("op {0} has a number out of bounds, or text too long")]
    OutOfBounds(usize),
}

impl Drawing {
    /// Reads a drawing sent by a program's process (its JSON), checking every field.
    pub fn from_untrusted(json: &[u8]) -> Result<Drawing, DrawingError> {
        let d: Drawing = serde_json::from_slice(json).map_err(|e| DrawingError::Malformed(e.to_string()))?;
        if !(1..=MAX_SIDE).contains(&d.width) || !(1..=MAX_SIDE).contains(&d.height) {
            return Err(DrawingError::Size(d.width, d.height));
        }
        if d.ops.len() > MAX_OPS {
            return Err(DrawingError::TooManyOps(d.ops.len()));
        }
        let points: usize =
            d.ops.iter().map(|op| if let Op::Fill { points, .. } = op { points.len() } else { 0 }).sum();
        if points > MAX_FILL_POINTS {
            return Err(DrawingError::TooManyPoints(points));
        }
        if let Some(i) = d.ops.iter().position(|op| !op.in_bounds()) {
            return Err(DrawingError::OutOfBounds(i));
        }
        Ok(d)
    }

    /// The drawing as an SVG document: the canvas centred on the origin, y up.
    pub fn to_svg(&self) -> String {
        let (w, h) = (f64::from(self.width), f64::from(self.height));
        let mut s = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="{} {} {} {}">"#,
            self.width,
            self.height,
            num(-w / 2.0),
            num(-h / 2.0),
            self.width,
            self.height
        );
        let _ = write!(
            s,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
            num(-w / 2.0),
            num(-h / 2.0),
            self.width,
            self.height,
            self.bgcolor.0
        );
        for op in &self.ops {
            op.write_svg(&mut s);
        }
        s.push_str("</svg>");
        s
    }
}

impl Op {
    fn in_bounds(&self) -> bool {
        let point = |p: &Point| p.iter().all(|c| c.is_finite() && c.abs() <= MAX_COORD);
        let size = |v: f64| v.is_finite() && (0.0..=MAX_SIZE).contains(&v);
        let ms = |v: f64| v.is_finite() && (0.0..=MAX_MS).contains(&v);
        match self {
            Op::Line { from, to, width, ms: t, .. } => point(from) && point(to) && size(*width) && ms(*t),
            Op::Fill { points, ms: t, .. } => points.iter().all(point) && ms(*t),
            Op::Dot { at, size: d, ms: t, .. } => point(at) && size(*d) && ms(*t),
            Op::Text { at, text, size: px, ms: t, .. } => {
                point(at) && size(*px) && ms(*t) && text.chars().count() <= MAX_TEXT_CHARS
            }
            Op::Turtle { at, heading, ms: t, .. } => point(at) && heading.is_finite() && ms(*t),
        }
    }

    /// Appends this op's SVG element(s) to `s` (y flipped: SVG's y points down).
    fn write_svg(&self, s: &mut String) {
        let xy = |p: &Point| (num(p[0]), num(-p[1]));
        let _ = match self {
            Op::Line { from, to, color, width, .. } => {
                let ((x1, y1), (x2, y2)) = (xy(from), xy(to));
                write!(
                    s,
                    r#"<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{}" stroke-width="{}" stroke-linecap="round"/>"#,
                    color.0,
                    num(*width)
                )
            }
            Op::Fill { points, color, .. } => {
                let pts: Vec<String> = points.iter().map(xy).map(|(x, y)| format!("{x},{y}")).collect();
                write!(s, r#"<polygon points="{}" fill="{}" stroke="none"/>"#, pts.join(" "), color.0)
            }
            Op::Dot { at, size, color, .. } => {
                let (x, y) = xy(at);
                write!(s, r#"<circle cx="{x}" cy="{y}" r="{}" fill="{}"/>"#, num(size / 2.0), color.0)
            }
            Op::Text { at, text, color, size, align, .. } => {
                let (x, y) = xy(at);
                let anchor = match align {
                    Align::Left => "start",
                    Align::Center => "middle",
                    Align::Right => "end",
                };
                write!(
                    s,
                    r#"<text x="{x}" y="{y}" fill="{}" font-size="{}" font-family="sans-serif" text-anchor="{anchor}">{}</text>"#,
                    color.0,
                    num(*size),
                    escape(text)
                )
            }
            Op::Turtle { at, heading, visible, .. } => {
                if !visible {
                    return;
                }
                // An arrowhead 10 px long pointing along the heading (degrees, anticlockwise).
                let a = heading.to_radians();
                let corner = |along: f64, across: f64| {
                    let (x, y) =
                        (at[0] + along * a.cos() - across * a.sin(), at[1] + along * a.sin() + across * a.cos());
                    format!("{},{}", num(x), num(-y))
                };
                write!(
                    s,
                    r#"<polygon points="{} {} {}" fill="black" stroke="none"/>"#,
                    corner(10.0, 0.0),
                    corner(-4.0, 5.0),
                    corner(-4.0, -5.0)
                )
            }
        };
    }
}

/// A number for an attribute: at most two decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// Text as SVG character data.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> serde_json::Value {
        json!({"width": 400, "height": 300, "bgcolor": "white", "ops": [
            {"op": "line", "from": [0, 0], "to": [100, 50], "color": "#ff0000", "width": 2, "ms": 12.5},
            {"op": "fill", "points": [[0, 0], [10, 0], [10, 10]], "color": "blue", "ms": 0},
            {"op": "dot", "at": [5, -5], "size": 8, "color": "green", "ms": 3},
            {"op": "text", "at": [0, 20], "text": "<b>hi</b> & 'you'", "color": "black", "size": 14, "align": "center", "ms": 0},
            {"op": "turtle", "at": [100, 50], "heading": 90, "visible": true, "ms": 0},
        ]})
    }

    fn parse(v: &serde_json::Value) -> Result<Drawing, DrawingError> {
        Drawing::from_untrusted(&serde_json::to_vec(v).unwrap())
    }

    #[test]
    fn a_drawing_renders_with_y_up_and_escaped_text() {
        let svg = parse(&sample()).unwrap().to_svg();
        assert!(svg.starts_with(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="-200 -150 400 300">"#
        ));
        assert!(svg.contains(r##"<line x1="0" y1="0" x2="100" y2="-50" stroke="#ff0000" stroke-width="2""##), "{svg}");
        assert!(svg.contains(r#"<polygon points="0,0 10,0 10,-10" fill="blue""#), "{svg}");
        assert!(svg.contains(r#"<circle cx="5" cy="5" r="4" fill="green"/>"#), "{svg}");
        assert!(svg.contains(">&lt;b&gt;hi&lt;/b&gt; &amp; &#39;you&#39;</text>"), "{svg}");
        assert!(svg.contains(r#"text-anchor="middle""#));
        // The turtle points up (heading 90): its tip is 10 px above its place.
        assert!(svg.contains(r#"<polygon points="100,-60 "#), "{svg}");
        assert!(!svg.contains("style"), "presentation attributes only");
    }

    #[test]
    fn a_drawing_round_trips_as_json() {
        let d = parse(&sample()).unwrap();
        assert_eq!(parse(&serde_json::to_value(&d).unwrap()).unwrap(), d);
    }

    #[test]
    fn forged_or_oversized_drawings_are_refused() {
        let mut extra = sample();
        extra["script"] = json!("alert(1)");
        let mut extra_op = sample();
        extra_op["ops"][0]["onclick"] = json!("x");
        let mut colour = sample();
        colour["ops"][0]["color"] = json!("red\" onload=\"alert(1)");
        let mut url = sample();
        url["bgcolor"] = json!("url(#x)");
        let mut far = sample();
        far["ops"][2]["at"] = json!([1e300, 0]);
        let mut nan = sample();
        nan["ops"][0]["width"] = json!(-1);
        let mut big = sample();
        big["width"] = json!(100_000);
        let mut unknown = sample();
        unknown["ops"][0]["op"] = json!("image");
        let mut many = sample();
        let line = sample()["ops"][0].clone();
        many["ops"] = json!(vec![line; MAX_OPS + 1]);
        for bad in [extra, extra_op, colour, url, far, nan, big, unknown, many, json!([1, 2]), json!("x")] {
            assert!(parse(&bad).is_err(), "{}", &bad.to_string()[..bad.to_string().len().min(200)]);
        }
        assert!(Drawing::from_untrusted(b"\xff\x00junk").is_err());
    }
}
