//! Re-issue on change (变更): what a licence was issued from, so that a later run can tell
//! a changed licence from an identical one, and the rule that a changed licence carries
//! a raised version.
//!
//! Two digests, SHA-256:
//! - the **record digest**: the record's values (canonical JSON, keys in order) and the
//!   bytes of every picture file it names. What the licence says. A changed record digest
//!   is a different licence, which must not go out under the same identifier: its version
//!   (版本号, GB/T 36904) must be raised ([`require_new_version`]).
//! - the **inputs digest**: the record digest with everything else that shapes the files:
//!   certpress's version, the spec and its artwork ([`crate::spec::LoadedSpec::fingerprint`]),
//!   every font file, the output options, the signing certificates. Equal inputs give
//!   equal files (but for a signature's time), so a batch skips them; any difference
//!   re-renders.
//!
//! A batch keeps them per licence in a stamp beside its files (`DIR/.certpress/<name>.json`,
//! written after the files); a stamp that is missing or cannot be read means re-render,
//! never skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::record::{RawValue, Record};
use crate::spec::{FieldKind, Spec};

/// The folder inside a batch's output folder that holds the stamps.
pub const STAMPS: &str = ".certpress";

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The record digest: the values as canonical JSON, then each picture file a field of
/// kind `ImagePath` or `ImageList` names beside the record (its bytes, or nothing when it cannot be
/// read: the issue itself then fails).
pub fn record_digest(record: &Record, spec: &Spec) -> [u8; 32] {
    let mut hasher = Sha256::new();
    let values: BTreeMap<&String, &RawValue> = record.values.iter().collect();
    let json = serde_json::to_vec(&values).unwrap_or_default();
    hasher.update((json.len() as u64).to_le_bytes());
    hasher.update(&json);
    for (key, value) in &record.values {
        let pictures = spec
            .fields
            .get(key)
            .is_some_and(|f| matches!(f.kind, FieldKind::ImagePath | FieldKind::ImageList));
        let (true, Some(folder)) = (pictures, &record.folder) else {
            continue;
        };
        let names: Vec<&String> = match value {
            RawValue::Text(name) => vec![name],
            RawValue::List(names) => names.iter().collect(),
            _ => Vec::new(),
        };
        for name in names {
            if crate::data_url::is_data_url(name) {
                continue;
            }
            let bytes = crate::assets::confine(folder, name.trim(), &[])
                .ok()
                .and_then(|path| std::fs::read(path).ok())
                .unwrap_or_default();
            hasher.update(key.as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
        }
    }
    hasher.finalize().into()
}

/// The inputs digest: the template's fingerprint, the record digest and whatever else
/// the caller's output depends on (`options`: a stable description of the output
/// options and the signing certificates).
pub(crate) fn inputs_digest(template: &[u8; 32], record: &[u8; 32], options: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(template);
    hasher.update(record);
    hasher.update((options.len() as u64).to_le_bytes());
    hasher.update(options);
    hasher.finalize().into()
}

/// What a batch wrote for one licence, and from what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stamp {
    /// The inputs digest, hex.
    pub inputs: String,
    /// The record digest, hex.
    pub record: String,
    /// The licence's version (版本号).
    pub version: u16,
    /// The files written, by name.
    pub files: Vec<String>,
}

/// Where the stamp of the licence named `stem` lies in `out_dir`.
pub(crate) fn stamp_path(out_dir: &Path, stem: &str) -> PathBuf {
    out_dir.join(STAMPS).join(format!("{stem}.json"))
}

/// The stamp at `path`; `None` when there is none or it cannot be read (then the licence
/// is re-rendered, never skipped). Bounded: a stamp is a few hundred bytes.
pub(crate) fn read_stamp(path: &Path) -> Option<Stamp> {
    let metadata = std::fs::metadata(path).ok()?;
    if metadata.len() > 64 * 1024 {
        return None;
    }
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// A stamp as its file holds it.
pub(crate) fn stamp_bytes(stamp: &Stamp) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(stamp).map_err(|e| Error::Render {
        message: format!("writing the stamp: {e}"),
    })
}

/// The rule of a re-issue: a licence whose record changed since `previous` was issued
/// must carry a higher version than it did. `key` is the record field the version comes
/// from, for the message.
pub fn require_new_version(
    record_name: &str,
    key: Option<&str>,
    record: &[u8; 32],
    version: u16,
    previous: (&str, u16),
) -> Result<()> {
    let (previous_record, previous_version) = previous;
    if hex(record) == previous_record || version > previous_version {
        return Ok(());
    }
    Err(Error::VersionNotRaised {
        record: record_name.to_owned(),
        field: key.map(str::to_owned),
        previous: previous_version,
        version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_record_needs_a_raised_version() {
        let a = [1u8; 32];
        let b = [2u8; 32];
        let issued = hex(&a);
        // Unchanged: any version.
        assert!(require_new_version("r", Some("v"), &a, 1, (&issued, 1)).is_ok());
        // Changed and raised.
        assert!(require_new_version("r", Some("v"), &b, 2, (&issued, 1)).is_ok());
        // Changed, not raised: refused, naming the field and the next version.
        let err =
            require_new_version("r", Some("licence_version"), &b, 1, (&issued, 1)).unwrap_err();
        assert_eq!(err.field(), Some("licence_version"));
        assert!(
            err.to_string().contains("set `licence_version` to 2"),
            "{err}"
        );
    }
}
