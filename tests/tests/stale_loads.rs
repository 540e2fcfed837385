//! Predictions of whole blocks, against what executing them touched: every transaction of
//! every built-in workload is covered by its prediction. The NFT mint burst is the case that
//! needs the block-level pass: each mint's token slot is derived from the mint counter, which
//! every earlier mint of the block writes, so the pre-state alone predicts the wrong slot and
//! the prediction must widen to the NFT's storage (reason `stale_load`).
//!
//! Input: every workload at a small size. Output: pass or fail.

use foresight::predict::predict_block;
use foresight_analyzer::{Analyzer, Widening, WideningReason};
use foresight_corpus::workload::{Workload, WorkloadParams, build};
use foresight_executor::execute_sequential;

fn params() -> WorkloadParams {
    WorkloadParams {
        gas: 2_000_000,
        seed: 3,
        hot_ratio: 0.3,
    }
}

#[test]
fn every_workload_transaction_is_covered_by_its_prediction() {
    for workload in Workload::ALL {
        let block = build(workload, &params()).expect("valid parameters");
        let predictions = predict_block(&Analyzer::new(), &block);
        let actual = execute_sequential(&block)
            .expect("the block executes")
            .access_sets();
        for (i, (p, a)) in predictions.iter().zip(&actual).enumerate() {
            assert!(
                p.access.covers(a),
                "{workload}: transaction {i} is not covered: predicted {:?}, actual {a:?}",
                p.access
            );
        }
    }
}

#[test]
fn mints_after_the_first_widen_to_the_nft_storage_for_a_stale_counter() {
    let block = build(Workload::NftMint, &params()).expect("valid parameters");
    let predictions = predict_block(&Analyzer::new(), &block);
    assert!(predictions.len() > 2);
    let stale = |i: usize| {
        predictions[i].access.widenings.iter().any(|w| {
            matches!(
                w,
                Widening::Contract {
                    reason: WideningReason::StaleLoad,
                    ..
                }
            )
        })
    };
    assert!(
        !stale(0),
        "the first mint reads the counter as the block found it"
    );
    assert!((1..predictions.len()).all(stale));
}
