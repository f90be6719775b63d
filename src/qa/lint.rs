//! The spec linter: what a valid spec may still get wrong.
//!
//! Loading refuses what cannot be rendered (unknown inks, fonts and keys, anchors off the
//! page, impossible numbers). The linter lays out a record (the spec's sample) and warns
//! about what renders but is probably a mistake: the notice's words that the coordinates
//! contradict, texts that overlap or run off the page, type too small to read, fields
//! declared but never printed.

use serde::Serialize;

use crate::layout::{Part, Placement};
use crate::spec::{Content, Edge, Element, Fit, LoadedSpec, NoticeRule};
use crate::units::{Mm, Pt, Rect};

/// Smallest type a licence should carry: below 6 pt a clerk's printer smudges it.
const MIN_READABLE: Pt = Pt(6.0);

/// One finding of the linter.
#[derive(Debug, Clone, Serialize)]
pub struct Warning {
    /// A stable code: `notice`, `overlap`, `off-page`, `small-type`, `unused-field`.
    pub code: &'static str,
    /// The element (or field key) concerned.
    pub element: Option<String>,
    /// Line of the spec file, when known.
    pub line: Option<u32>,
    /// What is wrong and what to do.
    pub message: String,
}

/// Lints `spec`. `placements` is the layout report of a record on it (the spec's sample),
/// or `None` to lint what can be seen without laying out.
pub fn lint(spec: &LoadedSpec, placements: Option<&[Placement]>) -> Vec<Warning> {
    let mut lint = Lint {
        spec,
        warnings: Vec::new(),
    };
    lint.fields_and_type();
    if let Some(placements) = placements {
        lint.notice(placements);
        lint.placements(placements);
    }
    lint.warnings
}

/// The warnings found so far on a spec.
struct Lint<'a> {
    spec: &'a LoadedSpec,
    warnings: Vec<Warning>,
}

impl Lint<'_> {
    fn warn(&mut self, code: &'static str, element: Option<&str>, message: String) {
        self.warnings.push(Warning {
            code,
            element: element.map(str::to_owned),
            line: element.and_then(|id| self.spec.locate(id).line),
            message,
        });
    }

    /// What the spec alone shows: fields nothing prints, type too small to read.
    fn fields_and_type(&mut self) {
        let spec = self.spec;
        for (key, field) in &spec.spec.fields {
            if !uses_field(spec, key) {
                self.warn(
                    "unused-field",
                    None,
                    format!(
                        "field `{key}` ({}) is declared but no element or QR code prints it, and neither the electronic licence's metadata nor the landing page shows it",
                        field.name
                    ),
                );
            }
        }
        for element in &spec.spec.elements {
            for (what, size) in type_sizes(element) {
                if size < MIN_READABLE {
                    self.warn(
                        "small-type",
                        Some(element.id()),
                        format!("{what} can be set at {size}, under the {MIN_READABLE} a print stays readable at"),
                    );
                }
            }
        }
    }

    /// The notice's words the coordinates contradict.
    fn notice(&mut self, placements: &[Placement]) {
        let spec = self.spec;
        let tolerance = spec.spec.tolerance;
        let box_of = |id: &str| {
            placements
                .iter()
                .filter(|p| p.element == id)
                .map(|p| p.laid_out)
                .reduce(|a, b| a.union(&b))
        };
        for rule in &spec.spec.notice {
            match rule {
                NoticeRule::Edge {
                    element,
                    edge,
                    at,
                    says,
                } => {
                    let Some(found) = box_of(element) else {
                        continue;
                    };
                    let actual = match edge {
                        Edge::Left => found.left(),
                        Edge::Top => found.top(),
                        Edge::Right => found.right(),
                        Edge::Bottom => found.bottom(),
                    };
                    if (actual - *at).abs() > tolerance {
                        self.warn(
                            "notice",
                            Some(element),
                            format!(
                                "the notice says «{says}»: the {} edge of `{element}` should be at {at}, the coordinates put it at {actual}; the coordinates win",
                                edge_name(*edge)
                            ),
                        );
                    }
                }
                NoticeRule::AlignLeft {
                    element,
                    with,
                    says,
                } => {
                    let (Some(a), Some(b)) = (box_of(element), box_of(with)) else {
                        continue;
                    };
                    if (a.left() - b.left()).abs() > tolerance {
                        self.warn(
                            "notice",
                            Some(element),
                            format!(
                                "the notice says «{says}»: `{element}` should start at the left edge of `{with}` ({}), the coordinates put it at {}; the coordinates win",
                                b.left(), a.left()
                            ),
                        );
                    }
                }
            }
        }
    }

    /// Printed parts off the sheet or over each other.
    fn placements(&mut self, placements: &[Placement]) {
        let spec = self.spec;
        let page = spec.spec.page;
        let sheet = Rect::from_ltrb(Mm::ZERO, Mm::ZERO, page.width, page.height);
        let printed: Vec<&Placement> = placements
            .iter()
            .filter(|p| matches!(p.part, Part::Text | Part::Label | Part::Content | Part::Qr))
            .collect();
        for p in &printed {
            if let Some(sheet) = sheet {
                if !sheet.contains(&p.laid_out, Mm::ZERO) {
                    self.warn(
                        "off-page",
                        Some(&p.element),
                        format!(
                            "`{}` runs off the {} × {} mm sheet: {}",
                            p.element,
                            page.width.get(),
                            page.height.get(),
                            p.laid_out
                        ),
                    );
                }
            }
        }
        for (i, a) in printed.iter().enumerate() {
            for b in &printed[i + 1..] {
                if a.element == b.element || !a.laid_out.overlaps(&b.laid_out) {
                    continue;
                }
                self.warn(
                    "overlap",
                    Some(&b.element),
                    format!(
                        "`{}` ({}) overlaps `{}` ({}); move one, or give a content a `right` or `bottom` limit",
                        b.element,
                        b.laid_out,
                        a.element,
                        a.laid_out
                    ),
                );
            }
        }
    }
}

/// Whether any element or QR code prints the field `key`.
/// Whether an element prints the field, or the electronic licence's metadata or the
/// landing page shows it.
fn uses_field(spec: &LoadedSpec, key: &str) -> bool {
    let spec = &spec.spec;
    let printed = spec.elements.iter().any(|e| e.record_keys().contains(&key));
    let electronic = spec.electronic.as_ref().is_some_and(|e| {
        [
            Some(&e.type_name),
            Some(&e.type_code),
            Some(&e.number),
            Some(&e.issuer),
            Some(&e.issuer_code),
            Some(&e.issue_date),
            e.valid_from.as_ref(),
            e.valid_until.as_ref(),
            Some(&e.holder),
            Some(&e.holder_code),
            Some(&e.holder_code_type),
            Some(&e.serial),
            e.version.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|source| source.key() == Some(key))
    });
    let landing = spec.landing_page.as_ref().is_some_and(|page| {
        page.title.key() == Some(key)
            || page.rows.iter().any(|row| row.value.key() == Some(key))
            || page
                .approvals
                .as_ref()
                .is_some_and(|a| a.pictures == key || a.captions.as_deref() == Some(key))
    });
    printed || electronic || landing
}

/// The type sizes an element can be set at: nominal sizes and fit floors.
fn type_sizes(element: &Element) -> Vec<(String, Pt)> {
    let content_sizes = |content: &Content| {
        let mut sizes = vec![("its content".to_owned(), content.style.size.pt())];
        match &content.fit {
            Fit::Shrink { min } | Fit::ShrinkWrap { min, .. } => {
                sizes.push(("its content, shrunk to fit,".to_owned(), min.pt()));
            }
            Fit::Stages(stages) => {
                for stage in stages {
                    sizes.push(("its content, shrunk to fit,".to_owned(), stage.min.pt()));
                }
            }
            Fit::None | Fit::Wrap { .. } => {}
        }
        sizes
    };
    match element {
        Element::Text(t) => vec![("its text".to_owned(), t.style.size.pt())],
        Element::Vertical(v) => vec![("its text".to_owned(), v.style.size.pt())],
        Element::Field(f) => {
            let mut sizes = vec![("its label".to_owned(), f.label.style.size.pt())];
            if let Some(content) = &f.content {
                sizes.extend(content_sizes(content));
            }
            sizes
        }
        _ => Vec::new(),
    }
}

fn edge_name(edge: Edge) -> &'static str {
    match edge {
        Edge::Left => "left",
        Edge::Top => "top",
        Edge::Right => "right",
        Edge::Bottom => "bottom",
    }
}
