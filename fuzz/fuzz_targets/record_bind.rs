//! Any text as a JSON or RON record, bound to the Liuzhou spec: checked or refused.
#![no_main]

use std::sync::OnceLock;

use certpress::record::{self, Record};
use certpress::spec::LoadedSpec;
use libfuzzer_sys::fuzz_target;

fn spec() -> &'static LoadedSpec {
    static SPEC: OnceLock<LoadedSpec> = OnceLock::new();
    SPEC.get_or_init(|| LoadedSpec::load("../specs/liuzhou/licence.ron").expect("the spec loads"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for parsed in [
        Record::from_json(text, "fuzz.json"),
        Record::from_ron(text, "fuzz.ron"),
    ] {
        if let Ok(record) = parsed {
            let _ = record::bind(&spec().spec, &record);
        }
    }
});
