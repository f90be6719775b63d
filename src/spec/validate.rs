//! Spec validation: what loading refuses because it could not produce a correct
//! certificate (sizes, positions, inks, fonts, fields, guilloche parameters, artwork
//! sources), each refusal naming the element and its line.

use std::collections::BTreeSet;

use super::*;
use crate::error::{Error, Result};
use crate::units::Mm;

/// Largest type size accepted, in points (a metre-high letter is not a certificate).
const MAX_SIZE_PT: f64 = 1000.0;
/// Smallest type size: below a point no press or printer forms a glyph.
const MIN_SIZE_PT: f64 = 1.0;
/// Largest sheet side accepted, in millimetres (A0 is 1189 mm).
const MAX_PAGE_MM: f64 = 2000.0;

impl LoadedSpec {
    pub(super) fn invalid(
        &self,
        element: Option<&str>,
        message: String,
        hint: Option<&str>,
    ) -> Error {
        Error::SpecInvalid {
            at: match element {
                Some(id) => self.locate(id),
                None => location(&self.path, None),
            },
            element: element.map(str::to_owned),
            message,
            hint: hint.map(str::to_owned),
        }
    }

    /// Checks the spec and resolves each element's inks.
    pub(super) fn check(&self) -> Result<Vec<ElementInks>> {
        let spec = &self.spec;
        for (what, v) in [("width", spec.page.width), ("height", spec.page.height)] {
            if !(v.get() > 0.0 && v.get() <= MAX_PAGE_MM) {
                return Err(self.invalid(
                    None,
                    format!("page {what} {v} is out of range"),
                    Some("a page side is between 0 and 2000 mm"),
                ));
            }
        }
        if !(spec.tolerance.get() >= 0.0 && spec.tolerance.get() < 50.0) {
            return Err(self.invalid(
                None,
                format!("tolerance {} is out of range", spec.tolerance),
                None,
            ));
        }
        if let Some(marks) = spec.marks {
            if !(0.0..=20.0).contains(&marks.bleed.get()) {
                return Err(self.invalid(
                    None,
                    format!("marks: bleed {} is out of range", marks.bleed),
                    Some("a bleed is between 0 and 20 mm; 3 mm is usual"),
                ));
            }
        }
        self.check_inks()?;
        for (name, family) in &spec.fonts {
            if family.faces.is_empty() {
                return Err(self.invalid(None, format!("font family `{name}` has no faces"), None));
            }
        }
        let default_ink = self.ink_ref(None, &spec.default_ink)?;

        let mut ids = BTreeSet::new();
        for element in &spec.elements {
            let id = element.id();
            if id.is_empty() || !ids.insert(id) {
                return Err(self.invalid(
                    Some(id),
                    "element ids must be unique and non-empty".into(),
                    None,
                ));
            }
        }
        let inks = spec
            .elements
            .iter()
            .map(|element| self.check_element(element, default_ink))
            .collect::<Result<Vec<_>>>()?;
        for rule in &spec.notice {
            let (NoticeRule::Edge { element, .. } | NoticeRule::AlignLeft { element, .. }) = rule;
            let mut named = vec![element];
            if let NoticeRule::AlignLeft { with, .. } = rule {
                named.push(with);
            }
            for id in named {
                if !ids.contains(id.as_str()) {
                    return Err(self.invalid(
                        None,
                        format!("notice: no element has the id `{id}`"),
                        Some("a notice rule names an element of `elements` by its id"),
                    ));
                }
            }
        }
        self.check_electronic()?;
        if let Some(id) = &spec.registration {
            match spec.elements.iter().find(|e| e.id() == id) {
                Some(element) if element.fixed_box().is_some() => {}
                _ => {
                    return Err(self.invalid(
                        None,
                        format!(
                        "registration names `{id}`, which is no element with a box the spec fixes"
                    ),
                        Some("name a Rect (a printed frame) whose edges a scan shows"),
                    ))
                }
            }
        }
        Ok(inks)
    }

    /// The electronic metadata and the landing page name declared fields, and the
    /// identifier's fixed parts are what GB/T 36904 allows.
    pub(super) fn check_electronic(&self) -> Result<()> {
        let spec = &self.spec;
        let mut sources: Vec<(String, &Source)> = Vec::new();
        if let Some(e) = &spec.electronic {
            if let Some(Source::Text(text)) = &e.version {
                if !text.parse::<u16>().is_ok_and(|v| (1..=999).contains(&v)) {
                    return Err(self.invalid(
                        None,
                        format!("electronic: version {text:?} is not a whole number from 1 to 999"),
                        Some("the identifier's version (版本号) is 1 to 999; Field(\"licence_version\") takes it from the record"),
                    ));
                }
            }
            for (name, source) in [
                ("type_name", &e.type_name),
                ("type_code", &e.type_code),
                ("number", &e.number),
                ("issuer", &e.issuer),
                ("issuer_code", &e.issuer_code),
                ("issue_date", &e.issue_date),
                ("holder", &e.holder),
                ("holder_code", &e.holder_code),
                ("holder_code_type", &e.holder_code_type),
                ("serial", &e.serial),
            ] {
                sources.push((format!("electronic: {name}"), source));
            }
            for (name, source) in [
                ("valid_from", &e.valid_from),
                ("valid_until", &e.valid_until),
                ("version", &e.version),
            ] {
                if let Some(source) = source {
                    sources.push((format!("electronic: {name}"), source));
                }
            }
            if let Some(seal) = &e.seal {
                if !spec.elements.iter().any(|el| el.id() == seal) {
                    return Err(self.invalid(
                        None,
                        format!("electronic: seal names no element: `{seal}`"),
                        Some("give the id of the element that draws the authority's seal"),
                    ));
                }
            }
            if let Some(id) = &e.signer_id {
                if id.is_empty() || id.len() > 8191 || !id.is_ascii() {
                    return Err(self.invalid(
                        None,
                        format!("electronic: signer_id `{id}` must be ASCII, 1 to 8191 bytes"),
                        None,
                    ));
                }
            }
            for (name, source) in [
                ("type_code", &e.type_code),
                ("issuer_code", &e.issuer_code),
                ("serial", &e.serial),
            ] {
                if let Source::Text(text) = source {
                    if let Err(problem) = crate::identifier::check_part(text) {
                        return Err(self.invalid(
                            None,
                            format!("electronic: {name} `{text}` {problem}"),
                            Some("identifier parts are upper-case letters and digits (GB/T 36904)"),
                        ));
                    }
                }
            }
        }
        if let Some(page) = &spec.landing_page {
            sources.push(("landing_page: title".into(), &page.title));
            for row in &page.rows {
                sources.push((format!("landing_page: row `{}`", row.label), &row.value));
            }
            if let Some(approvals) = &page.approvals {
                let kind_of = |key: &str| spec.fields.get(key).map(|f| f.kind);
                if kind_of(&approvals.pictures) != Some(FieldKind::ImageList) {
                    return Err(self.invalid(
                        None,
                        format!(
                            "landing_page: approvals: pictures names `{}`, which is no field of kind ImageList",
                            approvals.pictures
                        ),
                        Some("declare the pictures' field with `kind: ImageList`"),
                    ));
                }
                if let Some(captions) = &approvals.captions {
                    if kind_of(captions) != Some(FieldKind::List) {
                        return Err(self.invalid(
                            None,
                            format!("landing_page: approvals: captions names `{captions}`, which is no field of kind List"),
                            Some("caption the pictures with a list field (the permits), item by item"),
                        ));
                    }
                }
            }
        }
        for (name, source) in sources {
            if let Some(key) = source.key() {
                if !spec.fields.contains_key(key) {
                    return Err(self.invalid(
                        None,
                        format!("{name} names record key `{key}`, which is not declared in `fields`"),
                        Some("declare it under `fields` with its kind and name, or give the value as Text(\"…\")"),
                    ));
                }
            }
        }
        Ok(())
    }

    pub(super) fn check_inks(&self) -> Result<()> {
        for (key, ink) in &self.spec.inks {
            let (cmyk, spot_name) = match ink {
                Ink::Process { c, m, y, k } => ([*c, *m, *y, *k], None),
                Ink::Spot { name, proof, .. } => ([proof.c, proof.m, proof.y, proof.k], Some(name)),
            };
            if cmyk.iter().any(|v| !(0.0..=100.0).contains(v)) {
                return Err(self.invalid(
                    None,
                    format!("ink `{key}`: CMYK values are percentages, 0 to 100"),
                    None,
                ));
            }
            if let Some(name) = spot_name {
                let plain = name
                    .chars()
                    .all(|c| c.is_ascii_graphic() && c != '/' && c != '#');
                if name.is_empty() || !plain {
                    return Err(self.invalid(
                        None,
                        format!("ink `{key}`: spot name {name:?} must be printable ASCII without spaces, '/' or '#'"),
                        Some("RIPs and plate setters match colorant names literally; use a name like \"HotFoilGold\""),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The index of ink `ink` in the spec's inks (key order, the display list's order).
    pub(super) fn ink_ref(&self, element: Option<&str>, ink: &str) -> Result<InkId> {
        if let Some(index) = self.spec.inks.keys().position(|key| key == ink) {
            return Ok(InkId(index));
        }
        let known: Vec<_> = self.spec.inks.keys().map(String::as_str).collect();
        Err(self.invalid(
            element,
            format!("unknown ink `{ink}`"),
            Some(&format!("inks defined in this spec: {}", known.join(", "))),
        ))
    }

    pub(super) fn check_style(&self, id: &str, style: &TextStyle) -> Result<()> {
        if !self.spec.fonts.contains_key(&style.font) {
            let known: Vec<_> = self.spec.fonts.keys().map(String::as_str).collect();
            return Err(self.invalid(
                Some(id),
                format!("unknown font family `{}`", style.font),
                Some(&format!(
                    "families defined in this spec: {}",
                    known.join(", ")
                )),
            ));
        }
        let size = style.size.pt().get();
        if !(MIN_SIZE_PT..=MAX_SIZE_PT).contains(&size) {
            return Err(self.invalid(
                Some(id),
                format!("type size {} is out of range (1–1000 pt)", style.size.pt()),
                None,
            ));
        }
        if !(style.line_height > 0.0 && style.line_height <= 10.0) {
            return Err(self.invalid(
                Some(id),
                "line_height must be between 0 and 10".into(),
                None,
            ));
        }
        if !style.tracking.is_finite() || style.tracking.get().abs() > MAX_SIZE_PT {
            return Err(self.invalid(Some(id), "tracking is out of range".into(), None));
        }
        Ok(())
    }

    pub(super) fn check_position(&self, id: &str, at: &crate::units::Point) -> Result<()> {
        let page = self.spec.page;
        let inside = |v: Mm, max: Mm| v.is_finite() && v >= Mm::ZERO && v <= max;
        if !inside(at.x, page.width) || !inside(at.y, page.height) {
            return Err(self.invalid(
                Some(id),
                format!(
                    "position ({}, {}) is off the {} × {} page",
                    at.x, at.y, page.width, page.height
                ),
                None,
            ));
        }
        Ok(())
    }

    pub(super) fn check_guilloche(&self, g: &GuillocheElement) -> Result<()> {
        let id = g.id.as_str();
        let bad = |message: String| Err(self.invalid(Some(id), message, None));
        let positive = |v: Mm| v.is_finite() && v > Mm::ZERO;
        let (at, size) = match g.area {
            PatternArea::Rect { at, size } => (at, size),
            PatternArea::Frame { at, size, width } => {
                if !(positive(width) && width * 2.0 < size.width.min(size.height)) {
                    return bad(format!("frame width {width} must be positive and under half the frame's smaller side"));
                }
                (at, size)
            }
        };
        self.check_position(id, &at)?;
        let page = self.spec.page;
        if !(positive(size.width)
            && positive(size.height)
            && at.x + size.width <= page.width + Mm(1e-9)
            && at.y + size.height <= page.height + Mm(1e-9))
        {
            return bad(format!(
                "the pattern's area {} × {} at ({}, {}) must be positive and on the page",
                size.width, size.height, at.x, at.y
            ));
        }
        if !(g.line_width.is_finite() && g.line_width >= MIN_LINE_WIDTH && g.line_width <= Mm(2.0))
        {
            return Err(self.invalid(
                Some(id),
                format!(
                    "line width {} is outside {MIN_LINE_WIDTH}–2 mm",
                    g.line_width
                ),
                Some("lines finer than 0.08 mm do not print; security patterns use 0.08–0.2 mm"),
            ));
        }
        let within = |v: Mm, low: Mm, high: Mm| v.is_finite() && v >= low && v <= high;
        let check_rosette = |r: &Rosette| -> Result<()> {
            let ok = positive(r.radius)
                && r.radius <= Mm(1000.0)
                && within(r.amplitude, Mm::ZERO, r.radius)
                && (1..=64).contains(&r.petals)
                && (1..=32).contains(&r.curves)
                && (1..=64).contains(&r.rings)
                && within(r.ring_spacing, Mm::ZERO, r.radius)
                && r.ring_spacing * f64::from(r.rings - 1) < r.radius
                && r.phase.is_finite();
            if !ok {
                return bad(format!(
                    "rosette needs 0 < radius ≤ 1000 mm, 0 ≤ amplitude ≤ radius, 1–64 petals, 1–32 curves, 1–64 rings whose spacing keeps the inner ring's radius positive; got {r:?}"
                ));
            }
            Ok(())
        };
        match &g.pattern {
            Pattern::Waves(w) => {
                let ok = within(w.wavelength, Mm(0.5), Mm(1000.0))
                    && within(w.amplitude, Mm::ZERO, Mm(100.0))
                    && (1..=32).contains(&w.curves)
                    && within(w.spacing, g.line_width, Mm(1000.0))
                    && w.phase.is_finite()
                    && w.shift.is_finite()
                    && (0.0..=0.5).contains(&w.harmonic);
                if !ok {
                    return bad(format!(
                        "waves need a wavelength of 0.5–1000 mm, an amplitude of 0–100 mm, 1–32 curves, a spacing of at least the line width, finite phases and a harmonic of 0–0.5; got {w:?}"
                    ));
                }
            }
            Pattern::Rosette(r) => check_rosette(r)?,
        }
        if let Some(corners) = &g.corners {
            if !matches!(g.area, PatternArea::Frame { .. }) {
                return bad("`corners` applies to a Frame only".into());
            }
            check_rosette(corners)?;
        }
        for clear in &g.clear {
            if !(clear.margin.is_finite() && clear.margin >= Mm::ZERO && clear.margin <= Mm(100.0))
            {
                return bad(format!(
                    "clearance margin {} must be 0–100 mm",
                    clear.margin
                ));
            }
            match self.spec.elements.iter().find(|e| e.id() == clear.element) {
                Some(element) if element.fixed_box().is_some() => {}
                Some(_) => {
                    return bad(format!(
                        "`{}` has no box the spec fixes; clear a Qr, Rect, Ellipse or Svg",
                        clear.element
                    ))
                }
                None => return bad(format!("clears unknown element `{}`", clear.element)),
            }
        }
        Ok(())
    }

    pub(super) fn check_field_key(&self, id: &str, key: &str) -> Result<()> {
        if self.spec.fields.contains_key(key) {
            return Ok(());
        }
        Err(self.invalid(
            Some(id),
            format!("record key `{key}` is not declared in `fields`"),
            Some("declare it under `fields` with its kind and name"),
        ))
    }

    /// Checks an element and resolves its inks.
    pub(super) fn check_element(
        &self,
        element: &Element,
        default_ink: InkId,
    ) -> Result<ElementInks> {
        let id = element.id();
        let mut ink = default_ink;
        let mut inks = ElementInks {
            ink,
            fill: None,
            stroke: None,
        };
        match element {
            Element::Text(text) => {
                self.check_position(id, &text.at)?;
                self.check_style(id, &text.style)?;
                self.check_align(id, &text.align)?;
                ink = self.ink_ref(
                    Some(id),
                    text.ink.as_deref().unwrap_or(&self.spec.default_ink),
                )?;
            }
            Element::Field(field) => {
                self.check_position(id, &field.label.at)?;
                self.check_style(id, &field.label.style)?;
                self.check_align(id, &field.label.align)?;
                ink = self.ink_ref(
                    Some(id),
                    field.ink.as_deref().unwrap_or(&self.spec.default_ink),
                )?;
                if let Some(content) = &field.content {
                    self.check_content(id, content)?;
                }
            }
            Element::Rect(shape) | Element::Ellipse(shape) => {
                self.check_shape(id, shape, &mut inks)?;
            }
            Element::Guilloche(g) => {
                self.check_guilloche(g)?;
                ink = self.ink_ref(Some(id), g.ink.as_deref().unwrap_or(&self.spec.default_ink))?;
            }
            Element::Vertical(v) => ink = self.check_vertical(id, v)?,
            Element::Svg(svg) => {
                self.check_source(id, "Svg", &svg.at, svg.size, &svg.file, &svg.key)?;
                ink = self.ink_ref(
                    Some(id),
                    svg.ink.as_deref().unwrap_or(&self.spec.default_ink),
                )?;
            }
            Element::Image(image) => {
                if let Some(own) = self.check_image(id, image)? {
                    ink = own;
                }
            }
            Element::Qr(qr) => ink = self.check_qr(id, qr)?,
        }
        inks.ink = ink;
        Ok(inks)
    }

    /// A field's content: its style, key, fit, and where it may run.
    fn check_content(&self, id: &str, content: &Content) -> Result<()> {
        self.check_style(id, &content.style)?;
        self.check_field_key(id, &content.key)?;
        self.check_fit(id, content)?;
        if !content.right.is_finite() || content.right > self.spec.page.width {
            return Err(self.invalid(Some(id), "content `right` is off the page".into(), None));
        }
        if !content.gap.is_finite() || content.gap.abs() > self.spec.page.width {
            return Err(self.invalid(Some(id), "content `gap` is out of range".into(), None));
        }
        Ok(())
    }

    /// A rectangle's or ellipse's box, fill and stroke; the inks into `inks`.
    fn check_shape(&self, id: &str, shape: &ShapeElement, inks: &mut ElementInks) -> Result<()> {
        self.check_position(id, &shape.at)?;
        let size = shape.size;
        let positive = |v: Mm| v.is_finite() && v > Mm::ZERO;
        if !positive(size.width) || !positive(size.height) {
            return Err(self.invalid(Some(id), "size must be positive".into(), None));
        }
        if let Some(fill) = &shape.fill {
            inks.fill = Some(self.ink_ref(Some(id), fill)?);
        }
        if let Some(stroke) = &shape.stroke {
            inks.stroke = Some(self.ink_ref(Some(id), &stroke.ink)?);
            if !(stroke.width.get() > 0.0 && stroke.width <= size.width.min(size.height)) {
                return Err(self.invalid(
                    Some(id),
                    "stroke width must be positive and fit the shape".into(),
                    None,
                ));
            }
        }
        if shape.fill.is_none() && shape.stroke.is_none() {
            return Err(self.invalid(
                Some(id),
                "a shape needs a fill, a stroke or both".into(),
                None,
            ));
        }
        Ok(())
    }

    /// A vertical text: its place, style, one source, length; its ink.
    fn check_vertical(&self, id: &str, v: &VerticalText) -> Result<InkId> {
        self.check_position(id, &v.at)?;
        self.check_style(id, &v.style)?;
        match (&v.text, &v.key) {
            (Some(_), None) => {}
            (None, Some(key)) => self.check_field_key(id, key)?,
            _ => {
                return Err(self.invalid(
                    Some(id),
                    "a vertical text needs exactly one of `text` and `key`".into(),
                    None,
                ))
            }
        }
        if let Some(length) = v.length {
            if !(length.is_finite() && length > Mm::ZERO && length <= self.spec.page.height) {
                return Err(self.invalid(
                    Some(id),
                    format!("length {length} must be positive and within the page"),
                    None,
                ));
            }
        }
        self.ink_ref(Some(id), v.ink.as_deref().unwrap_or(&self.spec.default_ink))
    }

    /// A picture: its box and source, fit tolerance, resolution; its ink when printed in one.
    fn check_image(&self, id: &str, image: &ImageElement) -> Result<Option<InkId>> {
        self.check_source(id, "Image", &image.at, image.size, &image.file, &image.key)?;
        if let ImageFit::Exact { tolerance } = image.fit {
            if !(0.0..=0.5).contains(&tolerance) {
                return Err(self.invalid(
                    Some(id),
                    format!("fit tolerance {tolerance} must be between 0 and 0.5"),
                    Some("0.02 accepts an aspect ratio 2 % off the box's"),
                ));
            }
        }
        if let Some(dpi) = image.min_dpi {
            if !(dpi > 0.0 && dpi <= 4800.0) {
                return Err(self.invalid(
                    Some(id),
                    format!("min_dpi {dpi} must be between 0 and 4800"),
                    None,
                ));
            }
        }
        image
            .ink
            .as_deref()
            .map(|key| self.ink_ref(Some(id), key))
            .transpose()
    }

    /// A QR code: its place and size, grid, module, keys, text-layer font; its ink.
    fn check_qr(&self, id: &str, qr: &QrElement) -> Result<InkId> {
        self.check_position(id, &qr.at)?;
        if !(qr.size.get() > 0.0 && qr.size <= self.spec.page.width) {
            return Err(self.invalid(Some(id), "QR size must be positive".into(), None));
        }
        if !(qr.grid_dpi >= 72.0 && qr.grid_dpi <= 4800.0) {
            return Err(self.invalid(
                Some(id),
                "grid_dpi must be between 72 and 4800".into(),
                None,
            ));
        }
        if qr.min_module.get().is_nan() || qr.min_module.get() <= 0.0 {
            return Err(self.invalid(Some(id), "min_module must be positive".into(), None));
        }
        for line in &qr.lines {
            self.check_field_key(id, &line.key)?;
        }
        if let Some(key) = &qr.url_key {
            self.check_field_key(id, key)?;
        }
        if let Some(font) = &qr.text_layer_font {
            if !self.spec.fonts.contains_key(font) {
                return Err(self.invalid(Some(id), format!("unknown font family `{font}`"), None));
            }
        }
        self.ink_ref(
            Some(id),
            qr.ink.as_deref().unwrap_or(&self.spec.default_ink),
        )
    }

    /// An artwork's box and source: a positive box on the page, and exactly one of a file
    /// and a record key of kind `ImagePath`.
    pub(super) fn check_source(
        &self,
        id: &str,
        kind: &str,
        at: &crate::units::Point,
        size: crate::units::Size,
        file: &Option<String>,
        key: &Option<String>,
    ) -> Result<()> {
        self.check_position(id, at)?;
        let positive = |v: Mm| v.is_finite() && v > Mm::ZERO;
        if !positive(size.width) || !positive(size.height) {
            return Err(self.invalid(Some(id), "size must be positive".into(), None));
        }
        match (file, key) {
            (Some(_), None) => Ok(()),
            (None, Some(key)) => {
                self.check_field_key(id, key)?;
                if self.spec.fields[key].kind != FieldKind::ImagePath {
                    return Err(self.invalid(
                        Some(id),
                        format!("record key `{key}` is not of kind ImagePath"),
                        Some(&format!(
                            "an {kind} element's `key` names a field declared `kind: ImagePath`"
                        )),
                    ));
                }
                Ok(())
            }
            _ => Err(self.invalid(
                Some(id),
                format!("an {kind} element needs exactly one of `file` and `key`"),
                None,
            )),
        }
    }

    pub(super) fn check_align(&self, id: &str, align: &Align) -> Result<()> {
        match align {
            Align::Distribute(Span::LabelOf(other)) => {
                let found = self
                    .spec
                    .elements
                    .iter()
                    .any(|e| matches!(e, Element::Field(f) if f.id == *other && f.id != id));
                if !found {
                    return Err(self.invalid(
                        Some(id),
                        format!("`LabelOf({other:?})` names no other field element"),
                        None,
                    ));
                }
            }
            Align::Distribute(Span::To(end)) if !end.is_finite() || *end > self.spec.page.width => {
                return Err(self.invalid(
                    Some(id),
                    format!("distribution end {end} is off the page"),
                    None,
                ));
            }
            _ => {}
        }
        Ok(())
    }

    pub(super) fn check_fit(&self, id: &str, content: &Content) -> Result<()> {
        let nominal = content.style.size.pt();
        let check_min = |min: crate::units::FontSize| -> Result<()> {
            let min = min.pt();
            if !(min.get() >= MIN_SIZE_PT && min <= nominal) {
                return Err(self.invalid(
                    Some(id),
                    format!("fit minimum {min} must be at least 1 pt and not above the nominal size {nominal}"),
                    None,
                ));
            }
            Ok(())
        };
        match &content.fit {
            Fit::None | Fit::Wrap { .. } => {}
            Fit::Shrink { min } | Fit::ShrinkWrap { min, .. } => check_min(*min)?,
            Fit::Stages(stages) => {
                if stages.is_empty() {
                    return Err(self.invalid(
                        Some(id),
                        "`Stages` needs at least one stage".into(),
                        None,
                    ));
                }
                for stage in stages {
                    check_min(stage.min)?;
                    if let Some(max) = stage.max {
                        check_min(max)?;
                        if max.pt() < stage.min.pt() {
                            return Err(self.invalid(
                                Some(id),
                                "a stage's max is below its min".into(),
                                None,
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
