//! Criterion benchmarks of the stage kernels on real inputs: analysing one large contract with a
//! cold cache, and building the conflict graph and layers of the largest corpus block (1,414
//! transactions) from its predicted and from its actual access sets. The corpus parts need
//! `../shared/corpus/mainnet` (or `FORESIGHT_CORPUS`) and are skipped, with a note, without it.
//! The executor's kernel (one layer) is benchmarked in `executor/benches/layer.rs`, the
//! scheduler's synthetic blocks in `scheduler/benches/schedule.rs`.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use foresight::{
    Block, analyzer::Analyzer, execute_sequential, predict::predicted_access_sets,
    scheduler::Schedule,
};

const ROUTER: &str = include_str!("../corpus/contracts/build/UniswapV2Router.runtime.hex");

fn corpus_block(number: &str) -> Option<Block> {
    let root = std::env::var_os("FORESIGHT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/corpus/mainnet"));
    match Block::load(root.join(number)) {
        Ok(block) => Some(block),
        Err(error) => {
            eprintln!("skipping corpus benchmarks: {error}");
            None
        }
    }
}

fn analyze_contract(c: &mut Criterion) {
    let bytes: alloy_primitives::Bytes = alloy_primitives::hex::decode(ROUTER.trim())
        .expect("committed router bytecode is hex")
        .into();
    c.bench_function("analyze UniswapV2Router (cold cache)", |b| {
        let analyzer = Analyzer::new();
        b.iter(|| {
            analyzer.clear_cache();
            analyzer.summary(&bytes)
        })
    });
}

fn schedule_largest_block(c: &mut Criterion) {
    let Some(block) = corpus_block("13287210") else {
        return;
    };
    let predicted = predicted_access_sets(&Analyzer::new(), &block);
    let actual = execute_sequential(&block)
        .expect("corpus block executes")
        .access_sets();
    let mut group = c.benchmark_group("graph + layers, block 13287210 (1,414 txs)");
    group.bench_function("predicted access sets", |b| {
        b.iter(|| Schedule::new(&predicted))
    });
    group.bench_function("actual access sets", |b| b.iter(|| Schedule::new(&actual)));
    group.finish();
}

criterion_group!(benches, analyze_contract, schedule_largest_block);
criterion_main!(benches);
