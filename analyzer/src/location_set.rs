//! [`LocationSet`]: the locations an access set reads or writes, kept as one sorted vector
//! without repeats.
//!
//! Input: locations, in any order and with repeats (a prediction's or an execution's). Output:
//! a set that iterates in [`Location`] order, answers membership by binary search, and is built
//! in one sort (a tree would cost an allocation per node, per transaction, on the hot path of
//! prediction).

use std::{cmp::Ordering, iter::Peekable, slice};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Location;

/// A set of [`Location`]s, iterated in order.
///
/// ```
/// use alloy_primitives::Address;
/// use foresight_analyzer::{Location, LocationSet};
///
/// let a = Location::balance(Address::repeat_byte(1));
/// let b = Location::nonce(Address::repeat_byte(1));
/// let mut set: LocationSet = [b, a, b].into_iter().collect();
/// assert_eq!(set.iter().copied().collect::<Vec<_>>(), [a, b]);
/// assert!(!set.insert(a));
/// assert!(set.contains(&b));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LocationSet(Vec<Location>);

impl LocationSet {
    /// An empty set.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// A set of `sorted`, which must be in ascending order without repeats.
    pub(crate) fn from_sorted(sorted: Vec<Location>) -> Self {
        debug_assert!(sorted.windows(2).all(|w| w[0] < w[1]));
        Self(sorted)
    }

    /// Adds `location`; false if it was there already.
    pub fn insert(&mut self, location: Location) -> bool {
        match self.0.binary_search(&location) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, location);
                true
            }
        }
    }

    /// Whether `location` is in the set.
    pub fn contains(&self, location: &Location) -> bool {
        self.0.binary_search(location).is_ok()
    }

    /// The locations, in order.
    pub fn iter(&self) -> slice::Iter<'_, Location> {
        self.0.iter()
    }

    /// The locations, in order, as a slice.
    pub fn as_slice(&self) -> &[Location] {
        &self.0
    }

    /// Number of locations.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes every location.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Keeps the locations `keep` holds for.
    pub fn retain(&mut self, keep: impl FnMut(&Location) -> bool) {
        self.0.retain(keep);
    }

    /// The locations in this set or in `other`, in order.
    pub fn union<'a>(&'a self, other: &'a LocationSet) -> impl Iterator<Item = &'a Location> {
        Union {
            a: self.0.iter().peekable(),
            b: other.0.iter().peekable(),
        }
    }
}

/// Walks two sorted slices together, yielding each location of either once.
struct Union<'a> {
    a: Peekable<slice::Iter<'a, Location>>,
    b: Peekable<slice::Iter<'a, Location>>,
}

impl<'a> Iterator for Union<'a> {
    type Item = &'a Location;

    fn next(&mut self) -> Option<&'a Location> {
        match (self.a.peek(), self.b.peek()) {
            (Some(x), Some(y)) => match x.cmp(y) {
                Ordering::Less => self.a.next(),
                Ordering::Equal => {
                    self.b.next();
                    self.a.next()
                }
                Ordering::Greater => self.b.next(),
            },
            (Some(_), None) => self.a.next(),
            (None, _) => self.b.next(),
        }
    }
}

impl FromIterator<Location> for LocationSet {
    fn from_iter<I: IntoIterator<Item = Location>>(iter: I) -> Self {
        let mut v: Vec<Location> = iter.into_iter().collect();
        v.sort_unstable();
        v.dedup();
        Self(v)
    }
}

impl Extend<Location> for LocationSet {
    fn extend<I: IntoIterator<Item = Location>>(&mut self, iter: I) {
        let before = self.0.len();
        self.0.extend(iter);
        if self.0.len() > before {
            self.0.sort_unstable();
            self.0.dedup();
        }
    }
}

impl<const N: usize> From<[Location; N]> for LocationSet {
    fn from(locations: [Location; N]) -> Self {
        locations.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a LocationSet {
    type Item = &'a Location;
    type IntoIter = slice::Iter<'a, Location>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for LocationSet {
    type Item = Location;
    type IntoIter = std::vec::IntoIter<Location>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Serialize for LocationSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for LocationSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<Location>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, U256};
    use proptest::prelude::*;

    use super::*;

    fn location() -> impl Strategy<Value = Location> {
        (0u8..4, 0u8..3, 0u8..4).prop_map(|(kind, a, slot)| {
            let a = Address::repeat_byte(a);
            match kind {
                0 => Location::balance(a),
                1 => Location::nonce(a),
                2 => Location::code(a),
                _ => Location::storage(a, U256::from(slot)),
            }
        })
    }

    proptest! {
        /// The set behaves as `BTreeSet` does: same order, membership, insertion and union.
        #[test]
        fn agrees_with_a_btree_set(
            xs in prop::collection::vec(location(), 0..24),
            ys in prop::collection::vec(location(), 0..24),
        ) {
            use std::collections::BTreeSet;
            let (a, b): (LocationSet, LocationSet) =
                (xs.iter().copied().collect(), ys.iter().copied().collect());
            let (ta, tb): (BTreeSet<Location>, BTreeSet<Location>) =
                (xs.iter().copied().collect(), ys.iter().copied().collect());
            prop_assert!(a.iter().eq(ta.iter()));
            prop_assert!(a.union(&b).eq(ta.union(&tb)));
            let mut inserted = LocationSet::new();
            for y in &ys {
                let fresh = !inserted.contains(y);
                prop_assert_eq!(inserted.insert(*y), fresh);
            }
            prop_assert!(inserted.iter().eq(tb.iter()));
            let mut extended = a.clone();
            extended.extend(ys.iter().copied());
            prop_assert!(extended.iter().eq(ta.union(&tb)));
            for y in &ys {
                prop_assert_eq!(a.contains(y), ta.contains(y));
            }
        }
    }
}
