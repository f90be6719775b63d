//! Any text as the body of a render request: parsed as the service parses it (JSON, a
//! key twice refused), bound and laid out on the Liuzhou spec and on the health card,
//! whose photo and seal may come as `data:` URLs (decoded, sniffed, size-checked).
//! Issued or refused; never a panic.
#![no_main]

use std::sync::OnceLock;

use certpress::{Record, Template};
use libfuzzer_sys::fuzz_target;

fn templates() -> &'static [Template; 2] {
    static TEMPLATES: OnceLock<[Template; 2]> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        [
            Template::load("../specs/liuzhou/licence.ron").expect("the Liuzhou spec loads"),
            Template::load("../specs/health-card/card.ron").expect("the health card loads"),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // As the service reads a request: a record without a folder.
    let Ok(record) = Record::from_json(text, "request") else {
        return;
    };
    for template in templates() {
        let _ = template.issue(&record);
    }
    for value in record.values.values() {
        if let certpress::record::RawValue::Text(text) = value {
            if certpress::data_url::is_data_url(text) {
                let _ = certpress::data_url::decode(text);
            }
        }
    }
});
