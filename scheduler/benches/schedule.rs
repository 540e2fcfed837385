//! Scheduling time (sparse conflict graph + earliest layers) of synthetic blocks shaped like
//! mainnet blocks: 1,414 transactions (a mainnet block's count) and 50,000 transactions.
//!
//! Each transaction writes its sender's nonce and balance and credits the coinbase; a third are
//! plain transfers crediting a recipient, the rest call one to three contracts picked with a
//! skewed popularity (a few tokens and pools take most calls), reading and writing per-sender
//! slots and a few hot slots per contract. One in 200 widens a contract's storage and one in
//! 2,000 is a barrier.

use std::hint::black_box;

use alloy_primitives::{Address, U256};
use criterion::{Criterion, criterion_group, criterion_main};
use foresight_analyzer::{AccessSet, Location, Widening, WideningReason};
use foresight_scheduler::{ConflictGraph, Layers, Schedule};

/// SplitMix64: a small deterministic generator, so the blocks are the same on every run.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound`.
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    /// In `0..bound`, skewed to small values (density ∝ x^(-2/3)): index 0 is the most popular.
    fn skewed(&mut self, bound: u64) -> u64 {
        let unit = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((unit.powi(3) * bound as f64) as u64).min(bound - 1)
    }
}

fn account(kind: u8, index: u64) -> Address {
    let mut bytes = [0u8; 20];
    bytes[0] = kind;
    bytes[12..].copy_from_slice(&index.to_be_bytes());
    Address::from(bytes)
}

fn synthetic_block(transactions: usize, seed: u64) -> Vec<AccessSet> {
    let mut rng = SplitMix(seed);
    let coinbase = account(0xc0, 0);
    let senders = transactions as u64 * 9 / 10;
    let contracts = (transactions as u64 / 7).max(50);
    (0..transactions)
        .map(|_| {
            let mut set = AccessSet::new();
            let sender_index = rng.below(senders);
            let sender = account(0x5e, sender_index);
            for location in [Location::nonce(sender), Location::balance(sender)] {
                set.reads.insert(location);
                set.writes.insert(location);
            }
            set.credits.insert(coinbase);

            if rng.below(3) == 0 {
                set.credits.insert(account(0x7e, rng.below(senders)));
            } else {
                for _ in 0..1 + rng.below(3) {
                    let contract = account(0xca, rng.skewed(contracts));
                    set.reads.insert(Location::code(contract));
                    // The sender's own entries (a balance mapping) and a few hot slots
                    // (reserves, total supply) that many transactions share.
                    let own =
                        Location::storage(contract, U256::from(sender_index) + U256::from(1_000));
                    set.reads.insert(own);
                    set.writes.insert(own);
                    for _ in 0..rng.below(4) {
                        let hot = Location::storage(contract, U256::from(rng.below(4)));
                        set.reads.insert(hot);
                        if rng.below(2) == 0 {
                            set.writes.insert(hot);
                        }
                    }
                    if rng.below(200) == 0 {
                        set.widenings.insert(Widening::Contract {
                            address: contract,
                            reason: WideningReason::UnresolvedSlot,
                        });
                    }
                }
            }
            if rng.below(2_000) == 0 {
                set.widenings.insert(Widening::Everything {
                    reason: WideningReason::UnresolvedCallTarget,
                });
            }
            set
        })
        .collect()
}

fn schedule(c: &mut Criterion) {
    for transactions in [1_414, 50_000] {
        let block = synthetic_block(transactions, 0x5eed);
        let schedule = Schedule::new(&block);
        let full_edges = (transactions <= 1_414).then(|| ConflictGraph::full(&block).edge_count());
        eprintln!(
            "{transactions} transactions: {} sparse edges (full: {}), {} layers",
            schedule.graph().edge_count(),
            full_edges.map_or_else(|| "not built".to_owned(), |edges| edges.to_string()),
            schedule.layers().len(),
        );

        let mut group = c.benchmark_group(format!("{transactions} transactions"));
        group.bench_function("sparse graph + layers", |b| {
            b.iter(|| {
                let graph = ConflictGraph::sparse(black_box(&block));
                Layers::longest_path(&graph)
            })
        });
        group.finish();
    }
}

criterion_group!(benches, schedule);
criterion_main!(benches);
