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

use std::{
    num::NonZeroUsize,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        mpsc,
    },
    time::Instant,
};

use alloy_primitives::U256;
use foresight_analyzer::{AccessSet, Location};
use foresight_corpus::Block;
use foresight_scheduler::Schedule;
use serde::Serialize;

use crate::{
    BlockOutcome, BlockState, ExecutionError, TxOutcome,
    sequential::{apply_withdrawals, execute_sequential},
    transact::{TxRun, TxRunner},
};

/// When the parallel path is worth taking.
///
/// The decision uses an estimate in gas units: sequentially a block costs its gas plus a fixed
/// `commit_gas` per transaction (applying its writes); in parallel it costs the schedule's
/// makespan on the pool plus the in-order work that does not parallelize — validating and
/// applying every transaction (1.5 × `commit_gas`), applying the transactions of every layer
/// but the last once more to the layer state (`commit_gas`), and starting each layer
/// (`layer_gas`: waking the workers, building their EVMs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParallelConfig {
    /// Blocks with fewer transactions run sequentially.
    pub min_transactions: usize,
    /// Blocks whose estimated speedup on the pool is below this run sequentially.
    pub min_speedup: f64,
    /// The cost of committing one transaction, in gas-equivalent units.
    pub commit_gas: u64,
    /// The cost of starting one layer, in gas-equivalent units.
    pub layer_gas: u64,
}

impl Default for ParallelConfig {
    fn default() -> Self {
        Self {
            min_transactions: 8,
            min_speedup: 1.1,
            commit_gas: 10_000,
            layer_gas: 300_000,
        }
    }
}

impl ParallelConfig {
    /// Always take the parallel path (tests, race hunting).
    pub const fn always() -> Self {
        Self {
            min_transactions: 0,
            min_speedup: 0.0,
            commit_gas: 10_000,
            layer_gas: 300_000,
        }
    }

    /// The speedup the cost model expects from running `layers` in parallel, given each
    /// transaction's gas and the schedule's makespan on the pool.
    pub fn estimated_speedup(&self, gas: &[u64], layers: &[Vec<usize>], makespan: u64) -> f64 {
        let n = gas.len() as f64;
        let commit = self.commit_gas as f64;
        let in_earlier_layers = layers.split_last().map_or(0, |(_, earlier)| {
            earlier.iter().map(Vec::len).sum::<usize>()
        }) as f64;
        let sequential = gas.iter().sum::<u64>() as f64 + n * commit;
        let parallel = makespan as f64
            + 1.5 * n * commit
            + in_earlier_layers * commit
            + layers.len() as f64 * self.layer_gas as f64;
        sequential / parallel.max(1.0)
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
    /// Speedup the cost model of [`ParallelConfig`] expects, commit work included.
    pub estimated_speedup: f64,
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

/// A speculative run; `None` when revm rejected it outright (it will be re-executed).
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
    let (predicted_speedup, makespan) = schedule
        .stats(&gas, threads_nz)
        .map_or((1.0, gas.iter().sum()), |s| (s.speedup, s.makespan));
    let estimated_speedup = config.estimated_speedup(&gas, schedule.layers().as_slice(), makespan);
    let schedule_ms = started.elapsed().as_secs_f64() * 1e3;

    let mut metrics = ExecutionMetrics {
        mode: ExecutionMode::Parallel,
        threads,
        layers: schedule.layers().len(),
        predicted_speedup,
        estimated_speedup,
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
    } else if estimated_speedup < config.min_speedup {
        Some(format!(
            "expected {estimated_speedup:.2}x on {threads} threads (schedule allows \
             {predicted_speedup:.2}x), below {:.2}x",
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
    let mut committer = Committer::new(block);
    let mut layer_state = BlockState::new(&block.prestate, block.spec);
    let layers = schedule.layers().as_slice();
    for (depth, layer) in layers.iter().enumerate() {
        let feeds_a_later_layer = depth + 1 < layers.len();
        let held = run_layer(
            block,
            layer,
            &layer_state,
            pool,
            &mut committer,
            feeds_a_later_layer,
        )?;
        for (i, run) in held {
            if let Some(run) = &run {
                layer_state.apply(run, block.coinbase());
            }
            committer.ready(i, run);
        }
    }
    drop(layer_state);
    metrics.execute_ms = started.elapsed().as_secs_f64() * 1e3;

    let started = Instant::now();
    pool.install(|| committer.advance())?;
    let (outcome, reexecutions) = pool.install(|| committer.finish());
    metrics.reexecutions = reexecutions;
    metrics.commit_ms = started.elapsed().as_secs_f64() * 1e3;
    Ok(ParallelOutcome { outcome, metrics })
}

/// Fewest transactions a worker claims at a time: results reach the committer in nearly block
/// order while claiming and sending a batch costs little against running it.
const MIN_CLAIM: usize = 4;
/// Most transactions a worker claims at a time (about 32 claims per worker and layer).
const MAX_CLAIM: usize = 32;

/// Runs one layer: `threads - 1` pool workers and the calling thread claim transactions in
/// block order; the calling thread also commits, in block order, whatever is ready, and runs
/// transactions itself whenever nothing is ready to commit — so exactly `threads` threads are
/// busy. Each thread reuses one EVM for the whole layer. Returns the runs that a later layer
/// needs in the layer state first (`feeds_a_later_layer`); the others go to the committer.
fn run_layer<'a>(
    block: &'a Block,
    layer: &[usize],
    view: &BlockState<'_>,
    pool: &rayon::ThreadPool,
    committer: &mut Committer<'a>,
    feeds_a_later_layer: bool,
) -> Result<Vec<(usize, SpeculativeRun)>, ExecutionError> {
    let threads = pool.current_num_threads().max(1);
    let claim = (layer.len() / (threads * 32)).clamp(MIN_CLAIM, MAX_CLAIM);
    let workers = (threads - 1).min(layer.len().div_ceil(claim).saturating_sub(1));
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (sender, receiver) = mpsc::channel::<Vec<(usize, SpeculativeRun)>>();
    let mut held = Vec::new();
    let mut placed = 0usize;
    let mut place = |committer: &mut Committer<'a>, batch: Vec<(usize, SpeculativeRun)>| {
        let count = batch.len();
        for (i, run) in batch {
            if feeds_a_later_layer {
                held.push((i, run));
            } else {
                committer.ready(i, run);
            }
        }
        count
    };
    let claim_and_run = |runner: &mut TxRunner<'a, &BlockState<'_>>| {
        let start = next.fetch_add(claim, Ordering::Relaxed);
        let claimed = layer.get(start..(start + claim).min(layer.len()))?;
        Some(
            claimed
                .iter()
                .map(|&i| (i, runner.run(&block.transactions[i]).ok()))
                .collect::<Vec<_>>(),
        )
    };
    let mut outcome = Ok(());
    pool.in_place_scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let (stop, claim_and_run) = (&stop, &claim_and_run);
            scope.spawn(move |_| {
                let mut runner = TxRunner::new(block, view);
                while !stop.load(Ordering::Relaxed) {
                    let Some(batch) = claim_and_run(&mut runner) else {
                        break;
                    };
                    if sender.send(batch).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        let mut runner = TxRunner::new(block, view);
        while placed < layer.len() {
            while let Ok(batch) = receiver.try_recv() {
                placed += place(committer, batch);
            }
            if let Err(error) = committer.advance() {
                outcome = Err(error);
                stop.store(true, Ordering::Relaxed);
                break;
            }
            if placed == layer.len() {
                break;
            }
            let batch = match claim_and_run(&mut runner) {
                Some(batch) => batch,
                None => match receiver.recv() {
                    Ok(batch) => batch,
                    Err(_) => break,
                },
            };
            placed += place(committer, batch);
        }
    });
    outcome?;
    committer.advance()?;
    Ok(held)
}

/// The in-order commit: validates each ready run against the committed state, re-executes it
/// when a read differs, and applies it.
struct Committer<'a> {
    block: &'a Block,
    state: BlockState<'a>,
    /// Per transaction: `None` until it has run.
    slots: Vec<Option<SpeculativeRun>>,
    next: usize,
    cumulative: u64,
    transactions: Vec<TxOutcome>,
    reexecutions: Vec<Reexecution>,
}

impl<'a> Committer<'a> {
    fn new(block: &'a Block) -> Self {
        let n = block.transactions.len();
        let mut slots = Vec::with_capacity(n);
        slots.resize_with(n, || None);
        Self {
            block,
            state: BlockState::with_capacity(&block.prestate, block.spec, 2 * n + 16),
            slots,
            next: 0,
            cumulative: 0,
            transactions: Vec::with_capacity(n),
            reexecutions: Vec::new(),
        }
    }

    /// Marks transaction `index` as run.
    fn ready(&mut self, index: usize, run: SpeculativeRun) {
        self.slots[index] = Some(run);
    }

    /// Commits every ready transaction from the next one in block order on.
    fn advance(&mut self) -> Result<(), ExecutionError> {
        while let Some(slot) = self.slots.get_mut(self.next) {
            let Some(speculative) = slot.take() else {
                break;
            };
            let index = self.next;
            let tx = &self.block.transactions[index];
            let run = match speculative.map(|run| validate(run, &self.state)) {
                Some(Ok(run)) => run,
                rejected => {
                    let (location, seen, expected) = match rejected {
                        Some(Err(mismatch)) => mismatch,
                        _ => (None, U256::ZERO, U256::ZERO),
                    };
                    self.reexecutions.push(Reexecution {
                        index,
                        location,
                        seen,
                        expected,
                    });
                    TxRunner::new(self.block, &self.state)
                        .run(tx)
                        .map_err(|e| ExecutionError::from_evm(index, tx.hash, e))?
                }
            };
            self.state.apply(&run, self.block.coinbase());
            self.cumulative += run.outcome.gas_used;
            let mut outcome = run.outcome;
            outcome.cumulative_gas_used = self.cumulative;
            self.transactions.push(outcome);
            self.next += 1;
        }
        Ok(())
    }

    /// Applies withdrawals and returns the outcome (call after every transaction committed).
    fn finish(mut self) -> (BlockOutcome, Vec<Reexecution>) {
        apply_withdrawals(self.block, &mut self.state);
        let outcome = BlockOutcome {
            transactions: self.transactions,
            state: self.state.changes_parallel(),
        };
        (outcome, self.reexecutions)
    }
}

/// Accepts `run` if every value it read is the committed value; otherwise returns the first
/// mismatch (location, value seen, value expected).
fn validate(
    run: TxRun,
    committed: &BlockState<'_>,
) -> Result<TxRun, (Option<Location>, U256, U256)> {
    match committed.first_mismatch(&run.outcome.access.reads) {
        Some((location, seen, expected)) => Err((Some(location), seen, expected)),
        None => Ok(run),
    }
}
