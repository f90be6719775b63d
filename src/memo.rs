//! A bounded cache of things made once and shared by every thread: a face's font subsets,
//! a spec's compressed press stream, the QR mask overlays of a version.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Values by key, each made at most once while it stays remembered. Bounded: when full it
/// starts over, which suits what it holds (a batch's working set is small and refills at
/// once). Keys are compared, not hashed, so two keys never share a value.
pub struct Memo<K, V: ?Sized> {
    entries: Mutex<BTreeMap<K, Arc<V>>>,
    capacity: usize,
}

impl<K: Ord, V: ?Sized> Memo<K, V> {
    /// An empty memo holding at most `capacity` values (usable in a `static`).
    pub const fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(BTreeMap::new()),
            capacity,
        }
    }

    /// The value for `key`, made by `make` unless already made.
    pub fn get_or_make<Q>(&self, key: &Q, make: impl FnOnce() -> Arc<V>) -> Arc<V>
    where
        K: Borrow<Q>,
        Q: Ord + ToOwned<Owned = K> + ?Sized,
    {
        match self.get_or_try_make(key, || Ok::<_, std::convert::Infallible>(make())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// The value for `key`, made by `make` unless already made; a failure is returned and
    /// not remembered. Two threads asking for the same new key at once may both make it;
    /// either value is kept.
    pub fn get_or_try_make<Q, E>(
        &self,
        key: &Q,
        make: impl FnOnce() -> Result<Arc<V>, E>,
    ) -> Result<Arc<V>, E>
    where
        K: Borrow<Q>,
        Q: Ord + ToOwned<Owned = K> + ?Sized,
    {
        // A poisoned lock only means another thread panicked between complete updates;
        // the map is still sound. The lock is not held while `make` runs.
        let lock = || self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = lock().get(key) {
            return Ok(found.clone());
        }
        let made = make()?;
        let mut entries = lock();
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key.to_owned(), made.clone());
        Ok(made)
    }

    /// How many values are remembered.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether nothing is remembered.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Ord, V: ?Sized> Clone for Memo<K, V> {
    /// A clone starts empty: a memo is a cache, not part of its owner's value.
    fn clone(&self) -> Self {
        Self::new(self.capacity)
    }
}

impl<K, V: ?Sized> std::fmt::Debug for Memo<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.entries.lock().map_or(0, |e| e.len());
        write!(f, "Memo({len} of {})", self.capacity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_made_once_and_shared() {
        let memo: Memo<Vec<u16>, [u8]> = Memo::new(4);
        let mut made = 0;
        let mut get = |key: &[u16]| {
            memo.get_or_make(key, || {
                made += 1;
                Arc::from(vec![key.len() as u8])
            })
        };
        let first = get(&[1, 2]);
        let again = get(&[1, 2]);
        assert!(Arc::ptr_eq(&first, &again));
        get(&[3]);
        assert_eq!(made, 2);
    }

    #[test]
    fn a_full_memo_starts_over_and_a_failure_is_not_kept() {
        let memo: Memo<u32, u32> = Memo::new(2);
        for key in 0..2 {
            memo.get_or_make(&key, || Arc::new(key));
        }
        assert_eq!(memo.len(), 2);
        memo.get_or_make(&9, || Arc::new(9));
        assert_eq!(memo.len(), 1);
        assert_eq!(memo.get_or_try_make(&5, || Err("bad")), Err("bad"));
        assert_eq!(memo.len(), 1);
        assert!(memo.clone().is_empty());
    }
}
