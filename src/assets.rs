//! SVG assets: artwork (an emblem, a seal) drawn in the one ink the spec assigns.
//!
//! usvg resolves the SVG (styles, transforms, `use`, shapes to paths); we keep only path
//! geometry: fills as they are, strokes turned into outlines. Colours are dropped on
//! purpose: the artwork prints on the plate of the spec's ink (hot foil, black), never as
//! RGB. What single-ink geometry cannot express (raster images, text, clip paths, masks,
//! filters) is refused rather than silently lost.
//!
//! Assets are confined to the spec's folder: an absolute path or one that escapes it is
//! refused.

use std::path::{Path as FsPath, PathBuf};

use usvg::tiny_skia_path::Transform;

use crate::error::{Error, Result};

/// Largest SVG file accepted.
const MAX_SVG_BYTES: u64 = 8 << 20;

/// An SVG reduced to filled paths, in its own user units.
#[derive(Debug, Clone)]
pub struct SvgAsset {
    /// Width and height of the SVG canvas, user units.
    pub size: (f64, f64),
    /// Filled outlines, in painting order.
    pub paths: Vec<AssetPath>,
}

/// One filled outline of an asset.
#[derive(Debug, Clone)]
pub struct AssetPath {
    /// The outline, absolute user units.
    pub(crate) path: usvg::tiny_skia_path::Path,
    /// Even-odd (true) or non-zero fill.
    pub(crate) even_odd: bool,
}

/// Resolves `file` inside `dir`, refusing absolute paths and paths that leave it, unless
/// they lead into one of the `allowed` folders (canonical paths, given explicitly by the
/// caller: `--asset-dir`).
pub fn confine(
    dir: &FsPath,
    file: &str,
    allowed: &[PathBuf],
) -> std::result::Result<PathBuf, String> {
    let relative = FsPath::new(file);
    if relative.is_absolute() && allowed.is_empty() {
        return Err(format!(
            "{file:?} is an absolute path; assets are named relative to the spec's folder"
        ));
    }
    let base = std::fs::canonicalize(if dir.as_os_str().is_empty() {
        FsPath::new(".")
    } else {
        dir
    })
    .map_err(|e| format!("the spec's folder: {e}"))?;
    let full = std::fs::canonicalize(base.join(relative)).map_err(|e| format!("{file:?}: {e}"))?;
    if !full.starts_with(&base) && !allowed.iter().any(|a| full.starts_with(a)) {
        return Err(format!(
            "{file:?} lies outside the spec's folder {}{}",
            base.display(),
            if allowed.is_empty() {
                String::new()
            } else {
                " and every --asset-dir".to_owned()
            }
        ));
    }
    Ok(full)
}

impl SvgAsset {
    /// Reads and flattens an SVG file.
    pub fn load(path: &FsPath) -> std::result::Result<Self, String> {
        let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
        if len > MAX_SVG_BYTES {
            return Err(format!("{len} bytes, over the 8 MiB limit"));
        }
        let data = std::fs::read(path).map_err(|e| e.to_string())?;
        Self::parse(&data)
    }

    /// Parses and flattens SVG bytes (a file's, or a record's data URL's).
    pub fn parse(data: &[u8]) -> std::result::Result<Self, String> {
        if data.len() as u64 > MAX_SVG_BYTES {
            return Err(format!("{} bytes, over the 8 MiB limit", data.len()));
        }
        refuse_external_references(data)?;
        // Nothing outside the file: external images are not resolved.
        let options = usvg::Options {
            image_href_resolver: usvg::ImageHrefResolver {
                resolve_data: Box::new(|_, _, _| None),
                resolve_string: Box::new(|_, _| None),
            },
            ..Default::default()
        };
        let tree = usvg::Tree::from_data(data, &options).map_err(|e| e.to_string())?;
        let size = (
            f64::from(tree.size().width()),
            f64::from(tree.size().height()),
        );
        let mut paths = Vec::new();
        collect(tree.root(), &mut paths)?;
        if paths.is_empty() {
            return Err("the SVG draws nothing".into());
        }
        Ok(SvgAsset { size, paths })
    }
}

fn collect(group: &usvg::Group, out: &mut Vec<AssetPath>) -> std::result::Result<(), String> {
    if group.clip_path().is_some() || group.mask().is_some() || !group.filters().is_empty() {
        return Err(format!(
            "group {:?} uses a clip path, mask or filter, which a single-ink asset cannot express; flatten it in the artwork",
            group.id()
        ));
    }
    for node in group.children() {
        match node {
            usvg::Node::Group(g) => collect(g, out)?,
            usvg::Node::Path(path) if path.is_visible() => {
                let transform: Transform = path.abs_transform();
                if let Some(fill) = path.fill() {
                    if let Some(outline) = path.data().clone().transform(transform) {
                        out.push(AssetPath {
                            path: outline,
                            even_odd: fill.rule() == usvg::FillRule::EvenOdd,
                        });
                    }
                }
                if let Some(stroke) = path.stroke() {
                    let outline = path
                        .data()
                        .stroke(&stroke.to_tiny_skia(), 1.0)
                        .and_then(|o| o.transform(transform));
                    if let Some(outline) = outline {
                        out.push(AssetPath {
                            path: outline,
                            even_odd: false,
                        });
                    }
                }
            }
            usvg::Node::Path(_) => {}
            usvg::Node::Image(_) => {
                return Err("the SVG embeds or links a raster image; use vector paths".into())
            }
            usvg::Node::Text(_) => {
                return Err("the SVG contains text; convert it to outlines".into())
            }
        }
    }
    Ok(())
}

/// Refuses an SVG that names anything outside itself: an `href` other than a fragment
/// (`#id`) — another file, a URL, a `data:` image — and a CSS `url(…)` or `@import` that
/// is not a fragment. usvg would drop what it cannot resolve and draw the rest: artwork
/// silently missing a part is a wrong licence, so it is an error.
fn refuse_external_references(data: &[u8]) -> std::result::Result<(), String> {
    let text = std::str::from_utf8(data).map_err(|_| "the SVG is not UTF-8 text".to_owned())?;
    let document = roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .map_err(|e| format!("not a well-formed SVG: {e}"))?;
    let external_url = |css: &str| {
        let css = css.to_ascii_lowercase();
        css.contains("@import")
            || css.match_indices("url(").any(|(i, _)| {
                !css[i + 4..]
                    .trim_start_matches(['\'', '"', ' '])
                    .starts_with('#')
            })
    };
    for node in document.descendants() {
        for attribute in node.attributes() {
            let value = attribute.value().trim();
            if attribute.name() == "href" && !value.starts_with('#') {
                return Err(format!(
                    "line {}: <{}> refers to {value:?} outside the SVG; artwork must be self-contained vector paths",
                    document.text_pos_at(node.range().start).row,
                    node.tag_name().name()
                ));
            }
            if external_url(value) {
                return Err(format!(
                    "line {}: <{}> loads {value:?} from outside the SVG; artwork must be self-contained",
                    document.text_pos_at(node.range().start).row,
                    node.tag_name().name()
                ));
            }
        }
        if node.is_text() && node.parent().is_some_and(|p| p.has_tag_name("style")) {
            if let Some(css) = node.text() {
                if external_url(css) {
                    return Err(
                        "a <style> sheet loads a file or URL; artwork must be self-contained"
                            .into(),
                    );
                }
            }
        }
    }
    Ok(())
}

/// Loads the SVG asset of element `id` from `file`, relative to `dir`.
pub fn load_for_spec(
    dir: &FsPath,
    file: &str,
    spec_path: &FsPath,
    id: &str,
    allowed: &[PathBuf],
) -> Result<SvgAsset> {
    let fail = |message: String, hint: &str| Error::SpecInvalid {
        at: crate::error::SpecLocation {
            file: spec_path.to_path_buf(),
            line: None,
            column: None,
        },
        element: Some(id.to_owned()),
        message,
        hint: Some(hint.to_owned()),
    };
    let path = confine(dir, file, allowed).map_err(|m| {
        fail(
            m,
            "put the asset in the spec's folder and name it relative to it, or allow its folder with --asset-dir",
        )
    })?;
    SvgAsset::load(&path).map_err(|m| fail(format!("SVG asset {file:?}: {m}"), "fix the artwork"))
}
