//! Snapshots (insta) of a built-in block through the sequential executor: receipts' contents,
//! actual access sets and post-state changes, plus the receipts root and bloom. A change in any
//! of them shows up as a reviewed diff.

use foresight_corpus::workload::{self, Workload, WorkloadParams};
use foresight_executor::{execute_sequential, receipts};

#[test]
fn builtin_hybrid_block_through_the_sequential_executor() {
    let params = WorkloadParams {
        gas: 260_000,
        seed: 11,
        hot_ratio: 0.3,
    };
    let block = workload::build(Workload::Hybrid, &params).unwrap();
    let outcome = execute_sequential(&block).unwrap();
    let receipts = receipts(&outcome).unwrap();
    let root = alloy_consensus::proofs::calculate_receipt_root(&receipts);
    let bloom = receipts
        .iter()
        .fold(alloy_primitives::Bloom::ZERO, |acc, r| acc | r.logs_bloom());
    insta::assert_snapshot!("hybrid_receipts_root", format!("{root}\n{bloom}"));
    insta::assert_yaml_snapshot!("hybrid_outcome", outcome);
}
