//! Any text as a spec: loaded and prepared (guilloche generated) or refused with an
//! error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        // The spec's folder is the Liuzhou one, so asset paths resolve as in real use.
        let path = "../specs/liuzhou/licence.ron";
        if let Ok(spec) = certpress::spec::LoadedSpec::from_str(text, path) {
            let _ = certpress::layout::Prepared::new(&spec);
        }
    }
});
