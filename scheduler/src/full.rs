//! The full conflict graph: an edge for every conflicting pair of transactions.
//!
//! Input: the access sets of a block in block order. Output: a [`ConflictGraph`] with an edge
//! `i → j` for every `i < j` that conflict. The index keeps, per location, every earlier
//! exclusive accessor (writers), reader and creditor; per contract, every earlier transaction
//! that widened or touched its storage; and every earlier barrier. A transaction is linked to
//! exactly the lists it conflicts with, so the time is linear in the accesses plus the
//! (conflict, pair) incidences found, and memory is linear in the accesses plus the edges.
//!
//! The full graph can be quadratic (n writers of one slot make n²/2 edges); the scheduler uses
//! [`ConflictGraph::sparse`], which has the same reachability. This one is the reference the
//! sparse graph is checked against, and useful to list every reason two transactions conflict.

use alloy_primitives::map::{AddressHashMap, HashMap};
use foresight_analyzer::{AccessSet, Location};
use petgraph::graph::NodeIndex;

use crate::{
    conflict::{Conflict, ConflictKind, Resource},
    footprint::{Access, Footprint},
    graph::{ConflictGraph, GraphBuilder},
};

/// Every earlier access of one location, split by how later accesses conflict with it.
#[derive(Debug, Default)]
struct LocationHistory {
    /// Writes (and read-and-credit accesses): conflict with every later access.
    exclusive: Vec<Access>,
    /// Pure reads: conflict with later writes and credits.
    readers: Vec<Access>,
    /// Pure credits: conflict with later writes and reads.
    creditors: Vec<Access>,
}

/// Every earlier transaction that widened or touched the storage of one contract.
#[derive(Debug, Default)]
struct ContractHistory {
    widened: Vec<NodeIndex>,
    touched: Vec<NodeIndex>,
}

impl ConflictGraph {
    /// The full conflict graph of `access_sets` (in block order): an edge `i → j` for every
    /// `i < j` where `j` reads what `i` writes, writes what `i` reads or writes, reads or writes
    /// a balance `i` credits (or the reverse), touches storage of a contract `i` widens (or the
    /// reverse, or both widen it), or either is a barrier.
    ///
    /// ```
    /// use alloy_primitives::{Address, U256};
    /// use foresight_analyzer::{AccessSet, Location};
    /// use foresight_scheduler::ConflictGraph;
    ///
    /// let slot = Location::storage(Address::repeat_byte(1), U256::ZERO);
    /// let mut write = AccessSet::new();
    /// write.writes.insert(slot);
    /// let graph = ConflictGraph::full(&[write.clone(), write.clone(), write]);
    /// assert_eq!(graph.edge_count(), 3); // 0→1, 0→2, 1→2
    /// ```
    pub fn full(access_sets: &[AccessSet]) -> Self {
        let mut builder = GraphBuilder::new(access_sets.len(), access_sets.len());
        let mut locations: HashMap<Location, LocationHistory> = HashMap::default();
        let mut contracts: AddressHashMap<ContractHistory> = AddressHashMap::default();
        let mut barriers: Vec<NodeIndex> = Vec::new();
        let mut footprint = Footprint::default();

        for (index, set) in access_sets.iter().enumerate() {
            let tx = NodeIndex::new(index);
            footprint.load(set);

            for &(location, flags) in &footprint.accesses {
                let history = locations.entry(location).or_default();
                let later = Access { tx, flags };
                let lists: [&[Access]; 3] = [
                    &history.exclusive,
                    if flags.writes() || flags.credits() {
                        &history.readers
                    } else {
                        &[]
                    },
                    if flags.writes() || flags.reads() {
                        &history.creditors
                    } else {
                        &[]
                    },
                ];
                for earlier in lists.into_iter().flatten() {
                    if let Some(kind) = ConflictKind::between(earlier.flags, flags) {
                        let resource = Resource::Location(location);
                        builder.link(earlier.tx, tx, Conflict { kind, resource });
                    }
                }
                if flags.is_exclusive() {
                    history.exclusive.push(later);
                } else if flags.reads() {
                    history.readers.push(later);
                } else {
                    history.creditors.push(later);
                }

                if let Location::Storage { address, .. } = location
                    && !footprint.widens(address)
                {
                    let history = contracts.entry(address).or_default();
                    link_all(
                        &mut builder,
                        &history.widened,
                        tx,
                        Conflict::contract_widening(address),
                    );
                    if history.touched.last() != Some(&tx) {
                        history.touched.push(tx);
                    }
                }
            }

            for &address in &footprint.widened_contracts {
                let history = contracts.entry(address).or_default();
                let conflict = Conflict::contract_widening(address);
                link_all(&mut builder, &history.widened, tx, conflict);
                link_all(&mut builder, &history.touched, tx, conflict);
                history.widened.push(tx);
            }

            if footprint.is_barrier {
                for earlier in 0..index {
                    builder.link(NodeIndex::new(earlier), tx, Conflict::BARRIER);
                }
                barriers.push(tx);
            } else {
                link_all(&mut builder, &barriers, tx, Conflict::BARRIER);
            }
        }
        builder.finish()
    }
}

fn link_all(builder: &mut GraphBuilder, earlier: &[NodeIndex], tx: NodeIndex, conflict: Conflict) {
    for &from in earlier {
        builder.link(from, tx, conflict);
    }
}
