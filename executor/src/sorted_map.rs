//! A map stored as one list sorted by key: built by a single sort (on the current rayon pool
//! when large) instead of entry-by-entry insertion, looked up by binary search, compared and
//! serialized as a map.
//!
//! Input: unsorted `(key, value)` pairs with distinct keys. Output: [`SortedMap`], the type of
//! the block's net changes (accounts by address, slots by index).

use std::ops::Index;

use rayon::slice::ParallelSliceMut;
use serde::{Serialize, Serializer};

/// Entries from which a sort is worth spreading over the rayon pool.
const PARALLEL_SORT_FROM: usize = 4096;

/// A map kept as a list sorted by key, each key once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortedMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<K: Ord + Copy + Send, V: Send> SortedMap<K, V> {
    /// Orders `entries` by key. The keys must be distinct.
    pub(crate) fn from_unsorted(mut entries: Vec<(K, V)>) -> Self {
        entries.sort_unstable_by_key(|(key, _)| *key);
        Self(entries)
    }

    /// Takes `entries` already in strictly increasing key order.
    pub(crate) fn from_sorted(entries: Vec<(K, V)>) -> Self {
        debug_assert!(entries.windows(2).all(|pair| pair[0].0 < pair[1].0));
        Self(entries)
    }

    /// [`Self::from_unsorted`], sorting large lists on the current rayon pool.
    pub(crate) fn from_unsorted_parallel(mut entries: Vec<(K, V)>) -> Self {
        if entries.len() >= PARALLEL_SORT_FROM {
            entries.par_sort_unstable_by_key(|(key, _)| *key);
        } else {
            entries.sort_unstable_by_key(|(key, _)| *key);
        }
        Self(entries)
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    /// The value of `key`, if present.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.0
            .binary_search_by(|(k, _)| k.cmp(key))
            .ok()
            .map(|at| &self.0[at].1)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &K) -> bool {
        self.get(key).is_some()
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&K, &V)> {
        self.0.iter().map(|(key, value)| (key, value))
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Ord, V> Index<&K> for SortedMap<K, V> {
    type Output = V;

    /// The value of `key`; panics when absent, like `BTreeMap`'s index.
    fn index(&self, key: &K) -> &V {
        self.get(key).expect("key present in SortedMap")
    }
}

impl<K: Serialize, V: Serialize> Serialize for SortedMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(key, value)| (key, value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_once_and_finds_by_key() {
        let map = SortedMap::from_unsorted(vec![(3, 'c'), (1, 'a'), (2, 'b')]);
        assert_eq!(map.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(map.get(&2), Some(&'b'));
        assert_eq!(map[&3], 'c');
        assert!(!map.contains_key(&4));
        let large: Vec<(u32, u32)> = (0..10_000).rev().map(|k| (k, k * 2)).collect();
        let parallel = SortedMap::from_unsorted_parallel(large.clone());
        assert_eq!(parallel, SortedMap::from_unsorted(large));
        assert_eq!(parallel.get(&4_321), Some(&8_642));
        assert_eq!(
            serde_json::to_string(&map).unwrap(),
            r#"{"1":"a","2":"b","3":"c"}"#
        );
    }
}
