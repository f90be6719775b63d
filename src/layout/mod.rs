//! The layout solver: a spec and a bound record → a [`Page`] and a report of where every
//! element landed.
//!
//! Text is positioned as the Liuzhou specification measures it: `at` is the left edge of
//! the first character's em box and the top of the ideographic em box. Contents follow
//! their labels on the label's baseline; distributed text puts its last advance edge on
//! the span's end; fitted contents never leave their box or go under their floor size.

mod artwork;
pub(crate) mod fit;
pub(crate) mod guilloche;
pub(crate) mod linebreak;
mod picture;
pub(crate) mod punctuation;
pub(crate) mod qr;
mod svg;

/// SVG artwork scaled to fit `area` (aspect kept, centred), as paths: what an `Svg`
/// element draws, for those who draw artwork outside a page (a seal's picture).
pub(crate) fn svg_paths(asset: &crate::assets::SvgAsset, area: crate::units::Rect) -> Vec<Path> {
    svg::place(asset, area)
}

#[cfg(test)]
mod tests;
pub(crate) mod text;

use std::collections::BTreeMap;

use crate::display::{InkId, InkKind, Item, Lines, Page, PageInk, Path, PlacedImage, Shape};
use crate::error::{Error, Result};
use crate::fonts::FontBook;
use crate::record::BoundRecord;
use crate::spec::{
    Align, Cmyk, Content, Element, ElementInks, FieldElement, GuillocheElement, ImageElement,
    ImageFit, Ink, Label, LoadedSpec, Pass, QrElement, ShapeElement, Span, StrokeAlign, SvgElement,
    TextElement, TextStyle, VerticalText,
};
use crate::units::{Mm, Point, Pt, Rect};
use text::ShapedText;

/// A laid-out certificate.
#[derive(Debug, Clone)]
pub struct Layout {
    /// What the back ends draw.
    pub page: Page,
    /// Where each element landed.
    pub report: Vec<Placement>,
}

/// Which part of an element a [`Placement`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Part {
    /// A fixed text.
    Text,
    /// A field's label.
    Label,
    /// A field's content.
    Content,
    /// A rectangle or ellipse.
    Shape,
    /// A QR symbol.
    Qr,
}

/// Where one part of an element landed, against where the spec puts it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Placement {
    /// Element id.
    pub element: String,
    /// Which part.
    pub part: Part,
    /// Production pass.
    pub pass: Pass,
    /// The position the spec gives (top-left), if it gives one for this part.
    pub expected: Option<Point>,
    /// The laid-out box: em boxes for text, the outline for shapes, the modules for QR.
    pub laid_out: Rect,
    /// The box a fitted content had to stay in.
    pub area: Option<Rect>,
    /// Where a text's glyphs put ink: the union of their outlines' bounding boxes. What
    /// QA measures a content's start against.
    pub ink: Option<Rect>,
    /// Faces that set the text, by name.
    pub faces: Vec<String>,
    /// Whether a stand-in or fallback face set any of the text.
    pub substituted: bool,
    /// Type size used.
    pub size: Option<Pt>,
    /// Lines used.
    pub lines: Option<usize>,
}

impl Placement {
    /// The placement of a shape, an asset or a pattern: a box, no text.
    fn shape(element: &str, pass: Pass, expected: Option<Point>, laid_out: Rect) -> Self {
        Self {
            element: element.to_owned(),
            part: Part::Shape,
            pass,
            expected,
            laid_out,
            area: None,
            ink: None,
            faces: Vec::new(),
            substituted: false,
            size: None,
            lines: None,
        }
    }

    /// The largest distance, along either axis, between the spec's position and the
    /// laid-out top-left corner.
    pub fn deviation(&self) -> Option<Mm> {
        let at = self.expected?;
        Some(
            (self.laid_out.left() - at.x)
                .abs()
                .max((self.laid_out.top() - at.y).abs()),
        )
    }
}

/// What laying out a spec's licences needs that no record changes, made once per spec:
/// the guilloche geometry and the QR mask tables. A [`crate::Template`] keeps one.
#[derive(Debug)]
pub struct Prepared {
    /// Guilloche patterns by element id.
    artwork: BTreeMap<String, Vec<Lines>>,
    qr_masks: qr::MaskOverlays,
}

impl Prepared {
    /// Generates `spec`'s guilloche patterns; a pattern too dense to generate is refused
    /// with the element's line.
    pub fn new(spec: &LoadedSpec) -> Result<Self> {
        let mut artwork = BTreeMap::new();
        for element in &spec.spec.elements {
            if let Element::Guilloche(g) = element {
                let holes = guilloche::holes(&spec.spec, g);
                let lines =
                    guilloche::generate(g, &holes).map_err(|message| Error::SpecInvalid {
                        at: spec.locate(&g.id),
                        element: Some(g.id.clone()),
                        message,
                        hint: None,
                    })?;
                artwork.insert(g.id.clone(), lines);
            }
        }
        Ok(Self {
            artwork,
            qr_masks: qr::MaskOverlays::default(),
        })
    }
}

/// Lays out `record` on `spec`'s page, with what `prepared` made of the spec.
pub fn layout(
    spec: &LoadedSpec,
    fonts: &FontBook,
    prepared: &Prepared,
    record: &BoundRecord,
) -> Result<Layout> {
    let mut solver = Solver::new(spec, fonts, prepared, record);
    for (index, element) in spec.spec.elements.iter().enumerate() {
        let first = solver.items.len();
        solver.element_inks = spec.inks_of(index);
        match element {
            Element::Text(e) => solver.text(e)?,
            Element::Field(e) => solver.field(e)?,
            Element::Rect(e) => solver.shape(e, false)?,
            Element::Ellipse(e) => solver.shape(e, true)?,
            Element::Qr(e) => solver.qr(e)?,
            Element::Svg(e) => solver.svg(e)?,
            Element::Image(e) => solver.image(e)?,
            Element::Vertical(e) => solver.vertical(e)?,
            Element::Guilloche(e) => solver.guilloche(e)?,
        }
        // What the record cannot change: every licence of the spec paints these alike.
        let fixed = element.record_keys().is_empty();
        for item in &mut solver.items[first..] {
            item.fixed = fixed;
        }
    }
    Ok(Layout {
        page: Page {
            size: spec.spec.page,
            inks: solver.inks,
            items: solver.items,
            marks: spec.spec.marks,
        },
        report: solver.report,
    })
}

struct Solver<'a> {
    spec: &'a LoadedSpec,
    fonts: &'a FontBook,
    prepared: &'a Prepared,
    shaper: text::Shaper<'a>,
    record: &'a BoundRecord,
    inks: Vec<PageInk>,
    /// The resolved inks of the element being laid out.
    element_inks: ElementInks,
    items: Vec<Item>,
    report: Vec<Placement>,
}

/// A single line of text placed on the page.
struct SetLine {
    runs: Vec<crate::display::GlyphRun>,
    bounds: Rect,
    baseline: Mm,
}

impl<'a> Solver<'a> {
    fn new(
        spec: &'a LoadedSpec,
        fonts: &'a FontBook,
        prepared: &'a Prepared,
        record: &'a BoundRecord,
    ) -> Self {
        // In key order: the order spec loading resolved ink references to.
        let mut inks = Vec::new();
        for (key, ink) in &spec.spec.inks {
            let kind = match ink {
                Ink::Process { c, m, y, k } => InkKind::Process(Cmyk {
                    c: *c,
                    m: *m,
                    y: *y,
                    k: *k,
                }),
                Ink::Spot {
                    name,
                    proof,
                    overprint,
                    invisible,
                } => InkKind::Spot {
                    name: name.clone(),
                    proof: *proof,
                    overprint: *overprint,
                    invisible: *invisible,
                },
            };
            inks.push(PageInk {
                key: key.clone(),
                kind,
            });
        }
        Solver {
            spec,
            fonts,
            prepared,
            shaper: text::Shaper::new(fonts),
            record,
            inks,
            element_inks: ElementInks {
                ink: InkId(0),
                fill: None,
                stroke: None,
            },
            items: Vec::new(),
            report: Vec::new(),
        }
    }

    fn em_top(&self, shaped: &ShapedText) -> Result<f64> {
        Ok(self.fonts.face(shaped.primary).metrics()?.em_top)
    }

    fn face_report(&self, shaped: &ShapedText) -> Result<(Vec<String>, bool)> {
        let used = shaped.faces_used();
        let substituted = used
            .iter()
            .any(|&id| id != shaped.primary || self.fonts.face(id).stand_in);
        let names = used
            .iter()
            .map(|&id| self.fonts.face(id).name().map(str::to_owned))
            .collect::<Result<_>>()?;
        Ok((names, substituted))
    }

    /// Sets one line at `at` (em-box top-left) with `align`.
    fn set_line(
        &self,
        id: &str,
        text: &str,
        at: Point,
        style: &TextStyle,
        align: &Align,
    ) -> Result<(SetLine, ShapedText)> {
        let shaped = self
            .shaper
            .shape(&style.font, text, &format!("element `{id}`"))?;
        let size = style.size.pt();
        let n = shaped.chars.len();
        let natural = shaped.width(0..n, size, Pt::ZERO);
        let gap = match align {
            Align::Start => style.tracking.to_mm(),
            Align::Distribute(span) => {
                let width = self.span_width(id, span, 0)?;
                if width < natural {
                    return Err(self.spec_error(
                        id,
                        format!("the text is {natural} wide, wider than the {width} it is distributed over"),
                    ));
                }
                if n > 1 {
                    (width - natural) / (n - 1) as f64
                } else {
                    Mm::ZERO
                }
            }
        };
        let em = size.to_mm();
        let baseline = at.y + em * self.em_top(&shaped)?;
        let runs = shaped.place(0..n, at.x, baseline, size, gap, true);
        let width = natural + gap * n.saturating_sub(1) as f64;
        let bounds = Rect::from_ltrb(at.x, at.y, at.x + width, at.y + em)
            .ok_or_else(|| self.spec_error(id, "the text has no finite extent".into()))?;
        Ok((
            SetLine {
                runs,
                bounds,
                baseline,
            },
            shaped,
        ))
    }

    /// The width a distributed text spans.
    fn span_width(&self, id: &str, span: &Span, depth: usize) -> Result<Mm> {
        let start = self.element_start(id);
        match span {
            Span::To(end) => Ok(*end - start),
            Span::LabelOf(other) => {
                if depth > 8 {
                    return Err(self.spec_error(id, "`LabelOf` references form a cycle".into()));
                }
                let label = self.label_of(other).ok_or_else(|| {
                    self.spec_error(id, format!("`LabelOf({other:?})` names no field element"))
                })?;
                match &label.align {
                    Align::Distribute(inner) => self.span_width(other, inner, depth + 1),
                    Align::Start => {
                        let shaped = self.shaper.shape(&label.style.font, &label.text, other)?;
                        Ok(shaped.width(
                            0..shaped.chars.len(),
                            label.style.size.pt(),
                            label.style.tracking,
                        ))
                    }
                }
            }
        }
    }

    fn label_of(&self, id: &str) -> Option<&'a Label> {
        match self.spec.element(id)? {
            Element::Field(f) => Some(&f.label),
            _ => None,
        }
    }

    /// Where a text or a field's label starts.
    fn element_start(&self, id: &str) -> Mm {
        match self.spec.element(id) {
            Some(Element::Field(f)) => f.label.at.x,
            Some(Element::Text(t)) => t.at.x,
            _ => Mm::ZERO,
        }
    }

    fn spec_error(&self, id: &str, message: String) -> Error {
        Error::SpecInvalid {
            at: self.spec.locate(id),
            element: Some(id.to_owned()),
            message,
            hint: None,
        }
    }

    /// Where the glyphs of `runs` put ink: the union of their outlines' bounding boxes
    /// (each glyph's box worked out once per template, kept by its face). `None` for runs
    /// without ink.
    fn ink_box(&self, runs: &[crate::display::GlyphRun]) -> Result<Option<Rect>> {
        let mut inked: Option<Rect> = None;
        for run in runs {
            let parsed = self.shaper.face(run.face)?;
            let face = self.fonts.face(run.face);
            let scale = run.size.to_mm() / face.metrics()?.units_per_em;
            for glyph in &run.glyphs {
                let Some(b) = face.ink_box(parsed, glyph.id) else {
                    continue;
                };
                let glyph_box = Rect::from_ltrb(
                    glyph.x + scale * f64::from(b.x_min),
                    run.baseline - scale * f64::from(b.y_max),
                    glyph.x + scale * f64::from(b.x_max),
                    run.baseline - scale * f64::from(b.y_min),
                );
                if let Some(g) = glyph_box {
                    inked = Some(inked.map_or(g, |i| i.union(&g)));
                }
            }
        }
        Ok(inked)
    }

    fn push_runs(&mut self, id: &str, pass: Pass, ink: InkId, runs: Vec<crate::display::GlyphRun>) {
        self.items.extend(runs.into_iter().map(|run| Item {
            element: id.to_owned(),
            fixed: false,
            pass,
            ink,
            shape: Shape::Text(run),
        }));
    }

    fn text(&mut self, e: &TextElement) -> Result<()> {
        let (line, shaped) = self.set_line(&e.id, &e.text, e.at, &e.style, &e.align)?;
        let (faces, substituted) = self.face_report(&shaped)?;
        self.report.push(Placement {
            element: e.id.clone(),
            part: Part::Text,
            pass: e.pass,
            expected: Some(e.at),
            laid_out: line.bounds,
            area: None,
            ink: self.ink_box(&line.runs)?,
            faces,
            substituted,
            size: Some(e.style.size.pt()),
            lines: Some(1),
        });
        let ink = self.element_inks.ink;
        self.push_runs(&e.id, e.pass, ink, line.runs);
        Ok(())
    }

    /// A column of upright characters: each centred on the column's axis, one em (plus
    /// tracking, or the distributed gap) below the last.
    fn vertical(&mut self, e: &VerticalText) -> Result<()> {
        let text = match (&e.text, &e.key) {
            (Some(text), _) => text.clone(),
            (None, Some(key)) => match self.record.get(key) {
                Some(value) => value.display("", Default::default()),
                None => return Ok(()),
            },
            (None, None) => return Ok(()),
        };
        let what = match &e.key {
            Some(key) => format!("record {}, field `{key}`", self.record.name),
            None => format!("element `{}`", e.id),
        };
        if let Some(c) = text.chars().find(|&c| needs_vertical_form(c)) {
            return Err(self.spec_error(
                &e.id,
                format!(
                    "{what}: {c:?} (U+{:04X}) cannot be set upright in a vertical column (punctuation needs vertical forms certpress does not apply); leave it out of vertical text",
                    c as u32
                ),
            ));
        }
        let shaped = self
            .shaper
            .shape(&e.style.font, &text, &what)
            .map_err(|err| match &e.key {
                Some(key) => err.in_field(key),
                None => err,
            })?;
        let n = shaped.chars.len();
        let size = e.style.size.pt();
        let em = size.to_mm();
        let step = match e.length {
            Some(length) if n > 1 => {
                if length < em * n as f64 {
                    return Err(self.spec_error(
                        &e.id,
                        format!(
                            "{what}: {n} characters need {} but the length is {length}",
                            em * n as f64
                        ),
                    ));
                }
                (length - em) / (n - 1) as f64
            }
            _ => em + e.style.tracking.to_mm(),
        };
        let em_top = self.em_top(&shaped)?;
        let mut runs = Vec::with_capacity(n);
        for i in 0..n {
            let advance = (size * shaped.chars[i].advance_em).to_mm();
            let x = e.at.x + (em - advance) / 2.0;
            let baseline = e.at.y + step * i as f64 + em * em_top;
            runs.extend(shaped.place(i..i + 1, x, baseline, size, Mm::ZERO, true));
        }
        let height = if n == 0 {
            Mm::ZERO
        } else {
            step * (n - 1) as f64 + em
        };
        let bounds = Rect::from_ltrb(e.at.x, e.at.y, e.at.x + em, e.at.y + height)
            .ok_or_else(|| self.spec_error(&e.id, "the text has no finite extent".into()))?;
        let page = self.spec.spec.page;
        if bounds.bottom() > page.height {
            return Err(self.spec_error(
                &e.id,
                format!(
                    "{what}: the column runs to {}, past the page's {} height",
                    bounds.bottom(),
                    page.height
                ),
            ));
        }
        let (faces, substituted) = self.face_report(&shaped)?;
        self.report.push(Placement {
            element: e.id.clone(),
            part: if e.key.is_some() {
                Part::Content
            } else {
                Part::Text
            },
            pass: e.pass,
            expected: Some(e.at),
            laid_out: bounds,
            area: None,
            ink: self.ink_box(&runs)?,
            faces,
            substituted,
            size: Some(size),
            lines: Some(n),
        });
        let ink = self.element_inks.ink;
        self.push_runs(&e.id, e.pass, ink, runs);
        Ok(())
    }

    fn field(&mut self, e: &FieldElement) -> Result<()> {
        let label = &e.label;
        let (line, shaped) =
            self.set_line(&e.id, &label.text, label.at, &label.style, &label.align)?;
        let (faces, substituted) = self.face_report(&shaped)?;
        self.report.push(Placement {
            element: e.id.clone(),
            part: Part::Label,
            pass: e.pass,
            expected: Some(label.at),
            laid_out: line.bounds,
            area: None,
            ink: self.ink_box(&line.runs)?,
            faces,
            substituted,
            size: Some(label.style.size.pt()),
            lines: Some(1),
        });
        let ink = self.element_inks.ink;
        let label_bounds = line.bounds;
        let baseline = line.baseline;
        self.push_runs(&e.id, e.pass, ink, line.runs);
        if let Some(content) = &e.content {
            self.content(e, content, label_bounds, baseline, ink)?;
        }
        Ok(())
    }

    fn content(
        &mut self,
        e: &FieldElement,
        content: &Content,
        label: Rect,
        baseline: Mm,
        ink: InkId,
    ) -> Result<()> {
        let Some(value) = self.record.get(&content.key) else {
            return Ok(());
        };
        let string = value.display(&content.join, content.date_style);
        if string.is_empty() {
            return Ok(());
        }
        let what = self.field_place(&content.key);
        let shaped = self
            .shaper
            .shape(&content.style.font, &string, &what)
            .map_err(|err| err.in_field(&content.key))?;
        let (area_rect, area, em_top) = self.content_area(e, content, &shaped, label, baseline)?;
        let left = area_rect.left();
        let setting = fit::Setting {
            tracking: content.style.tracking,
            line_height: content.style.line_height,
            em_top,
        };
        let stages = fit::stages(&content.fit, content.style.size.pt());
        // Compressed punctuation and justified lines (clreq), when the spec asks for them;
        // otherwise every character at its advance, as before.
        let typeset = (content.punctuation == punctuation::Punctuation::Compressed
            || content.justify)
            .then(|| {
                let chars = shaped.chars.iter().map(|c| (c.ch, c.advance_em)).collect();
                let units = linebreak::units(&shaped);
                punctuation::Typeset::new(chars, &units, content.punctuation, content.justify)
            });
        let Some(fitted) = fit::fit_set(&shaped, setting, area, &stages, typeset.as_ref()) else {
            let floor = stages
                .iter()
                .map(|s| s.min)
                .fold(content.style.size.pt(), Pt::min);
            return Err(Error::Overflow {
                element: what,
                field: Some(content.key.clone()),
                chars: shaped.chars.len(),
                area: format!("its box ({area_rect})"),
                needed: fit::needed(&shaped, setting, area, floor),
            });
        };
        let em = fitted.size.to_mm();
        let pitch = em * content.style.line_height;
        let mut bounds: Option<Rect> = None;
        let mut inked: Option<Rect> = None;
        for (i, range) in fitted.lines.iter().enumerate() {
            let line_baseline = baseline + pitch * i as f64;
            let (runs, width) = match &typeset {
                Some(typeset) => {
                    // Every line but a paragraph's last (the text's, or one a forced
                    // break ends) is set to both edges of the box.
                    let last = i + 1 == fitted.lines.len()
                        || shaped.chars.get(range.end).is_some_and(|c| c.ch == '\n');
                    // A paragraph's last line stays ragged, unless the line breaker let it
                    // in tight: then its marks give what it needs.
                    let tight = typeset.width(range.clone(), fitted.size, content.style.tracking)
                        > area.width;
                    let fill = (typeset.justify && (!last || tight)).then_some(area.width);
                    let line =
                        typeset.set(range.clone(), fitted.size, content.style.tracking, fill);
                    let pens: Vec<Mm> = line.pens.iter().map(|&p| left + p).collect();
                    (
                        shaped.place_at(range.clone(), &pens, line_baseline, fitted.size, true),
                        line.width,
                    )
                }
                None => (
                    shaped.place(
                        range.clone(),
                        left,
                        line_baseline,
                        fitted.size,
                        content.style.tracking.to_mm(),
                        true,
                    ),
                    shaped.width(range.clone(), fitted.size, content.style.tracking),
                ),
            };
            let top = line_baseline - em * setting.em_top;
            if let Some(line_box) = Rect::from_ltrb(left, top, left + width, top + em) {
                bounds = Some(bounds.map_or(line_box, |b| b.union(&line_box)));
            }
            if let Some(line_ink) = self.ink_box(&runs)? {
                inked = Some(inked.map_or(line_ink, |b| b.union(&line_ink)));
            }
            self.push_runs(&e.id, e.pass, ink, runs);
        }
        let (faces, substituted) = self.face_report(&shaped)?;
        self.report.push(Placement {
            element: e.id.clone(),
            part: Part::Content,
            pass: e.pass,
            expected: None,
            laid_out: bounds.unwrap_or(area_rect),
            area: Some(area_rect),
            ink: inked,
            faces,
            substituted,
            size: Some(fitted.size),
            lines: Some(fitted.lines.len()),
        });
        Ok(())
    }

    /// A record field as messages name it: the record, the key and the field's name.
    fn field_place(&self, key: &str) -> String {
        let field_name = self
            .spec
            .spec
            .fields
            .get(key)
            .map_or("", |f| f.name.as_str());
        format!("record {}, field `{key}` ({field_name})", self.record.name)
    }

    /// A content's box: from its label's right plus the gap to its `right`, spanning the
    /// label's em box and the content's own at its nominal size on the same baseline (a
    /// content set larger than its label may rise above the label), down to its `bottom`.
    fn content_area(
        &self,
        e: &FieldElement,
        content: &Content,
        shaped: &ShapedText,
        label: Rect,
        baseline: Mm,
    ) -> Result<(Rect, fit::Area, f64)> {
        let left = label.right() + content.gap;
        let em_top = self.em_top(shaped)?;
        let nominal = content.style.size.pt().to_mm();
        let top = label.top().min(baseline - nominal * em_top);
        let bottom = content
            .bottom
            .unwrap_or_else(|| label.bottom().max(baseline + nominal * (1.0 - em_top)));
        let area_rect = Rect::from_ltrb(left, top, content.right, bottom).ok_or_else(|| {
            self.spec_error(&e.id, format!("the content box of `{}` is empty: it starts at {left}, right of its right edge {}", e.id, content.right))
        })?;
        let area = fit::Area {
            width: area_rect.width(),
            top,
            bottom,
            baseline,
        };
        Ok((area_rect, area, em_top))
    }

    fn qr(&mut self, e: &QrElement) -> Result<()> {
        let data = qr::payload(e, &self.spec.spec, self.record);
        let symbol = qr::symbol(e, &data, self.spec.spec.tolerance, &self.prepared.qr_masks)?;
        let side = symbol.side();
        let laid_out = Rect::from_ltrb(
            symbol.origin.x,
            symbol.origin.y,
            symbol.origin.x + side,
            symbol.origin.y + side,
        )
        .ok_or_else(|| self.spec_error(&e.id, "the QR symbol has no finite extent".into()))?;
        let ink = self.element_inks.ink;
        if let Some(family) = &e.text_layer_font {
            self.qr_text_layer(e, family, &data, laid_out, ink)?;
        }
        self.items.push(Item {
            element: e.id.clone(),
            fixed: false,
            pass: e.pass,
            ink,
            shape: Shape::Qr(symbol),
        });
        self.report.push(Placement {
            element: e.id.clone(),
            part: Part::Qr,
            pass: e.pass,
            expected: Some(e.at),
            laid_out,
            area: Some(
                Rect::from_ltrb(e.at.x, e.at.y, e.at.x + e.size, e.at.y + e.size)
                    .unwrap_or(laid_out),
            ),
            ink: None,
            faces: Vec::new(),
            substituted: false,
            size: None,
            lines: None,
        });
        Ok(())
    }

    /// The payload as invisible text over the symbol, one payload line per text line,
    /// sized so the longest line spans the symbol: an electronic copy can be searched and
    /// copied for the licence number or the authority. It paints nothing.
    fn qr_text_layer(
        &mut self,
        e: &QrElement,
        family: &str,
        data: &str,
        area: Rect,
        ink: InkId,
    ) -> Result<()> {
        let what = format!("record {}, QR text layer of `{}`", self.record.name, e.id);
        let lines: Vec<ShapedText> = data
            .lines()
            .filter(|l| !l.is_empty())
            .map(|line| self.shaper.shape(family, line, &what))
            .collect::<Result<_>>()?;
        let widest_em = lines
            .iter()
            .map(|l| l.chars.iter().map(|c| c.advance_em).sum::<f64>())
            .fold(1.0, f64::max);
        let pitch = area.height() / lines.len().max(1) as f64;
        let size = pitch.to_pt().min((area.width() / widest_em).to_pt());
        for (i, shaped) in lines.iter().enumerate() {
            let baseline = area.top() + pitch * (i as f64 + 0.8);
            let runs = shaped.place(
                0..shaped.chars.len(),
                area.left(),
                baseline,
                size,
                Mm::ZERO,
                false,
            );
            self.push_runs(&e.id, e.pass, ink, runs);
        }
        Ok(())
    }
}

/// Punctuation and brackets, whose upright forms are wrong in a vertical column.
fn needs_vertical_form(c: char) -> bool {
    c.is_control()
        || c.is_ascii_punctuation()
        || matches!(c, '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}' | '\u{3014}'..='\u{301F}' | '\u{3030}' | '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}' | '\u{FF5B}'..='\u{FF65}' | '\u{2010}'..='\u{2027}' | '\u{FE10}'..='\u{FE4F}')
}
