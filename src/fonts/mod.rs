//! Font loading: the faces of a spec's families, read once and shared.
//!
//! A [`FontBook`] holds each font file's bytes once (an `Arc`, so threads and layouts share
//! them), the face `ttf-parser` parsed from them (kept beside the bytes in one
//! self-referential cell: parsing a CID-keyed face walks its charset, too much to repeat
//! for every layout and PDF) and the metrics layout needs.
//!
//! The face that leads a family is read when the book is made; a fallback face (the full
//! CJK face behind a GB 2312 one, 16 MB, for a rare character such as 䶮) is read the first
//! time a text needs it. Reading fonts was half of a one-licence process; a fallback's
//! table directory is still checked against its file up front, so a truncated file is
//! refused when the spec loads, not in the middle of a batch.

mod cff;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::memo::Memo;
use crate::spec::LoadedSpec;

/// Index of a face in a [`FontBook`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct FaceId(pub usize);

/// Metrics of a face, in font units.
#[derive(Debug, Clone, Copy)]
pub struct FaceMetrics {
    /// Units per em.
    pub units_per_em: f64,
    /// Top of the ideographic em box above the baseline, as a fraction of the em.
    ///
    /// The specification positions text by "文字上边缘", the top edge of the characters.
    /// For CJK faces the OS/2 typographic ascender and descender bound the ideographic em
    /// box (880/−120 in Noto CJK), so the box's top is `ascender / (ascender − descender)`.
    pub em_top: f64,
    /// Ascender, units.
    pub ascender: f64,
    /// Descender (negative), units.
    pub descender: f64,
    /// Cap height, units.
    pub cap_height: f64,
    /// Bounding box of all glyphs, units: x min, y min, x max, y max.
    pub bbox: [f64; 4],
    /// Whether outlines are CFF (PostScript) rather than TrueType.
    pub is_cff: bool,
}

/// One font face of a book: its file, and its bytes and metrics once read.
#[derive(Debug, Clone)]
pub struct Face {
    /// The file it came from.
    pub path: PathBuf,
    /// Index in a collection.
    pub index: u32,
    /// Whether it stands in for the face the spec asks for.
    pub stand_in: bool,
    /// The file's size in bytes when the book was made.
    pub size: u64,
    /// The bytes, name and metrics: read when the book is made for a family's leading
    /// face, on first use for a fallback. A failure is kept (as its message) and given
    /// to every use.
    read: Arc<OnceLock<std::result::Result<FaceData, String>>>,
    /// Subsets already made of this face, as embedded: in a batch the title and label
    /// faces set the same glyphs on every licence and are subset once.
    pub(crate) subsets: SubsetMemo,
    /// Subsets already made as whole OpenType fonts (what an OFD embeds), by glyph set.
    pub(crate) font_files: SubsetMemo,
    /// ToUnicode maps already written and compressed, by their pairs (CID, then the
    /// character's two halves): the label and title faces map the same glyphs on every
    /// licence of a batch.
    pub(crate) to_unicode: SubsetMemo,
    /// Glyphs' outline bounding boxes already worked out: ttf-parser walks a CFF glyph's
    /// whole outline to find its box, which is not work to repeat for every licence.
    ink_boxes: Memo<u16, Option<ttf_parser::Rect>>,
    /// The face's CFF read for direct subsets, when it is CID-keyed without subroutines
    /// ([`cff::CidFont`]); read on the first subset.
    cid_font: Arc<OnceLock<Option<cff::CidFont>>>,
}

/// A face as ttf-parser reads it, borrowing the file's bytes.
type Parsed<'a> = ttf_parser::Face<'a>;

self_cell::self_cell!(
    /// The whole file, read once and shared (an `Arc<[u8]>` would copy it once more: 16 MB
    /// for a full CJK face, a third of a one-licence process's time), with the face parsed
    /// from it once: parsing a CID-keyed face walks its charset, which a layout and a PDF
    /// did for every face of every licence (5 % of a licence's instructions).
    struct ParsedFile {
        owner: Arc<Vec<u8>>,
        #[covariant]
        dependent: Parsed,
    }
);

impl std::fmt::Debug for ParsedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ParsedFile({} bytes)", self.borrow_owner().len())
    }
}

/// What reading a face gives.
#[derive(Debug)]
struct FaceData {
    /// The file and the face parsed from it.
    file: ParsedFile,
    /// PostScript name (or file stem), for PDF font names and reports.
    name: String,
    /// Layout metrics.
    metrics: FaceMetrics,
}

/// Embedded font programs of one face by glyph set (the original glyph ids in subset
/// order), shared by the threads of a batch.
pub(crate) type SubsetMemo = Memo<Vec<u16>, [u8]>;

/// Most glyph sets remembered per face.
const SUBSETS_REMEMBERED: usize = 64;

impl Face {
    /// A face of `path` not read yet.
    fn unread(path: PathBuf, index: u32, stand_in: bool, size: u64) -> Face {
        Face {
            path,
            index,
            stand_in,
            size,
            read: Arc::default(),
            subsets: SubsetMemo::new(SUBSETS_REMEMBERED),
            font_files: SubsetMemo::new(SUBSETS_REMEMBERED),
            to_unicode: SubsetMemo::new(SUBSETS_REMEMBERED),
            // Every glyph id fits: the memo never starts over.
            ink_boxes: Memo::new(1 << 16),
            cid_font: Arc::default(),
        }
    }

    /// The face's bytes, name and metrics, read the first time they are asked for.
    fn read(&self) -> Result<&FaceData> {
        self.read
            .get_or_init(|| read_face(&self.path, self.index, self.size))
            .as_ref()
            .map_err(|message| Error::Font {
                what: self.path.display().to_string(),
                message: message.clone(),
            })
    }

    /// Whether the face has been read (or its reading has failed).
    #[cfg(test)]
    pub(crate) fn is_read(&self) -> bool {
        self.read.get().is_some()
    }

    /// The whole file.
    pub fn data(&self) -> Result<&Arc<Vec<u8>>> {
        Ok(self.read()?.file.borrow_owner())
    }

    /// PostScript name (or file stem), for PDF font names and reports.
    pub fn name(&self) -> Result<&str> {
        Ok(&self.read()?.name)
    }

    /// Layout metrics.
    pub fn metrics(&self) -> Result<&FaceMetrics> {
        Ok(&self.read()?.metrics)
    }

    /// The subset of this face holding the glyphs `remapper` has seen, renumbered in its
    /// order (glyph 0 first), as an OpenType font without a `cmap`: what an OFD embeds
    /// whole, and what a PDF embeds whole (TrueType) or as its CFF table.
    pub(crate) fn subset(&self, remapper: &subsetter::GlyphRemapper) -> Result<Vec<u8>> {
        let read = self.read()?;
        subsetter::subset(read.file.borrow_owner(), self.index, remapper).map_err(|e| Error::Render {
            message: format!("subsetting {} failed: {e}", read.name),
        })
    }

    /// The subset holding `glyphs` (old ids; glyph 0 first, new glyph and CID i is
    /// `glyphs[i]`) as a bare CID-keyed CFF table, written directly from the face's
    /// charstrings: `None` unless the face is CID-keyed CFF without subroutines (then
    /// [`Face::subset`] makes it).
    pub(crate) fn cff_subset(&self, glyphs: &[u16]) -> Option<Vec<u8>> {
        let font = self.cid_font.get_or_init(|| {
            let raw = ttf_parser::RawFace::parse(self.data().ok()?, self.index).ok()?;
            cff::CidFont::parse(raw.table(ttf_parser::Tag::from_bytes(b"CFF "))?)
        });
        font.as_ref()?.subset(glyphs)
    }

    /// The bounding box of `glyph`'s outline in font units (`None` for a glyph without
    /// ink), from `parsed` (this face) the first time, remembered after.
    pub(crate) fn ink_box(
        &self,
        parsed: &ttf_parser::Face<'_>,
        glyph: u16,
    ) -> Option<ttf_parser::Rect> {
        *self.ink_boxes.get_or_make(&glyph, || {
            Arc::new(parsed.glyph_bounding_box(ttf_parser::GlyphId(glyph)))
        })
    }

    /// The parsed face (read first if it has not been), parsed once when it was read.
    pub fn parse(&self) -> Result<&ttf_parser::Face<'_>> {
        Ok(self.read()?.file.borrow_dependent())
    }
}

/// A family's faces in fallback order.
#[derive(Debug, Clone)]
pub struct Family {
    /// The face the specification asks for.
    pub requested: String,
    /// The faces present, in fallback order.
    pub faces: Vec<FaceId>,
}

/// Where to find font files and which extra faces the user adds.
#[derive(Debug, Clone, Default)]
pub struct FontOptions {
    /// Folders searched after the spec's own folder. Default: empty (then the `fonts/`
    /// folders above the spec, `$CERTPRESS_FONT_DIR` and the crate's `fonts/`).
    pub dirs: Vec<PathBuf>,
    /// Faces put in front of a family's chain: `(family, file)`. The issuer's licensed
    /// faces (方正大标宋简体) go here.
    pub extra_faces: Vec<(String, PathBuf)>,
}

/// The faces of every family a spec uses, loaded once.
#[derive(Debug, Clone)]
pub struct FontBook {
    faces: Vec<Face>,
    families: BTreeMap<String, Family>,
}

/// Largest font file accepted (the biggest CJK faces are about 30 MB).
const MAX_FONT_BYTES: u64 = 128 << 20;

impl FontBook {
    /// Loads the faces of every family in the spec.
    pub fn load(spec: &LoadedSpec, options: &FontOptions) -> Result<Self> {
        let dirs = search_dirs(&spec.dir, options);
        let mut book = FontBook {
            faces: Vec::new(),
            families: BTreeMap::new(),
        };
        let mut by_file: BTreeMap<(PathBuf, u32), FaceId> = BTreeMap::new();
        // The faces to read, in the order their ids were given: read on every core once
        // the families are settled (23 MB of fonts are half a one-licence process).
        let mut to_load: Vec<(PathBuf, u32, bool)> = Vec::new();
        for (name, family) in &spec.spec.fonts {
            let mut ids = Vec::new();
            for (extra_family, path) in &options.extra_faces {
                if extra_family == name {
                    ids.push(plan(&mut by_file, &mut to_load, path.clone(), 0, false));
                }
            }
            for face in &family.faces {
                match find_file(&face.file, &dirs) {
                    Some(path) => ids.push(plan(
                        &mut by_file,
                        &mut to_load,
                        path,
                        face.index,
                        face.stand_in,
                    )),
                    None if face.optional => {}
                    None => {
                        return Err(Error::Font {
                            what: format!("`{}` of family `{name}`", face.file),
                            message: format!(
                                "not found in {}; mark it `optional: true` if the issuer may \
                                 not have it, or pass its folder with --font-dir",
                                dirs.iter()
                                    .map(|d| d.display().to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        })
                    }
                }
            }
            if ids.is_empty() {
                return Err(Error::Font {
                    what: format!("family `{name}`"),
                    message: "none of its faces is present".into(),
                });
            }
            book.families.insert(
                name.clone(),
                Family {
                    requested: family.requested.clone(),
                    faces: ids,
                },
            );
        }
        for (family, _) in &options.extra_faces {
            if !book.families.contains_key(family) {
                return Err(Error::Font {
                    what: format!("family `{family}`"),
                    message: "given with --font, but the spec has no such family".into(),
                });
            }
        }
        // A family's leading face is read now; a fallback only when a text needs it.
        let leads: BTreeSet<FaceId> = book.families.values().map(|f| f.faces[0]).collect();
        let loaded: Vec<Result<Face>> = to_load
            .into_par_iter()
            .enumerate()
            .map(|(id, (path, index, stand_in))| {
                let size = std::fs::metadata(&path)
                    .map_err(|e| Error::io(&path, e))?
                    .len();
                let face = Face::unread(path, index, stand_in, size);
                let refuse = |message: String| Error::Font {
                    what: face.path.display().to_string(),
                    message,
                };
                if leads.contains(&FaceId(id)) {
                    face.read()?;
                } else {
                    check_directory(&face.path, index, size).map_err(refuse)?;
                }
                Ok(face)
            })
            .collect();
        // The first failure in the spec's order, whichever thread met it first.
        book.faces = loaded.into_iter().collect::<Result<_>>()?;
        Ok(book)
    }

    /// The family a face is asked for by: the requested name (宋体, 方正大标宋简体) of the
    /// first family it leads, else of the first it serves in. What a reader without the
    /// embedded face should fall back on.
    pub fn requested_family(&self, face: FaceId) -> Option<&str> {
        let families = || self.families.values();
        families()
            .find(|f| f.faces.first() == Some(&face))
            .or_else(|| families().find(|f| f.faces.contains(&face)))
            .map(|f| f.requested.as_str())
    }

    /// A face by id.
    pub fn face(&self, id: FaceId) -> &Face {
        &self.faces[id.0]
    }

    /// All faces, indexed by [`FaceId`].
    pub fn faces(&self) -> &[Face] {
        &self.faces
    }

    /// A family by the spec's name for it.
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.get(name)
    }
}

/// The id of the face at `path` (and `index`), planned for loading the first time it is
/// named: a file named by several families is read once.
fn plan(
    by_file: &mut BTreeMap<(PathBuf, u32), FaceId>,
    to_load: &mut Vec<(PathBuf, u32, bool)>,
    path: PathBuf,
    index: u32,
    stand_in: bool,
) -> FaceId {
    let key = (
        std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone()),
        index,
    );
    *by_file.entry(key).or_insert_with(|| {
        to_load.push((path, index, stand_in));
        FaceId(to_load.len() - 1)
    })
}

fn search_dirs(spec_dir: &Path, options: &FontOptions) -> Vec<PathBuf> {
    let mut dirs = vec![spec_dir.to_path_buf()];
    dirs.extend(options.dirs.iter().cloned());
    // A spec inside a checkout (specs/liuzhou/licence.ron) finds the checkout's fonts/.
    dirs.extend(
        spec_dir
            .ancestors()
            .skip(1)
            .map(|a| a.join("fonts"))
            .filter(|d| d.is_dir()),
    );
    if let Some(dir) = std::env::var_os("CERTPRESS_FONT_DIR") {
        dirs.push(PathBuf::from(dir));
    }
    dirs.push(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts")));
    dirs.dedup();
    dirs
}

fn find_file(file: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    let path = Path::new(file);
    if path.is_absolute() {
        return path.is_file().then(|| path.to_path_buf());
    }
    dirs.iter().map(|dir| dir.join(path)).find(|p| p.is_file())
}

/// Reads and parses the face at `path`: its bytes, name and metrics. The error is a
/// message about the file (the caller names it).
fn read_face(path: &Path, index: u32, size: u64) -> std::result::Result<FaceData, String> {
    if size > MAX_FONT_BYTES {
        return Err(format!("{size} bytes, over the 128 MiB limit"));
    }
    let data = Arc::new(read_whole(path, size).map_err(|e| format!("cannot be read: {e}"))?);
    let file = ParsedFile::try_new(data, |data| ttf_parser::Face::parse(data, index))
        .map_err(|e| e.to_string())?;
    let face = file.borrow_dependent();
    let units_per_em = f64::from(face.units_per_em());
    let (ascender, descender) = match (face.typographic_ascender(), face.typographic_descender()) {
        (Some(a), Some(d)) if a > d => (f64::from(a), f64::from(d)),
        _ => (f64::from(face.ascender()), f64::from(face.descender())),
    };
    if ascender <= descender {
        return Err("its ascender is not above its descender".into());
    }
    let bbox = face.global_bounding_box();
    let metrics = FaceMetrics {
        units_per_em,
        em_top: ascender / (ascender - descender),
        ascender,
        descender,
        cap_height: face.capital_height().map_or(ascender * 0.8, f64::from),
        bbox: [bbox.x_min, bbox.y_min, bbox.x_max, bbox.y_max].map(f64::from),
        is_cff: face.tables().cff.is_some(),
    };
    if face.tables().cff2.is_some() {
        return Err("CFF2 (variable) fonts are not supported; use a static instance".into());
    }
    let name = face
        .names()
        .into_iter()
        .find(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME && n.is_unicode())
        .and_then(|n| n.to_string())
        .unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    Ok(FaceData {
        file,
        name,
        metrics,
    })
}

/// Pieces of a font file read at once by the threads of the pool.
const READ_PIECE: usize = 2 << 20;

/// The whole file at `path`, `size` bytes long, read in pieces on every core: a 16 MB
/// face is copied out of the page cache (and its pages faulted in) by both cores at once.
fn read_whole(path: &Path, size: u64) -> std::io::Result<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt as _;
        let file = std::fs::File::open(path)?;
        let mut data = vec![0; usize::try_from(size).map_err(std::io::Error::other)?];
        data.par_chunks_mut(READ_PIECE)
            .enumerate()
            .try_for_each(|(i, piece)| file.read_exact_at(piece, (i * READ_PIECE) as u64))?;
        if file.metadata()?.len() != size {
            return Err(std::io::Error::other("the file changed while it was read"));
        }
        Ok(data)
    }
    #[cfg(not(unix))]
    {
        let data = std::fs::read(path)?;
        if data.len() as u64 != size {
            return Err(std::io::Error::other("the file changed while it was read"));
        }
        Ok(data)
    }
}

/// Bytes read from the front of a fallback face to check its table directory.
const DIRECTORY_BYTES: u64 = 64 << 10;

/// Checks the table directory of the face at `path` without reading the face: every table
/// inside the file and the tables layout needs present. A directory that lies beyond the
/// first 64 KiB (a large collection) is not checked here; reading the face checks it.
fn check_directory(path: &Path, index: u32, size: u64) -> std::result::Result<(), String> {
    use std::io::Read as _;
    if size > MAX_FONT_BYTES {
        return Err(format!("{size} bytes, over the 128 MiB limit"));
    }
    let mut front = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(DIRECTORY_BYTES).read_to_end(&mut front))
        .map_err(|e| format!("cannot be read: {e}"))?;
    let raw = match ttf_parser::RawFace::parse(&front, index) {
        Ok(raw) => raw,
        Err(_) if size > DIRECTORY_BYTES => return Ok(()),
        Err(e) => return Err(e.to_string()),
    };
    for record in raw.table_records.into_iter() {
        let end = u64::from(record.offset) + u64::from(record.length);
        if end > size {
            return Err(format!(
                "its `{}` table ends at byte {end}, past the file's end ({size} bytes): the \
                 file is truncated or damaged",
                String::from_utf8_lossy(&record.tag.to_bytes())
            ));
        }
    }
    for tag in [b"cmap", b"head", b"hhea", b"hmtx", b"maxp"] {
        let tag = ttf_parser::Tag::from_bytes(tag);
        if !raw.table_records.into_iter().any(|r| r.tag == tag) {
            return Err(format!(
                "it has no `{}` table",
                String::from_utf8_lossy(&tag.to_bytes())
            ));
        }
    }
    Ok(())
}
