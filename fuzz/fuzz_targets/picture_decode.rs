//! Any bytes as a picture (a record's photo or seal): decoded or refused, never a panic,
//! and never more pixels than the limit. Seed with fuzz/corpus/picture_decode (a PNG and a
//! JPEG from the repository).
#![no_main]

use certpress::bitmap::{Bitmap, MAX_PIXELS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(bitmap) = Bitmap::decode(data) {
        let pixels = u64::from(bitmap.width) * u64::from(bitmap.height);
        assert!(pixels <= MAX_PIXELS);
        assert_eq!(bitmap.cmyk.len() as u64, pixels * 4);
    }
});
