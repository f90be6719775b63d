//! An issuing system's flow: prepare the spec once at start-up, then for each licence a
//! record comes in (JSON, as issuing systems send it) and a PDF goes out; a refused record
//! is answered with its field and the reason, never with a wrong licence.
//!
//! ```sh
//! cargo run --example issuing_system
//! ```

use certpress::{Error, PdfOptions, Record, Template};

fn main() -> Result<(), Error> {
    // Once per process: spec, fonts and everything no record changes. Share it with every
    // thread (`&template`, or an `Arc`).
    let template = Template::load("specs/liuzhou/licence.ron")?;

    let good = std::fs::read_to_string("specs/liuzhou/sample.json")
        .map_err(|e| Error::io("specs/liuzhou/sample.json", e))?;
    // A clerk's typo: the credit code's check character is wrong.
    let bad = good.replace("92450203MA5N8K2D76", "92450203MA5N8K2D77");

    for (request, json) in [("request-1", &good), ("request-2", &bad)] {
        // Per licence: parse, issue, render. Any error is an answer, not a crash.
        let result = Record::from_json(json, request)
            .and_then(|record| template.issue(&record)?.pdf(&PdfOptions::default()));
        match result {
            Ok(pdf) => println!("{request}: issued, {} bytes of PDF", pdf.len()),
            Err(err) => println!(
                "{request}: refused, field {} ({}):\n  {err}",
                err.field().unwrap_or("-"),
                err.code()
            ),
        }
    }
    Ok(())
}
