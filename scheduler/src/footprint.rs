//! A transaction's footprint: its [`AccessSet`] flattened into one [`AccessFlags`] per location,
//! plus the contracts whose whole storage it widens and whether it is a barrier.
//!
//! Input: an access set. Output: the per-location accesses that the conflict-graph builders
//! index, each location once, in a deterministic order (writes, then reads, then credits, each
//! sorted).

use alloy_primitives::Address;
use foresight_analyzer::{AccessSet, Location};
use petgraph::graph::NodeIndex;

/// How one transaction accesses one location: any combination of read, write and credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AccessFlags(u8);

impl AccessFlags {
    /// The location is read.
    pub(crate) const READ: Self = Self(1);
    /// The location is written.
    pub(crate) const WRITE: Self = Self(2);
    /// The balance is only credited (commutes with other credits).
    pub(crate) const CREDIT: Self = Self(4);

    const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub(crate) const fn reads(self) -> bool {
        self.0 & Self::READ.0 != 0
    }

    pub(crate) const fn writes(self) -> bool {
        self.0 & Self::WRITE.0 != 0
    }

    pub(crate) const fn credits(self) -> bool {
        self.0 & Self::CREDIT.0 != 0
    }

    /// Whether this access conflicts with every other access of its location: a write, or a read
    /// together with a credit (the read orders it against credits, the credit against reads).
    pub(crate) const fn is_exclusive(self) -> bool {
        self.writes() || (self.reads() && self.credits())
    }
}

/// One transaction's access of one resource, as kept in the builders' indexes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Access {
    /// The transaction (its node in the graph).
    pub(crate) tx: NodeIndex,
    /// How it accesses the resource.
    pub(crate) flags: AccessFlags,
}

/// The flattened access set of one transaction; a reusable buffer.
#[derive(Debug, Default)]
pub(crate) struct Footprint {
    /// Every location accessed, once, with how.
    pub(crate) accesses: Vec<(Location, AccessFlags)>,
    /// The contracts whose whole storage is widened, sorted and without duplicates.
    pub(crate) widened_contracts: Vec<Address>,
    /// Whether the transaction is widened to everything.
    pub(crate) is_barrier: bool,
}

impl Footprint {
    /// Replaces the contents with the footprint of `set`.
    ///
    /// A barrier keeps no locations or contracts: it conflicts with every transaction anyway, so
    /// its listed accesses could only add redundant edges.
    pub(crate) fn load(&mut self, set: &AccessSet) {
        self.accesses.clear();
        self.widened_contracts.clear();
        self.is_barrier = set.is_everything();
        if self.is_barrier {
            return;
        }

        self.widened_contracts.extend(set.widened_contracts());
        // Sorted already (widenings are ordered by address first); one address may come with
        // several reasons.
        self.widened_contracts.dedup();

        let credits = |location: &Location| match *location {
            Location::Balance { address } => set.credits.contains(&address),
            _ => false,
        };
        let (reads, writes) = (set.reads.as_slice(), set.writes.as_slice());
        each_with_membership(writes, reads, |location, read| {
            let mut flags = AccessFlags::WRITE;
            if read {
                flags = flags.with(AccessFlags::READ);
            }
            if credits(&location) {
                flags = flags.with(AccessFlags::CREDIT);
            }
            self.accesses.push((location, flags));
        });
        each_with_membership(reads, writes, |location, written| {
            if written {
                return;
            }
            let mut flags = AccessFlags::READ;
            if credits(&location) {
                flags = flags.with(AccessFlags::CREDIT);
            }
            self.accesses.push((location, flags));
        });
        for &address in &set.credits {
            let location = Location::balance(address);
            if !set.reads.contains(&location) && !set.writes.contains(&location) {
                self.accesses.push((location, AccessFlags::CREDIT));
            }
        }
    }

    /// Whether the transaction widens the whole storage of `address`.
    pub(crate) fn widens(&self, address: Address) -> bool {
        self.widened_contracts.binary_search(&address).is_ok()
    }
}

/// Calls `f` with each location of `a`, in order, and whether `b` has it too (both sorted:
/// one merge, no lookups).
fn each_with_membership(a: &[Location], b: &[Location], mut f: impl FnMut(Location, bool)) {
    let mut rest = b;
    for &location in a {
        while rest.first().is_some_and(|x| *x < location) {
            rest = &rest[1..];
        }
        f(location, rest.first() == Some(&location));
    }
}
