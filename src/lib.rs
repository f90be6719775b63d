//! certpress lays out and renders official certificates for print.
//!
//! A certificate's layout is a declarative RON spec (positions in millimetres, sizes in
//! points or Chinese size names, inks, fonts with fallback chains, the record fields it
//! prints). certpress fills it with a record and renders print-ready PDF and rasters.
//!
//! # The front door
//! A [`Template`] is a spec prepared once: its fonts loaded, and every piece of work that
//! does not depend on the record done (guilloche geometry, QR mask tables, the press
//! artwork's PDF stream, font subsets of the labels, the press underlay of rasters). It
//! is `Send + Sync`: one template serves every thread. [`Template::issue`] turns a
//! [`Record`] into a [`Licence`], which writes the PDF, the PNG, the plates and the
//! placement report.
//!
//! ```
//! use certpress::{PdfOptions, RasterOptions, Record, Template};
//!
//! let template = Template::load("specs/liuzhou/licence.ron")?; // once
//! let record = Record::load("specs/liuzhou/sample.json")?;     // per licence
//! let licence = template.issue(&record)?;
//! let pdf = licence.pdf(&PdfOptions::default())?;
//! assert!(pdf.starts_with(b"%PDF-"));
//! let png = licence.png(&RasterOptions { dpi: 50.0, ..Default::default() })?;
//! assert!(png.starts_with(b"\x89PNG"));
//!
//! // A refused record names its field and says what to do.
//! let json = std::fs::read_to_string("specs/liuzhou/sample.json").unwrap();
//! let typo = Record::from_json(&json.replace("2D76", "2D77"), "request-2")?;
//! let err = template.issue(&typo).unwrap_err();
//! assert_eq!(err.field(), Some("credit_code"));
//! # Ok::<(), certpress::Error>(())
//! ```
//!
//! # Pipeline
//! Behind the front door the data walks one way through one module per stage:
//! 1. `spec`: RON → a checked [`LoadedSpec`] whose ink references are resolved to
//!    indices and whose elements know their source lines.
//! 2. `fonts`: the spec's font families loaded once (`fonts::FontBook`).
//! 3. `record`: a JSON/RON record checked against the spec's fields.
//! 4. `layout`: the solver places every element and reports where ([`Placement`]).
//! 5. `display`: the positioned result (`display::Page`), the only input of the back
//!    ends.
//! 6. Back ends: `pdf`, `raster`, `ofd`.
//! 7. [`qa`]: conformance in mm, ink measured on rasters and scans, picture differences,
//!    the spec linter.
//!
//! The stages' own functions and data (the display list, the font book, the layout) are
//! public with the `stages` feature, which the crate's tests, benches and fuzz targets use
//! to drive one stage alone; without it a caller sees the front door and what it takes
//! and returns, and nothing it could come to lean on.
//!
//! [`batch`] issues a file of records on every core through one template.

// A public signature must not hand out a type a caller cannot name (a stage's data leaking
// through the front door without the `stages` feature).
#![warn(unnameable_types)]

/// A pipeline stage's module: public with the `stages` feature (the tests, benches and fuzz
/// targets drive each stage alone), crate-private otherwise, so that a library caller sees
/// the front door and what it takes and returns, and nothing it could come to lean on.
macro_rules! stage_module {
    ($name:ident) => {
        #[cfg(feature = "stages")]
        pub mod $name;
        #[cfg(not(feature = "stages"))]
        pub(crate) mod $name;
    };
}

pub(crate) mod assets;
pub mod batch;
stage_module!(bitmap);
stage_module!(colour);
stage_module!(data_url);
pub(crate) mod deflate;
stage_module!(display);
pub mod electronic;
pub mod error;
pub(crate) mod stable_hash;
stage_module!(fonts);
pub mod identifier;
pub(crate) mod landing;
stage_module!(layout);
pub(crate) mod memo;
stage_module!(ofd);
pub mod output;
stage_module!(pdf);
pub mod production;
pub mod qa;
stage_module!(raster);
pub mod record;
pub mod reissue;
pub mod sign;
pub mod spec;
pub mod template;
pub mod timestamp;
pub mod units;

pub use error::{Error, ErrorReport, Result, ScanFailure};
pub use fonts::FontOptions;
pub use layout::{Part, Placement};
pub use ofd::{OfdColour, OfdOptions};
pub use pdf::{Attachment, PdfOptions, PdfStandard, Relationship, SignatureSlot};
pub use production::Calibration;
pub use qa::check::{CheckOptions, CheckReport};
pub use qa::scan::Scan;
pub use raster::{Colorant, Light, Raster, RasterOptions, View};
pub use record::Record;
pub use sign::verify::{verify, verify_with, Report as VerifyReport, VerifyOptions};
pub use sign::{Sealing, Signer, Signing};
pub use spec::{LoadedSpec, Pass, Passes};
pub use template::{
    LandingFiles, LandingOptions, Licence, Plate, StandIn, Template, TemplateOptions,
};
pub use timestamp::SigningTime;
pub use units::{Mm, Point, Pt, Rect, Size};

/// The README's promise, kept by a test: no import runs back up the pipeline.
#[cfg(test)]
mod pipeline_order {
    use std::path::Path;

    /// Every module of the library in pipeline order: the shared leaves, pictures and the
    /// spec, the record, the layout and its display list, the back ends, signing, QA, and
    /// the front door. A module imports only modules before it.
    const ORDER: &[&str] = &[
        "error",
        "units",
        "memo",
        "stable_hash",
        "deflate",
        "colour",
        "assets",
        "output",
        "timestamp",
        "identifier",
        "bitmap",
        "data_url",
        "spec",
        "fonts",
        "record",
        "electronic",
        "landing",
        "display",
        "layout",
        "production",
        "raster",
        "ofd",
        "pdf",
        "sign",
        "qa",
        "reissue",
        "template",
        "batch",
    ];

    /// The modules named by `crate::…` paths in `source` (its tests and comments left out).
    fn imports(source: &str) -> Vec<String> {
        paths(source, "crate::")
    }

    /// `source` without its tests and comment lines.
    fn code(source: &str) -> String {
        let code = source.split("#[cfg(test)]").next().unwrap_or(source);
        code.lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The modules named by `prefix…` paths in `source` (its tests and comments left out).
    fn paths(source: &str, prefix: &str) -> Vec<String> {
        let code = code(source);
        let mut found = Vec::new();
        for (i, _) in code.match_indices(prefix) {
            let rest = &code[i + prefix.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                for item in group.split(',') {
                    let name = item.trim().split("::").next().unwrap_or("");
                    found.push(name.to_string());
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                found.push(name);
            }
        }
        found.retain(|n| !n.is_empty() && n.chars().next().is_some_and(|c| c.is_lowercase()));
        found
    }

    /// Every `.rs` file under `path` with its text, in name order.
    pub(super) fn sources(path: &Path, out: &mut Vec<(String, String)>) {
        if path.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(path)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for entry in entries {
                sources(&entry, out);
            }
        } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(path).unwrap();
            out.push((path.display().to_string(), text));
        }
    }

    #[test]
    fn no_import_runs_back_up_the_pipeline() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
        // Every module the library declares is placed in the order.
        for line in lib.lines() {
            let line = line.trim();
            let declared = line
                .strip_prefix("pub mod ")
                .or_else(|| line.strip_prefix("pub(crate) mod "))
                .or_else(|| line.strip_prefix("mod "))
                .and_then(|d| d.strip_suffix(';'))
                .or_else(|| line.strip_prefix("stage_module!(")?.strip_suffix(");"))
                // The macro's own `pub mod $name;` is not a module.
                .filter(|name| !name.starts_with('$'));
            if let Some(name) = declared {
                assert!(ORDER.contains(&name), "module `{name}` is not in ORDER");
            }
        }
        let mut wrong = Vec::new();
        for (rank, module) in ORDER.iter().enumerate() {
            let mut files = Vec::new();
            sources(&src.join(format!("{module}.rs")), &mut files);
            sources(&src.join(module), &mut files);
            assert!(!files.is_empty(), "no source for `{module}`");
            for (file, text) in files {
                for import in imports(&text) {
                    match ORDER.iter().position(|m| *m == import) {
                        Some(r) if r > rank => wrong.push(format!("{file}: {module} → {import}")),
                        _ => {}
                    }
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "imports back up the pipeline:\n{}",
            wrong.join("\n")
        );
    }

    /// The CLI, the service and the studio are shells over the front door: they build
    /// without the `stages` feature. The test build turns it on (the crate is its own
    /// dev-dependency with it), so their sources are read for what only it makes public:
    /// a stage module, or a front-door method that hands out a stage's data.
    #[test]
    fn the_shells_reach_no_stage() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
        let stages: Vec<&str> = lib
            .lines()
            .filter_map(|l| l.trim().strip_prefix("stage_module!(")?.strip_suffix(");"))
            .filter(|name| !name.starts_with('$'))
            .collect();
        assert!(stages.contains(&"display") && stages.contains(&"fonts"));
        let mut files = Vec::new();
        for shell in ["main.rs", "cli", "serve", "studio"] {
            sources(&src.join(shell), &mut files);
        }
        assert!(files.len() > 10, "the shells' sources were not found");
        let mut wrong = Vec::new();
        for (file, text) in &files {
            for module in paths(text, "certpress::") {
                if stages.contains(&module.as_str()) {
                    wrong.push(format!("{file}: certpress::{module}"));
                }
            }
            let code = code(text);
            for call in [".fonts()", ".page()", ".layout()", ".into_layout()"] {
                if code.contains(call) {
                    wrong.push(format!("{file}: {call}"));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "the shells reach a stage:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn the_import_reader_sees_grouped_and_plain_paths() {
        let found = imports(
            "use crate::{pdf, raster::Raster};\nfn f() { crate::qa::check(); }\n// crate::batch\n",
        );
        assert_eq!(found, ["pdf", "raster", "qa"]);
    }
}

/// The house's sizes, kept by a test: no source file over 900 lines, no function over 120,
/// so that each file holds one job and each function one step a reader can follow.
#[cfg(test)]
mod house_rules {
    use std::path::Path;

    const MAX_FILE_LINES: usize = 900;
    const MAX_FN_LINES: usize = 120;

    /// Each function in `source` longer than `MAX_FN_LINES`: its name and length. A function
    /// runs from its `fn` line to the first line after it that closes at the same indent.
    fn long_functions(source: &str) -> Vec<(String, usize)> {
        let lines: Vec<&str> = source.lines().collect();
        let mut long = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let code = line.trim_start();
            let indent = line.len() - code.len();
            let signature = ["pub(crate) ", "pub(super) ", "pub ", "async ", "const "]
                .iter()
                .fold(code, |rest, prefix| {
                    rest.strip_prefix(prefix).unwrap_or(rest)
                });
            let Some(name) = signature.strip_prefix("fn ") else {
                continue;
            };
            let close = format!("{}}}", " ".repeat(indent));
            let Some(end) = lines[i + 1..].iter().position(|l| *l == close) else {
                continue;
            };
            if end + 2 > MAX_FN_LINES {
                let name: String = name
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                long.push((name, end + 2));
            }
        }
        long
    }

    #[test]
    fn no_file_over_900_lines_and_no_function_over_120() {
        let mut files = Vec::new();
        super::pipeline_order::sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        assert!(files.len() > 50, "the sources were not found");
        let mut over = Vec::new();
        for (file, text) in &files {
            let lines = text.lines().count();
            if lines > MAX_FILE_LINES {
                over.push(format!("{file}: {lines} lines"));
            }
            for (name, length) in long_functions(text) {
                over.push(format!("{file}: fn {name} is {length} lines"));
            }
        }
        assert!(
            over.is_empty(),
            "over the house's sizes:\n{}",
            over.join("\n")
        );
    }

    #[test]
    fn the_function_reader_measures_to_the_closing_brace() {
        let body = "    let x = 1;\n".repeat(MAX_FN_LINES);
        let source = format!("pub fn short() {{\n}}\n\nfn long() {{\n{body}}}\n");
        assert_eq!(
            long_functions(&source),
            [("long".to_owned(), MAX_FN_LINES + 2)]
        );
    }
}
