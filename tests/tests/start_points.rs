//! Property tests of the executor's start points: against the scheduler's conflict graph (a
//! transaction never waits for itself or a later one, and never longer than its latest
//! predecessor in the graph: start points keep only read-after-write conflicts), and against a
//! pairwise statement of the rule they implement.

use alloy_primitives::{Address, U256};
use foresight_analyzer::{AccessSet, Location, Widening, WideningReason};
use foresight_scheduler::Schedule;
use foresight_scheduler::start_points;
use proptest::{collection::vec, prelude::*};

fn location() -> impl Strategy<Value = Location> {
    let address = (1u8..=3).prop_map(Address::repeat_byte);
    prop_oneof![
        address.clone().prop_map(Location::balance),
        (address, 0u64..3).prop_map(|(a, slot)| Location::storage(a, U256::from(slot))),
    ]
}

fn access_set() -> impl Strategy<Value = AccessSet> {
    (
        vec(location(), 0..3),
        vec(location(), 0..3),
        prop::option::weighted(0.1, (1u8..=3).prop_map(Address::repeat_byte)),
        prop::bool::weighted(0.1),
        vec((1u8..=3).prop_map(Address::repeat_byte), 0..2),
    )
        .prop_map(|(reads, writes, widened, barrier, credits)| {
            let mut set = AccessSet {
                reads: reads.into_iter().collect(),
                writes: writes.into_iter().collect(),
                credits: credits.into_iter().collect(),
                ..AccessSet::new()
            };
            if let Some(address) = widened {
                let reason = WideningReason::UnresolvedSlot;
                set.widenings.insert(Widening::Contract { address, reason });
            }
            if barrier {
                let reason = WideningReason::UnresolvedCallTarget;
                set.widenings.insert(Widening::Everything { reason });
            }
            set
        })
}

/// Whether `earlier` may write (or credit) something `later` may read; a transaction's own
/// writes count as reads, and a widened contract's storage as every slot of it.
fn may_write_what_it_reads(earlier: &AccessSet, later: &AccessSet) -> bool {
    let storage_of = |l: &Location| match *l {
        Location::Storage { address, .. } => Some(address),
        _ => None,
    };
    let written = |l: &Location| {
        earlier.writes.contains(l)
            || matches!(*l, Location::Balance { address } if earlier.credits.contains(&address))
            || storage_of(l).is_some_and(|a| earlier.widened_contracts().any(|w| w == a))
    };
    later.reads.iter().chain(later.writes.iter()).any(written)
        || later.widened_contracts().any(|a| {
            earlier.widened_contracts().any(|w| w == a)
                || earlier.writes.iter().any(|l| storage_of(l) == Some(a))
        })
}

/// Start points by their definition, pair by pair.
fn reference(block: &[AccessSet], speculate_barriers: bool) -> Vec<usize> {
    let barrier = |set: &AccessSet| set.is_everything() && !speculate_barriers;
    (0..block.len())
        .map(|j| {
            if barrier(&block[j]) {
                return j;
            }
            (0..j)
                .filter(|&i| barrier(&block[i]) || may_write_what_it_reads(&block[i], &block[j]))
                .map(|i| i + 1)
                .max()
                .unwrap_or(0)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn start_points_wait_no_longer_than_the_conflict_graph(block in vec(access_set(), 0..24)) {
        let schedule = Schedule::new(&block);
        let waiting = start_points(&block, false);
        let speculating = start_points(&block, true);
        for j in 0..block.len() {
            let latest = schedule.graph().predecessors(j).map(|(i, _)| i + 1).max().unwrap_or(0);
            prop_assert!(waiting[j] <= latest, "{} waits for {} > {}", j, waiting[j], latest);
            prop_assert!(speculating[j] <= waiting[j]);
            if block[j].is_everything() {
                prop_assert_eq!(waiting[j], j);
            }
        }
    }

    #[test]
    fn start_points_are_the_latest_earlier_writer_of_what_a_transaction_reads(
        block in vec(access_set(), 0..24),
    ) {
        for speculate in [false, true] {
            prop_assert_eq!(start_points(&block, speculate), reference(&block, speculate));
        }
    }
}
