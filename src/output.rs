//! Writing output files atomically: a reader sees the old file or the whole new one, and
//! a failed render leaves nothing behind. A process killed mid-write can leave its
//! temporary file; `remove_stale_temporaries` clears those a later run finds.

use std::io::Write;
use std::path::{Path, PathBuf};

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

/// Files that belong together (a licence's outputs, then its stamp), written by
/// [`write_sets`]: each file whole or not at all, the last one (the set's mark that it is
/// complete) only after the others are in place.
pub(crate) struct FileSet {
    /// Paths and bytes, the mark last.
    pub files: Vec<(PathBuf, Vec<u8>)>,
}

/// Writes many sets at once, for a batch: every temporary is written, then all are synced
/// ([`sync_sets`], from a few threads), then renamed: the sets' other files first, their
/// folders synced, then the marks, their folders synced. Against [`write_atomic`] per
/// file, the waits for the disk overlap, the renames become durable (a folder sync),
/// and a mark is never on disk before the files it vouches for. A set whose file cannot
/// be written fails alone: its temporaries are removed, its mark is not placed (files of
/// it already renamed are whole, and the missing mark has the next run render them again).
pub(crate) fn write_sets(sets: &[&FileSet]) -> Vec<Result<()>> {
    let (host, pid) = (host(), std::process::id());
    let mut results: Vec<Result<()>> = sets.iter().map(|_| Ok(())).collect();
    let mut temporaries: Vec<Vec<(PathBuf, Option<std::fs::File>)>> = sets
        .iter()
        .map(|set| {
            set.files
                .iter()
                .map(|(path, _)| (temporary_in(path, &host, pid), None))
                .collect()
        })
        .collect();
    // Written, then synced: the sync of one file overlaps the writeback of the others.
    for (k, set) in sets.iter().enumerate() {
        for ((path, bytes), (temp, handle)) in set.files.iter().zip(&mut temporaries[k]) {
            let written = std::fs::File::create(&*temp).and_then(|mut file| {
                file.write_all(bytes)?;
                Ok(file)
            });
            match written {
                Ok(file) => *handle = Some(file),
                Err(e) => {
                    results[k] = Err(Error::io(path, e));
                    break;
                }
            }
        }
    }
    let synced = sync_sets(sets, &temporaries, &results);
    for (result, sync) in results.iter_mut().zip(synced) {
        if result.is_ok() {
            *result = sync;
        }
    }
    // The files before their marks, each round made durable by syncing its folders.
    for marks in [false, true] {
        let mut folders: Vec<PathBuf> = Vec::new();
        for (k, set) in sets.iter().enumerate() {
            if results[k].is_err() {
                continue;
            }
            let count = set.files.len();
            let chosen = set.files.iter().zip(&temporaries[k]).enumerate();
            for (i, ((path, _), (temp, _))) in chosen {
                if (i + 1 == count) != marks {
                    continue;
                }
                if let Err(e) = std::fs::rename(temp, path) {
                    results[k] = Err(Error::io(path, e));
                    break;
                }
                let folder = folder_of(path);
                if !folders.contains(&folder) {
                    folders.push(folder);
                }
            }
        }
        for folder in &folders {
            // Opening a folder to sync it works on Unix; elsewhere the renames stand as
            // the file system keeps them.
            if let Ok(dir) = std::fs::File::open(folder) {
                let _ = dir.sync_all();
            }
        }
    }
    // What a failed set left behind.
    for (k, temps) in temporaries.into_iter().enumerate() {
        if results[k].is_err() {
            for (temp, handle) in temps {
                drop(handle);
                let _ = std::fs::remove_file(temp);
            }
        }
    }
    results
}

/// Syncs the temporaries of the sets not failed yet, from a few threads at once: a
/// journaling file system commits concurrent syncs together, where one after another each
/// waits for its own commit. Each set's outcome, in order.
fn sync_sets(
    sets: &[&FileSet],
    temporaries: &[Vec<(PathBuf, Option<std::fs::File>)>],
    results: &[Result<()>],
) -> Vec<Result<()>> {
    std::thread::scope(|scope| {
        let per_thread = sets.len().div_ceil(SYNC_THREADS).max(1);
        let workers: Vec<_> = sets
            .chunks(per_thread)
            .zip(temporaries.chunks(per_thread))
            .zip(results.chunks(per_thread))
            .map(|((sets, temps), results)| {
                let count = sets.len();
                let worker = scope.spawn(move || {
                    sets.iter()
                        .zip(temps)
                        .zip(results)
                        .map(|((set, temps), result)| {
                            if result.is_err() {
                                return Ok(());
                            }
                            for ((path, _), (_, handle)) in set.files.iter().zip(temps) {
                                if let Some(Err(e)) = handle.as_ref().map(std::fs::File::sync_all) {
                                    return Err(Error::io(path, e));
                                }
                            }
                            Ok(())
                        })
                        .collect::<Vec<_>>()
                });
                (count, worker)
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|(count, worker)| {
                // A sync thread that died vouches for none of its files.
                worker.join().unwrap_or_else(|_| {
                    (0..count)
                        .map(|_| {
                            Err(Error::Render {
                                message: "syncing the batch's files failed inside certpress".into(),
                            })
                        })
                        .collect()
                })
            })
            .collect()
    })
}

/// Threads a group's files are synced from.
const SYNC_THREADS: usize = 4;

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The temporary that process `pid` of this machine writes `path` through (a test can
/// leave one as a killed run would).
pub fn temporary_for(path: &Path, pid: u32) -> std::path::PathBuf {
    temporary_in(path, &host(), pid)
}

/// [`temporary_for`] with the host's name read already (once for a batch's group, not
/// once a file).
fn temporary_in(path: &Path, host: &str, pid: u32) -> PathBuf {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(temporary_name(&name, host, pid))
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

    /// A group of sets: the good ones written whole with their marks; the one whose file
    /// cannot be written leaves neither its other files' temporaries nor its mark.
    #[test]
    fn a_set_that_cannot_be_written_fails_alone_and_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("certpress-sets-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("marks")).unwrap();
        let set = |name: &str, broken: bool| FileSet {
            files: vec![
                (dir.join(format!("{name}.pdf")), name.as_bytes().to_vec()),
                (
                    // A folder that does not exist: the file cannot be created.
                    if broken {
                        dir.join("missing").join(format!("{name}.png"))
                    } else {
                        dir.join(format!("{name}.png"))
                    },
                    vec![7; 100],
                ),
                (
                    dir.join("marks").join(format!("{name}.json")),
                    b"{}".to_vec(),
                ),
            ],
        };
        let sets = [set("a", false), set("b", true), set("c", false)];
        let results = write_sets(&sets.iter().collect::<Vec<_>>());
        assert!(results[0].is_ok() && results[2].is_ok());
        let err = results[1].as_ref().unwrap_err();
        assert!(err.to_string().contains("b.png"), "{err}");
        for name in ["a", "c"] {
            assert_eq!(
                std::fs::read(dir.join(format!("{name}.pdf"))).unwrap(),
                name.as_bytes()
            );
            assert_eq!(
                std::fs::read(dir.join(format!("{name}.png"))).unwrap(),
                vec![7; 100]
            );
            assert!(dir.join("marks").join(format!("{name}.json")).exists());
        }
        assert!(!dir.join("b.pdf").exists());
        assert!(!dir.join("marks").join("b.json").exists());
        // No temporary of any set is left.
        for folder in [dir.clone(), dir.join("marks")] {
            let left: Vec<_> = std::fs::read_dir(&folder)
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                .map(|e| e.file_name())
                .collect();
            assert!(left.is_empty(), "{left:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
