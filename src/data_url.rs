//! Pictures carried inside a record as `data:` URLs (RFC 2397), for records that come
//! without a folder: a request to the service, a JSON Lines batch line. A PNG or JPEG
//! photo or seal is `data:image/png;base64,…` or `data:image/jpeg;base64,…`, a seal's
//! artwork `data:image/svg+xml;base64,…`; the bytes must be what the media type says.
//! Other media types are refused.

use base64::Engine as _;

/// The largest picture a data URL may carry: the limit of a picture file.
const MAX_PICTURE_BYTES: usize = 32 << 20;

/// What to do about a refused data URL.
pub(crate) const HINT: &str = "send a PNG or JPEG picture as data:image/png;base64,… or data:image/jpeg;base64,…, SVG artwork as data:image/svg+xml;base64,…";

/// What a data URL carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// A PNG picture.
    Png,
    /// A JPEG picture.
    Jpeg,
    /// SVG artwork.
    Svg,
}

/// Whether `text` is a data URL (and not a file name).
pub fn is_data_url(text: &str) -> bool {
    text.get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("data:"))
}

/// The bytes of a `data:image/png;base64,…`, `data:image/jpeg;base64,…` or
/// `data:image/svg+xml;base64,…` URL and what they are, checked against the media type it
/// declares; a message saying what is wrong otherwise.
pub fn decode(text: &str) -> Result<(Media, Vec<u8>), String> {
    let rest = text
        .get(5..)
        .filter(|_| is_data_url(text))
        .ok_or("not a data: URL")?;
    let (header, data) = rest
        .split_once(',')
        .ok_or("a data: URL has a comma between its media type and its data")?;
    let mut parts = header.split(';').map(str::trim);
    let media =
        match parts.next().unwrap_or("").to_ascii_lowercase().as_str() {
            "image/png" => Media::Png,
            "image/jpeg" | "image/jpg" => Media::Jpeg,
            "image/svg+xml" => Media::Svg,
            "" => return Err(
                "the data: URL names no media type: give image/png, image/jpeg or image/svg+xml"
                    .into(),
            ),
            other => {
                return Err(format!(
                    "a data: URL of {other}: a picture is image/png, image/jpeg or image/svg+xml"
                ))
            }
        };
    if !parts.any(|p| p.eq_ignore_ascii_case("base64")) {
        return Err("a picture's data: URL is base64 (data:image/png;base64,…)".into());
    }
    // Refused before decoding: base64 is four characters for three bytes.
    if data.len() / 4 * 3 > MAX_PICTURE_BYTES {
        return Err(format!(
            "{} characters of base64, over the 32 MiB picture limit",
            data.len()
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| format!("the data: URL's base64 does not decode: {e}"))?;
    let found = match crate::bitmap::sniff(&bytes) {
        Ok(crate::bitmap::Format::Png) => Some(Media::Png),
        Ok(crate::bitmap::Format::Jpeg) => Some(Media::Jpeg),
        Err(_) => None,
    };
    let name = |m: Media| match m {
        Media::Png => "image/png",
        Media::Jpeg => "image/jpeg",
        Media::Svg => "image/svg+xml",
    };
    match (media, found) {
        (Media::Png, Some(Media::Png)) | (Media::Jpeg, Some(Media::Jpeg)) | (Media::Svg, None) => {
            Ok((media, bytes))
        }
        (said, Some(held)) => Err(format!(
            "the data: URL says {} but holds a {}",
            name(said),
            if held == Media::Png { "PNG" } else { "JPEG" }
        )),
        (said, None) => Err(format!(
            "the data: URL's bytes are not the {} it says",
            name(said)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(media: &str, bytes: &[u8]) -> String {
        format!(
            "data:{media};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    #[test]
    fn pictures_decode_and_lies_are_refused() {
        let png = b"\x89PNG\r\n\x1a\nrest";
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2];
        assert_eq!(
            decode(&url("image/png", png)).unwrap(),
            (Media::Png, png.to_vec())
        );
        assert_eq!(
            decode(&url("IMAGE/JPEG", &jpeg)).unwrap(),
            (Media::Jpeg, jpeg.to_vec())
        );
        assert_eq!(
            decode(&url("image/svg+xml", b"<svg/>")).unwrap().0,
            Media::Svg
        );
        assert!(is_data_url("DATA:image/png;base64,"));
        assert!(!is_data_url("photo.png"));
        let refused = |text: &str| decode(text).unwrap_err();
        assert!(refused(&url("image/png", &jpeg)).contains("holds a JPEG"));
        assert!(refused(&url("image/jpeg", png)).contains("holds a PNG"));
        assert!(refused(&url("image/gif", b"GIF89a")).contains("image/gif"));
        assert!(refused(&url("image/svg+xml", png)).contains("holds a PNG"));
        assert!(refused("data:image/png,rawbytes").contains("base64"));
        assert!(refused("data:image/png;base64,%%%").contains("does not decode"));
        assert!(refused("data:image/png;base64").contains("comma"));
        assert!(refused(&url("image/png", b"GIF89a")).contains("not the image/png"));
    }
}
