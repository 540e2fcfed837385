//! Property tests of the executor's start points against the scheduler's conflict graph: a
//! transaction never waits for itself or a later one, and never longer than its latest
//! predecessor in the graph (start points keep only read-after-write conflicts).

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
    )
        .prop_map(|(reads, writes, widened, barrier)| {
            let mut set = AccessSet {
                reads: reads.into_iter().collect(),
                writes: writes.into_iter().collect(),
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
}
