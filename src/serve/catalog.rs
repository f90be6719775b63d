//! The specs a service serves: every `*.ron` in each folder under the specs folder,
//! prepared once at start. A spec that fails to load is kept as a failure (logged, listed
//! by `GET /v1/specs`) and the others serve.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use certpress::error::ErrorReport;
use certpress::record::{self, FieldInfo};
use certpress::sign::{time, Signer, Signing};
use certpress::{Template, TemplateOptions};

/// One prepared spec.
pub struct Served {
    /// The prepared template, shared by every request.
    pub template: Template,
    /// The spec file, relative to the specs folder.
    pub file: PathBuf,
    /// The record keys it expects.
    pub fields: Vec<FieldInfo>,
    /// The keys that sign its licences (`sign=true`), made for its SM2 signer ID.
    pub signing: Option<Signing>,
}

/// A spec that did not load.
pub struct Failed {
    /// The spec file, relative to the specs folder.
    pub file: PathBuf,
    /// Why.
    pub error: ErrorReport,
}

/// Every spec of the specs folder, by name.
#[derive(Default)]
pub struct Catalog {
    /// The specs that serve.
    pub served: BTreeMap<String, Arc<Served>>,
    /// The specs that failed to load, by name.
    pub failed: BTreeMap<String, Failed>,
}

impl Catalog {
    /// Loads `dir/<name>/*.ron`: a folder with one spec serves it under the folder's name,
    /// a folder with several under `<folder>-<file stem>`. Only an unreadable `dir` is an
    /// error; each spec's own failure is recorded and logged.
    ///
    /// Each `(key, certificate)` of `keys` signs every spec's licences on request; a key
    /// that cannot be read or does not fit its certificate stops the start (it would
    /// concern every spec).
    pub fn load(
        dir: &Path,
        options: &TemplateOptions,
        keys: &[(PathBuf, PathBuf)],
        seal: Option<&certpress::sign::seal::Seal>,
        tsa: Option<&certpress::sign::tsa::Tsa>,
        pkcs11_module: Option<&Path>,
    ) -> anyhow::Result<Catalog> {
        let mut catalog = Catalog::default();
        for (name, path) in spec_files(dir)
            .with_context(|| format!("reading the specs folder {}", dir.display()))?
        {
            let file = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
            let started = Instant::now();
            match Template::load_with(&path, options) {
                Ok(template) => {
                    eprintln!(
                        "certpress serve: prepared {name} ({}) in {} ms",
                        file.display(),
                        started.elapsed().as_millis()
                    );
                    let fields = record::field_list(template.model());
                    let signing = signing(keys, template.signer_id(), seal, tsa, pkcs11_module)
                        .with_context(|| format!("the keys for spec {name}"))?;
                    catalog.served.insert(
                        name,
                        Arc::new(Served {
                            template,
                            file,
                            fields,
                            signing,
                        }),
                    );
                }
                Err(err) => {
                    eprintln!("certpress serve: NOT serving {name}: {err}");
                    catalog.failed.insert(
                        name,
                        Failed {
                            file,
                            error: err.report(),
                        },
                    );
                }
            }
        }
        Ok(catalog)
    }
}

/// The keys, loaded for a spec's SM2 signer ID and checked against their certificates
/// (and valid now); none without keys.
fn signing(
    keys: &[(PathBuf, PathBuf)],
    sm2_id: &str,
    seal: Option<&certpress::sign::seal::Seal>,
    tsa: Option<&certpress::sign::tsa::Tsa>,
    pkcs11_module: Option<&Path>,
) -> anyhow::Result<Option<Signing>> {
    if keys.is_empty() {
        anyhow::ensure!(
            seal.is_none(),
            "--seal needs the SM2 key it authorises (--sign-key)"
        );
        return Ok(None);
    }
    let signers = keys
        .iter()
        .map(|(key, certificate)| Signer::load_any(key, certificate, sm2_id, pkcs11_module))
        .collect::<certpress::Result<Vec<_>>>()?;
    let mut signing = Signing::new(signers, time::now())?;
    signing.tsa = tsa.cloned();
    Ok(Some(match seal {
        Some(seal) => signing.with_issued_seal(seal.clone())?,
        None => signing,
    }))
}

/// The spec files under `dir`, named, in name order.
fn spec_files(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_dir())
        .collect();
    folders.sort();
    let mut specs = Vec::new();
    for folder in folders {
        let Some(folder_name) = folder.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "ron") && path.is_file())
            .collect();
        files.sort();
        let several = files.len() > 1;
        for file in files {
            let name = match (several, file.file_stem().and_then(|s| s.to_str())) {
                (true, Some(stem)) => format!("{folder_name}-{stem}"),
                _ => folder_name.to_owned(),
            };
            specs.push((name, file));
        }
    }
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_name_their_specs() {
        let dir = std::env::temp_dir().join(format!("certpress-catalog-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (folder, file) in [
            ("one", "licence.ron"),
            ("two", "a.ron"),
            ("two", "b.ron"),
            ("two", "notes.txt"),
        ] {
            std::fs::create_dir_all(dir.join(folder)).unwrap();
            std::fs::write(dir.join(folder).join(file), "").unwrap();
        }
        std::fs::write(dir.join("loose.ron"), "").unwrap();
        let names: Vec<String> = spec_files(&dir)
            .unwrap()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(names, ["one", "two-a", "two-b"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
