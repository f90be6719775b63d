//! The OFD's ZIP container (PKWARE APPNOTE 6.3.10, §4.3): each file's local header and
//! data, then the central directory and its end record. No ZIP64, no encryption, no
//! data descriptors: an OFD has a dozen files of at most a few megabytes.
//!
//! Written here rather than through `zip::ZipWriter` because that writer makes a fresh
//! deflate state (about 300 KB, zeroed) for every file: measured, 4 M instructions of an
//! OFD's 16 M. Here each file is deflated by a pooled compressor ([`Compressors`]), and a
//! file made once for many packages (the template page) is kept compressed with its CRC
//! and copied as it is. The `zip` crate still reads packages (verification, tests).

use crate::deflate::{Compressors, End};
use crate::error::{Error, Result};

/// How a file is held in the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// As it is: for what is compressed already (a PNG, a seal's signed value).
    Stored,
    /// Raw deflate at a zlib level.
    Deflated(u32),
}

/// A file's bytes as the container holds them, with what its headers say of them.
#[derive(Debug, Clone)]
pub(crate) struct Packed {
    /// 0 stored, 8 deflated.
    method: u16,
    crc: u32,
    size: u32,
    data: Vec<u8>,
}

/// Each file's time stamp: 1980-01-01 00:00 in MS-DOS form (time 0; date day 1, month 1,
/// year 0 from 1980), so the same files give the same bytes.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = 1 << 5 | 1;
/// Version needed to extract: 2.0 (deflate).
const VERSION_NEEDED: u16 = 20;
/// Version made by: Unix (3), APPNOTE 2.0, so readers take the external attributes as
/// Unix permissions.
const VERSION_MADE_BY: u16 = 3 << 8 | 20;
/// A regular file, rw-r--r--, in the high half of the external attributes.
const EXTERNAL_ATTRIBUTES: u32 = 0o100_644 << 16;

impl Packed {
    /// `bytes` compressed as `method` says (stored when deflate would not make them
    /// smaller).
    pub(crate) fn new(bytes: &[u8], method: Method, compressors: &Compressors) -> Result<Self> {
        let size = u32::try_from(bytes.len()).map_err(|_| too_large())?;
        let crc = zlib_rs::crc32::crc32(0, bytes);
        if let Method::Deflated(level) = method {
            let data = compressors.raw(bytes, level, End::Finish);
            if data.len() < bytes.len() {
                return Ok(Self {
                    method: 8,
                    crc,
                    size,
                    data,
                });
            }
        }
        Ok(Self {
            method: 0,
            crc,
            size,
            data: bytes.to_vec(),
        })
    }
}

fn too_large() -> Error {
    Error::Render {
        message: "an OFD file over 4 GiB cannot be packed without ZIP64".into(),
    }
}

/// The container of `files` (name, packed bytes), in order.
pub(crate) fn write<'a>(files: impl IntoIterator<Item = (&'a str, &'a Packed)>) -> Result<Vec<u8>> {
    let files: Vec<_> = files.into_iter().collect();
    let capacity = files
        .iter()
        .map(|(name, p)| p.data.len() + 2 * name.len() + 46 + 30)
        .sum::<usize>()
        + 22;
    let mut out = Vec::with_capacity(capacity);
    let mut directory = Vec::new();
    for (name, packed) in &files {
        let offset = u32::try_from(out.len()).map_err(|_| too_large())?;
        let name_len = u16::try_from(name.len()).map_err(|_| too_large())?;
        let compressed = u32::try_from(packed.data.len()).map_err(|_| too_large())?;
        // Bit 11: the name is UTF-8 (ours are ASCII, where it changes nothing).
        let flags: u16 = if name.is_ascii() { 0 } else { 1 << 11 };
        // What both headers say of the file, from the version needed to extract to the
        // name's length (§4.3.7, §4.3.12).
        let describe = |out: &mut Vec<u8>| {
            for v in [VERSION_NEEDED, flags, packed.method, DOS_TIME, DOS_DATE] {
                put16(out, v);
            }
            for v in [packed.crc, compressed, packed.size] {
                put32(out, v);
            }
            put16(out, name_len);
        };
        // Local file header, then the name and the data.
        put32(&mut out, 0x0403_4b50);
        describe(&mut out);
        put16(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&packed.data);
        // Central directory header.
        put32(&mut directory, 0x0201_4b50);
        put16(&mut directory, VERSION_MADE_BY);
        describe(&mut directory);
        for _ in 0..3 {
            // Extra field, comment, disk number.
            put16(&mut directory, 0);
        }
        put16(&mut directory, 0);
        put32(&mut directory, EXTERNAL_ATTRIBUTES);
        put32(&mut directory, offset);
        directory.extend_from_slice(name.as_bytes());
    }
    let count = u16::try_from(files.len()).map_err(|_| too_large())?;
    let directory_at = u32::try_from(out.len()).map_err(|_| too_large())?;
    let directory_len = u32::try_from(directory.len()).map_err(|_| too_large())?;
    out.extend_from_slice(&directory);
    // End of central directory record (§4.3.16).
    put32(&mut out, 0x0605_4b50);
    put16(&mut out, 0);
    put16(&mut out, 0);
    put16(&mut out, count);
    put16(&mut out, count);
    put32(&mut out, directory_len);
    put32(&mut out, directory_at);
    put16(&mut out, 0);
    Ok(out)
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    /// The `zip` crate (an implementation we did not write) reads back every file, stored
    /// and deflated, with its name, size and CRC.
    #[test]
    fn the_zip_crate_reads_every_file_back() {
        let pool = Compressors::default();
        let text: Vec<u8> = (0..50_000u32).flat_map(|i| (i % 97).to_le_bytes()).collect();
        let mut state = 0x2545_f491_u32;
        let noise: Vec<u8> = (0..5_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as u8
            })
            .collect();
        let files = [
            ("OFD.xml", text.clone(), Method::Deflated(1)),
            ("Doc_0/Signs/Sign_0/SignedValue.dat", noise.clone(), Method::Stored),
            ("Doc_0/Res/random.bin", noise.clone(), Method::Deflated(6)),
            ("Doc_0/empty.xml", Vec::new(), Method::Deflated(1)),
            ("Doc_0/名.xml", b"<a/>".to_vec(), Method::Deflated(1)),
        ];
        let packed: Vec<_> = files
            .iter()
            .map(|(name, bytes, method)| (*name, Packed::new(bytes, *method, &pool).unwrap()))
            .collect();
        assert_eq!(packed[0].1.method, 8, "text deflates");
        assert_eq!(packed[2].1.method, 0, "noise that deflate does not shrink is stored");
        let bytes = write(packed.iter().map(|(n, p)| (*n, p))).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        assert_eq!(archive.len(), files.len());
        for (i, (name, data, _)) in files.iter().enumerate() {
            let mut file = archive.by_index(i).unwrap();
            assert_eq!(file.name(), *name);
            assert_eq!(file.unix_mode(), Some(0o100_644));
            let mut read = Vec::new();
            file.read_to_end(&mut read).unwrap();
            assert!(read == *data, "{name} reads back");
        }
        assert_eq!(
            write(packed.iter().map(|(n, p)| (*n, p))).unwrap(),
            bytes,
            "deterministic"
        );
    }
}
