//! FNV-1a, 64 bits: a hash stable across platforms and Rust versions, for the IDs and
//! subset tags that deterministic output derives from content.

/// A running FNV-1a hash.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Feeds `data`.
    pub(crate) fn write(&mut self, data: &[u8]) {
        for &b in data {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// The hash so far.
    pub(crate) fn finish(self) -> u64 {
        self.0
    }
}

/// The hash of `data`.
pub(crate) fn fnv(data: &[u8]) -> u64 {
    let mut h = Fnv::default();
    h.write(data);
    h.finish()
}
