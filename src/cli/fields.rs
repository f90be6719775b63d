//! `certpress fields`: the record keys a spec expects.

use std::path::PathBuf;

use certpress::record;
use certpress::spec::LoadedSpec;

#[derive(clap::Args)]
pub struct FieldsArgs {
    /// The spec (RON).
    pub spec: PathBuf,
    /// Prints JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &FieldsArgs) -> anyhow::Result<()> {
    let spec = LoadedSpec::load(&args.spec)?;
    let fields = &spec.spec.fields;
    if args.json {
        let list = record::field_list(&spec.spec);
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    let width = fields.keys().map(|k| k.len()).max().unwrap_or(3).max(3);
    println!(
        "{:width$}  {:10}  {:8}  {:>9}  name",
        "key", "kind", "required", "max chars"
    );
    for (key, f) in fields {
        let kind = format!("{:?}", f.kind);
        let required = if f.required { "yes" } else { "no" };
        println!(
            "{key:width$}  {kind:10}  {required:8}  {:>9}  {}",
            f.max_chars, f.name
        );
    }
    Ok(())
}
