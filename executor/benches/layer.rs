//! Criterion benchmark of the executor kernel: one conflict-free layer (ERC-20 transfers from the
//! project's own token) executed sequentially and by the parallel executor on 2 threads, with
//! the actual access sets as predictions so that the block is one layer.

use criterion::{Criterion, criterion_group, criterion_main};
use foresight_corpus::workload::{self, Workload, WorkloadParams};
use foresight_executor::{ParallelConfig, execute_parallel, execute_sequential};

fn one_layer(c: &mut Criterion) {
    let params = WorkloadParams {
        gas: 20_000_000,
        seed: 1,
        hot_ratio: 0.0,
    };
    let block = workload::build(Workload::Erc20, &params).expect("workload");
    let oracle = execute_sequential(&block)
        .expect("sequential")
        .access_sets();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("pool");
    let mut group = c.benchmark_group("erc20 layer (20 Mgas)");
    group.sample_size(20);
    group.bench_function("sequential", |b| {
        b.iter(|| execute_sequential(&block).expect("sequential"))
    });
    group.bench_function("parallel, 2 threads", |b| {
        b.iter(|| {
            execute_parallel(&block, &oracle, &pool, &ParallelConfig::always()).expect("parallel")
        })
    });
    group.finish();
}

criterion_group!(benches, one_layer);
criterion_main!(benches);
