//! Where predictions come from, and the predict → schedule → execute pipeline on one block.
//!
//! Input: a [`Block`] and a [`PredictionSource`]. Output: one [`AccessSet`] per transaction,
//! and the parallel outcome with the time spent predicting.

use std::{str::FromStr, time::Instant};

use foresight_analyzer::{AccessSet, Analyzer, Location};
use foresight_corpus::Block;
use foresight_executor::{
    ExecutionError, ParallelConfig, ParallelOutcome, execute_parallel, execute_sequential,
};

use crate::predict::predicted_access_sets;

/// Where the access sets that drive the schedule come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredictionSource {
    /// The analyzer's predictions (the real thing).
    Analyzer,
    /// The actual access sets, recorded by a sequential run first (the upper bound).
    Oracle,
    /// Nothing predicted: every transaction in one layer.
    None,
    /// The actual sets, randomly damaged (locations dropped, false conflicts added) from a
    /// seed: a test of the fallback.
    Random(u64),
}

impl FromStr for PredictionSource {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "analyzer" => Ok(Self::Analyzer),
            "oracle" => Ok(Self::Oracle),
            "none" => Ok(Self::None),
            "random" => Ok(Self::Random(1)),
            other => match other.strip_prefix("random:").map(str::parse) {
                Some(Ok(seed)) => Ok(Self::Random(seed)),
                _ => Err(format!(
                    "unknown prediction source `{other}` (analyzer, oracle, none, random[:SEED])"
                )),
            },
        }
    }
}

impl std::fmt::Display for PredictionSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Analyzer => f.write_str("analyzer"),
            Self::Oracle => f.write_str("oracle"),
            Self::None => f.write_str("none"),
            Self::Random(seed) => write!(f, "random:{seed}"),
        }
    }
}

/// The access sets `source` gives for `block`.
pub fn predictions(
    block: &Block,
    source: PredictionSource,
    analyzer: &Analyzer,
) -> Result<Vec<AccessSet>, ExecutionError> {
    Ok(match source {
        PredictionSource::Analyzer => predicted_access_sets(analyzer, block),
        PredictionSource::Oracle => oracle(block)?,
        PredictionSource::None => vec![AccessSet::new(); block.transactions.len()],
        PredictionSource::Random(seed) => {
            let mut sets = oracle(block)?;
            damage(&mut sets, seed);
            sets
        }
    })
}

/// The actual access sets of `block`, from a sequential run.
pub fn oracle(block: &Block) -> Result<Vec<AccessSet>, ExecutionError> {
    Ok(execute_sequential(block)?.access_sets())
}

/// Drops about half of each set's locations and adds writes that another transaction touches,
/// deterministically from `seed` (SplitMix64).
fn damage(sets: &mut [AccessSet], seed: u64) {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let pool: Vec<Location> = sets
        .iter()
        .flat_map(|s| s.writes.iter().chain(&s.reads).copied())
        .collect();
    for set in sets.iter_mut() {
        set.reads.retain(|_| next() % 2 == 0);
        set.writes.retain(|_| next() % 2 == 0);
        set.credits.retain(|_| next() % 2 == 0);
        if !pool.is_empty() && next() % 4 == 0 {
            let pick = pool[(next() % pool.len() as u64) as usize];
            set.writes.insert(pick);
        }
    }
}

/// The outcome of the pipeline on one block.
#[derive(Debug, Clone)]
pub struct PipelineOutcome {
    /// Execution outcome and metrics.
    pub parallel: ParallelOutcome,
    /// Time spent obtaining the predictions, in milliseconds (0 when the block was not
    /// predicted).
    pub predict_ms: f64,
}

/// Predicts, schedules and executes `block` in parallel on `pool`; a block that runs
/// sequentially whatever is predicted ([`ParallelConfig::sequential_regardless`]) is executed
/// without predicting it.
///
/// ```
/// use foresight::{analyzer::Analyzer, corpus::workload, executor::{ParallelConfig, execute_sequential}};
/// use foresight::pipeline::{PredictionSource, run};
///
/// let block = workload::transfers(32, 5);
/// let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
/// let out = run(&block, PredictionSource::Analyzer, &Analyzer::new(), &pool, &ParallelConfig::always()).unwrap();
/// assert_eq!(out.parallel.outcome, execute_sequential(&block).unwrap());
/// assert!(out.parallel.metrics.reexecutions.is_empty());
/// ```
pub fn run(
    block: &Block,
    source: PredictionSource,
    analyzer: &Analyzer,
    pool: &rayon::ThreadPool,
    config: &ParallelConfig,
) -> Result<PipelineOutcome, ExecutionError> {
    // A block that runs sequentially whatever is predicted is not predicted.
    let (sets, predict_ms) = match config.sequential_regardless(block, pool.current_num_threads()) {
        Some(_) => (Vec::new(), 0.0),
        None => {
            let started = Instant::now();
            let sets = pool.install(|| predictions(block, source, analyzer))?;
            (sets, started.elapsed().as_secs_f64() * 1e3)
        }
    };
    let parallel = execute_parallel(block, &sets, pool, config)?;
    Ok(PipelineOutcome {
        parallel,
        predict_ms,
    })
}

#[cfg(test)]
mod tests {
    use foresight_corpus::workload::{Workload, WorkloadParams, build};
    use foresight_executor::ExecutionMode;

    use super::*;

    #[test]
    fn a_block_too_small_to_pay_for_parallelism_is_executed_without_predicting_it() {
        // Four ERC-20 transfers: fewer than the eight the default configuration needs.
        let params = WorkloadParams {
            gas: 200_000,
            ..WorkloadParams::default()
        };
        let block = build(Workload::Erc20, &params).unwrap();
        assert!(block.transactions.len() < ParallelConfig::default().min_transactions);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let analyzer = Analyzer::new();
        let source = PredictionSource::Analyzer;

        let skipped = run(&block, source, &analyzer, &pool, &ParallelConfig::default()).unwrap();
        assert_eq!(
            skipped.parallel.outcome,
            execute_sequential(&block).unwrap()
        );
        assert!(matches!(
            skipped.parallel.metrics.mode,
            ExecutionMode::Sequential(ref reason) if reason.contains("fewer than 8")
        ));
        assert_eq!(skipped.predict_ms, 0.0);
        assert_eq!(analyzer.cached_codes(), 0, "the token was analysed");

        let forced = run(&block, source, &analyzer, &pool, &ParallelConfig::always()).unwrap();
        assert_eq!(forced.parallel.outcome, skipped.parallel.outcome);
        assert_eq!(forced.parallel.metrics.mode, ExecutionMode::Parallel);
        assert!(analyzer.cached_codes() > 0, "the token was not analysed");
    }
}
