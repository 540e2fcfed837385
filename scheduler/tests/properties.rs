//! Property tests: random blocks with few accounts and slots, so that conflicts are dense, with
//! random credits and widenings, checked against a brute-force pairwise conflict relation.

use std::{collections::BTreeSet, num::NonZeroUsize};

use alloy_primitives::{Address, U256};
use foresight_analyzer::{AccessSet, Location, Widening, WideningReason};
use foresight_scheduler::{Conflict, ConflictGraph, ConflictKind, Layers, Resource, Schedule};
use proptest::{collection::vec, prelude::*};

fn address() -> impl Strategy<Value = Address> {
    (1u8..=3).prop_map(Address::repeat_byte)
}

fn location() -> impl Strategy<Value = Location> {
    prop_oneof![
        3 => address().prop_map(Location::balance),
        1 => address().prop_map(Location::nonce),
        1 => address().prop_map(Location::code),
        4 => (address(), 0u64..3).prop_map(|(a, slot)| Location::storage(a, U256::from(slot))),
    ]
}

fn access_set() -> impl Strategy<Value = AccessSet> {
    let contract_widening = address().prop_map(|address| Widening::Contract {
        address,
        reason: WideningReason::UnresolvedSlot,
    });
    (
        vec(location(), 0..4),
        vec(location(), 0..3),
        vec(address(), 0..3),
        prop::option::weighted(0.15, contract_widening),
        prop::bool::weighted(0.05),
    )
        .prop_map(|(reads, writes, credits, widening, barrier)| {
            let mut set = AccessSet {
                reads: reads.into_iter().collect(),
                writes: writes.into_iter().collect(),
                credits: credits.into_iter().collect(),
                widenings: widening.into_iter().collect(),
            };
            if barrier {
                set.widenings.insert(Widening::Everything {
                    reason: WideningReason::NoPrediction,
                });
            }
            set
        })
}

/// A block with one gas weight per transaction and a thread count.
fn weighted_block() -> impl Strategy<Value = (Vec<AccessSet>, Vec<u64>, NonZeroUsize)> {
    vec(access_set(), 0..28).prop_flat_map(|block| {
        let len = block.len();
        (
            Just(block),
            vec(1u64..100_000, len),
            (1usize..9).prop_map(|n| NonZeroUsize::new(n).unwrap()),
        )
    })
}

fn credits(set: &AccessSet, location: &Location) -> bool {
    matches!(location, Location::Balance { address } if set.credits.contains(address))
}

fn touches_storage(set: &AccessSet, contract: Address) -> bool {
    set.reads
        .iter()
        .chain(&set.writes)
        .any(|l| l.is_storage() && l.address() == contract)
}

fn widens(set: &AccessSet, contract: Address) -> bool {
    set.widenings
        .iter()
        .any(|w| matches!(w, Widening::Contract { address, .. } if *address == contract))
}

/// The specification, pair by pair: whether `earlier` and `later` must keep their order.
fn conflicts(earlier: &AccessSet, later: &AccessSet) -> bool {
    let accessed =
        |set: &AccessSet| -> BTreeSet<Location> { set.reads.union(&set.writes).copied().collect() };
    earlier.is_everything()
        || later.is_everything()
        || earlier.writes.iter().any(|l| accessed(later).contains(l))
        || later.writes.iter().any(|l| earlier.reads.contains(l))
        || accessed(later).iter().any(|l| credits(earlier, l))
        || accessed(earlier).iter().any(|l| credits(later, l))
        || earlier
            .widenings
            .iter()
            .chain(&later.widenings)
            .any(|w| match *w {
                Widening::Contract { address, .. } => {
                    (widens(earlier, address) || touches_storage(earlier, address))
                        && (widens(later, address) || touches_storage(later, address))
                }
                Widening::Everything { .. } => true,
            })
}

/// Whether `conflict` truly holds between `earlier` and `later`.
fn explains(conflict: &Conflict, earlier: &AccessSet, later: &AccessSet) -> bool {
    match conflict.resource {
        Resource::Location(l) => {
            let (reads, writes, credit) = (
                |s: &AccessSet| s.reads.contains(&l),
                |s: &AccessSet| s.writes.contains(&l),
                |s: &AccessSet| credits(s, &l),
            );
            match conflict.kind {
                ConflictKind::ReadAfterWrite => writes(earlier) && reads(later),
                ConflictKind::WriteAfterRead => reads(earlier) && writes(later),
                ConflictKind::WriteAfterWrite => writes(earlier) && writes(later),
                ConflictKind::AccessAfterCredit => {
                    credit(earlier) && (reads(later) || writes(later))
                }
                ConflictKind::CreditAfterAccess => {
                    (reads(earlier) || writes(earlier)) && credit(later)
                }
                ConflictKind::ContractWidening | ConflictKind::Barrier => false,
            }
        }
        Resource::Storage { address } => {
            conflict.kind == ConflictKind::ContractWidening
                && (widens(earlier, address) || widens(later, address))
                && (widens(earlier, address) || touches_storage(earlier, address))
                && (widens(later, address) || touches_storage(later, address))
        }
        Resource::State => {
            conflict.kind == ConflictKind::Barrier
                && (earlier.is_everything() || later.is_everything())
        }
    }
}

/// Every conflicting pair `(i, j)`, `i < j`, by brute force.
fn conflicting_pairs(block: &[AccessSet]) -> BTreeSet<(usize, usize)> {
    let mut pairs = BTreeSet::new();
    for j in 0..block.len() {
        for i in 0..j {
            if conflicts(&block[i], &block[j]) {
                pairs.insert((i, j));
            }
        }
    }
    pairs
}

fn edge_pairs(graph: &ConflictGraph) -> BTreeSet<(usize, usize)> {
    graph.edges().map(|e| (e.from, e.to)).collect()
}

/// `reach[i][j]`: whether a path leads from `i` to `j`.
fn reachability(len: usize, pairs: &BTreeSet<(usize, usize)>) -> Vec<Vec<bool>> {
    let mut reach = vec![vec![false; len]; len];
    // Pairs go forward, so visiting sources from the last one finds every target's reach ready.
    for i in (0..len).rev() {
        for &(_, j) in pairs.range((i, 0)..(i + 1, 0)) {
            let (head, tail) = reach.split_at_mut(j);
            head[i][j] = true;
            for (from_i, &from_j) in head[i].iter_mut().zip(&tail[0]) {
                *from_i |= from_j;
            }
        }
    }
    reach
}

/// Checks that `layers` partitions the block into non-empty layers in block order and keeps
/// every conflicting pair in order.
fn assert_valid(layers: &Layers, len: usize, pairs: &BTreeSet<(usize, usize)>) {
    let mut seen: Vec<usize> = layers.as_slice().concat();
    seen.sort_unstable();
    assert_eq!(seen, (0..len).collect::<Vec<_>>());
    for (number, layer) in layers.as_slice().iter().enumerate() {
        assert!(!layer.is_empty(), "layer {number} is empty");
        assert!(layer.is_sorted(), "layer {number} is not in block order");
        assert!(layer.iter().all(|&tx| layers.layer_of(tx) == number));
    }
    for &(i, j) in pairs {
        assert!(
            layers.layer_of(i) < layers.layer_of(j),
            "{i} → {j} not in order"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_full_graph_has_exactly_the_conflicting_pairs(block in vec(access_set(), 0..28)) {
        let graph = ConflictGraph::full(&block);
        prop_assert_eq!(graph.len(), block.len());
        prop_assert_eq!(edge_pairs(&graph), conflicting_pairs(&block));
        prop_assert_eq!(graph.edge_count(), edge_pairs(&graph).len(), "duplicate edges");
        for edge in graph.edges() {
            prop_assert!(explains(&edge.conflict, &block[edge.from], &block[edge.to]), "{edge:?}");
        }
    }

    #[test]
    fn the_sparse_graph_keeps_the_order_with_fewer_edges(block in vec(access_set(), 0..28)) {
        let full = ConflictGraph::full(&block);
        let sparse = ConflictGraph::sparse(&block);
        let sparse_pairs = edge_pairs(&sparse);
        let full_pairs = edge_pairs(&full);
        prop_assert_eq!(sparse.edge_count(), sparse_pairs.len(), "duplicate edges");
        prop_assert!(sparse_pairs.is_subset(&full_pairs));
        for edge in sparse.edges() {
            prop_assert!(explains(&edge.conflict, &block[edge.from], &block[edge.to]), "{edge:?}");
        }
        prop_assert_eq!(
            reachability(block.len(), &sparse_pairs),
            reachability(block.len(), &full_pairs)
        );
        prop_assert_eq!(Layers::longest_path(&sparse), Layers::longest_path(&full));
    }

    #[test]
    fn layers_are_valid_and_earliest(block in vec(access_set(), 0..28)) {
        let pairs = conflicting_pairs(&block);
        let schedule = Schedule::new(&block);
        let layers = schedule.layers();
        assert_valid(layers, block.len(), &pairs);
        for edge in schedule.graph().edges() {
            prop_assert!(layers.layer_of(edge.from) < layers.layer_of(edge.to));
        }
        for j in 0..block.len() {
            let layer = layers.layer_of(j);
            prop_assert!(
                layer == 0 || pairs.iter().any(|&(i, to)| to == j && layers.layer_of(i) == layer - 1),
                "transaction {} could go earlier than layer {}", j, layer
            );
            prop_assert!(
                layer == 0
                    || schedule.graph().predecessors(j).any(|(i, _)| layers.layer_of(i) == layer - 1)
            );
        }
    }

    #[test]
    fn balanced_layers_are_valid_and_never_slower((block, gas, threads) in weighted_block()) {
        let pairs = conflicting_pairs(&block);
        let earliest = Schedule::new(&block);
        let balanced = earliest.clone().balanced(&gas, threads).unwrap();
        assert_valid(balanced.layers(), block.len(), &pairs);
        prop_assert_eq!(balanced.layers().len(), earliest.layers().len());
        prop_assert!(
            balanced.layers().makespan(&gas, threads).unwrap()
                <= earliest.layers().makespan(&gas, threads).unwrap()
        );
    }

    #[test]
    fn stats_are_bounded((block, gas, threads) in weighted_block()) {
        let sparse = Schedule::new(&block).stats(&gas, threads).unwrap();
        let full = Schedule::from_graph(ConflictGraph::full(&block)).stats(&gas, threads).unwrap();
        let total: u64 = gas.iter().sum();
        prop_assert_eq!(sparse.critical_path_gas, full.critical_path_gas);
        prop_assert_eq!(sparse.makespan, full.makespan);
        prop_assert_eq!(sparse.total_gas, total);
        prop_assert_eq!(sparse.layer_gas.iter().sum::<u64>(), total);
        prop_assert_eq!(sparse.layer_transactions.iter().sum::<usize>(), block.len());
        prop_assert!(sparse.critical_path_gas <= sparse.makespan);
        prop_assert!(sparse.makespan <= total);
        prop_assert!(sparse.parallelism >= 1.0);
        prop_assert!(sparse.speedup <= sparse.parallelism + 1e-9);
        prop_assert!(sparse.speedup <= threads.get() as f64 + 1e-9);
        let one_thread = NonZeroUsize::MIN;
        prop_assert_eq!(Schedule::new(&block).layers().makespan(&gas, one_thread).unwrap(), total);
    }

    #[test]
    fn output_is_deterministic(block in vec(access_set(), 0..20)) {
        let first = Schedule::new(&block);
        let second = Schedule::new(&block.clone());
        prop_assert_eq!(
            serde_json::to_string(&first).unwrap(),
            serde_json::to_string(&second).unwrap()
        );
        prop_assert_eq!(first.to_dot(), second.to_dot());
    }
}

#[test]
fn gas_weights_must_match_the_transactions() {
    let schedule = Schedule::new(&[AccessSet::new(), AccessSet::new()]);
    let threads = NonZeroUsize::new(4).unwrap();
    let error = schedule.stats(&[1], threads).unwrap_err();
    assert_eq!(error.to_string(), "1 gas weights given for 2 transactions");
    assert!(schedule.balanced(&[1, 2, 3], threads).is_err());
}
