//! Shapes and artwork: rectangles and ellipses, SVG artwork, pictures (the spec's or
//! the record's), guilloche patterns. Each is placed in its box as the spec gives it.

use std::sync::Arc;

use super::*;
use crate::bitmap::Bitmap;

/// What a record's picture field gives: a picture, or artwork.
enum RecordArt {
    /// A PNG or JPEG picture.
    Picture(Arc<Bitmap>),
    /// SVG artwork.
    Svg(crate::assets::SvgAsset),
}

/// A picture to place: its element, box and the spec's demands on it.
struct Picture<'e> {
    id: &'e str,
    pass: Pass,
    area: Rect,
    fit: ImageFit,
    min_dpi: Option<f64>,
    /// Printed in the element's ink.
    in_ink: bool,
    /// The record field it comes from, if it does.
    key: Option<&'e str>,
}

impl Solver<'_> {
    pub(super) fn shape(&mut self, e: &ShapeElement, ellipse: bool) -> Result<()> {
        let outline = Rect::from_origin_size(e.at, e.size)
            .ok_or_else(|| self.spec_error(&e.id, "the shape has no finite extent".into()))?;
        let add = |path: &mut Path, r: &Rect| {
            if ellipse {
                path.ellipse(r.left(), r.top(), r.right(), r.bottom())
            } else {
                path.rect(r.left(), r.top(), r.right(), r.bottom())
            }
        };
        if let Some(ink) = self.element_inks.fill {
            let mut path = Path {
                even_odd: true,
                ..Path::default()
            };
            add(&mut path, &outline);
            self.items.push(Item {
                element: e.id.clone(),
                fixed: false,
                pass: e.pass,
                ink,
                shape: Shape::Path(path),
            });
        }
        if let (Some(stroke), Some(ink)) = (&e.stroke, self.element_inks.stroke) {
            // A stroke is drawn as the ring between two outlines, filled even-odd, so both
            // back ends paint exactly the band the spec measures.
            let (outer, inner) = match stroke.align {
                StrokeAlign::Inside => (Mm::ZERO, stroke.width),
                StrokeAlign::Centre => (stroke.width / 2.0, stroke.width / 2.0),
            };
            let grow = |d: Mm| {
                Rect::from_ltrb(
                    outline.left() - d,
                    outline.top() - d,
                    outline.right() + d,
                    outline.bottom() + d,
                )
            };
            let (Some(o), Some(i)) = (grow(outer), grow(-inner)) else {
                return Err(self.spec_error(&e.id, "the stroke is wider than the shape".into()));
            };
            let mut path = Path {
                even_odd: true,
                ..Path::default()
            };
            add(&mut path, &o);
            add(&mut path, &i);
            self.items.push(Item {
                element: e.id.clone(),
                fixed: false,
                pass: e.pass,
                ink,
                shape: Shape::Path(path),
            });
        }
        self.report
            .push(Placement::shape(&e.id, e.pass, Some(e.at), outline));
        Ok(())
    }

    pub(super) fn svg(&mut self, e: &SvgElement) -> Result<()> {
        let area = Rect::from_origin_size(e.at, e.size)
            .ok_or_else(|| self.spec_error(&e.id, "the asset's box has no finite extent".into()))?;
        let from_record;
        let asset = match &e.key {
            Some(key) => {
                let Some(value) = self.record.get(key) else {
                    // An optional image the record does not give (a seal on a blank that is
                    // stamped by hand): nothing to draw.
                    return Ok(());
                };
                let file = value.display("", Default::default());
                // Inside the record (a data URL), or a file beside it by its extension.
                let drawn = if crate::data_url::is_data_url(&file) {
                    self.record_data(key, &file)?
                } else if crate::bitmap::is_picture_name(&file) {
                    RecordArt::Picture(self.record_picture(key, &file)?)
                } else {
                    RecordArt::Svg(self.record_image(key, &file)?)
                };
                match drawn {
                    RecordArt::Picture(bitmap) => {
                        // A seal from a seal system comes as a PNG: drawn whole in the
                        // element's ink, its opacity and darkness as the ink's coverage.
                        let picture = Picture {
                            id: &e.id,
                            pass: e.pass,
                            area,
                            fit: ImageFit::Contain,
                            min_dpi: None,
                            in_ink: true,
                            key: Some(key),
                        };
                        return self.picture(&picture, bitmap);
                    }
                    RecordArt::Svg(asset) => {
                        from_record = asset;
                        &from_record
                    }
                }
            }
            None => self
                .spec
                .assets
                .get(&e.id)
                .ok_or_else(|| self.spec_error(&e.id, "its SVG asset was not loaded".into()))?,
        };
        let ink = self.element_inks.ink;
        for path in svg::place(asset, area) {
            self.items.push(Item {
                element: e.id.clone(),
                fixed: false,
                pass: e.pass,
                ink,
                shape: Shape::Path(path),
            });
        }
        self.report
            .push(Placement::shape(&e.id, e.pass, Some(e.at), area));
        Ok(())
    }

    /// The SVG a record names (a seal), confined to the record's folder.
    fn record_image(&self, key: &str, file: &str) -> Result<crate::assets::SvgAsset> {
        let path = self.record_file(key, file)?;
        crate::assets::SvgAsset::load(&path).map_err(|m| {
            self.record_error(
                key,
                format!("SVG {file:?}: {m}"),
                "fix the artwork, or draw a PNG or JPEG with an Image element",
            )
        })
    }

    /// A file a record names, confined to the record's folder.
    fn record_file(&self, key: &str, file: &str) -> Result<std::path::PathBuf> {
        let Some(folder) = &self.record.folder else {
            return Err(self.record_error(
                key,
                format!("{file:?}: the record came without a folder to find files in (a request, say)"),
                "send the picture itself as a data:image/png;base64,… URL, or load the record from a file beside it",
            ));
        };
        crate::assets::confine(folder, file, &[]).map_err(|m| {
            self.record_error(
                key,
                m.replace("the spec's folder", "the record's folder"),
                "put the file beside the record and name it relative to it",
            )
        })
    }

    fn record_error(&self, key: &str, message: String, hint: &str) -> Error {
        Error::Record {
            record: self.record.name.clone(),
            field: Some(key.to_owned()),
            message,
            hint: Some(hint.to_owned()),
        }
    }

    /// A raster picture in its box: the spec's own, or the one the record names.
    pub(super) fn image(&mut self, e: &ImageElement) -> Result<()> {
        let area = Rect::from_origin_size(e.at, e.size).ok_or_else(|| {
            self.spec_error(&e.id, "the picture's box has no finite extent".into())
        })?;
        let (bitmap, key) = match &e.key {
            Some(key) => {
                let Some(value) = self.record.get(key) else {
                    return Ok(());
                };
                let file = value.display("", Default::default());
                (self.record_picture(key, &file)?, Some(key.as_str()))
            }
            None => (
                self.spec
                    .pictures
                    .get(&e.id)
                    .ok_or_else(|| self.spec_error(&e.id, "its picture was not loaded".into()))?
                    .clone(),
                None,
            ),
        };
        let picture = Picture {
            id: &e.id,
            pass: e.pass,
            area,
            fit: e.fit,
            min_dpi: e.min_dpi,
            in_ink: e.ink.is_some(),
            key,
        };
        self.picture(&picture, bitmap)
    }

    /// A picture or artwork a record carries as a data URL, decoded.
    fn record_data(&self, key: &str, text: &str) -> Result<RecordArt> {
        let refuse = |m: String| self.record_error(key, m, crate::data_url::HINT);
        let (media, bytes) = crate::data_url::decode(text).map_err(refuse)?;
        Ok(match media {
            crate::data_url::Media::Svg => RecordArt::Svg(
                crate::assets::SvgAsset::parse(&bytes)
                    .map_err(|m| refuse(format!("the data: URL's SVG: {m}")))?,
            ),
            crate::data_url::Media::Png | crate::data_url::Media::Jpeg => {
                RecordArt::Picture(Arc::new(
                    Bitmap::decode(&bytes)
                        .map_err(|m| refuse(format!("the data: URL's picture: {m}")))?,
                ))
            }
        })
    }

    /// The PNG or JPEG a record names, confined to the record's folder, or carries as a
    /// data URL.
    fn record_picture(&self, key: &str, file: &str) -> Result<Arc<Bitmap>> {
        if crate::data_url::is_data_url(file) {
            return match self.record_data(key, file)? {
                RecordArt::Picture(bitmap) => Ok(bitmap),
                RecordArt::Svg(_) => Err(self.record_error(
                    key,
                    "SVG artwork where a PNG or JPEG picture belongs".to_owned(),
                    crate::data_url::HINT,
                )),
            };
        }
        let path = self.record_file(key, file)?;
        let bitmap = Bitmap::load(&path).map_err(|m| {
            self.record_error(
                key,
                format!("picture {file:?}: {m}"),
                "give a PNG or JPEG picture",
            )
        })?;
        Ok(Arc::new(bitmap))
    }

    /// Places a picture, refusing one that does not fit its box's shape or prints under
    /// the resolution asked for: a record's picture is the record's fault, the spec's own
    /// the spec's.
    fn picture(&mut self, p: &Picture, bitmap: Arc<Bitmap>) -> Result<()> {
        let refuse = |message: String| match p.key {
            Some(key) => self.record_error(
                key,
                format!("element `{}`: {message}", p.id),
                "give a picture that fits the spec",
            ),
            None => self.spec_error(p.id, message),
        };
        let placed = picture::place(p.area, &bitmap, p.fit).map_err(refuse)?;
        if let Some(min) = p.min_dpi {
            let dpi = picture::dpi(&bitmap, placed);
            if dpi < min {
                return Err(refuse(format!(
                    "{} × {} px over {} × {} prints at {dpi:.0} dpi, under the {min:.0} dpi the spec asks for",
                    bitmap.width,
                    bitmap.height,
                    placed.width(),
                    placed.height()
                )));
            }
        }
        let area = p.area;
        let shown = Rect::from_ltrb(
            placed.left().max(area.left()),
            placed.top().max(area.top()),
            placed.right().min(area.right()),
            placed.bottom().min(area.bottom()),
        )
        .unwrap_or(area);
        self.items.push(Item {
            element: p.id.to_owned(),
            fixed: false,
            pass: p.pass,
            ink: self.element_inks.ink,
            shape: Shape::Image(PlacedImage {
                bitmap,
                area: placed,
                clip: area,
                in_ink: p.in_ink,
            }),
        });
        self.report
            .push(Placement::shape(p.id, p.pass, Some(area.origin()), shown));
        Ok(())
    }

    /// Fine-line security artwork, generated once when the spec was prepared.
    pub(super) fn guilloche(&mut self, e: &GuillocheElement) -> Result<()> {
        let lines = self
            .prepared
            .artwork
            .get(&e.id)
            .ok_or_else(|| self.spec_error(&e.id, "its pattern was not generated".into()))?
            .clone();
        let ink = self.element_inks.ink;
        let mut bounds: Option<Rect> = None;
        for l in lines {
            for r in &l.clip {
                bounds = Some(bounds.map_or(*r, |b| b.union(r)));
            }
            self.items.push(Item {
                element: e.id.clone(),
                fixed: false,
                pass: e.pass,
                ink,
                shape: Shape::Lines(l),
            });
        }
        if let Some(laid_out) = bounds {
            self.report
                .push(Placement::shape(&e.id, e.pass, None, laid_out));
        }
        Ok(())
    }
}
