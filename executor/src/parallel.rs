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
//! against the committed state, read under a lock while commits keep being applied. Either way
//! the thread that commits it (whichever finds the commit log free: there is no dedicated
//! committer) validates every value it read against the committed state at its position, so
//! neither a wrong prediction nor a read that raced with a commit can reach the result.

use std::{
    convert::Infallible,
    sync::{
        Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use alloy_primitives::{Address, B256, U256, map::AddressMap};
use foresight_analyzer::{AccessSet, Location, WideningReason};
use foresight_corpus::{Block, PreState};
use foresight_scheduler::{start_points, waves};
use revm::{DatabaseRef, bytecode::Bytecode, state::AccountInfo};
use serde::Serialize;

use crate::{
    BlockOutcome, BlockState, ExecutionError, TxOutcome,
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
/// the threads costs `startup_gas`. The defaults were set on a 2-core machine: the mainnet
/// corpus was run with the parallel path forced on every block (six `bench` runs, median
/// speedup per block) and the constants chosen under which the blocks the model sends to the
/// parallel path give the highest geometric-mean speedup over the corpus; the built-in
/// workloads keep their paths.
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
            commit_gas: 5_000,
            handoff_gas: 20_000,
            contention_percent: 10,
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

    /// Why `block` runs sequentially on `threads` threads whatever its predictions say: too
    /// few transactions, one thread, or a cost model that expects less than `min_speedup`
    /// even if no transaction waited for another. `None`: the predictions decide. Asked
    /// before predicting, it saves the prediction of a block that cannot pay for it.
    ///
    /// ```
    /// use foresight_corpus::workload;
    /// use foresight_executor::ParallelConfig;
    ///
    /// let config = ParallelConfig::default();
    /// let (few, many) = (workload::transfers(4, 1), workload::transfers(2_000, 1));
    /// assert!(config.sequential_regardless(&few, 2).is_some());
    /// let small = workload::transfers(20, 1); // too little gas to pay for waking a thread
    /// assert!(config.sequential_regardless(&small, 2).unwrap().starts_with("at most"));
    /// assert!(config.sequential_regardless(&many, 1).is_some());
    /// assert_eq!(config.sequential_regardless(&many, 2), None);
    /// ```
    pub fn sequential_regardless(&self, block: &Block, threads: usize) -> Option<String> {
        let gas: Vec<u64> = block.transactions.iter().map(weight).collect();
        self.sequential_for(&gas, threads)
    }

    /// [`Self::sequential_regardless`] for transactions of these weights.
    fn sequential_for(&self, gas: &[u64], threads: usize) -> Option<String> {
        let n = gas.len();
        if n < self.min_transactions {
            return Some(format!(
                "{n} transactions, fewer than {}",
                self.min_transactions
            ));
        }
        if threads < 2 && self.min_speedup > 0.0 {
            return Some("one thread".to_owned());
        }
        let best = self.estimated_speedup(gas, &vec![0; n], threads);
        (best < self.min_speedup).then(|| {
            format!(
                "at most {best:.2}x on {threads} threads if nothing conflicts, below {:.2}x",
                self.min_speedup
            )
        })
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
    /// Of `execute_ms`, the time spent validating, re-executing and applying transactions in
    /// block order (by whichever threads committed), in milliseconds.
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
    let sequential_reason = if let Some(reason) = config.sequential_for(&gas, threads) {
        Some(reason)
    } else if predictions.len() != n {
        Some(format!(
            "{} predictions for {n} transactions",
            predictions.len()
        ))
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

/// The committed state, shared: runs read it while commits are applied.
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

/// Runs the block on `threads - 1` pool workers plus the calling thread, all alike.
/// Transactions are claimed in block order; one starts once as many transactions as its start
/// point are committed, against the committed state as it stands (pre-state plus the writes
/// committed so far). Each run goes to the window of pending runs as soon as it is done, and
/// whichever thread finds the commit log free commits what is ready, in block order: validating
/// every read against the committed state and re-executing on a mismatch. A thread that waits
/// for a start point commits meanwhile, so no run waits for a busy committer.
fn run_dependency_driven(
    block: &Block,
    start_after: &[usize],
    storage_hints: AddressMap<usize>,
    pool: &rayon::ThreadPool,
) -> Result<(BlockOutcome, Vec<Reexecution>, f64), ExecutionError> {
    let n = block.transactions.len();
    let mut block_state = BlockState::with_capacity(&block.prestate, block.spec, 2 * n + 16);
    block_state.expect_storage_writes(storage_hints);
    let threads = pool.current_num_threads().max(1);
    let run = BlockRun {
        block,
        start_after,
        state: SharedState(RwLock::new(block_state)),
        pending: Mutex::new(Pending::new()),
        log: Mutex::new(CommitLog {
            transactions: Vec::with_capacity(n),
            reexecutions: Vec::new(),
            cumulative: 0,
            failure: None,
            committing: Duration::ZERO,
        }),
        committed: AtomicUsize::new(0),
        cursor: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        hungry: AtomicBool::new(false),
        next_ready: AtomicBool::new(false),
        claim: (n / (threads * 64)).clamp(1, MAX_CLAIM),
    };
    pool.in_place_scope(|scope| {
        for _ in 1..threads {
            let run = &run;
            scope.spawn(move |_| run.work(false));
        }
        run.work(true);
    });
    let BlockRun { state, log, .. } = run;
    let log = log.into_inner().unwrap_or_else(PoisonError::into_inner);
    if let Some(error) = log.failure {
        return Err(error);
    }
    let mut state = state.0.into_inner().unwrap_or_else(PoisonError::into_inner);
    apply_withdrawals(block, &mut state);
    let outcome = pool.install(|| BlockOutcome {
        transactions: log.transactions,
        state: state.changes_parallel(),
    });
    Ok((
        outcome,
        log.reexecutions,
        log.committing.as_secs_f64() * 1e3,
    ))
}

/// What the threads of one block's execution share.
struct BlockRun<'b> {
    block: &'b Block,
    start_after: &'b [usize],
    state: SharedState<'b>,
    /// Runs done, waiting for their turn to commit.
    pending: Mutex<Pending<SpeculativeRun>>,
    /// Whoever holds it commits.
    log: Mutex<CommitLog>,
    /// How many transactions are committed.
    committed: AtomicUsize,
    /// The next transaction to claim.
    cursor: AtomicUsize,
    /// Set when a commit failed: every thread stops.
    stop: AtomicBool,
    /// Set by a thread waiting for commits that cannot be made: the others hand over their
    /// finished runs at once instead of at the end of their claim.
    hungry: AtomicBool,
    /// Whether the next run to commit is in the pending window, as of its last change (made
    /// under its lock): waiting threads spin on this load instead of on the locks.
    next_ready: AtomicBool,
    /// Transactions claimed at once.
    claim: usize,
}

/// What committing has produced so far, in block order.
struct CommitLog {
    transactions: Vec<TxOutcome>,
    reexecutions: Vec<Reexecution>,
    cumulative: u64,
    failure: Option<ExecutionError>,
    /// Time spent validating, re-executing and applying, over all threads.
    committing: Duration,
}

impl<'b> BlockRun<'b> {
    /// One thread's share: claim, wait for the start point (committing meanwhile), run, hand
    /// over; once nothing is left to claim, commit until the block is done.
    fn work(&self, leader: bool) {
        let n = self.block.transactions.len();
        let mut runners = Runners::new(self.block, &self.state);
        let mut batch = Vec::with_capacity(self.claim);
        loop {
            let start = self.cursor.fetch_add(self.claim, Ordering::Relaxed);
            if start >= n {
                break;
            }
            let end = (start + self.claim).min(n);
            for (i, &needed) in (start..end).zip(&self.start_after[start..end]) {
                if self.committed.load(Ordering::Acquire) < needed {
                    // A predecessor may sit in this very batch: hand it over first.
                    self.hand_over(&mut batch);
                    if !self.commit_until(needed, &mut runners) {
                        return;
                    }
                }
                batch.push((i, runners.run(i, needed)));
                if self.hungry.load(Ordering::Relaxed) {
                    self.hand_over(&mut batch);
                }
            }
            self.hand_over(&mut batch);
            if leader {
                self.try_commit(&mut runners);
            }
        }
        self.commit_until(n, &mut runners);
    }

    /// Moves a thread's finished runs to the window of pending runs.
    fn hand_over(&self, batch: &mut Vec<(usize, SpeculativeRun)>) {
        if batch.is_empty() {
            return;
        }
        let mut pending = self.pending();
        for (i, run) in batch.drain(..) {
            pending.insert(i, run);
        }
        self.next_ready
            .store(pending.next_ready(), Ordering::Relaxed);
        drop(pending);
        // Written only when set: the flag is read after every run by every thread.
        if self.hungry.load(Ordering::Relaxed) {
            self.hungry.store(false, Ordering::Relaxed);
        }
    }

    /// Commits (when the log is free) until at least `count` transactions are committed; false
    /// if told to stop. While it cannot, it asks the other threads to hand over their runs.
    fn commit_until(&self, count: usize, runners: &mut Runners<'b, '_>) -> bool {
        let mut spins = 0u32;
        while self.committed.load(Ordering::Acquire) < count {
            if self.stop.load(Ordering::Relaxed) {
                return false;
            }
            if self.next_ready.load(Ordering::Relaxed) {
                self.try_commit(runners);
            }
            if self.committed.load(Ordering::Acquire) >= count {
                break;
            }
            if !self.hungry.load(Ordering::Relaxed) {
                self.hungry.store(true, Ordering::Relaxed);
            }
            if spins < 64 {
                std::hint::spin_loop();
                spins += 1;
            } else {
                std::thread::yield_now();
            }
        }
        !self.stop.load(Ordering::Relaxed)
    }

    fn pending(&self) -> MutexGuard<'_, Pending<SpeculativeRun>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// If no other thread is committing, commits every run that is next in block order.
    fn try_commit(&self, runners: &mut Runners<'b, '_>) {
        loop {
            let Ok(mut log) = self.log.try_lock() else {
                return;
            };
            let started = Instant::now();
            self.commit_ready(&mut log, &mut runners.committed);
            log.committing += started.elapsed();
            drop(log);
            // A run handed over after the last look but before the log was free again could
            // not be committed by the thread that handed it over: look once more.
            if !self.pending().next_ready() || self.stop.load(Ordering::Relaxed) {
                return;
            }
        }
    }

    /// Validates and applies, in block order, every run that is next; re-executes against the
    /// committed state a run that read a value other than the committed one.
    fn commit_ready(&self, log: &mut CommitLog, runner: &mut TxRunner<'b, &SharedState<'b>>) {
        let coinbase = self.block.coinbase();
        let mut ready = Vec::new();
        loop {
            let mut pending = self.pending();
            pending.take_ready(&mut ready);
            self.next_ready.store(false, Ordering::Relaxed);
            drop(pending);
            if ready.is_empty() {
                return;
            }
            let mut held = None;
            for speculative in ready.drain(..) {
                let next = log.transactions.len();
                let tx = &self.block.transactions[next];
                let mut guard = held.take().unwrap_or_else(|| self.state.write());
                let mismatch = match &speculative {
                    Some(run) => guard.first_mismatch(&run.outcome.access.reads),
                    None => None,
                };
                let run = match (speculative, mismatch) {
                    (Some(run), None) => run,
                    (speculative, mismatch) => {
                        drop(guard);
                        log.reexecutions
                            .push(match (speculative.is_some(), mismatch) {
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
                        match runner.run(tx) {
                            Ok(run) => {
                                guard = self.state.write();
                                run
                            }
                            Err(error) => {
                                log.failure = Some(ExecutionError::from_evm(next, tx.hash, error));
                                self.stop.store(true, Ordering::Relaxed);
                                return;
                            }
                        }
                    }
                };
                let mut outcome = guard.apply(run, coinbase);
                held = Some(guard);
                log.cumulative += outcome.gas_used;
                outcome.cumulative_gas_used = log.cumulative;
                log.transactions.push(outcome);
                self.committed.store(next + 1, Ordering::Release);
            }
        }
    }
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
