//! Spec loading: RON text → a typed, checked [`Spec`].
//!
//! Loading refuses a spec that could not produce a correct certificate: unknown keys,
//! references to inks, fonts, fields or elements that do not exist, impossible numbers.
//! Errors carry the file, line and column.

mod elements;
mod model;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub(crate) use elements::*;
pub use model::*;
use ron::extensions::Extensions;

use crate::assets::{self, SvgAsset};
use crate::bitmap::Bitmap;
use crate::error::{Error, Result, SpecLocation};
use crate::units::Mm;

/// Largest spec file accepted, in bytes.
const MAX_SPEC_BYTES: u64 = 4 << 20;

/// A spec together with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The model.
    pub spec: Spec,
    /// The spec file.
    pub path: PathBuf,
    /// The spec's folder: relative font and asset paths resolve against it.
    pub dir: PathBuf,
    /// SVG assets by element id, loaded and flattened once.
    pub(crate) assets: BTreeMap<String, SvgAsset>,
    /// The spec's own pictures (`Image` `file`) by element id, decoded once.
    pub(crate) pictures: BTreeMap<String, Arc<Bitmap>>,
    /// Element index by id.
    index: BTreeMap<String, usize>,
    /// Each element's line in the file (that of its `id`): found the first time a message
    /// asks, since rendering never does and finding them parses the text once more.
    lines: Arc<ElementLines>,
    /// Each element's inks, resolved to indices, in element order.
    inks: Vec<ElementInks>,
    /// SHA-256 of the spec's text and of every artwork file it loaded: what a batch
    /// compares to tell a changed spec from the one an earlier run rendered with.
    pub fingerprint: [u8; 32],
}

/// An element's inks, resolved once when the spec loads: indices into the spec's inks in
/// key order, the order of the display list's ink table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElementInks {
    /// Its `ink`, or the spec's default ink.
    pub ink: InkId,
    /// A shape's fill.
    pub fill: Option<InkId>,
    /// A shape's stroke.
    pub stroke: Option<InkId>,
}

impl LoadedSpec {
    /// Reads and checks a spec file, its artwork confined to the spec's folder.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Self::load_with(path, &LoadOptions::default())
    }

    /// Reads and checks a spec file with `options`.
    pub fn load_with(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Self> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.len() > MAX_SPEC_BYTES {
            return Err(Error::SpecInvalid {
                at: location(path, None),
                element: None,
                message: format!("the file is {} bytes, over the 4 MiB limit", meta.len()),
                hint: None,
            });
        }
        let source = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_str_with(&source, path, options)
    }

    /// Parses and checks spec text; `path` names it in errors and anchors relative paths.
    pub fn from_str(source: &str, path: impl AsRef<Path>) -> Result<Self> {
        Self::from_str_with(source, path, &LoadOptions::default())
    }

    /// [`LoadedSpec::from_str`] with `options`.
    pub fn from_str_with(
        source: &str,
        path: impl AsRef<Path>,
        options: &LoadOptions,
    ) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let asset_dirs = options
            .asset_dirs
            .iter()
            .map(|dir| {
                std::fs::canonicalize(dir).map_err(|e| Error::Options {
                    message: format!("--asset-dir {}: {e}", dir.display()),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let options = ron_options();
        let spec: Spec = options.from_str(source).map_err(|e| Error::SpecSyntax {
            at: SpecLocation {
                file: path.clone(),
                line: Some(e.span.start.line as u32),
                column: Some(e.span.start.col as u32),
            },
            message: e.code.to_string(),
        })?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut index = BTreeMap::new();
        for (i, element) in spec.elements.iter().enumerate() {
            index.entry(element.id().to_owned()).or_insert(i);
        }
        let lines = Arc::new(ElementLines {
            source: source.into(),
            count: spec.elements.len(),
            found: OnceLock::new(),
        });
        let mut loaded = LoadedSpec {
            spec,
            path,
            dir,
            assets: BTreeMap::new(),
            pictures: BTreeMap::new(),
            index,
            lines,
            inks: Vec::new(),
            fingerprint: [0; 32],
        };
        use sha2::Digest as _;
        let mut fingerprint = sha2::Sha256::new();
        fingerprint.update((source.len() as u64).to_le_bytes());
        fingerprint.update(source.as_bytes());
        loaded.inks = loaded.check()?;
        let mut assets = BTreeMap::new();
        for element in &loaded.spec.elements {
            if let Element::Svg(
                svg @ SvgElement {
                    file: Some(file), ..
                },
            ) = element
            {
                let asset =
                    assets::load_for_spec(&loaded.dir, file, &loaded.path, &svg.id, &asset_dirs)
                        .map_err(|e| match e {
                            Error::SpecInvalid {
                                element,
                                message,
                                hint,
                                ..
                            } => Error::SpecInvalid {
                                at: loaded.locate(&svg.id),
                                element,
                                message,
                                hint,
                            },
                            other => other,
                        })?;
                assets.insert(svg.id.clone(), asset);
                fingerprint_file(&mut fingerprint, &loaded.dir, file, &asset_dirs);
            }
        }
        loaded.assets = assets;
        for element in &loaded.spec.elements {
            if let Element::Image(ImageElement {
                id,
                file: Some(file),
                ..
            }) = element
            {
                let fail = |message: String, hint: &str| Error::SpecInvalid {
                    at: loaded.locate(id),
                    element: Some(id.clone()),
                    message,
                    hint: Some(hint.to_owned()),
                };
                let path = assets::confine(&loaded.dir, file, &asset_dirs).map_err(|m| {
                    fail(m, "put the picture in the spec's folder and name it relative to it, or allow its folder with --asset-dir")
                })?;
                let bitmap = Bitmap::load(&path)
                    .map_err(|m| fail(format!("picture {file:?}: {m}"), "fix the picture"))?;
                loaded.pictures.insert(id.clone(), Arc::new(bitmap));
                fingerprint_file(&mut fingerprint, &loaded.dir, file, &asset_dirs);
            }
        }
        loaded.fingerprint = fingerprint.finalize().into();
        Ok(loaded)
    }

    /// The location of an element in the spec file (the line of its `id`).
    pub fn locate(&self, id: &str) -> SpecLocation {
        let line = self
            .index_of(id)
            .and_then(|i| self.lines.get().get(i).copied().flatten());
        location(&self.path, line)
    }

    /// Every element in painting order: its id, its kind as the spec writes it (`Text`,
    /// `Field`, …) and where it is written in the spec file.
    pub fn outline(&self) -> Vec<(String, &'static str, SpecLocation)> {
        self.spec
            .elements
            .iter()
            .map(|e| (e.id().to_owned(), e.kind(), self.locate(e.id())))
            .collect()
    }

    /// The index in `spec.elements` of the element with this id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Whether the element with this id has its SVG artwork loaded.
    pub fn has_artwork(&self, id: &str) -> bool {
        self.assets.contains_key(id)
    }

    /// The element with this id.
    pub(crate) fn element(&self, id: &str) -> Option<&Element> {
        self.index_of(id).map(|i| &self.spec.elements[i])
    }

    /// The inks of the element at `index` in `spec.elements`.
    pub(crate) fn inks_of(&self, index: usize) -> ElementInks {
        self.inks[index]
    }
}

/// How a spec is loaded.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Folders outside the spec's folder that its artwork (`Svg` `file`) may come from: a
    /// shared folder of an issuer's emblems. Default: none, artwork stays in the spec's
    /// folder. Record images (a seal) stay confined to the record's folder regardless.
    pub asset_dirs: Vec<PathBuf>,
}

/// Finest line a guilloche may use: below it, offset and toner printing break the line.
pub(crate) const MIN_LINE_WIDTH: Mm = Mm(0.08);

/// How spec text is parsed: `Rect(id: …)` instead of `Rect((id: …))`, and `fill: "beige"`
/// instead of `fill: Some("beige")`, since specs are written by hand.
fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(Extensions::UNWRAP_VARIANT_NEWTYPES | Extensions::IMPLICIT_SOME)
        .with_recursion_limit(64)
}

/// A spec's text, kept to find its elements' lines in when a message first needs them.
#[derive(Debug)]
struct ElementLines {
    source: Box<str>,
    /// How many elements the spec has.
    count: usize,
    found: OnceLock<Vec<Option<u32>>>,
}

impl ElementLines {
    fn get(&self) -> &[Option<u32>] {
        self.found
            .get_or_init(|| element_lines(&self.source, &ron_options(), self.count))
    }
}

/// Each element's line: the parser gives each element's own source text, and the line
/// is that of its `id:` within it (the line people look for), else its first line. A
/// second, shallow parse of the same text; `None` for all when it cannot be made.
fn element_lines(source: &str, options: &ron::Options, count: usize) -> Vec<Option<u32>> {
    /// The spec's elements as their source text; every other key is skipped.
    #[derive(serde::Deserialize)]
    #[serde(rename = "Spec")]
    struct Sources<'a> {
        #[serde(borrow)]
        elements: Vec<&'a ron::value::RawValue>,
    }
    let Ok(sources) = options.from_str::<Sources>(source) else {
        return vec![None; count];
    };
    // Elements come in the file's order: lines are counted on from the last one.
    let (mut counted, mut line) = (0, 1);
    sources
        .elements
        .iter()
        .map(|raw| {
            let text = raw.get_ron();
            let start = text.as_ptr() as usize - source.as_ptr() as usize;
            let body = skip_comments(text);
            let body_at = text.len() - body.len();
            let id = body
                .match_indices("id:")
                .find(|(i, _)| {
                    !body[..*i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
                .map_or(0, |(i, _)| i);
            let at = start + body_at + id;
            line = match source.get(counted..at) {
                Some(since) => line + since.matches('\n').count() as u32,
                None => source[..at].matches('\n').count() as u32 + 1,
            };
            counted = at;
            Some(line)
        })
        .collect()
}

/// `text` after its leading white space and comments.
fn skip_comments(mut text: &str) -> &str {
    loop {
        text = text.trim_start();
        if let Some(rest) = text.strip_prefix("//") {
            text = rest.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(rest) = text.strip_prefix("/*") {
            text = rest.split_once("*/").map_or("", |(_, after)| after);
        } else {
            return text;
        }
    }
}

fn location(path: &Path, line: Option<u32>) -> SpecLocation {
    SpecLocation {
        file: path.to_path_buf(),
        line,
        column: None,
    }
}

/// Adds an artwork file's name and bytes (as loaded a moment ago) to a spec's fingerprint.
fn fingerprint_file(hasher: &mut sha2::Sha256, dir: &Path, file: &str, allowed: &[PathBuf]) {
    use sha2::Digest as _;
    hasher.update((file.len() as u64).to_le_bytes());
    hasher.update(file.as_bytes());
    let bytes = assets::confine(dir, file, allowed)
        .ok()
        .and_then(|path| std::fs::read(path).ok())
        .unwrap_or_default();
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(&bytes);
}
