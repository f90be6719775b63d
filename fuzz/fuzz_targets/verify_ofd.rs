//! Any bytes as a sealed OFD package handed to `verify`: a report or a refusal, within
//! the package limits; never a panic, never a read past them.
#![no_main]

use certpress::sign::verify;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = verify::verify_ofd_with(data, &verify::VerifyOptions::default());
});
