//! The parallel executor: runs a block's transactions on a rayon pool as soon as their
//! start points are committed (read-after-write only), and accepts results in block order only where every
//! value read equals what sequential execution reads at that position, re-executing the rest on
//! the spot. Its outcome equals the sequential one for any prediction; predictions only change
//! speed.
//!
//! Input: a [`Block`], one predicted [`AccessSet`] per transaction, a thread pool and a
//! [`ParallelConfig`]. Output: [`ParallelOutcome`]: the [`BlockOutcome`] plus
//! [`ExecutionMetrics`] (mode, waves, re-executions and the location that broke each, time per
//! phase).
//!
//! One state is kept: the *committed state*, pre-state plus the writes of the transactions
//! committed so far, in block order. A transaction whose start point (`start.rs`) is 0 runs against
//! the pre-state (lock-free); any other waits until that many transactions are committed and runs
//! against the committed state, read under a lock while the committer keeps applying. Either
//! way the committer validates every value it read against the committed state at its
//! position, so neither a wrong prediction nor a read that raced with a commit can reach the
//! result.

use std::{
    convert::Infallible,
    sync::{
        PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard,
        atomic::{AtomicBool, AtomicUsize, Ordering},
        mpsc,
    },
    time::Instant,
};

use alloy_primitives::{Address, B256, U256, map::AddressMap};
use foresight_analyzer::{AccessSet, Location, WideningReason};
use foresight_corpus::{Block, PreState};
use foresight_scheduler::{start_points, waves};
use revm::{DatabaseRef, bytecode::Bytecode, state::AccountInfo};
use serde::Serialize;

use crate::{
    BlockOutcome, BlockState, ExecutionError,
    pending::Pending,
    sequential::{apply_withdrawals, execute_sequential},
    transact::{TxRun, TxRunner},
};

/// When the parallel path is worth taking.
///
/// The decision uses an estimate in gas units. Sequentially a block costs its gas plus a fixed
/// `commit_gas` per transaction (applying its writes). In parallel, the executor is simulated:
/// threads take transactions in block order, each as soon as a thread is free and its start
/// point is committed (plus `handoff_gas` when it had to wait for a commit); runs cost their gas
/// plus `contention_percent` (threads share caches and memory bandwidth); one thread commits in
/// block order, validating and applying each transaction (1.5 × `commit_gas`); and starting
/// the threads costs `startup_gas`. The defaults were set on a 2-core machine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParallelConfig {
    /// Blocks with fewer transactions run sequentially.
    pub min_transactions: usize,
    /// Blocks whose estimated speedup on the pool is below this run sequentially.
    pub min_speedup: f64,
    /// The cost of committing one transaction, in gas-equivalent units.
    pub commit_gas: u64,
    /// The delay before a transaction that waited for a commit starts, in gas units.
    pub handoff_gas: u64,
    /// How much slower a run is while other threads run too, in percent.
    pub contention_percent: u64,
    /// The fixed cost of going parallel (waking the pool's threads, setting up their EVMs), in
    /// gas units.
    pub startup_gas: u64,
    /// Whether transactions widened to the whole state run speculatively, following only the
    /// locations their predictions list, instead of as barriers (see [`start_points`]).
    pub speculate_barriers: bool,
}

impl Default for ParallelConfig {
    fn default() -> Self {
        Self {
            min_transactions: 8,
            min_speedup: 1.1,
            commit_gas: 10_000,
            handoff_gas: 20_000,
            contention_percent: 40,
            startup_gas: 500_000,
            speculate_barriers: true,
        }
    }
}

impl ParallelConfig {
    /// Always take the parallel path (tests, race hunting).
    pub fn always() -> Self {
        Self {
            min_transactions: 0,
            min_speedup: 0.0,
            ..Self::default()
        }
    }

    /// The speedup the cost model expects on `threads` threads, given each transaction's gas
    /// and start point (see [`start_points`]).
    ///
    /// ```
    /// use foresight_executor::ParallelConfig;
    ///
    /// let config = ParallelConfig::default();
    /// let independent = config.estimated_speedup(&[1_000_000; 8], &[0; 8], 2);
    /// let chain = config.estimated_speedup(&[1_000_000; 8], &[0, 1, 2, 3, 4, 5, 6, 7], 2);
    /// assert!(independent > 1.3 && chain < 1.0);
    /// ```
    pub fn estimated_speedup(&self, gas: &[u64], start_after: &[usize], threads: usize) -> f64 {
        let commit = self.commit_gas as f64;
        let slowdown = 1.0 + self.contention_percent as f64 / 100.0;
        let sequential = gas.iter().sum::<u64>() as f64 + gas.len() as f64 * commit;
        // When each thread is next free, and when the first k transactions are committed.
        let mut free = vec![0.0f64; threads.max(1)];
        let mut committed_at = Vec::with_capacity(gas.len() + 1);
        committed_at.push(0.0f64);
        for (&g, &start) in gas.iter().zip(start_after) {
            let ready = match start {
                0 => 0.0,
                k => committed_at[k.min(committed_at.len() - 1)] + self.handoff_gas as f64,
            };
            let thread = (0..free.len())
                .min_by(|&a, &b| free[a].total_cmp(&free[b]))
                .unwrap_or(0);
            let finish = free[thread].max(ready) + g as f64 * slowdown;
            free[thread] = finish;
            let last = committed_at[committed_at.len() - 1];
            committed_at.push(last.max(finish) + 1.5 * commit);
        }
        // The committing thread runs transactions too: its commits delay its runs.
        let commits = 1.5 * commit * gas.len() as f64 / free.len() as f64;
        let busiest = free.iter().copied().fold(0.0, f64::max) + commits;
        let parallel = busiest.max(committed_at[committed_at.len() - 1]) + self.startup_gas as f64;
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
    /// Rounds the start points take (see [`waves`]): 1 when nothing waits, the number of
    /// transactions for a chain.
    pub waves: usize,
    /// Speedup the cost model of [`ParallelConfig`] expects, commit work included.
    pub estimated_speedup: f64,
    /// Re-executed transactions, in block order.
    pub reexecutions: Vec<Reexecution>,
    /// Computing the start points and the cost estimate, in milliseconds.
    pub schedule_ms: f64,
    /// Executing the block (runs and in-order commits, overlapped), in milliseconds.
    pub execute_ms: f64,
    /// Of `execute_ms`, the time the committing thread spent validating, re-executing and
    /// applying transactions in block order, in milliseconds.
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
    let gas: Vec<u64> = block.transactions.iter().map(weight).collect();
    // A mismatched prediction list schedules as one barrier per transaction (and runs
    // sequentially below).
    let barriers;
    let sets = if predictions.len() == n {
        predictions
    } else {
        barriers = vec![AccessSet::everything(WideningReason::NoPrediction); n];
        &barriers
    };
    let storage_hints = predicted_storage_writes(sets);
    let start_after = start_points(sets, config.speculate_barriers);
    let estimated_speedup = config.estimated_speedup(&gas, &start_after, threads);
    let schedule_ms = started.elapsed().as_secs_f64() * 1e3;

    let mut metrics = ExecutionMetrics {
        mode: ExecutionMode::Parallel,
        threads,
        waves: waves(&start_after),
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
            "expected {estimated_speedup:.2}x on {threads} threads, below {:.2}x",
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
    let (outcome, reexecutions, commit_ms) =
        run_dependency_driven(block, &start_after, storage_hints, pool)?;
    metrics.reexecutions = reexecutions;
    metrics.commit_ms = commit_ms;
    metrics.execute_ms = started.elapsed().as_secs_f64() * 1e3;
    Ok(ParallelOutcome { outcome, metrics })
}

/// The scheduling weight of a transaction before it runs: its gas limit, except that a call
/// without data (most likely a plain transfer) weighs the 21,000 gas such a transfer uses.
fn weight(tx: &foresight_corpus::Transaction) -> u64 {
    const TRANSFER_GAS: u64 = 21_000;
    if tx.env.data.is_empty() && tx.env.kind.is_call() {
        tx.env.gas_limit.min(TRANSFER_GAS)
    } else {
        tx.env.gas_limit
    }
}

/// Slot writes per contract in `predictions` (a location written by several transactions
/// counts once per transaction: an upper bound of the slots the block writes).
fn predicted_storage_writes(predictions: &[AccessSet]) -> AddressMap<usize> {
    let mut hints = AddressMap::<usize>::default();
    for set in predictions {
        for location in &set.writes {
            if let Location::Storage { address, .. } = location {
                *hints.entry(*address).or_default() += 1;
            }
        }
    }
    hints
}

/// The committed state, shared: workers read it while the committer applies transactions.
struct SharedState<'a>(RwLock<BlockState<'a>>);

impl<'a> SharedState<'a> {
    fn read(&self) -> RwLockReadGuard<'_, BlockState<'a>> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, BlockState<'a>> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl DatabaseRef for SharedState<'_> {
    type Error = Infallible;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        self.read().basic_ref(address)
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        self.read().code_by_hash_ref(code_hash)
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        self.read().storage_ref(address, index)
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        self.read().block_hash_ref(number)
    }
}

/// Runs the block on `threads - 1` pool workers plus the calling thread. Transactions are
/// claimed in block order; one starts once as many transactions as its start point are committed, against
/// the committed state as it stands (pre-state plus the writes committed so far). The calling
/// thread commits in block order — validating every read against the committed state and
/// re-executing on a mismatch — and runs transactions itself whenever it has nothing to commit.
fn run_dependency_driven(
    block: &Block,
    start_after: &[usize],
    storage_hints: AddressMap<usize>,
    pool: &rayon::ThreadPool,
) -> Result<(BlockOutcome, Vec<Reexecution>, f64), ExecutionError> {
    let n = block.transactions.len();
    let coinbase = block.coinbase();
    let mut committing = std::time::Duration::ZERO;
    let mut block_state = BlockState::with_capacity(&block.prestate, block.spec, 2 * n + 16);
    block_state.expect_storage_writes(storage_hints);
    let state = SharedState(RwLock::new(block_state));
    let committed = AtomicUsize::new(0);
    let cursor = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let workers = pool.current_num_threads().max(1) - 1;
    let (sender, receiver) = mpsc::channel::<Vec<(usize, SpeculativeRun)>>();
    let claim = (n / (workers.max(1) * 64)).clamp(1, MAX_CLAIM);
    let mut pending = Pending::new();
    let mut transactions = Vec::with_capacity(n);
    let mut reexecutions = Vec::new();
    let mut failure = None;

    pool.in_place_scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let (state, committed, cursor, stop) = (&state, &committed, &cursor, &stop);
            scope.spawn(move |_| {
                let mut runners = Runners::new(block, state);
                let mut batch = Vec::with_capacity(claim);
                loop {
                    let start = cursor.fetch_add(claim, Ordering::Relaxed);
                    if start >= n {
                        break;
                    }
                    let end = (start + claim).min(n);
                    for (i, &needed) in (start..end).zip(&start_after[start..end]) {
                        if needed > 0 && committed.load(Ordering::Acquire) < needed {
                            // A predecessor may sit in this very batch: hand it over first.
                            if !batch.is_empty() && sender.send(std::mem::take(&mut batch)).is_err()
                            {
                                return;
                            }
                            if !wait_until(committed, needed, stop) {
                                return;
                            }
                        }
                        batch.push((i, runners.run(i, needed)));
                    }
                    if sender.send(std::mem::take(&mut batch)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);

        let mut runners = Runners::new(block, &state);
        let mut cumulative = 0u64;
        let mut next = 0usize;
        while next < n {
            while let Ok(batch) = receiver.try_recv() {
                for (i, run) in batch {
                    pending.insert(i, run);
                }
            }
            let before = next;
            let commits_started = Instant::now();
            let mut held = None;
            while let Some(speculative) = pending.take_next() {
                let tx = &block.transactions[next];
                let mut guard = held.take().unwrap_or_else(|| state.write());
                let mismatch = match &speculative {
                    Some(run) => guard.first_mismatch(&run.outcome.access.reads),
                    None => None,
                };
                let run = match (speculative, mismatch) {
                    (Some(run), None) => run,
                    (speculative, mismatch) => {
                        drop(guard);
                        reexecutions.push(match (speculative.is_some(), mismatch) {
                            (true, Some((location, seen, expected))) => Reexecution {
                                index: next,
                                location: Some(location),
                                seen,
                                expected,
                            },
                            _ => Reexecution {
                                index: next,
                                location: None,
                                seen: U256::ZERO,
                                expected: U256::ZERO,
                            },
                        });
                        match runners.committed.run(tx) {
                            Ok(run) => {
                                guard = state.write();
                                run
                            }
                            Err(error) => {
                                failure = Some(ExecutionError::from_evm(next, tx.hash, error));
                                stop.store(true, Ordering::Relaxed);
                                return;
                            }
                        }
                    }
                };
                let mut outcome = guard.apply(run, coinbase);
                held = Some(guard);
                cumulative += outcome.gas_used;
                outcome.cumulative_gas_used = cumulative;
                transactions.push(outcome);
                next += 1;
                committed.store(next, Ordering::Release);
            }
            drop(held);
            committing += commits_started.elapsed();
            if next == n || next > before {
                continue;
            }
            let i = cursor.load(Ordering::Relaxed);
            if i < n
                && committed.load(Ordering::Acquire) >= start_after[i]
                && cursor
                    .compare_exchange(i, i + 1, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
            {
                pending.insert(i, runners.run(i, start_after[i]));
                continue;
            }
            match receiver.recv() {
                Ok(batch) => {
                    for (i, run) in batch {
                        pending.insert(i, run);
                    }
                }
                // Every worker is gone with `next` unfinished: run it here (as a re-execution).
                Err(_) => pending.insert(next, None),
            }
        }
    });
    if let Some(error) = failure {
        return Err(error);
    }
    let mut state = state.0.into_inner().unwrap_or_else(PoisonError::into_inner);
    apply_withdrawals(block, &mut state);
    let outcome = pool.install(|| BlockOutcome {
        transactions,
        state: state.changes_parallel(),
    });
    Ok((outcome, reexecutions, committing.as_secs_f64() * 1e3))
}

/// Most transactions a worker claims at once (fewer for small blocks: about 64 claims per
/// worker), so that claiming and handing over results costs little against running them.
const MAX_CLAIM: usize = 16;

/// One thread's EVMs: one over the pre-state, for transactions whose start point is 0
/// (lock-free: under exact predictions the pre-state is what they see sequentially), and one
/// over the committed state, for the others.
struct Runners<'b, 's> {
    prestate: TxRunner<'b, &'b PreState>,
    committed: TxRunner<'b, &'s SharedState<'b>>,
    block: &'b Block,
}

impl<'b, 's> Runners<'b, 's> {
    fn new(block: &'b Block, state: &'s SharedState<'b>) -> Self {
        Self {
            prestate: TxRunner::new(block, &block.prestate),
            committed: TxRunner::new(block, state),
            block,
        }
    }

    /// Runs transaction `i`, which may start after `start_after` commits.
    fn run(&mut self, i: usize, start_after: usize) -> SpeculativeRun {
        let tx = &self.block.transactions[i];
        if start_after == 0 {
            self.prestate.run(tx).ok()
        } else {
            self.committed.run(tx).ok()
        }
    }
}

/// Waits until at least `count` transactions are committed; false if told to stop.
fn wait_until(committed: &AtomicUsize, count: usize, stop: &AtomicBool) -> bool {
    let mut spins = 0u32;
    while committed.load(Ordering::Acquire) < count {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        if spins < 64 {
            std::hint::spin_loop();
            spins += 1;
        } else {
            std::thread::yield_now();
        }
    }
    true
}
