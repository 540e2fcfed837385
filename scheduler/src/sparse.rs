//! The sparse conflict graph: only the edges that decide the order.
//!
//! Input: the access sets of a block in block order. Output: a [`ConflictGraph`] whose edges are
//! a subset of the full graph's with the same reachability, hence the same layers and the same
//! critical path.
//!
//! # The rule
//!
//! Each resource's accesses, in block order, fall into *epochs*: an exclusive access (a write, a
//! read-and-credit, a contract widening, a barrier) is an epoch of its own; a maximal run of
//! accesses that commute with one another (reads of a location, credits of a balance, touches of
//! a contract's storage between its widenings, transactions between barriers) is one epoch. An
//! access is linked to every member of the epoch before its own. Hence, per location: a read or
//! write waits for the nearest earlier writer; a write waits for the readers since the last write
//! (not the writer before them); credits and reads of a balance wait for the run of the other
//! kind just before them. Per contract, a widening waits for the touches since the last widening
//! (or that widening), and a touch waits for the last widening. Globally, a barrier waits for the
//! transactions since the previous barrier (or that barrier), and every transaction waits for
//! the last barrier. The resources are: every location, the storage of every contract as a whole
//! (touched by slot accesses, widened by contract widenings) and the whole state.
//!
//! # Why the layers cannot change
//!
//! Every sparse edge joins accesses of consecutive epochs of one resource, which conflict (two
//! consecutive epochs are never both runs of the same commuting kind), so the sparse graph is a
//! subgraph of the full one. Conversely, if `i < j` conflict on a resource, they sit in epochs
//! `a < b` of it (one epoch holds only commuting accesses), and every member of each epoch is
//! linked to every member of the next, so a path `i → … → j` runs through epochs `a, a+1, …, b`.
//! Both graphs thus have the same transitive closure, and a transaction's layer (the longest
//! path to it) and the critical-path gas (every path of one graph maps to a path of the other
//! through at least the same transactions) are the same in both.
//!
//! Cost: every access is stored once, in one arena shared by all epoch lists, and each resource
//! keeps three indices into it, so memory is linear in the accesses (plus the edges). Time is
//! linear in the accesses plus the links made: each is an edge, or the same pair met again
//! through another resource.

use alloy_primitives::map::{AddressHashMap, HashMap};
use foresight_analyzer::{AccessSet, Location};
use petgraph::graph::NodeIndex;

use crate::{
    conflict::{Conflict, ConflictKind, Resource},
    footprint::{Access, AccessFlags, Footprint},
    graph::{ConflictGraph, GraphBuilder},
};

/// The members of every epoch of every resource: one arena, each epoch a linked list through
/// it, so that a resource's state is three indices and admitting an access is one push.
#[derive(Debug)]
struct EpochMembers {
    members: Vec<Member>,
}

#[derive(Debug, Clone, Copy)]
struct Member {
    access: Access,
    /// The next member of the same epoch, or [`END`].
    next: u32,
}

/// The end of a member list.
const END: u32 = u32::MAX;

impl EpochMembers {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            members: Vec::with_capacity(capacity),
        }
    }

    /// Stores `access` as the end of a new list, returning where.
    fn push(&mut self, access: Access) -> u32 {
        let index = u32::try_from(self.members.len())
            .ok()
            .filter(|&index| index != END)
            .expect("fewer than 2^32 - 1 accesses in a block");
        self.members.push(Member { access, next: END });
        index
    }

    fn access(&self, index: u32) -> Access {
        self.members[index as usize].access
    }

    /// Appends the member at `index` to the list ending at `last`.
    fn append(&mut self, last: u32, index: u32) {
        self.members[last as usize].next = index;
    }

    /// The members of the list starting at `first`, in the order they were admitted.
    fn list(&self, first: u32) -> impl Iterator<Item = Access> + '_ {
        std::iter::successors((first != END).then_some(first), |&index| {
            let next = self.members[index as usize].next;
            (next != END).then_some(next)
        })
        .map(|index| self.access(index))
    }
}

/// The last two epochs of one resource, as lists in [`EpochMembers`].
#[derive(Debug, Clone, Copy)]
struct Epochs {
    /// The epoch before the current one: what a new member of the current epoch waits for.
    previous_first: u32,
    /// The latest epoch: an exclusive access, or a run of accesses with equal, commuting flags.
    current_first: u32,
    current_last: u32,
}

impl Default for Epochs {
    fn default() -> Self {
        Self {
            previous_first: END,
            current_first: END,
            current_last: END,
        }
    }
}

impl Epochs {
    /// Adds `access` (later than every access so far), calling `link` with each access it waits
    /// for.
    fn admit(&mut self, members: &mut EpochMembers, access: Access, mut link: impl FnMut(Access)) {
        let joins_current = !access.flags.is_exclusive()
            && self.current_first != END
            && members.access(self.current_first).flags == access.flags;
        let index = members.push(access);
        if joins_current {
            members.list(self.previous_first).for_each(&mut link);
            members.append(self.current_last, index);
        } else {
            members.list(self.current_first).for_each(&mut link);
            self.previous_first = self.current_first;
            self.current_first = index;
        }
        self.current_last = index;
    }

    /// Whether `tx` is the latest access.
    fn ends_with(&self, members: &EpochMembers, tx: NodeIndex) -> bool {
        self.current_last != END && members.access(self.current_last).tx == tx
    }
}

impl ConflictGraph {
    /// The sparse conflict graph of `access_sets` (in block order): the edges of
    /// [`ConflictGraph::full`] that decide the order, with the same reachability (see the
    /// module documentation for the rule and the proof).
    ///
    /// ```
    /// use alloy_primitives::{Address, U256};
    /// use foresight_analyzer::{AccessSet, Location};
    /// use foresight_scheduler::ConflictGraph;
    ///
    /// let slot = Location::storage(Address::repeat_byte(1), U256::ZERO);
    /// let mut write = AccessSet::new();
    /// write.writes.insert(slot);
    /// let graph = ConflictGraph::sparse(&[write.clone(), write.clone(), write]);
    /// assert_eq!(graph.edge_count(), 2); // 0→1, 1→2
    /// ```
    pub fn sparse(access_sets: &[AccessSet]) -> Self {
        let transactions = access_sets.len();
        let mut builder = GraphBuilder::new(transactions, 4 * transactions);
        let mut locations: HashMap<Location, Epochs> =
            HashMap::with_capacity_and_hasher(2 * transactions, Default::default());
        let mut contracts: AddressHashMap<Epochs> = AddressHashMap::default();
        let mut state = Epochs::default();
        let accesses: usize = access_sets
            .iter()
            .map(|set| set.reads.len() + set.writes.len() + set.credits.len())
            .sum();
        let mut members = EpochMembers::with_capacity(accesses + transactions);
        let mut footprint = Footprint::default();

        for (index, set) in access_sets.iter().enumerate() {
            let tx = NodeIndex::new(index);
            footprint.load(set);

            for &(location, flags) in &footprint.accesses {
                let resource = Resource::Location(location);
                locations.entry(location).or_default().admit(
                    &mut members,
                    Access { tx, flags },
                    |earlier| {
                        if let Some(kind) = ConflictKind::between(earlier.flags, flags) {
                            builder.link(earlier.tx, tx, Conflict { kind, resource });
                        }
                    },
                );

                if let Location::Storage { address, .. } = location
                    && !footprint.widens(address)
                {
                    let storage = contracts.entry(address).or_default();
                    if !storage.ends_with(&members, tx) {
                        let touch = Access {
                            tx,
                            flags: AccessFlags::READ,
                        };
                        storage.admit(&mut members, touch, |earlier| {
                            builder.link(earlier.tx, tx, Conflict::contract_widening(address));
                        });
                    }
                }
            }

            for &address in &footprint.widened_contracts {
                let widening = Access {
                    tx,
                    flags: AccessFlags::WRITE,
                };
                contracts
                    .entry(address)
                    .or_default()
                    .admit(&mut members, widening, |earlier| {
                        builder.link(earlier.tx, tx, Conflict::contract_widening(address));
                    });
            }

            let flags = if footprint.is_barrier {
                AccessFlags::WRITE
            } else {
                AccessFlags::READ
            };
            state.admit(&mut members, Access { tx, flags }, |earlier| {
                builder.link(earlier.tx, tx, Conflict::BARRIER);
            });
        }
        builder.finish()
    }
}
