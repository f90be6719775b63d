//! Writing output files atomically: a reader sees the old file or the whole new one, and
//! a failed render leaves nothing behind. A process killed mid-write can leave its
//! temporary file; `remove_stale_temporaries` clears those a later run finds.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let temp = temporary_for(path, std::process::id());
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        Error::io(path, e)
    })
}

/// The temporary that process `pid` of this machine writes `path` through (a test can
/// leave one as a killed run would).
pub fn temporary_for(path: &Path, pid: u32) -> std::path::PathBuf {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(temporary_name(&name, &host(), pid))
}

/// The hidden temporary a process writes `name` through: `.NAME.certpress-HOST-PID.tmp`.
/// The host is in the name because the shards of a batch may write into one shared folder
/// from several machines, and a process id means something only on its own machine.
fn temporary_name(name: &str, host: &str, pid: u32) -> String {
    format!(".{name}.{TEMP_MARK}{host}-{pid}.tmp")
}

const TEMP_MARK: &str = "certpress-";

/// This machine's name as temporaries carry it: letters, digits, `.` and `_` (a `-` would
/// blur the name's end), `localhost` when it cannot be read.
fn host() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let name: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if name.is_empty() {
        "localhost".to_owned()
    } else {
        name
    }
}

/// The host and process id in one of our temporaries' names, or `None` for any other
/// file.
fn temporary_owner(file_name: &str) -> Option<(&str, u32)> {
    let rest = file_name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (_, owner) = rest.rsplit_once(TEMP_MARK)?;
    let (host, pid) = owner.rsplit_once('-')?;
    Some((host, pid.parse().ok()?))
}

/// Removes from `dir` the temporaries of [`write_atomic`] whose process is gone (killed
/// mid-write), and says how many. Only files named as ours are touched, and never those
/// of a process still running (another batch writing into the same folder): for this
/// machine's temporaries that is read from `/proc`; another machine's (a shard writing
/// into a shared folder), or any where there is no `/proc`, count as stale once they are
/// an hour old.
pub(crate) fn remove_stale_temporaries(dir: &Path) -> Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let proc = Path::new("/proc/self").exists();
    let here = host();
    let mut removed = 0;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let Some((owner, pid)) = name.to_str().and_then(temporary_owner) else {
            continue;
        };
        let ours = owner == here;
        let stale = if ours && pid == std::process::id() {
            false
        } else if ours && proc {
            !Path::new(&format!("/proc/{pid}")).exists()
        } else {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 3600)
        };
        if stale && entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_temporaries_of_gone_processes_are_removed() {
        let dir = std::env::temp_dir().join(format!("certpress-output-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A pid above Linux's pid_max: no such process.
        let gone = temporary_name("licence.pdf", &host(), 4_194_305);
        let ours = temporary_name("licence.pdf", &host(), std::process::id());
        // Another machine's shard, writing now into a shared folder.
        let elsewhere = temporary_name("licence.pdf", "other-host", 4_194_305);
        let others = [".licence.pdf.123.tmp", "licence.pdf", ".other.tmp"];
        for name in [&gone, &ours, &elsewhere]
            .into_iter()
            .map(String::as_str)
            .chain(others)
        {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        assert_eq!(temporary_owner(&gone), Some((host().as_str(), 4_194_305)));
        assert_eq!(temporary_owner(&elsewhere), Some(("other-host", 4_194_305)));
        assert_eq!(temporary_owner(".licence.pdf.123.tmp"), None);
        if Path::new("/proc/self").exists() {
            assert_eq!(remove_stale_temporaries(&dir).unwrap(), 1);
            assert!(!dir.join(&gone).exists());
        }
        for kept in [&ours, &elsewhere]
            .into_iter()
            .map(String::as_str)
            .chain(others)
        {
            assert!(dir.join(kept).exists(), "{kept}");
        }
        write_atomic(&dir.join("new.pdf"), b"whole").unwrap();
        assert_eq!(std::fs::read(dir.join("new.pdf")).unwrap(), b"whole");
        assert_eq!(
            temporary_for(&dir.join("new.pdf"), 7),
            dir.join(temporary_name("new.pdf", &host(), 7))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
