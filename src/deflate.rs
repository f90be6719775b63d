//! Deflate for the back ends: PDF streams (zlib) and a PNG's bands (raw deflate pieces).
//!
//! zlib-rs keeps about 300 KB of state per compressor. Made afresh for every stream, that
//! is a fresh allocation, page faults and all, dozens of times per licence (a batch grew
//! to 137 MB that way). A [`Compressors`] pool keeps idle compressors by kind and level and
//! resets them between streams; its owner (a prepared template, or one call of a back
//! end) decides how long they live. A reset compressor gives the same bytes as a new one.

use std::sync::Mutex;

use flate2::{Compress, Compression, FlushCompress, Status};

/// How a stream ends.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The stream is complete: a final block (and for zlib, the Adler-32).
    Finish,
    /// The piece ends byte-aligned with an empty stored block, and another piece of the
    /// same stream may follow it (raw deflate only).
    Sync,
}

/// Idle compressors, lent to one stream at a time and shared by every thread.
#[derive(Default)]
pub struct Compressors {
    idle: Mutex<Vec<(Kind, Compress)>>,
}

/// A compressor's kind: zlib header or raw, and level.
type Kind = (bool, u32);

/// Idle compressors kept at most: a few per core are in use at once (PNG bands on every
/// core, PDFs on every worker); beyond that they are dropped, not hoarded.
const MAX_IDLE: usize = 16;

impl std::fmt::Debug for Compressors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let idle = self.idle.lock().map_or(0, |i| i.len());
        write!(f, "Compressors({idle} idle)")
    }
}

impl Compressors {
    /// `data` as a complete zlib stream at `level` (0–9).
    pub fn zlib(&self, data: &[u8], level: u32) -> Vec<u8> {
        self.compress(data, level, true, End::Finish)
    }

    /// `data` as raw deflate at `level`, ending as `end` says: the pieces of one stream
    /// compressed apart and joined (every piece but the last ends with [`End::Sync`]).
    pub fn raw(&self, data: &[u8], level: u32, end: End) -> Vec<u8> {
        self.compress(data, level, false, end)
    }

    fn compress(&self, data: &[u8], level: u32, zlib_header: bool, end: End) -> Vec<u8> {
        let kind = (zlib_header, level.min(9));
        // A poisoned lock only means a thread panicked between complete updates.
        let lock = || self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let lent = {
            let mut idle = lock();
            idle.iter()
                .position(|(k, _)| *k == kind)
                .map(|i| idle.swap_remove(i).1)
        };
        let mut compressor =
            lent.unwrap_or_else(|| Compress::new(Compression::new(kind.1), zlib_header));
        compressor.reset();
        match run(&mut compressor, data, end) {
            Some(out) => {
                let mut idle = lock();
                if idle.len() < MAX_IDLE {
                    idle.push((kind, compressor));
                }
                out
            }
            // A compressor left mid-stream by a failure is dropped, not reused, and the
            // data is stored uncompressed: still a correct stream.
            None => stored(data, zlib_header, end),
        }
    }
}

/// `data` in stored (uncompressed) deflate blocks: the fallback that cannot fail.
fn stored(data: &[u8], zlib_header: bool, end: End) -> Vec<u8> {
    const MAX_BLOCK: usize = 65_535;
    let mut out = Vec::with_capacity(data.len() + data.len() / MAX_BLOCK * 5 + 16);
    if zlib_header {
        out.extend_from_slice(&[0x78, 0x01]);
    }
    // An empty stream is one empty block.
    let blocks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(MAX_BLOCK).collect()
    };
    for (i, block) in blocks.iter().enumerate() {
        let last = i + 1 == blocks.len() && end == End::Finish;
        // BFINAL, BTYPE 00 (stored), padded to the byte; then LEN and its complement.
        out.push(u8::from(last));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    if zlib_header {
        out.extend_from_slice(&zlib_rs::adler32::adler32(1, data).to_be_bytes());
    }
    out
}

/// Feeds all of `data` and ends the stream; `None` if the compressor fails (it does not
/// on in-memory buffers, but a failure must not be mistaken for output).
fn run(compressor: &mut Compress, data: &[u8], end: End) -> Option<Vec<u8>> {
    let flush = match end {
        End::Finish => FlushCompress::Finish,
        End::Sync => FlushCompress::Sync,
    };
    let mut out = Vec::with_capacity(data.len() / 3 + 1024);
    loop {
        if out.capacity() - out.len() < 1024 {
            out.reserve(out.capacity().max(1 << 16));
        }
        let consumed = compressor.total_in() as usize;
        let status = compressor
            .compress_vec(&data[consumed..], &mut out, flush)
            .ok()?;
        let all_in = compressor.total_in() as usize == data.len();
        // A flush is complete when it returns with output space to spare.
        let flushed = out.len() < out.capacity();
        match status {
            Status::StreamEnd => return Some(out),
            Status::Ok | Status::BufError if end == End::Sync && all_in && flushed => {
                return Some(out);
            }
            Status::Ok | Status::BufError => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample() -> Vec<u8> {
        (0..200_000u32)
            .map(|i| (i % 251) as u8 ^ (i / 4096) as u8)
            .collect()
    }

    #[test]
    fn zlib_streams_inflate_and_a_reused_compressor_gives_the_same_bytes() {
        let pool = Compressors::default();
        let zlib = |data: &[u8], level| pool.zlib(data, level);
        let data = sample();
        let first = zlib(&data, 6);
        let again = zlib(&data, 6);
        assert_eq!(first, again);
        assert_eq!(
            Compressors::default().zlib(&data, 6),
            first,
            "a fresh pool agrees"
        );
        let mut inflated = Vec::new();
        flate2::read::ZlibDecoder::new(&first[..])
            .read_to_end(&mut inflated)
            .unwrap();
        assert!(inflated == data);
        // Another stream in between does not leak into the next.
        let _ = zlib(b"something else", 6);
        assert_eq!(zlib(&data, 6), first);
    }

    #[test]
    fn synced_pieces_join_into_one_stream() {
        let pool = Compressors::default();
        let raw = |data: &[u8], level, end| pool.raw(data, level, end);
        let data = sample();
        let (a, b) = data.split_at(70_001);
        let mut joined = raw(a, 1, End::Sync);
        joined.extend(raw(b, 1, End::Finish));
        let mut inflated = Vec::new();
        flate2::read::DeflateDecoder::new(&joined[..])
            .read_to_end(&mut inflated)
            .unwrap();
        assert!(inflated == data);
    }

    #[test]
    fn the_stored_fallback_is_a_correct_stream() {
        for data in [Vec::new(), b"short".to_vec(), sample()] {
            let mut inflated = Vec::new();
            flate2::read::ZlibDecoder::new(&stored(&data, true, End::Finish)[..])
                .read_to_end(&mut inflated)
                .unwrap();
            assert!(inflated == data);
            let mut joined = stored(&data, false, End::Sync);
            joined.extend(stored(b"tail", false, End::Finish));
            let mut inflated = Vec::new();
            flate2::read::DeflateDecoder::new(&joined[..])
                .read_to_end(&mut inflated)
                .unwrap();
            assert!(inflated == [&data[..], b"tail"].concat());
        }
    }
}
