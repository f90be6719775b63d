//! A licence's outputs: the PDF (plain, PDF/X-4, PDF/A-3b, signed), the OFD (sealed), the
//! landing page, rasters and plates, the placement report and the check.

use super::*;

/// One printing plate as an 8-bit grey PNG: the print shop's separation preview.
#[derive(Debug, Clone)]
pub struct Plate {
    /// The plate's colorant.
    pub colorant: Colorant,
    /// Its file name: `plate-C.png` … `plate-<SpotName>.png`.
    pub file_name: String,
    /// The PNG.
    pub png: Vec<u8>,
}

/// A stand-in face and the elements it set: the face the spec asks for was not there.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StandIn {
    /// The face that set the text.
    pub face: String,
    /// The elements it set, in the order of the report.
    pub elements: Vec<String>,
}

impl Licence<'_> {
    /// The licence as a PDF. Without a title in `options`, the spec's name is the title;
    /// without metadata, the licence's own when the spec declares it (required by PDF/X-4
    /// and PDF/A-3b, whose XMP carries it; a plain PDF goes without when the record
    /// lacks a value). A PDF/A-3b carries the record as `record.json` besides what
    /// `options` attaches.
    pub fn pdf(&self, options: &PdfOptions) -> Result<Vec<u8>> {
        self.written_pdf(options).map(|w| w.bytes)
    }

    /// [`Licence::pdf`], with the signature slot's offsets when `options` asks for one.
    fn written_pdf(&self, options: &PdfOptions) -> Result<pdf::WrittenPdf> {
        let mut options = options.clone();
        options
            .title
            .get_or_insert_with(|| self.template.spec.spec.name.clone());
        if options.metadata.is_none() {
            options.metadata = match self.metadata() {
                Ok(metadata) => metadata,
                Err(_) if options.standard == PdfStandard::Plain => None,
                Err(e) => return Err(e),
            };
        }
        if options.standard == PdfStandard::A3b
            && !options
                .attachments
                .iter()
                .any(|a| a.name == RECORD_ATTACHMENT)
        {
            let json =
                serde_json::to_vec_pretty(&self.record.to_json()).map_err(|e| Error::Render {
                    message: format!("the record does not serialise: {e}"),
                })?;
            options.attachments.insert(
                0,
                Attachment {
                    name: RECORD_ATTACHMENT.into(),
                    mime: "application/json".into(),
                    description: "The record this licence was issued from".into(),
                    relationship: Relationship::Data,
                    data: json,
                },
            );
        }
        pdf::write(
            &self.layout.page,
            &self.template.fonts,
            &options,
            &self.template.pdf,
        )
    }

    /// The licence's version (版本号): the record's or the spec's, 1 when neither gives
    /// one. A version that is not a whole number 1–999 is an error naming its field.
    pub fn version(&self) -> Result<u16> {
        match &self.template.spec.spec.electronic {
            Some(electronic) => electronic::version(electronic, &self.record),
            None => Ok(1),
        }
    }

    /// The electronic licence's metadata and identifier (GB/T 36903/36904), when the
    /// spec has an `electronic` section. A value the spec takes from a field the record
    /// lacks is an error naming the field.
    pub fn metadata(&self) -> Result<Option<Metadata>> {
        self.template
            .spec
            .spec
            .electronic
            .as_ref()
            .map(|e| electronic::resolve(e, &self.record))
            .transpose()
    }

    /// The licence as an OFD package (GB/T 33190): the composite daylight view, with the
    /// metadata as `CustomData` when the spec declares it. Without a title in `options`,
    /// the spec's name is the title; without metadata, the licence's own.
    pub fn ofd(&self, options: &OfdOptions) -> Result<Vec<u8>> {
        self.ofd_package(options)?
            .zip(self.template.ofd.compressors())
    }

    /// [`Licence::ofd`]'s files before they are zipped.
    fn ofd_package(&self, options: &OfdOptions) -> Result<ofd::Package> {
        let options = OfdOptions {
            title: options
                .title
                .clone()
                .or_else(|| Some(self.template.spec.spec.name.clone())),
            metadata: match &options.metadata {
                Some(m) => Some(m.clone()),
                None => self.metadata()?,
            },
            colour: options.colour,
        };
        ofd::package(
            &self.layout.page,
            &self.template.fonts,
            &options,
            &self.template.ofd,
        )
    }

    /// The licence as a PDF signed by `signer` (ECDSA P-256 or RSA) with a PAdES baseline
    /// B-B signature at `time`, over the whole file: a signature field whose appearance
    /// is the spec's seal element (`electronic.seal`), invisible in a PDF/X-4 (which keeps
    /// annotations off the sheet) or when the spec names no seal. The file stays within
    /// `options.standard`. A key of the wrong kind, or a certificate not valid at `time`,
    /// is an error and nothing is made.
    pub fn signed_pdf(
        &self,
        options: &PdfOptions,
        signer: &Signer,
        time: SigningTime,
    ) -> Result<Vec<u8>> {
        self.signed_pdf_with(options, signer, time, None)
    }

    /// [`Licence::signed_pdf`], time-stamped by `tsa` when given (PAdES baseline B-T).
    pub fn signed_pdf_with(
        &self,
        options: &PdfOptions,
        signer: &Signer,
        time: SigningTime,
        tsa: Option<&crate::sign::tsa::Tsa>,
    ) -> Result<Vec<u8>> {
        signer.require(&[KeyKind::P256, KeyKind::Rsa], "a PAdES signature")?;
        signer.require_valid_at(time)?;
        let seal = self.seal_element().map(str::to_owned);
        let mut options = options.clone();
        options.signature = Some(SignatureSlot {
            name: "Signature1".into(),
            element: seal.filter(|_| options.standard != PdfStandard::X4),
            time,
            reserved: pades::RESERVED,
        });
        pades::sign_with(self.written_pdf(&options)?, signer, tsa)
    }

    /// The electronic licence sealed by the issuing authority: the OFD with a GB/T 38540
    /// seal (SM2 with SM3 digests) by `signer` at `time`, the stamp over the spec's seal
    /// element and showing the seal's artwork. The signer must be an SM2 key loaded with
    /// the spec's signer ID ([`Template::signer_id`]).
    pub fn sealed_ofd(
        &self,
        options: &OfdOptions,
        signer: &Signer,
        time: SigningTime,
    ) -> Result<Vec<u8>> {
        self.sealed_ofd_with(options, signer, time, &Sealing::default())
    }

    /// [`Licence::sealed_ofd`] with a seal a seal system issued (`.esl`), used as it is:
    /// its picture is the stamp, and the record needs no seal artwork. Refused, nothing
    /// made: a seal whose maker signature does not hold, that does not authorise `signer`,
    /// or that is not valid at `time`.
    ///
    /// With `sealing.tsa`, the signature is time-stamped (RFC 3161) into the
    /// `SES_Signature`'s `timeStamp`.
    pub fn sealed_ofd_with(
        &self,
        options: &OfdOptions,
        signer: &Signer,
        time: SigningTime,
        sealing: &Sealing<'_>,
    ) -> Result<Vec<u8>> {
        let issued = sealing.seal;
        signer.require(&[KeyKind::Sm2], "the OFD's electronic seal (GB/T 38540)")?;
        signer.require_valid_at(time)?;
        if let Some(issued) = issued {
            issued.check_for(signer, time)?;
        }
        let spec = &self.template.spec;
        let id = self.seal_element().ok_or_else(|| Error::Options {
            message: format!(
                "the spec `{}` names no seal element (`electronic: (seal: \"…\")`): the OFD's seal needs a place",
                spec.spec.name
            ),
        })?;
        // Where the stamp goes: where the seal element landed, or, when it drew nothing
        // (a seal system's seal, no artwork in the record), the box the spec gives it.
        let placed = self
            .layout
            .report
            .iter()
            .find(|p| p.element == id)
            .map(|p| p.laid_out);
        let boxed = match spec.element(id) {
            Some(Element::Svg(e)) => crate::units::Rect::from_origin_size(e.at, e.size),
            Some(Element::Image(e)) => crate::units::Rect::from_origin_size(e.at, e.size),
            _ => None,
        };
        let b = placed
            .or(boxed.filter(|_| issued.is_some()))
            .ok_or_else(|| Error::Options {
                message: format!(
                    "the seal element `{id}` is not on this licence: give the record its seal artwork, or seal with a seal system's seal (--seal)"
                ),
            })?;
        let picture = match issued {
            // The seal's own picture is the stamp.
            Some(_) => (Vec::new(), String::new()),
            None => self.stamp_picture(id, b)?,
        };
        let name = self
            .metadata()
            .ok()
            .flatten()
            .and_then(|m| m.get("issuer").map(str::to_owned))
            .unwrap_or_else(|| spec.spec.name.clone());
        let ofd = self.ofd_package(options)?;
        seal::seal(
            ofd,
            self.template.ofd.compressors(),
            signer,
            &seal::SealOptions {
                name,
                picture,
                size_mm: (
                    b.width().get().round() as u32,
                    b.height().get().round() as u32,
                ),
                boundary: [
                    b.left().get(),
                    b.top().get(),
                    b.width().get(),
                    b.height().get(),
                ],
                time,
                seal: issued.cloned(),
                tsa: sealing.tsa.cloned(),
            },
        )
    }

    /// The stamp's picture from the seal element's artwork: as it is when it is PNG or
    /// JPEG, its paths at 600 dpi when it is SVG.
    fn stamp_picture(&self, id: &str, b: crate::units::Rect) -> Result<(Vec<u8>, String)> {
        Ok(match self.seal_picture(id)? {
            // Readers draw a seal's picture from PNG, JPG, GIF or BMP (GB/T 38540), none
            // from SVG: vector artwork goes in as the element's paths at 600 dpi.
            (_, kind) if kind == "SVG" => (
                raster::stamp::element_png(
                    &self.layout.page,
                    id,
                    b,
                    raster::stamp::STAMP_DPI,
                    &self.template.stamps,
                )?
                .to_vec(),
                "PNG".to_owned(),
            ),
            picture => picture,
        })
    }

    fn seal_element(&self) -> Option<&str> {
        let electronic = self.template.spec.spec.electronic.as_ref()?;
        electronic.seal.as_deref()
    }

    /// The seal's artwork file, as the seal element draws it for this record, with its
    /// type for GB/T 38540's picture information.
    fn seal_picture(&self, id: &str) -> Result<(Vec<u8>, String)> {
        let spec = &self.template.spec;
        let (file, key) = match spec.element(id) {
            Some(Element::Svg(e)) => (e.file.as_deref(), e.key.as_deref()),
            Some(Element::Image(e)) => (e.file.as_deref(), e.key.as_deref()),
            _ => (None, None),
        };
        let path = match (key.and_then(|k| self.record.get(k)), file) {
            // Carried in the record: the layout has decoded it once already.
            (Some(Value::Text(text)), _) if crate::data_url::is_data_url(text) => {
                let (_, bytes) = crate::data_url::decode(text).map_err(|message| {
                    Error::Options { message }
                })?;
                let kind = seal_picture_type(&bytes);
                return Ok((bytes, kind));
            }
            // A file beside the record, which the layout has found there (a record without
            // a folder never gets this far with a file name).
            (Some(Value::Text(path)), _) => match &self.record.folder {
                Some(folder) => folder.join(path),
                None => {
                    return Err(Error::Options {
                        message: format!("the seal {path:?}: the record has no folder"),
                    })
                }
            },
            (_, Some(file)) => spec.dir.join(file),
            _ => {
                return Err(Error::Options {
                    message: format!(
                        "the seal element `{id}` draws no artwork for this record: give the record its seal ({})",
                        key.unwrap_or("a seal picture")
                    ),
                })
            }
        };
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let kind = seal_picture_type(&bytes);
        Ok((bytes, kind))
    }

    /// What each QR code on the licence encodes, by element id: the record's URL when it
    /// has one, else the listing of its fields. For issuing systems that keep it, and to
    /// compare with a code read off a print.
    pub fn qr_payloads(&self) -> Vec<(String, String)> {
        let spec = &self.template.spec.spec;
        spec.elements
            .iter()
            .filter_map(|e| match e {
                Element::Qr(qr) => {
                    Some((qr.id.clone(), layout::qr::payload(qr, spec, &self.record)))
                }
                _ => None,
            })
            .collect()
    }

    /// The QR code's landing page (the spec's `landing_page`): one self-contained HTML
    /// file, with the licence's picture at 72 dpi when the spec asks for
    /// it and the approvals' copies inline. A spec without a landing page is an error that
    /// says so; a page that would pass 24 MiB with its pictures inline is an
    /// error that says to write them beside it ([`Licence::landing_page_with`]).
    pub fn landing_page(&self) -> Result<String> {
        Ok(self.landing_page_with(&LandingOptions::default())?.html)
    }

    /// The landing page with its approvals' pictures inline, or, with `options.assets`,
    /// written beside it: the files to write there come back with the page, which refers
    /// to them by relative path (never another host).
    pub fn landing_page_with(&self, options: &LandingOptions) -> Result<LandingFiles> {
        let spec = &self.template.spec.spec;
        let page = spec.landing_page.as_ref().ok_or_else(|| Error::Options {
            message: format!(
                "the spec `{}` declares no landing_page: add one to say what the QR code's page shows",
                spec.name
            ),
        })?;
        let pictures = self.approval_pictures()?;
        let picture = if page.picture {
            Some(self.png(&RasterOptions {
                dpi: LANDING_PICTURE_DPI,
                ..Default::default()
            })?)
        } else {
            None
        };
        let metadata = self.metadata()?;
        let captions: Vec<String> = page
            .approvals
            .as_ref()
            .and_then(|a| a.captions.as_ref())
            .and_then(|key| match self.record.get(key) {
                Some(Value::List(items)) => Some(items.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let mut assets = Vec::new();
        let mut approvals = Vec::new();
        for (i, (media, bytes)) in pictures.iter().enumerate() {
            let href = options.assets.as_ref().map(|folder| {
                let extension = if *media == "image/png" { "png" } else { "jpg" };
                let name = format!("approval-{}.{extension}", i + 1);
                assets.push((name.clone(), bytes.clone()));
                format!("{}/{name}", folder.trim_end_matches('/'))
            });
            approvals.push(landing::Approval {
                caption: captions.get(i).map(String::as_str),
                media,
                bytes,
                href,
            });
        }
        let inline: usize = approvals
            .iter()
            .filter(|a| a.href.is_none())
            .map(|a| a.bytes.len() / 3 * 4)
            .sum::<usize>()
            + picture.as_ref().map_or(0, |p| p.len() / 3 * 4);
        if inline > MAX_PAGE_BYTES {
            return Err(Error::Options {
                message: format!(
                    "the landing page would be {} MiB with its pictures inline, over the {} MiB a phone should load: write them beside it (--page-assets DIR)",
                    inline >> 20,
                    MAX_PAGE_BYTES >> 20
                ),
            });
        }
        let html = landing::page(
            page,
            &self.record,
            picture.as_deref(),
            metadata.as_ref(),
            &approvals,
        );
        Ok(LandingFiles { html, assets })
    }

    /// The approvals' pictures the record carries (`landing_page.approvals.pictures`): each
    /// a `data:` URL or a file beside the record, read within the picture limits and
    /// decoded once to prove it is the PNG or JPEG it says. A refusal names the item.
    fn approval_pictures(&self) -> Result<Vec<(&'static str, Vec<u8>)>> {
        let spec = &self.template.spec.spec;
        let Some(key) = spec
            .landing_page
            .as_ref()
            .and_then(|p| p.approvals.as_ref())
            .map(|a| a.pictures.as_str())
        else {
            return Ok(Vec::new());
        };
        let Some(Value::List(items)) = self.record.get(key) else {
            return Ok(Vec::new());
        };
        let mut pictures = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let refuse = |message: String| Error::Record {
                record: self.record.name.clone(),
                field: Some(format!("{key}[{i}]")),
                message,
                hint: Some(
                    "give a PNG or JPEG picture of at most 32 MiB and 40 million pixels".into(),
                ),
            };
            let bytes = if crate::data_url::is_data_url(item) {
                crate::data_url::decode(item).map_err(&refuse)?.1
            } else {
                let folder = self.record.folder.as_ref().ok_or_else(|| {
                    refuse(format!(
                        "{item:?}: the record has no folder to find it in; send the picture as a data: URL"
                    ))
                })?;
                let path = crate::assets::confine(folder, item, &[])
                    .map_err(|m| refuse(format!("{item:?}: {m}")))?;
                crate::bitmap::read_picture_file(&path)
                    .map_err(|m| refuse(format!("{item:?}: {m}")))?
            };
            let media = match crate::bitmap::sniff(&bytes).map_err(&refuse)? {
                crate::bitmap::Format::Png => "image/png",
                crate::bitmap::Format::Jpeg => "image/jpeg",
            };
            crate::bitmap::Bitmap::decode(&bytes).map_err(&refuse)?;
            pictures.push((media, bytes));
        }
        Ok(pictures)
    }

    /// The licence as pixels. From the second raster with the same options on, the
    /// press artwork is painted once into an underlay and copied (the same pixels).
    pub fn raster(&self, options: &RasterOptions) -> Result<Raster> {
        let page = &self.layout.page;
        let fonts = &self.template.fonts;
        match self.template.underlays.get(page, fonts, options)? {
            Some(underlay) => raster::render_over(page, fonts, options, &underlay),
            None => raster::render(page, fonts, options),
        }
    }

    /// The licence as a PNG with its resolution recorded.
    pub fn png(&self, options: &RasterOptions) -> Result<Vec<u8>> {
        let page = &self.layout.page;
        let fonts = &self.template.fonts;
        let underlay = self.template.underlays.get(page, fonts, options)?;
        raster::png(
            page,
            fonts,
            options,
            underlay.as_deref(),
            &self.template.compressors,
        )
    }

    /// Every plate the licence uses (C, M, Y, K, then each spot ink), rendered with
    /// `options` (its `view` is replaced by each plate's).
    pub fn plates(&self, options: &RasterOptions) -> Result<Vec<Plate>> {
        self.colorants()
            .into_iter()
            .map(|colorant| {
                let options = RasterOptions {
                    view: View::Plate(colorant.clone()),
                    ..options.clone()
                };
                Ok(Plate {
                    file_name: colorant.file_name(),
                    png: self.png(&options)?,
                    colorant,
                })
            })
            .collect()
    }

    /// Where each element landed, in mm, against where the spec puts it.
    pub fn report(&self) -> &[Placement] {
        &self.layout.report
    }

    /// The layout's conformance against the spec's tolerance, row by row.
    pub fn conformance(&self) -> Vec<qa::Entry> {
        qa::conformance_rows(&self.layout, self.template.spec.spec.tolerance)
    }

    /// Checks where every element landed: in the layout, and in the ink of `capture` (a
    /// scan or photo of the printed sheet, flattened and registered on the spec's frame)
    /// or, without one, of our own 300 dpi rendering of `options.pass`.
    pub fn check(
        &self,
        capture: Option<qa::scan::Scan>,
        options: qa::check::CheckOptions,
    ) -> Result<qa::check::CheckReport> {
        let model = &self.template.spec.spec;
        let (sheet, capture) = match capture {
            // A spec without a frame reads a capture as a picture of the sheet itself.
            Some(scan) if qa::register::frame(model).is_none() => {
                let dpi = scan.dpi.ok_or_else(|| Error::Options {
                    message: "the capture records no resolution and the spec names no registration frame to measure it by; give --dpi".into(),
                })?;
                let rgb = scan.luma.iter().flat_map(|&v| [v; 3]).collect();
                let picture = qa::image::Picture {
                    width: scan.width,
                    height: scan.height,
                    dpi,
                    rgb,
                };
                (picture, None)
            }
            Some(scan) => {
                let registered = qa::register::register_sheet(scan, model)?;
                let capture = qa::check::Capture {
                    registration: registered.registration,
                    lighting: registered.lighting,
                };
                (registered.sheet, Some(capture))
            }
            None => {
                let raster = self.raster(&RasterOptions {
                    pass: options.pass,
                    ..Default::default()
                })?;
                (qa::image::Picture::from_raster(&raster), None)
            }
        };
        Ok(qa::check::check(
            &self.layout,
            model.tolerance,
            self.conformance(),
            sheet,
            capture,
            options,
        ))
    }

    /// A picture of `report` (from [`Licence::check`]): the sheet it measured, each
    /// element's box, tolerance band and ink, green or red, with its id; as a PNG.
    pub fn check_overlay(&self, report: &qa::check::CheckReport) -> Result<Vec<u8>> {
        qa::overlay::draw(report, &self.template.fonts)?.encode_png()
    }

    /// The stand-in faces that set text, each with the elements it set.
    pub fn stand_ins(&self) -> Vec<StandIn> {
        let mut by_face: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for placement in self.layout.report.iter().filter(|p| p.substituted) {
            for face in &placement.faces {
                let elements = by_face.entry(face).or_default();
                if !elements.contains(&placement.element) {
                    elements.push(placement.element.clone());
                }
            }
        }
        by_face
            .into_iter()
            .map(|(face, elements)| StandIn {
                face: face.to_owned(),
                elements,
            })
            .collect()
    }

    /// The colorants of the licence's plates: C, M, Y, K, then each spot ink it uses.
    pub fn colorants(&self) -> Vec<Colorant> {
        Colorant::plates(&self.layout.page)
    }

    /// The display list the back ends draw, for driving a back end alone.
    #[cfg(feature = "stages")]
    pub fn page(&self) -> &Page {
        &self.layout.page
    }

    /// The layout: the page and the report.
    #[cfg(feature = "stages")]
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The layout, leaving the template's caches behind.
    #[cfg(feature = "stages")]
    pub fn into_layout(self) -> Layout {
        self.layout
    }
}
