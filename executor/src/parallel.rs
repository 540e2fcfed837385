//! The parallel executor: runs the scheduler's layers on a rayon pool, then accepts results in
//! block order only where every value read equals what sequential execution reads at that
//! position, re-executing the rest on the spot. Its outcome equals the sequential one for any
//! prediction; predictions only change speed.
//!
//! Input: a [`Block`], one predicted [`AccessSet`] per transaction, a thread pool and a
//! [`ParallelConfig`]. Output: [`ParallelOutcome`]: the [`BlockOutcome`] plus
//! [`ExecutionMetrics`] (mode, layers, re-executions and the location that broke each, time per
//! phase).
//!
//! Two states are kept. The *layer state* holds the writes of every layer run so far; layer k
//! runs against it, which for exact predictions is exactly what sequential execution shows each
//! of its transactions (a conflicting earlier transaction sits in an earlier layer, a
//! conflicting later one in a later layer). The *committed state* advances strictly in block
//! order and is the one every read is validated against, so a wrong prediction can never leak
//! into the result.

use std::{num::NonZeroUsize, time::Instant};

use alloy_primitives::U256;
use foresight_analyzer::{AccessSet, Location};
use foresight_corpus::Block;
use foresight_scheduler::Schedule;
use rayon::prelude::*;
use serde::Serialize;

use crate::{
    BlockOutcome, BlockState, ExecutionError, ObservedAccess, TxOutcome,
    sequential::{apply_withdrawals, execute_sequential},
    transact::{TxRun, run_tx},
};

/// When the parallel path is worth taking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParallelConfig {
    /// Blocks with fewer transactions run sequentially.
    pub min_transactions: usize,
    /// Blocks whose schedule allows less speedup than this on the pool run sequentially.
    pub min_speedup: f64,
}

impl Default for ParallelConfig {
    fn default() -> Self {
        Self {
            min_transactions: 8,
            min_speedup: 1.25,
        }
    }
}

impl ParallelConfig {
    /// Always take the parallel path (tests, race hunting).
    pub const fn always() -> Self {
        Self {
            min_transactions: 0,
            min_speedup: 0.0,
        }
    }
}

/// Which path a block took.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "mode", content = "reason")]
pub enum ExecutionMode {
    /// Layers on the pool.
    Parallel,
    /// Plain sequential execution, and why.
    Sequential(String),
}

/// A transaction whose speculative result was rejected and which was re-executed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reexecution {
    /// Position in the block.
    pub index: usize,
    /// The first location whose value differed (`None`: the speculative run failed outright).
    pub location: Option<Location>,
    /// The value the speculative run saw.
    pub seen: U256,
    /// The value sequential execution has at that position.
    pub expected: U256,
}

/// What the parallel executor measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExecutionMetrics {
    /// The path taken.
    pub mode: ExecutionMode,
    /// Threads in the pool.
    pub threads: usize,
    /// Layers of the schedule.
    pub layers: usize,
    /// Speedup the schedule allows on the pool (gas limits as weights).
    pub predicted_speedup: f64,
    /// Re-executed transactions, in block order.
    pub reexecutions: Vec<Reexecution>,
    /// Building the schedule, in milliseconds.
    pub schedule_ms: f64,
    /// Running the layers, in milliseconds.
    pub execute_ms: f64,
    /// Validating, re-executing and committing in block order, in milliseconds.
    pub commit_ms: f64,
}

/// The outcome of a parallel execution.
#[derive(Debug, Clone)]
pub struct ParallelOutcome {
    /// Identical to [`execute_sequential`]'s.
    pub outcome: BlockOutcome,
    /// How it went.
    pub metrics: ExecutionMetrics,
}

type SpeculativeRun = Option<TxRun>;

/// Executes `block` in parallel on `pool`, following `predictions` (one per transaction).
///
/// ```
/// use foresight_analyzer::AccessSet;
/// use foresight_executor::{ParallelConfig, execute_parallel, execute_sequential};
///
/// let block = foresight_corpus::workload::transfers(16, 3);
/// let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
/// let empty = vec![AccessSet::new(); 16]; // no conflicts predicted: one layer
/// let parallel = execute_parallel(&block, &empty, &pool, &ParallelConfig::always()).unwrap();
/// assert_eq!(parallel.outcome, execute_sequential(&block).unwrap());
/// ```
pub fn execute_parallel(
    block: &Block,
    predictions: &[AccessSet],
    pool: &rayon::ThreadPool,
    config: &ParallelConfig,
) -> Result<ParallelOutcome, ExecutionError> {
    let n = block.transactions.len();
    let threads = pool.current_num_threads().max(1);
    let started = Instant::now();
    let gas: Vec<u64> = block.transactions.iter().map(|t| t.env.gas_limit).collect();
    let schedule = if predictions.len() == n {
        Schedule::new(predictions)
    } else {
        Schedule::new(&vec![
            AccessSet::everything(
                foresight_analyzer::WideningReason::NoPrediction,
            );
            n
        ])
    };
    let threads_nz = NonZeroUsize::new(threads).unwrap_or(NonZeroUsize::MIN);
    let predicted_speedup = schedule.stats(&gas, threads_nz).map_or(1.0, |s| s.speedup);
    let schedule_ms = started.elapsed().as_secs_f64() * 1e3;

    let mut metrics = ExecutionMetrics {
        mode: ExecutionMode::Parallel,
        threads,
        layers: schedule.layers().len(),
        predicted_speedup,
        reexecutions: Vec::new(),
        schedule_ms,
        execute_ms: 0.0,
        commit_ms: 0.0,
    };
    let sequential_reason = if predictions.len() != n {
        Some(format!(
            "{} predictions for {n} transactions",
            predictions.len()
        ))
    } else if n < config.min_transactions {
        Some(format!(
            "{n} transactions, fewer than {}",
            config.min_transactions
        ))
    } else if threads < 2 && config.min_speedup > 0.0 {
        Some("one thread".to_owned())
    } else if predicted_speedup < config.min_speedup {
        Some(format!(
            "schedule allows {predicted_speedup:.2}x on {threads} threads, below {:.2}x",
            config.min_speedup
        ))
    } else {
        None
    };
    if let Some(reason) = sequential_reason {
        let started = Instant::now();
        let outcome = execute_sequential(block)?;
        metrics.mode = ExecutionMode::Sequential(reason);
        metrics.execute_ms = started.elapsed().as_secs_f64() * 1e3;
        return Ok(ParallelOutcome { outcome, metrics });
    }

    let started = Instant::now();
    let mut runs: Vec<SpeculativeRun> = Vec::with_capacity(n);
    runs.resize_with(n, || None);
    let mut layer_state = BlockState::new(&block.prestate, block.spec);
    for layer in schedule.layers().as_slice() {
        let results: Vec<SpeculativeRun> = if layer.len() == 1 {
            vec![run_tx(&layer_state, block, &block.transactions[layer[0]]).ok()]
        } else {
            let view = &layer_state;
            pool.install(|| {
                layer
                    .par_iter()
                    .map(|&i| run_tx(view, block, &block.transactions[i]).ok())
                    .collect()
            })
        };
        for (&i, run) in layer.iter().zip(results) {
            if let Some(run) = &run {
                layer_state.commit(&run.state);
                layer_state.credit(block.coinbase(), run.fee);
            }
            runs[i] = run;
        }
    }
    drop(layer_state);
    metrics.execute_ms = started.elapsed().as_secs_f64() * 1e3;

    let started = Instant::now();
    let mut committed = BlockState::new(&block.prestate, block.spec);
    let mut transactions = Vec::with_capacity(n);
    let mut cumulative = 0u64;
    for (index, (tx, speculative)) in block.transactions.iter().zip(runs).enumerate() {
        let run = match speculative.map(|run| validate(run, &committed)) {
            Some(Ok(run)) => run,
            rejected => {
                let (location, seen, expected) = match rejected {
                    Some(Err(mismatch)) => mismatch,
                    _ => (None, U256::ZERO, U256::ZERO),
                };
                metrics.reexecutions.push(Reexecution {
                    index,
                    location,
                    seen,
                    expected,
                });
                run_tx(&committed, block, tx)
                    .map_err(|e| ExecutionError::from_evm(index, tx.hash, e))?
            }
        };
        let access =
            ObservedAccess::derive(run.reads, &run.state, block.spec, block.coinbase(), run.fee);
        committed.commit(&run.state);
        committed.credit(block.coinbase(), run.fee);
        cumulative += run.result.tx_gas_used();
        transactions.push(TxOutcome::new(
            tx.hash,
            tx.env.tx_type,
            run.result,
            cumulative,
            access,
        ));
    }
    apply_withdrawals(block, &mut committed);
    let outcome = BlockOutcome {
        transactions,
        state: committed.changes(),
    };
    metrics.commit_ms = started.elapsed().as_secs_f64() * 1e3;
    Ok(ParallelOutcome { outcome, metrics })
}

/// Accepts `run` if every value it read is the committed value; otherwise returns the first
/// mismatch (location, value seen, value expected).
fn validate(
    run: TxRun,
    committed: &BlockState<'_>,
) -> Result<TxRun, (Option<Location>, U256, U256)> {
    for (location, seen) in &run.reads {
        let expected = committed.value_of(location);
        if expected != *seen {
            return Err((Some(*location), *seen, expected));
        }
    }
    Ok(run)
}
