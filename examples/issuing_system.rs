//! An issuing system's flow: load the spec and fonts once at start-up, then for each
//! licence a record comes in (JSON, as issuing systems send it), a PDF goes out, and a
//! refused record is answered with the field and the reason, never with a wrong licence.
//!
//! ```sh
//! cargo run --example issuing_system
//! ```

use certpress::fonts::{FontBook, FontOptions};
use certpress::record::{self, Record};
use certpress::spec::LoadedSpec;
use certpress::{layout, pdf, Error};

/// What the service window gets back.
enum Answer {
    Licence(Vec<u8>),
    Refused {
        field: Option<String>,
        reason: String,
    },
}

/// Once per process: the spec and its fonts (parsed lazily, shared by every request).
struct Issuer {
    spec: LoadedSpec,
    fonts: FontBook,
}

impl Issuer {
    fn start() -> Result<Self, Error> {
        let spec = LoadedSpec::load("specs/liuzhou/licence.ron")?;
        let fonts = FontBook::load(&spec, &FontOptions::default())?;
        Ok(Issuer { spec, fonts })
    }

    /// Per licence: bind, lay out, render. Any error is an answer, not a crash.
    fn issue(&self, json: &str, request_id: &str) -> Answer {
        let result = (|| {
            let record = Record::from_json(json, request_id)?;
            let bound = record::bind(&self.spec.spec, &record)?;
            let laid_out = layout::layout(&self.spec, &self.fonts, &bound)?;
            pdf::pdf(&laid_out.page, &self.fonts, &pdf::PdfOptions::default())
        })();
        match result {
            Ok(bytes) => Answer::Licence(bytes),
            Err(err) => Answer::Refused {
                field: err.field().map(str::to_owned),
                reason: err.to_string(),
            },
        }
    }
}

fn main() -> Result<(), Error> {
    let issuer = Issuer::start()?;
    let good = std::fs::read_to_string("specs/liuzhou/sample.json").map_err(|e| Error::Io {
        path: "specs/liuzhou/sample.json".into(),
        source: e,
    })?;
    // A clerk's typo: the credit code's check character is wrong.
    let bad = good.replace("92450203MA5N8K2D76", "92450203MA5N8K2D77");
    for (id, json) in [("request-1", &good), ("request-2", &bad)] {
        match issuer.issue(json, id) {
            Answer::Licence(bytes) => {
                println!("{id}: licence issued, {} bytes of PDF", bytes.len())
            }
            Answer::Refused { field, reason } => {
                println!(
                    "{id}: refused (field {}):\n  {reason}",
                    field.unwrap_or_default()
                )
            }
        }
    }
    Ok(())
}
