//! The page's resources: font subsets, guilloche forms, spot-ink Separations, pictures,
//! the registration colour, the optional-content groups and the overprint state; written
//! as objects, then named in the page's resource dictionary.

use std::sync::Arc;

use pdf_writer::writers::Resources;
use pdf_writer::{Chunk, Filter, Finish, Name, Rect, Ref, TextStr};

use super::paint::{font_name, image_name, ink_name, layer_name, tile_name, tile_stream, Painted};
use super::{cmyk_unit, deflate, font, Effort, PdfCache, TileForm};
use crate::bitmap::Bitmap;
use crate::deflate::Compressors;
use crate::display::{InkId, InkKind, Page};
use crate::error::Result;
use crate::fonts::{FaceId, FontBook};
use crate::production::Layer;

/// What the content streams draw with, written as objects.
pub(super) struct Used {
    pub fonts: Vec<(FaceId, Ref)>,
    pub tiles: Vec<Ref>,
    /// Each spot ink's Separation colour space.
    pub inks: Vec<(InkId, Ref)>,
    pub images: Vec<Ref>,
    /// Whether an overprinting ink is used (the page then needs `GSop`).
    pub overprint: bool,
}

/// Writes the fonts, tiles, spot inks and pictures `painted` uses, in that order.
pub(super) fn write_used(
    chunk: &mut Chunk,
    alloc: &mut impl FnMut() -> Ref,
    page: &Page,
    fonts: &FontBook,
    painted: &Painted,
    cache: &PdfCache,
) -> Result<Used> {
    let compressors = &cache.compressors;
    let mut font_refs = Vec::new();
    for (face_id, usage) in &painted.fonts {
        let type0 = alloc();
        let face = fonts.face(*face_id);
        font::write_font(chunk, alloc, type0, face, usage, compressors)?;
        font_refs.push((*face_id, type0));
    }
    // Each guilloche tile once, as a form drawn by every copy; compressed once per tile,
    // which a spec's licences share.
    let tile_refs: Vec<Ref> = painted
        .tiles
        .iter()
        .map(|tile| {
            let r = alloc();
            let form = cache.tiles.get_or_make(&(Arc::as_ptr(tile) as usize), || {
                let (stream, bbox) = tile_stream(&tile.path, tile.width);
                Arc::new(TileForm {
                    _tile: tile.clone(),
                    stream: deflate(compressors, &stream, Effort::Small),
                    bbox,
                })
            });
            let [left, bottom, right, top] = form.bbox;
            chunk
                .form_xobject(r, &form.stream)
                .bbox(Rect::new(left, bottom, right, top))
                .filter(Filter::FlateDecode);
            r
        })
        .collect();
    let mut ink_refs = Vec::new();
    for ink in &painted.inks_used {
        if let InkKind::Spot {
            name,
            proof,
            invisible,
            ..
        } = &page.inks[ink.0].kind
        {
            let r = alloc();
            // An invisible (fluorescent) ink shows nothing where the Separation is not
            // printed as its own plate.
            let alternate = if *invisible {
                [0.0; 4]
            } else {
                cmyk_unit(proof)
            };
            let mut separation = chunk.color_space(r).separation(Name(name.as_bytes()));
            separation.alternate_color_space().device_cmyk();
            separation
                .tint_exponential()
                .domain([0.0, 1.0])
                .c0([0.0; 4])
                .c1(alternate)
                .n(1.0);
            ink_refs.push((*ink, r));
        }
    }
    let image_refs: Vec<Ref> = painted
        .images
        .iter()
        .map(|image| write_image(chunk, alloc, page, image, &ink_refs, compressors))
        .collect();
    let overprint = painted.inks_used.iter().any(|ink| {
        matches!(
            page.inks[ink.0].kind,
            InkKind::Spot {
                overprint: true,
                ..
            }
        )
    });
    Ok(Used {
        fonts: font_refs,
        tiles: tile_refs,
        inks: ink_refs,
        images: image_refs,
        overprint,
    })
}

/// The page's graphics states and groups: the registration colour, the layers, the
/// overprint state.
pub(super) struct States {
    /// The `All` Separation crop marks are drawn in (written only with crop marks).
    pub registration: Ref,
    /// Each layer's optional-content group, in layer order.
    pub layers: Vec<(Layer, Ref)>,
    /// The overprint ExtGState (written only when an overprinting ink is used).
    pub overprint: Ref,
}

/// Writes the registration colour (with crop marks), the layers' groups and the overprint
/// state (with an overprinting ink).
pub(super) fn write_states(
    chunk: &mut Chunk,
    alloc: &mut impl FnMut() -> Ref,
    page: &Page,
    painted: &Painted,
    used: &Used,
) -> States {
    let registration_ref = alloc();
    if page.marks.is_some_and(|m| m.crop_marks) {
        let mut separation = chunk.color_space(registration_ref).separation(Name(b"All"));
        separation.alternate_color_space().device_cmyk();
        separation
            .tint_exponential()
            .domain([0.0, 1.0])
            .c0([0.0; 4])
            .c1([1.0; 4])
            .n(1.0);
    }
    let mut layers_used = painted.layers.clone();
    layers_used.sort();
    let layer_refs: Vec<(Layer, Ref)> = layers_used.iter().map(|&l| (l, alloc())).collect();
    for &(layer, r) in &layer_refs {
        let mut group = chunk.indirect(r).dict();
        group.pair(Name(b"Type"), Name(b"OCG"));
        group.pair(Name(b"Name"), TextStr(layer.name()));
    }
    let gs_ref = alloc();
    if used.overprint {
        chunk
            .ext_graphics(gs_ref)
            .overprint(true)
            .overprint_fill(true)
            .overprint_mode(pdf_writer::types::OverprintMode::IgnoreZeroChannel)
            // Multiply: where the Separation is not output as its own plate (any
            // composite view, with or without overprint preview) its no-ink alternate
            // leaves what is under it unchanged; on the ink's own plate it prints in full.
            .blend_mode(pdf_writer::types::BlendMode::Multiply);
    }
    States {
        registration: registration_ref,
        layers: layer_refs,
        overprint: gs_ref,
    }
}

/// Names every resource in the page's resource dictionary.
pub(super) fn name_all(mut resources: Resources<'_>, page: &Page, used: &Used, states: &States) {
    let mut font_dict = resources.fonts();
    for (face, r) in &used.fonts {
        font_dict.pair(font_name(*face).as_name(), *r);
    }
    font_dict.finish();
    let mut spaces = resources.color_spaces();
    for (ink, r) in &used.inks {
        spaces.pair(ink_name(*ink).as_name(), *r);
    }
    if page.marks.is_some_and(|m| m.crop_marks) {
        spaces.pair(Name(b"CSreg"), states.registration);
    }
    spaces.finish();
    if used.overprint {
        resources
            .ext_g_states()
            .pair(Name(b"GSop"), states.overprint);
    }
    if !used.tiles.is_empty() || !used.images.is_empty() {
        let mut forms = resources.x_objects();
        for (i, r) in used.tiles.iter().enumerate() {
            forms.pair(tile_name(i).as_name(), *r);
        }
        for (i, r) in used.images.iter().enumerate() {
            forms.pair(image_name(i).as_name(), *r);
        }
    }
    if !states.layers.is_empty() {
        let mut properties = resources.insert(Name(b"Properties")).dict();
        for &(layer, r) in &states.layers {
            properties.pair(layer_name(layer).as_name(), r);
        }
    }
    resources.finish();
}

/// A picture's image XObject. In its own colours: DeviceCMYK samples, its transparency
/// as a soft mask. In one ink: the ink at full strength, the picture's coverage as the
/// soft mask, so the ink lands only where the picture has it (on the ink's own plate
/// for a spot ink) and nothing under it is knocked out elsewhere.
fn write_image(
    chunk: &mut Chunk,
    alloc: &mut impl FnMut() -> Ref,
    page: &Page,
    (bitmap, ink): &(Arc<Bitmap>, Option<InkId>),
    ink_refs: &[(InkId, Ref)],
    compressors: &Compressors,
) -> Ref {
    let (width, height) = (bitmap.width as i32, bitmap.height as i32);
    let pixels = bitmap.width as usize * bitmap.height as usize;
    let image_ref = alloc();
    let mask = match ink {
        Some(_) => Some(bitmap.coverage()),
        None => bitmap.alpha.as_deref(),
    };
    let mask_ref = mask.map(|mask| {
        let r = alloc();
        let data = deflate(compressors, mask, Effort::Fast);
        let mut smask = chunk.image_xobject(r, &data);
        smask.width(width).height(height).bits_per_component(8);
        smask.color_space().device_gray();
        smask.filter(Filter::FlateDecode);
        r
    });
    let samples: std::borrow::Cow<[u8]> = match ink.map(|i| (&page.inks[i.0].kind, i)) {
        None => (&bitmap.cmyk[..]).into(),
        Some((InkKind::Process(cmyk), _)) => {
            let ink = cmyk_unit(cmyk).map(|v| (v * 255.0).round() as u8);
            ink.repeat(pixels).into()
        }
        Some((InkKind::Spot { .. }, _)) => vec![255; pixels].into(),
    };
    let data = deflate(compressors, &samples, Effort::Fast);
    let mut xobject = chunk.image_xobject(image_ref, &data);
    xobject.width(width).height(height).bits_per_component(8);
    match ink.map(|i| (&page.inks[i.0].kind, i)) {
        Some((InkKind::Spot { .. }, id)) => {
            let separation = ink_refs.iter().find(|(i, _)| *i == id).map(|(_, r)| *r);
            if let Some(r) = separation {
                xobject.pair(Name(b"ColorSpace"), r);
            }
        }
        _ => {
            xobject.color_space().device_cmyk();
        }
    }
    xobject.filter(Filter::FlateDecode);
    if let Some(r) = mask_ref {
        xobject.s_mask(r);
    }
    image_ref
}
