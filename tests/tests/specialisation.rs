//! The analyzer's second pass on the project's own contracts: a router swap, whose general
//! summary loses the pair address in the loop over the calldata `path`, is predicted exactly
//! once the frames are specialised to their calldata, so a block of independent swaps needs
//! no barrier and schedules into one layer; and swaps of one calldata shape share one
//! specialised summary, however many there are.
//!
//! Input: the `swaps` workload at a small size. Output: pass or fail.

use foresight::predict::predicted_access_sets;
use foresight_analyzer::{Analyzer, EntryKey, Widening, compare_tx};
use foresight_corpus::workload::{Workload, WorkloadParams, build};
use foresight_executor::execute_sequential;
use foresight_scheduler::Schedule;

#[test]
fn router_swaps_are_predicted_without_barriers_and_covered() {
    let params = WorkloadParams {
        gas: 2_000_000,
        seed: 7,
        hot_ratio: 0.0,
    };
    let block = build(Workload::Swaps, &params).expect("valid parameters");
    let analyzer = Analyzer::new();
    let predicted = predicted_access_sets(&analyzer, &block);
    let outcome = execute_sequential(&block).expect("the block executes");
    let actual = outcome.access_sets();
    assert!(block.transactions.len() > 5);
    for (i, (p, a)) in predicted.iter().zip(&actual).enumerate() {
        assert!(
            !p.widenings
                .iter()
                .any(|w| matches!(w, Widening::Everything { .. })),
            "swap {i} widened to the whole state: {:?}",
            p.widenings
        );
        let acc = compare_tx(p, a, 0, None);
        assert!(acc.covered, "swap {i} missed {:?}", acc.missing);
    }
    assert_eq!(Schedule::new(&predicted).layers().len(), 1);
    // The general summary of the router's entry does leave the pair open: the second pass
    // is what closes it.
    let tx = &block.transactions[0];
    let router = tx.env.kind.to().copied().expect("a call");
    let code = block
        .prestate
        .account(&router)
        .and_then(|a| a.info.code.clone())
        .expect("the router has code")
        .original_bytes();
    let data = &tx.env.data;
    let selector = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
    assert!(
        analyzer
            .entry_summary(&code, EntryKey::Selector(selector))
            .open
    );
}

/// Swaps of one calldata shape share one specialised summary once the shape recurs: the
/// analysis work does not grow with the number of swaps (before, each swap had an analysis of
/// its own exact calldata), and predicting the same block again analyses nothing new.
#[test]
fn a_recurring_swap_shape_is_analysed_once_not_per_swap() {
    let params = |gas| WorkloadParams {
        gas,
        seed: 7,
        hot_ratio: 0.0,
    };
    let entries = |gas| {
        let block = build(Workload::Swaps, &params(gas)).expect("valid parameters");
        let analyzer = Analyzer::new();
        predicted_access_sets(&analyzer, &block);
        let first = analyzer.cache_stats();
        predicted_access_sets(&analyzer, &block);
        assert_eq!(
            analyzer.cache_stats(),
            first,
            "a second pass analysed again"
        );
        (block.transactions.len(), first.entries)
    };
    let (few, few_entries) = entries(2_000_000);
    let (many, many_entries) = entries(20_000_000);
    assert!(many >= 8 * few, "{many} swaps against {few}");
    assert_eq!(many_entries, few_entries);
}
