//! Pictures carried inside a record as `data:` URLs (RFC 2397), for records that come
//! without a folder: a request to the service, a JSON Lines batch line. A PNG or JPEG
//! photo or seal is `data:image/png;base64,…` or `data:image/jpeg;base64,…`; the bytes
//! must be what the media type says. Other media types, and SVG, are refused: artwork is
//! drawn from files.

use base64::Engine as _;

/// The largest picture a data URL may carry: the limit of a picture file.
const MAX_PICTURE_BYTES: usize = 32 << 20;

/// Whether `text` is a data URL (and not a file name).
pub fn is_data_url(text: &str) -> bool {
    text.get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("data:"))
}

/// The picture bytes of a `data:image/png;base64,…` or `data:image/jpeg;base64,…` URL,
/// checked against the media type it declares; a message saying what is wrong otherwise.
pub fn picture_bytes(text: &str) -> Result<Vec<u8>, String> {
    let rest = text
        .get(5..)
        .filter(|_| is_data_url(text))
        .ok_or("not a data: URL")?;
    let (header, data) = rest
        .split_once(',')
        .ok_or("a data: URL has a comma between its media type and its data")?;
    let mut parts = header.split(';').map(str::trim);
    let media = parts.next().unwrap_or("").to_ascii_lowercase();
    let base64 = parts.any(|p| p.eq_ignore_ascii_case("base64"));
    let png = match media.as_str() {
        "image/png" => true,
        "image/jpeg" | "image/jpg" => false,
        "" => return Err("the data: URL names no media type: give image/png or image/jpeg".into()),
        other => {
            return Err(format!(
                "a data: URL of {other}: a picture is image/png or image/jpeg"
            ))
        }
    };
    if !base64 {
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
    let is_png = bytes.starts_with(b"\x89PNG\r\n\x1a\n");
    let is_jpeg = bytes.starts_with(&[0xFF, 0xD8, 0xFF]);
    match (png, is_png, is_jpeg) {
        (true, true, _) | (false, _, true) => Ok(bytes),
        (true, _, true) => Err("the data: URL says image/png but holds a JPEG".into()),
        (false, true, _) => Err("the data: URL says image/jpeg but holds a PNG".into()),
        _ => Err(format!(
            "the data: URL's bytes are not a {}",
            if png { "PNG" } else { "JPEG" }
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
        assert_eq!(picture_bytes(&url("image/png", png)).unwrap(), png);
        assert_eq!(picture_bytes(&url("IMAGE/JPEG", &jpeg)).unwrap(), jpeg);
        assert!(is_data_url("DATA:image/png;base64,"));
        assert!(!is_data_url("photo.png"));
        let refused = |text: &str| picture_bytes(text).unwrap_err();
        assert!(refused(&url("image/png", &jpeg)).contains("holds a JPEG"));
        assert!(refused(&url("image/jpeg", png)).contains("holds a PNG"));
        assert!(refused(&url("image/svg+xml", b"<svg/>")).contains("image/svg+xml"));
        assert!(refused("data:image/png,rawbytes").contains("base64"));
        assert!(refused("data:image/png;base64,%%%").contains("does not decode"));
        assert!(refused("data:image/png;base64").contains("comma"));
        assert!(refused(&url("image/png", b"GIF89a")).contains("not a PNG"));
    }
}
