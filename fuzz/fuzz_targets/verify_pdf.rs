//! Any bytes as a signed PDF handed to `verify`: a report or a refusal; never a panic.
//! A report that says intact must still hold when checked again (no state between runs).
#![no_main]

use certpress::sign::verify;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = verify::verify_pdf_with(data, &verify::VerifyOptions::default());
});
