//! An OFD package (a ZIP) read from bytes nobody vouches for, bounded while it reads.
//!
//! A verifier is handed files by anyone: a 3.6 MB package whose page entry inflates to
//! 3 GB must be refused after reading a bounded amount, not after inflating it. So every
//! quantity is checked before it is allocated or while it grows: the file's size, the
//! entry count the end-of-central-directory record declares (before the directory is
//! parsed), each entry's inflated size (read through a limit, whatever its header says),
//! the total inflated size, and the inflation ratio of large entries. Two entries of one
//! name are refused: a reader showing the second while the seal covers the first would be
//! shown a page nobody sealed.

use std::io::{Cursor, Read};

/// The bounds a package is read within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The package file, bytes.
    pub file: u64,
    /// Entries in the package.
    pub entries: usize,
    /// One entry, inflated, bytes.
    pub entry: u64,
    /// Every entry together, inflated, bytes.
    pub total: u64,
    /// An entry larger than [`Limits::ratio_from`] inflated may be at most this many
    /// times its compressed size.
    pub ratio: u64,
    /// The inflated size from which the ratio is checked (small files of repetitive XML
    /// compress far).
    pub ratio_from: u64,
}

impl Default for Limits {
    /// Room for any licence certpress writes (a Liuzhou OFD is about 1 MB inflated, its
    /// largest entry a font subset of about 400 KB compressed 2:1) many times over, and a
    /// verification within a few hundred MB of memory.
    fn default() -> Self {
        Self {
            file: 50 << 20,
            entries: 4096,
            entry: 32 << 20,
            total: 128 << 20,
            ratio: 200,
            ratio_from: 1 << 20,
        }
    }
}

/// A package's files, in the order they are stored.
#[derive(Debug, Default)]
pub(crate) struct Package {
    /// `(name, bytes)` of each file (folders left out).
    pub entries: Vec<(String, Vec<u8>)>,
}

impl Package {
    /// The file called `name` (a leading `/` ignored).
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        let name = name.trim_start_matches('/');
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }
}

/// The end-of-central-directory record's signature, `PK\x05\x06`.
const EOCD: [u8; 4] = *b"PK\x05\x06";
/// The ZIP64 end-of-central-directory locator's signature, `PK\x06\x07`.
const ZIP64_LOCATOR: [u8; 4] = *b"PK\x06\x07";
/// The EOCD record without its comment.
const EOCD_LEN: usize = 22;

/// Reads `bytes` as a package within `limits`. The error says which bound was passed,
/// or what is broken.
pub(crate) fn read(bytes: &[u8], limits: &Limits) -> Result<Package, String> {
    if bytes.len() as u64 > limits.file {
        return Err(format!(
            "the package is {} bytes, over the limit of {} MiB",
            bytes.len(),
            limits.file >> 20
        ));
    }
    let declared = declared_entries(bytes)?;
    if declared > limits.entries {
        return Err(format!(
            "the package declares {declared} entries, over the limit of {}",
            limits.entries
        ));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("not an OFD package (ZIP): {e}"))?;
    // The ZIP reader keeps one entry per name: fewer entries than the directory declares
    // means two share a name, and only one of them would be checked.
    if archive.len() != declared {
        return Err(format!(
            "the package's directory lists {declared} entries under {} names: two entries share a name",
            archive.len()
        ));
    }
    let mut package = Package {
        entries: Vec::with_capacity(archive.len()),
    };
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let file = archive
            .by_index(i)
            .map_err(|e| format!("entry {i} of the package cannot be read: {e}"))?;
        if file.is_dir() {
            continue;
        }
        let name = file.name().to_owned();
        let compressed = file.compressed_size();
        let by_ratio = limits
            .ratio_from
            .max(compressed.saturating_mul(limits.ratio));
        let room = limits.entry.min(limits.total - total).min(by_ratio);
        // One byte past the room tells an entry that fits from one that does not, whatever
        // its header declares.
        let mut data = Vec::new();
        file.take(room + 1)
            .read_to_end(&mut data)
            .map_err(|e| format!("{name}: {e}"))?;
        let size = data.len() as u64;
        if size > room {
            return Err(if size > limits.entry {
                format!(
                    "{name} inflates past {} MiB, the limit for one entry",
                    limits.entry >> 20
                )
            } else if total + size > limits.total {
                format!(
                    "the package inflates past {} MiB, the limit for all entries together",
                    limits.total >> 20
                )
            } else {
                format!(
                    "{name} inflates more than {} times its {compressed} compressed bytes (a ZIP bomb?)",
                    limits.ratio
                )
            });
        }
        total += size;
        package.entries.push((name, data));
    }
    Ok(package)
}

/// The entry count the end-of-central-directory record declares, read before the
/// directory is parsed. A ZIP64 package is refused: no OFD licence needs one.
fn declared_entries(bytes: &[u8]) -> Result<usize, String> {
    let not_zip = || "not an OFD package (ZIP): no end of central directory".to_owned();
    if bytes.len() < EOCD_LEN {
        return Err(not_zip());
    }
    // The record ends the file, followed by a comment of at most 65535 bytes.
    let earliest = bytes.len().saturating_sub(EOCD_LEN + 0xFFFF);
    let at = (earliest..=bytes.len() - EOCD_LEN)
        .rev()
        .find(|&i| bytes[i..i + 4] == EOCD)
        .ok_or_else(not_zip)?;
    if at >= 20 && bytes[at - 20..at - 16] == ZIP64_LOCATOR {
        return Err("a ZIP64 package: an OFD licence is never one".into());
    }
    let record = &bytes[at..at + EOCD_LEN];
    let entries = u16::from_le_bytes([record[10], record[11]]);
    let directory = u32::from_le_bytes([record[12], record[13], record[14], record[15]]);
    if u64::from(directory) > bytes.len() as u64 {
        return Err(format!(
            "the central directory claims {directory} bytes in a file of {}",
            bytes.len()
        ));
    }
    Ok(usize::from(entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn a_package_within_its_limits_reads_whole() {
        let bytes = zip(&[("OFD.xml", b"<a/>"), ("Doc_0/Document.xml", b"<b/>")]);
        let package = read(&bytes, &Limits::default()).unwrap();
        assert_eq!(package.file("/OFD.xml"), Some(&b"<a/>"[..]));
        assert_eq!(package.entries.len(), 2);
    }

    #[test]
    fn every_bound_is_named_when_passed() {
        let zeros = vec![0u8; 3 << 20];
        let bytes = zip(&[("Doc_0/Pages/Page_0/Content.xml", &zeros)]);
        let tight = Limits {
            entry: 1 << 20,
            ratio: 1_000_000,
            ..Limits::default()
        };
        assert!(read(&bytes, &tight)
            .unwrap_err()
            .contains("limit for one entry"));
        let total = Limits {
            total: 2 << 20,
            ratio: 1_000_000,
            ..Limits::default()
        };
        assert!(read(&bytes, &total)
            .unwrap_err()
            .contains("all entries together"));
        let ratio = Limits {
            ratio: 10,
            ..Limits::default()
        };
        assert!(read(&bytes, &ratio).unwrap_err().contains("ZIP bomb"));
        let few = Limits {
            entries: 0,
            ..Limits::default()
        };
        assert!(read(&bytes, &few)
            .unwrap_err()
            .contains("declares 1 entries"));
        let small = Limits {
            file: 100,
            ..Limits::default()
        };
        assert!(read(&bytes, &small).unwrap_err().contains("over the limit"));
        // `entry-two` renamed `entry-one` in its local header and the directory.
        let mut twice = zip(&[("entry-one", b"1"), ("entry-two", b"2")]);
        let name = b"entry-two";
        let places: Vec<usize> = (0..twice.len() - name.len())
            .filter(|&i| &twice[i..i + name.len()] == name)
            .collect();
        assert_eq!(places.len(), 2);
        for i in places {
            twice[i..i + name.len()].copy_from_slice(b"entry-one");
        }
        assert!(read(&twice, &Limits::default())
            .unwrap_err()
            .contains("two entries share a name"));
        assert!(read(b"PK not a zip", &Limits::default()).is_err());
    }
}
