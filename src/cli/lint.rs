//! `certpress lint`: refuses what cannot render, warns about what is probably wrong.

use std::path::PathBuf;

use anyhow::Context;

use certpress::record;

use super::options::FontArgs;

#[derive(clap::Args)]
pub struct LintArgs {
    /// The spec (RON).
    pub spec: PathBuf,
    /// The record to lay out for the layout checks. Default: `sample.json` beside the
    /// spec, when there is one.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Warnings make the exit status 1.
    #[arg(long)]
    pub strict: bool,
    /// Prints the findings (or the error) as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub fonts: FontArgs,
}

pub fn run(args: &LintArgs) -> anyhow::Result<bool> {
    let template = args.fonts.template(&args.spec)?;
    let spec = template.spec();
    let data = args.data.clone().or_else(|| {
        let sample = args.spec.parent()?.join("sample.json");
        sample.exists().then_some(sample)
    });
    let placements = match &data {
        Some(path) => {
            let record = record::Record::load(path)?;
            let licence = template
                .issue(&record)
                .with_context(|| format!("the spec's sample {} is refused", path.display()))?;
            Some(licence.report().to_vec())
        }
        None => None,
    };
    let warnings = certpress::qa::lint::lint(spec, placements.as_deref());
    let file = args.spec.display();
    if args.json {
        let value = serde_json::json!({
            "spec": file.to_string(),
            "laid_out": data.as_ref().map(|p| p.display().to_string()),
            "warnings": warnings,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
    }
    for w in &warnings {
        match w.line {
            Some(line) => eprintln!("warning: {file}:{line}: {}", w.message),
            None => eprintln!("warning: {file}: {}", w.message),
        }
    }
    let checked = match &data {
        Some(path) => format!("laid out with {}", path.display()),
        None => "no record to lay out (give --data for the layout checks)".to_owned(),
    };
    eprintln!("{file}: valid; {} warning(s); {checked}", warnings.len());
    Ok(!args.strict || warnings.is_empty())
}
