//! Text shaping: characters to glyphs along a family's fallback chain.
//!
//! CJK certificate text needs no contextual shaping: one character is one glyph at its
//! horizontal advance. Each character is set in the first face of the chain that maps it;
//! a character no face maps is an error, never a box on the licence.


use crate::display::{GlyphRun, PlacedGlyph};
use crate::error::{Error, Result};
use crate::fonts::{FaceId, FontBook};
use crate::units::{Mm, Pt};

/// A character with the glyph that sets it.
#[derive(Debug, Clone, Copy)]
pub struct ShapedChar {
    /// The character.
    pub ch: char,
    /// The face that has it.
    pub face: FaceId,
    /// Its glyph in that face.
    pub glyph: u16,
    /// Horizontal advance as a fraction of the em.
    pub advance_em: f64,
}

/// A shaped line of text, independent of size.
#[derive(Debug, Clone)]
pub struct ShapedText {
    /// The characters.
    pub chars: Vec<ShapedChar>,
    /// The family's first face: its em box places the text vertically.
    pub primary: FaceId,
}

/// Shapes texts against a [`FontBook`] (whose faces are parsed once, when read).
pub struct Shaper<'a> {
    book: &'a FontBook,
}

impl<'a> Shaper<'a> {
    /// A shaper over `book`.
    pub fn new(book: &'a FontBook) -> Self {
        Shaper { book }
    }

    /// The parsed face (parsed once, when the book read it).
    pub(crate) fn face(&self, id: FaceId) -> Result<&'a ttf_parser::Face<'a>> {
        self.book.face(id).parse()
    }

    /// Shapes `text` in `family`. `what` names the text in errors.
    pub fn shape(&self, family: &str, text: &str, what: &str) -> Result<ShapedText> {
        let chain = self.book.family(family).ok_or_else(|| Error::Font {
            what: format!("family `{family}`"),
            message: "not loaded".into(),
        })?;
        let mut chars = Vec::with_capacity(text.len());
        for ch in text.chars() {
            if ch == '\n' {
                // A forced line break (a list joined with "\n"): no glyph, no width; the
                // line breaker ends the line there and placing skips it.
                chars.push(ShapedChar {
                    ch,
                    face: chain.faces[0],
                    glyph: 0,
                    advance_em: 0.0,
                });
                continue;
            }
            // Down the chain: a fallback face is read and parsed only when a character
            // reaches it.
            let mut found = None;
            for &id in &chain.faces {
                let face = self.face(id)?;
                let Some(glyph) = face.glyph_index(ch).filter(|g| g.0 != 0) else {
                    continue;
                };
                if let Some(advance) = face.glyph_hor_advance(glyph) {
                    found = Some(ShapedChar {
                        ch,
                        face: id,
                        glyph: glyph.0,
                        advance_em: f64::from(advance) / f64::from(face.units_per_em()),
                    });
                    break;
                }
            }
            chars.push(found.ok_or_else(|| Error::MissingGlyph {
                element: what.to_owned(),
                field: None,
                character: ch,
                family: family.to_owned(),
            })?);
        }
        Ok(ShapedText {
            chars,
            primary: chain.faces[0],
        })
    }
}

/// Shapes `text` in `family` (parsing the chain's faces for this one text; a layout uses
/// a [`Shaper`]). `what` names the text in errors. For tests of the line breaker.
#[cfg(test)]
pub fn shape(book: &FontBook, family: &str, text: &str, what: &str) -> Result<ShapedText> {
    Shaper::new(book).shape(family, text, what)
}

impl ShapedText {
    /// Width of `chars[range]` at `size` with `tracking` between characters.
    pub fn width(&self, range: std::ops::Range<usize>, size: Pt, tracking: Pt) -> Mm {
        let slice = &self.chars[range];
        let advances: f64 = slice.iter().map(|c| c.advance_em).sum();
        let gaps = slice.len().saturating_sub(1) as f64;
        (size * advances).to_mm() + tracking.to_mm() * gaps
    }

    /// Places `chars[range]` from pen position `x` on `baseline`, `gap` between glyphs
    /// (beyond their advances), one run per face.
    pub fn place(
        &self,
        range: std::ops::Range<usize>,
        x: Mm,
        baseline: Mm,
        size: Pt,
        gap: Mm,
        visible: bool,
    ) -> Vec<GlyphRun> {
        let mut pens = Vec::with_capacity(range.len());
        let mut pen = x;
        for c in &self.chars[range.clone()] {
            pens.push(pen);
            if c.ch != '\n' {
                pen += (size * c.advance_em).to_mm() + gap;
            }
        }
        self.place_at(range, &pens, baseline, size, visible)
    }

    /// Places `chars[range]` with each pen position given (`pens`, one per character),
    /// on `baseline`, one run per face.
    pub fn place_at(
        &self,
        range: std::ops::Range<usize>,
        pens: &[Mm],
        baseline: Mm,
        size: Pt,
        visible: bool,
    ) -> Vec<GlyphRun> {
        let mut runs: Vec<GlyphRun> = Vec::new();
        let chars = &self.chars[range];
        for (i, (c, &pen)) in chars.iter().zip(pens).enumerate() {
            if c.ch == '\n' {
                continue;
            }
            let glyph = PlacedGlyph {
                id: c.glyph,
                x: pen,
                advance: (size * c.advance_em).to_mm(),
                text: c.ch,
            };
            match runs.last_mut() {
                Some(run) if run.face == c.face => run.glyphs.push(glyph),
                _ => {
                    // A line is mostly one run: room for the rest of it, not a vector
                    // grown glyph by glyph.
                    let mut glyphs = Vec::with_capacity(chars.len().min(pens.len()) - i);
                    glyphs.push(glyph);
                    runs.push(GlyphRun {
                        face: c.face,
                        size,
                        baseline,
                        glyphs,
                        visible,
                    });
                }
            }
        }
        runs
    }

    /// The faces used, in order of first use.
    pub fn faces_used(&self) -> Vec<FaceId> {
        let mut faces = Vec::new();
        for c in &self.chars {
            if !faces.contains(&c.face) {
                faces.push(c.face);
            }
        }
        faces
    }
}
