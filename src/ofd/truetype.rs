//! The OFD's embedded fonts as TrueType (`glyf`) fonts with a character map.
//!
//! Our faces are CFF (PostScript outlines), and their subsets stay CFF for the PDF. Many
//! OFD readers load embedded fonts with TrueType-only loaders ("postscript outlines are
//! not supported") and draw a text object's characters (`TextCode`) through the font's
//! `cmap`, which a subset for glyph-addressed PDF text does not need and does not keep.
//! So for the OFD each glyph's outline is converted: lines stay lines, every cubic
//! becomes quadratics within [`ACCURACY`] font units (kurbo's subdivision, error bound
//! by construction), points are rounded to whole units, and a `cmap` maps each character
//! the page sets to the glyph it was set with. Glyph ids stay those of the subset, so the
//! text objects' `CGTransform` holds for both kinds of reader.

use kurbo::{BezPath, CubicBez, Point as KPoint};
#[cfg(test)]
use kurbo::{ParamCurveNearest, PathEl};
use write_fonts::read::{FontRef, TableProvider};
use write_fonts::tables::cmap::Cmap;
use write_fonts::tables::glyf::{GlyfLocaBuilder, Glyph, SimpleGlyph};
use write_fonts::tables::head::Head;
use write_fonts::tables::maxp::Maxp;
use write_fonts::types::{GlyphId, Tag};
use write_fonts::{from_obj::ToOwnedTable, FontBuilder};

use crate::error::{Error, Result};
use crate::fonts::Face;

/// Largest distance, in font units, between a cubic and the quadratics that replace it,
/// before rounding to whole units (at 1000 units per em, 0.3/1000 em; with rounding the
/// outline stays within 1/1000 em).
pub const ACCURACY: f64 = 0.3;

/// Tables the converted font writes itself, or leaves out (the CFF outlines).
const REPLACED: [&[u8; 4]; 8] = [
    b"CFF ", b"CFF2", b"VORG", b"glyf", b"loca", b"maxp", b"head", b"cmap",
];

fn failed(message: impl std::fmt::Display) -> Error {
    Error::Render {
        message: format!("writing the OFD's TrueType font failed: {message}"),
    }
}

/// `subset` (an OpenType font whose glyph `i` is `face`'s glyph `original[i]`) as a
/// TrueType font, its `cmap` mapping each of `chars` to its glyph in the subset.
pub(crate) fn truetype(
    face: &Face,
    subset: &[u8],
    original: &[u16],
    chars: &[(char, u16)],
) -> Result<Vec<u8>> {
    let parsed = face.parse()?;
    let mut glyphs = GlyfLocaBuilder::new();
    let (mut max_points, mut max_contours) = (0u16, 0u16);
    for &gid in original {
        let glyph = match outline(parsed, gid) {
            Some(path) => {
                let simple = SimpleGlyph::from_bezpath(&path)
                    .map_err(|e| failed(format!("glyph {gid}: {e:?}")))?;
                let points: usize = simple.contours.iter().map(|c| c.len()).sum();
                max_points = max_points.max(u16::try_from(points).unwrap_or(u16::MAX));
                max_contours =
                    max_contours.max(u16::try_from(simple.contours.len()).unwrap_or(u16::MAX));
                Glyph::Simple(simple)
            }
            None => Glyph::Empty,
        };
        glyphs.add_glyph(&glyph).map_err(failed)?;
    }
    let (glyf, loca, format) = glyphs.build();

    let font = FontRef::new(subset).map_err(failed)?;
    let mut head: Head = font.head().map_err(failed)?.to_owned_table();
    head.index_to_loc_format = format as i16;
    let count = u16::try_from(original.len()).map_err(failed)?;
    let maxp = Maxp {
        num_glyphs: count,
        max_points: Some(max_points),
        max_contours: Some(max_contours),
        max_composite_points: Some(0),
        max_composite_contours: Some(0),
        max_zones: Some(1),
        max_twilight_points: Some(0),
        max_storage: Some(0),
        max_function_defs: Some(0),
        max_instruction_defs: Some(0),
        max_stack_elements: Some(0),
        max_size_of_instructions: Some(0),
        max_component_elements: Some(0),
        max_component_depth: Some(0),
    };
    let cmap = Cmap::from_mappings(
        chars
            .iter()
            .map(|&(c, gid)| (c, GlyphId::new(u32::from(gid)))),
    )
    .map_err(|e| failed(format!("{e:?}")))?;

    let mut builder = FontBuilder::new();
    for record in font.table_directory.table_records() {
        let tag = record.tag();
        if REPLACED.iter().any(|t| tag == Tag::new(t)) {
            continue;
        }
        if let Some(data) = font.table_data(tag) {
            builder.add_raw(tag, data.as_bytes().to_vec());
        }
    }
    builder.add_table(&head).map_err(failed)?;
    builder.add_table(&maxp).map_err(failed)?;
    builder.add_table(&cmap).map_err(failed)?;
    builder.add_table(&glyf).map_err(failed)?;
    builder.add_table(&loca).map_err(failed)?;
    Ok(builder.build())
}

/// A glyph's outline in font units with every cubic made quadratics; `None` for a glyph
/// without one (a space).
fn outline(face: &ttf_parser::Face<'_>, gid: u16) -> Option<BezPath> {
    let mut sink = Quadratic {
        path: BezPath::new(),
        last: KPoint::ZERO,
    };
    face.outline_glyph(ttf_parser::GlyphId(gid), &mut sink)?;
    (!sink.path.elements().is_empty()).then_some(sink.path)
}

/// Builds a path of lines and quadratics from a glyph's outline.
struct Quadratic {
    path: BezPath,
    last: KPoint,
}

fn point(x: f32, y: f32) -> KPoint {
    KPoint::new(f64::from(x), f64::from(y))
}

impl ttf_parser::OutlineBuilder for Quadratic {
    fn move_to(&mut self, x: f32, y: f32) {
        self.last = point(x, y);
        self.path.move_to(self.last);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        self.last = point(x, y);
        self.path.line_to(self.last);
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.last = point(x, y);
        self.path.quad_to(point(x1, y1), self.last);
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let cubic = CubicBez::new(self.last, point(x1, y1), point(x2, y2), point(x, y));
        for (_, _, quad) in cubic.to_quads(ACCURACY) {
            self.path.quad_to(quad.p1, quad.p2);
        }
        self.last = point(x, y);
    }

    fn close(&mut self) {
        self.path.close_path();
    }
}

/// The largest distance from points along `face`'s outline of `gid` to the outline of
/// glyph `new_gid` in `converted`, in font units: how far the conversion moved it.
#[cfg(test)]
pub(crate) fn deviation(
    face: &ttf_parser::Face<'_>,
    gid: u16,
    converted: &[u8],
    new_gid: u16,
) -> f64 {
    let theirs = ttf_parser::Face::parse(converted, 0).expect("the converted font parses");
    // Each contour as a polyline, so that no segment joins two contours.
    let flatten = |f: &ttf_parser::Face<'_>, g: u16| -> Vec<Vec<KPoint>> {
        let mut sink = Cubic(BezPath::new());
        f.outline_glyph(ttf_parser::GlyphId(g), &mut sink);
        let mut contours: Vec<Vec<KPoint>> = Vec::new();
        kurbo::flatten(sink.0.iter(), 0.01, |el| match el {
            PathEl::MoveTo(p) => contours.push(vec![p]),
            PathEl::LineTo(p) => {
                if let Some(c) = contours.last_mut() {
                    c.push(p);
                }
            }
            PathEl::ClosePath => {
                if let Some(c) = contours.last_mut() {
                    let first = c[0];
                    c.push(first);
                }
            }
            _ => {}
        });
        contours
    };
    let ours = flatten(face, gid);
    let converted = flatten(&theirs, new_gid);
    assert_eq!(
        ours.len(),
        converted.len(),
        "glyph {gid}: the contours are kept"
    );
    ours.iter()
        .flatten()
        .map(|p| {
            converted
                .iter()
                .flat_map(|c| c.windows(2))
                .map(|w| {
                    kurbo::Line::new(w[0], w[1])
                        .nearest(*p, 1e-9)
                        .distance_sq
                        .sqrt()
                })
                .fold(f64::INFINITY, f64::min)
        })
        .fold(0.0, f64::max)
}

/// Keeps an outline as it is, cubics and all.
#[cfg(test)]
struct Cubic(BezPath);

#[cfg(test)]
impl ttf_parser::OutlineBuilder for Cubic {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(point(x, y));
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(point(x, y));
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.quad_to(point(x1, y1), point(x, y));
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.curve_to(point(x1, y1), point(x2, y2), point(x, y));
    }
    fn close(&mut self) {
        self.0.close_path();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cff_glyphs_become_truetype_within_a_thousandth_of_an_em() {
        let template = crate::Template::load("specs/liuzhou/licence.ron").unwrap();
        let fonts = template.fonts();
        for family in ["大标宋", "黑体", "宋体"] {
            let id = fonts.family(family).unwrap().faces[0];
            let face = fonts.face(id);
            let parsed = face.parse().unwrap();
            assert!(
                parsed.tables().cff.is_some(),
                "{family}: the test needs a CFF face"
            );
            let text = "行业综合许可证经营者名称（负责人）〔2022〕0001号 ABCxyz";
            let mut remapper = subsetter::GlyphRemapper::new();
            let mut chars = Vec::new();
            for c in text.chars() {
                let Some(gid) = parsed.glyph_index(c) else {
                    continue;
                };
                let new = remapper.remap(gid.0);
                if !chars.iter().any(|&(seen, _)| seen == c) {
                    chars.push((c, new));
                }
            }
            let original: Vec<u16> = remapper.remapped_gids().collect();
            let subset = face.subset(&remapper).unwrap();
            let font = truetype(face, &subset, &original, &chars).unwrap();
            let converted = ttf_parser::Face::parse(&font, 0).unwrap();
            assert!(converted.tables().glyf.is_some(), "{family}: glyf");
            assert!(converted.tables().cff.is_none(), "{family}: no CFF left");
            assert_eq!(converted.number_of_glyphs() as usize, original.len());
            let em = f64::from(parsed.units_per_em());
            for &(c, new) in &chars {
                // The character map leads to the glyph the page set.
                assert_eq!(
                    converted.glyph_index(c).map(|g| g.0),
                    Some(new),
                    "{family} {c}"
                );
                let old = original[usize::from(new)];
                let off = deviation(parsed, old, &font, new) / em * 1000.0;
                assert!(off <= 1.0, "{family} {c}: {off:.3}/1000 em off");
            }
        }
    }
}
