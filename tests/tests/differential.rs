//! Differential correctness: the parallel executor returns exactly the sequential outcome for
//! any prediction — analyzer, oracle, empty (everything in one layer), randomly damaged — on 1,
//! 2 and 4 threads, including blocks built to break it: heavy contention, a coinbase reader, a
//! reverted transaction, and a contract that self-destructs and is redeployed at the same
//! address within the block.

use alloy_primitives::{Address, Bytes, U256, hex};
use foresight::pipeline::{PredictionSource, predictions};
use foresight_analyzer::Analyzer;
use foresight_corpus::{
    Block,
    workload::{self, Workload, WorkloadParams},
};
use foresight_executor::{
    BlockOutcome, ParallelConfig, TxStatus, execute_parallel, execute_sequential,
};
use proptest::prelude::*;
use revm::primitives::{TxKind, hardfork::SpecId};

const SOURCES: [PredictionSource; 5] = [
    PredictionSource::Analyzer,
    PredictionSource::Oracle,
    PredictionSource::None,
    PredictionSource::Random(1),
    PredictionSource::Random(2),
];

/// Runs `block` in parallel with every prediction source on 1, 2 and 4 threads and checks each
/// outcome against the sequential one; returns the sequential outcome.
fn assert_parallel_matches(block: &Block) -> BlockOutcome {
    let reference = execute_sequential(block).expect("sequential execution");
    let analyzer = Analyzer::new();
    for threads in [1, 2, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for source in SOURCES {
            let sets = predictions(block, source, &analyzer).unwrap();
            let parallel = execute_parallel(block, &sets, &pool, &ParallelConfig::always())
                .expect("parallel execution");
            if let Some(diff) = reference.first_difference(&parallel.outcome) {
                panic!(
                    "{} on {threads} threads with {source}: {diff}",
                    block.source
                );
            }
        }
    }
    reference
}

/// A Shanghai block (self-destruct still destroys) with funded senders, from the transfers
/// workload; its transactions are replaced by the caller.
fn shanghai_block(senders: usize) -> Block {
    let mut block = workload::transfers(senders, 9);
    block.spec = SpecId::SHANGHAI;
    block.env.blob_excess_gas_and_price = None;
    block
}

/// Makes transaction `i` (sent by the i-th funded sender) a call of `to` with `data`.
fn call(block: &mut Block, i: usize, to: TxKind, data: &[u8], gas: u64) {
    let env = &mut block.transactions[i].env;
    env.kind = to;
    env.data = Bytes::copy_from_slice(data);
    env.value = U256::ZERO;
    env.gas_limit = gas;
}

#[test]
fn every_workload_matches_sequential() {
    for kind in Workload::ALL {
        let params = WorkloadParams {
            gas: 2_000_000,
            seed: 3,
            hot_ratio: 0.5,
        };
        let block = workload::build(kind, &params).unwrap();
        assert_parallel_matches(&block);
    }
}

#[test]
fn a_coinbase_reader_sees_every_earlier_fee() {
    // COINBASE BALANCE PUSH1 0 SSTORE STOP: stores the coinbase balance it sees.
    let reader = Address::repeat_byte(0xcb);
    let mut block = shanghai_block(6);
    block
        .prestate
        .insert_account(
            reader,
            U256::ZERO,
            1,
            Bytes::from_static(&hex!("4131600055 00")),
            Default::default(),
        )
        .unwrap();
    call(&mut block, 3, TxKind::Call(reader), &[], 100_000);
    let outcome = assert_parallel_matches(&block);
    let stored = outcome.state.accounts.get(&reader).unwrap().storage[&U256::ZERO];
    let fees: u64 = outcome.transactions[..3].iter().map(|t| t.gas_used).sum();
    let priority = U256::from(workload::PRIORITY_FEE);
    assert_eq!(
        stored,
        U256::from(fees) * priority,
        "the three earlier fees"
    );
}

#[test]
fn a_reverted_transaction_matches_sequential() {
    // PUSH1 1 PUSH1 0 SSTORE PUSH1 0 PUSH1 0 REVERT: a write that is rolled back.
    let reverter = Address::repeat_byte(0xee);
    let mut block = shanghai_block(4);
    block
        .prestate
        .insert_account(
            reverter,
            U256::ZERO,
            1,
            Bytes::from_static(&hex!("6001600055 60006000fd")),
            Default::default(),
        )
        .unwrap();
    call(&mut block, 1, TxKind::Call(reverter), &[], 100_000);
    let outcome = assert_parallel_matches(&block);
    assert_eq!(outcome.transactions[1].status, TxStatus::Revert);
    assert!(!outcome.state.accounts.contains_key(&reverter));
}

#[test]
fn self_destruct_and_redeploy_within_the_block() {
    // Factory: CREATE2(value 0, init code = calldata, salt 0), store the address in slot 0.
    let factory = Address::repeat_byte(0xfa);
    let factory_code = hex!("366000600037 6000 36 6000 6000 f5 600055 00");
    // Child init: SSTORE(0, 1), return runtime CALLER SELFDESTRUCT (0x33ff).
    let init = hex!("6001600055 6133ff600052 6002601ef3");
    let mut block = shanghai_block(6);
    block
        .prestate
        .insert_account(
            factory,
            U256::ZERO,
            1,
            Bytes::copy_from_slice(&factory_code),
            Default::default(),
        )
        .unwrap();
    let child = factory.create2_from_code([0u8; 32], init);
    call(&mut block, 0, TxKind::Call(factory), &init, 200_000);
    call(&mut block, 2, TxKind::Call(child), &[], 100_000);
    call(&mut block, 3, TxKind::Call(factory), &init, 200_000);
    call(&mut block, 5, TxKind::Call(child), &[], 100_000);
    let outcome = assert_parallel_matches(&block);
    assert!(outcome.transactions.iter().all(|t| t.is_success()));
    assert!(outcome.transactions[3].access.writes.len() >= 2);
    let change = outcome.state.accounts.get(&child).unwrap();
    assert_eq!(change.account, None, "destroyed at the end of the block");
    assert!(change.storage_cleared);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Random contended blocks with deliberately wrong predictions give the sequential result.
    #[test]
    fn contended_blocks_with_wrong_predictions(
        seed in 0u64..1_000,
        hot in 0.5f64..=1.0,
        kind in prop::sample::select(vec![Workload::Contention, Workload::Hybrid, Workload::Chain, Workload::NftMint]),
        damage in 0u64..1_000,
        threads in 1usize..=4,
        speculate_barriers in any::<bool>(),
    ) {
        let params = WorkloadParams { gas: 1_500_000, seed, hot_ratio: hot };
        let block = workload::build(kind, &params).unwrap();
        let reference = execute_sequential(&block).unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let sets = predictions(&block, PredictionSource::Random(damage), &Analyzer::new()).unwrap();
        let config = ParallelConfig { speculate_barriers, ..ParallelConfig::always() };
        let parallel = execute_parallel(&block, &sets, &pool, &config).unwrap();
        prop_assert_eq!(reference.first_difference(&parallel.outcome), None);
    }
}

#[test]
fn transfers_to_one_recipient_commute_until_it_spends() {
    let mut block = shanghai_block(6);
    let spender = block.transactions[3].env.caller;
    for i in [0, 1, 2, 4, 5] {
        block.transactions[i].env.kind = TxKind::Call(spender);
    }
    let outcome = assert_parallel_matches(&block);
    let credited: Vec<_> = outcome.transactions[0].access.credits.clone();
    assert!(credited.iter().any(|(a, _)| *a == spender), "{credited:?}");
    let oracle: Vec<_> = outcome
        .transactions
        .iter()
        .map(|t| t.access.to_access_set())
        .collect();
    let layers = foresight_scheduler::Schedule::new(&oracle);
    assert_eq!(
        layers.layers().as_slice(),
        &[vec![0, 1, 2], vec![3], vec![4, 5]],
        "credits commute; the spender reads its balance"
    );
}

#[test]
fn an_access_list_warms_locations_without_touching_them() {
    use alloy_primitives::B256;
    use revm::context::transaction::{AccessList, AccessListItem};
    use std::num::NonZeroUsize;
    let mut block = workload::transfers(2, 5);
    // Transaction 1 lists the account and a slot that transaction 0 credits and never uses.
    let listed = block.transactions[0].env.kind.to().copied().unwrap();
    let tx = &mut block.transactions[1].env;
    tx.access_list = AccessList(vec![AccessListItem {
        address: listed,
        storage_keys: vec![B256::with_last_byte(7)],
    }]);
    tx.gas_limit = 30_000;
    let outcome = assert_parallel_matches(&block);
    let actual = outcome.transactions[1].access.to_access_set();
    let predicted = Analyzer::new().predict(
        &foresight::predict::tx_input(&block.transactions[1]),
        &foresight::predict::block_context(&block),
        &foresight::predict::PreStateView(&block.prestate),
    );
    for set in [&actual, &predicted.access] {
        assert!(
            set.reads
                .iter()
                .chain(set.writes.iter())
                .all(|l| l.address() != listed),
            "{set:?}"
        );
    }
    // So the two transfers share a layer.
    let stats = foresight_scheduler::Schedule::new(&[
        outcome.transactions[0].access.to_access_set(),
        predicted.access,
    ])
    .stats(&[21_000, 21_000], NonZeroUsize::MIN)
    .unwrap();
    assert_eq!(stats.layers, 1);
}
