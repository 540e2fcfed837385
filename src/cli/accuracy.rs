//! `foresight accuracy`: compares the analyzer's predictions with the access sets that
//! execution actually recorded, per block and over a corpus.
//!
//! Input: a block directory or a directory of them. Output: per block, coverage and timing;
//! overall, coverage of transactions and gas, over-approximation, widenings by reason, analysis
//! time (cold and warm cache) against sequential execution time, what the cold passes
//! analysed (summaries and interpreter steps, and how many of those steps went to summaries
//! that ran out of budget: a deterministic measure of cold cost), and the top uncovered
//! contracts; `parallelism_ratio`, the gas-weighted 16-thread speedup the predicted schedules
//! allow over what the oracle schedules allow, and what the barriers of each cause cost it
//! (`barrier_causes`). `--json` prints one object. Exit 1 when coverage falls below
//! `--min-coverage`.
//!
//! Times are medians over `--runs` rounds per block, each round running sequential execution,
//! a cold analysis (cache cleared) and a warm one, in that order, so that the three kinds see
//! the same machine conditions.

use std::{
    collections::BTreeMap, num::NonZeroUsize, path::PathBuf, process::ExitCode, time::Instant,
};

use foresight::{
    B256, Block, WideningReason,
    analyzer::{AccuracyAccumulator, AccuracyReport, Analyzer, CacheStats, TxAccuracy, compare_tx},
    barrier_cost::{BarrierCause, barrier_costs},
    corpus::block_dirs,
    execute_sequential,
    measure::median,
    predict::predict_block,
    scheduler::Schedule,
};
use serde::Serialize;

use super::Output;

/// Arguments of `accuracy`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A block directory or a directory of them.
    #[arg(long, env = "FORESIGHT_CORPUS")]
    pub corpus: PathBuf,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Fail (exit 1) when the share of covered transactions is below this (0..=1).
    #[arg(long, value_name = "F")]
    pub min_coverage: Option<f64>,
    /// Timed rounds per block (execution, cold analysis, warm analysis); medians are reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
}

/// The JSON report.
#[derive(Debug, Serialize)]
struct Report {
    #[serde(flatten)]
    accuracy: AccuracyReport,
    analysis_ms_cold: f64,
    analysis_ms_warm: f64,
    execution_ms: f64,
    /// What the cold passes analysed, summed over blocks (each block starts from an empty
    /// cache): summaries, steps, and the steps of summaries that ran out of budget.
    analysis_cold: CacheStats,
    /// Summaries the warm passes analysed, summed over blocks and rounds: zero unless a
    /// prediction depends on what the cache learnt in the cold pass.
    analysis_warm_entries: usize,
    /// Timed rounds per block behind the medians.
    runs: u32,
    /// Gas-weighted 16-thread speedup the predicted schedules allow ÷ the oracle schedules'.
    parallelism_ratio: f64,
    /// The causes of whole-state widenings that cost `parallelism_ratio` the most, most
    /// costly first (at most [`TOP_BARRIER_CAUSES`]).
    barrier_causes: Vec<BarrierCauseRow>,
    blocks: Vec<BlockRow>,
}

/// Most barrier causes reported.
const TOP_BARRIER_CAUSES: usize = 10;

/// One cause of whole-state widenings over the corpus (see [`foresight::barrier_cost`]).
#[derive(Debug, Serialize)]
struct BarrierCauseRow {
    code_hash: Option<B256>,
    entry: Option<String>,
    reason: WideningReason,
    /// The transactions it made barriers.
    transactions: usize,
    /// How much `parallelism_ratio` would gain were they predicted exactly.
    ratio_lost: f64,
}

/// One block's figures.
#[derive(Debug, Serialize)]
struct BlockRow {
    number: u64,
    transactions: usize,
    coverage_tx: f64,
    coverage_gas: f64,
    overapprox: f64,
    analysis_ms_cold: f64,
    analysis_ms_warm: f64,
    execution_ms: f64,
    speedup_16_predicted: f64,
    speedup_16_oracle: f64,
}

/// The worker count behind `parallelism_ratio`.
const SIXTEEN: NonZeroUsize = match NonZeroUsize::new(16) {
    Some(n) => n,
    None => NonZeroUsize::MIN,
};

/// Runs `accuracy`.
pub fn run(args: Args, output: Output) -> anyhow::Result<ExitCode> {
    let analyzer = Analyzer::new();
    // One thread, so that analysis time compares with sequential execution time.
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    // Per cause: barriers, and speedup lost weighted by each block's gas.
    let mut barriers: BTreeMap<BarrierCause, (usize, f64)> = BTreeMap::new();
    let predict_all = |block: &Block| one_thread.install(|| predict_block(&analyzer, block));
    let mut overall = AccuracyAccumulator::new();
    let (mut cold_ms, mut warm_ms, mut exec_ms) = (0.0, 0.0, 0.0);
    let mut analysis_cold = CacheStats::default();
    let mut analysis_warm_entries = 0;
    let (mut weighted_predicted, mut weighted_oracle) = (0.0, 0.0);
    let mut blocks = Vec::new();
    for dir in block_dirs(&args.corpus)? {
        let block = Block::load(&dir)?;
        let (mut execution, mut cold, mut warm) = (Vec::new(), Vec::new(), Vec::new());
        let mut last = None;
        let mut cold_stats = CacheStats::default();
        for _ in 0..args.runs {
            let started = Instant::now();
            let outcome = execute_sequential(&block)?;
            execution.push(started.elapsed().as_secs_f64() * 1e3);

            analyzer.clear_cache();
            let started = Instant::now();
            predict_all(&block);
            cold.push(started.elapsed().as_secs_f64() * 1e3);
            cold_stats = analyzer.cache_stats();
            let started = Instant::now();
            let predictions = predict_all(&block);
            warm.push(started.elapsed().as_secs_f64() * 1e3);
            analysis_warm_entries += analyzer
                .cache_stats()
                .entries
                .saturating_sub(cold_stats.entries);
            last = Some((outcome, predictions));
        }
        let Some((outcome, predictions)) = last else {
            anyhow::bail!("--runs must be at least 1");
        };
        let execution_ms = median(&mut execution);
        let analysis_ms_cold = median(&mut cold);
        let analysis_ms_warm = median(&mut warm);

        let actual = outcome.access_sets();
        let gas: Vec<u64> = outcome.transactions.iter().map(|t| t.gas_used).collect();
        let costs = barrier_costs(&predictions, &actual, &gas, SIXTEEN)?;
        let speedup_16_predicted = costs.predicted_speedup;
        let speedup_16_oracle = Schedule::new(&actual).stats(&gas, SIXTEEN)?.speedup;
        let block_gas = outcome.gas_used() as f64;
        weighted_predicted += block_gas * speedup_16_predicted;
        weighted_oracle += block_gas * speedup_16_oracle;
        for cost in costs.causes {
            let cause = barriers.entry(cost.cause).or_default();
            cause.0 += cost.transactions.len();
            cause.1 += block_gas * cost.speedup_lost;
        }

        let mut this_block = AccuracyAccumulator::new();
        for (((tx, prediction), actual), actual_set) in block
            .transactions
            .iter()
            .zip(&predictions)
            .zip(&outcome.transactions)
            .zip(&actual)
        {
            let code_hash = tx
                .env
                .kind
                .to()
                .and_then(|to| block.prestate.account(to))
                .map(|a| a.info.code_hash)
                .filter(|h| *h != revm_empty_code_hash());
            let row: TxAccuracy =
                compare_tx(&prediction.access, actual_set, actual.gas_used, code_hash);
            this_block.add(&row);
            overall.add(&row);
        }
        let report = this_block.finish();
        let row = BlockRow {
            number: block.number(),
            transactions: report.transactions,
            coverage_tx: report.coverage_tx,
            coverage_gas: report.coverage_gas,
            overapprox: report.overapprox,
            analysis_ms_cold,
            analysis_ms_warm,
            execution_ms,
            speedup_16_predicted,
            speedup_16_oracle,
        };
        if !args.json && !output.quiet {
            println!(
                "block {:>9}  txs {:>5}  coverage {:>6.2}% tx {:>6.2}% gas  overapprox {:>5.1}%  analysis cold {:>7.2} ms warm {:>6.2} ms  exec {:>6.2} ms  x16 {:.2}/{:.2}",
                row.number,
                row.transactions,
                row.coverage_tx * 100.0,
                row.coverage_gas * 100.0,
                row.overapprox * 100.0,
                row.analysis_ms_cold,
                row.analysis_ms_warm,
                row.execution_ms,
                row.speedup_16_predicted,
                row.speedup_16_oracle
            );
        }
        cold_ms += analysis_ms_cold;
        analysis_cold += cold_stats;
        warm_ms += analysis_ms_warm;
        exec_ms += execution_ms;
        blocks.push(row);
    }
    let accuracy = overall.finish();
    let coverage = accuracy.coverage_tx;
    let oracle = f64::max(weighted_oracle, f64::MIN_POSITIVE);
    let mut barrier_causes: Vec<BarrierCauseRow> = barriers
        .into_iter()
        .map(|(cause, (transactions, lost))| BarrierCauseRow {
            code_hash: cause.code_hash,
            entry: cause.entry.map(|e| e.to_string()),
            reason: cause.reason,
            transactions,
            ratio_lost: lost / oracle,
        })
        .collect();
    barrier_causes.sort_by(|a, b| b.ratio_lost.total_cmp(&a.ratio_lost));
    barrier_causes.truncate(TOP_BARRIER_CAUSES);
    let report = Report {
        accuracy,
        analysis_ms_cold: cold_ms,
        analysis_ms_warm: warm_ms,
        execution_ms: exec_ms,
        analysis_cold,
        analysis_warm_entries,
        runs: args.runs,
        parallelism_ratio: weighted_predicted / oracle,
        barrier_causes,
        blocks,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_summary(&report);
    }
    Ok(match args.min_coverage {
        Some(min) if coverage < min => {
            eprintln!(
                "coverage {:.2}% is below the minimum {:.2}%",
                coverage * 100.0,
                min * 100.0
            );
            ExitCode::from(1)
        }
        _ => ExitCode::SUCCESS,
    })
}

fn revm_empty_code_hash() -> foresight::B256 {
    foresight::KECCAK256_EMPTY
}

fn print_summary(report: &Report) {
    let a = &report.accuracy;
    println!(
        "transactions {}  coverage {:.2}% of txs, {:.2}% of gas  over-approximation {:.1}%",
        a.transactions,
        a.coverage_tx * 100.0,
        a.coverage_gas * 100.0,
        a.overapprox * 100.0
    );
    let share = |n: usize| 100.0 * n as f64 / a.transactions.max(1) as f64;
    println!(
        "widened to everything {} ({:.2}%)  with a whole-contract widening {} ({:.2}%)",
        a.widened_everything_tx,
        share(a.widened_everything_tx),
        a.widened_contract_tx,
        share(a.widened_contract_tx)
    );
    for (reason, count) in &a.reasons {
        println!("  reason {reason:?}: {count} txs");
    }
    println!(
        "analysis cold {:.1} ms ({:.0}% of execution), warm {:.1} ms ({:.1}%), sequential execution {:.1} ms (sums of per-block medians of {} rounds)",
        report.analysis_ms_cold,
        100.0 * report.analysis_ms_cold / report.execution_ms,
        report.analysis_ms_warm,
        100.0 * report.analysis_ms_warm / report.execution_ms,
        report.execution_ms,
        report.runs
    );
    let cold = &report.analysis_cold;
    println!(
        "cold passes analysed {} summaries of {} codes in {} steps; {} ran out of budget and took {} steps ({:.1}%)",
        cold.entries,
        cold.codes,
        cold.steps,
        cold.incomplete,
        cold.incomplete_steps,
        100.0 * cold.incomplete_steps as f64 / cold.steps.max(1) as f64
    );
    println!(
        "warm passes analysed {} summaries",
        report.analysis_warm_entries
    );
    println!(
        "parallelism ratio {:.3} (gas-weighted 16-thread speedup of predicted schedules / oracle schedules)",
        report.parallelism_ratio
    );
    println!(
        "barrier causes costing the ratio most (ratio gained were their barriers predicted exactly):"
    );
    for c in &report.barrier_causes {
        println!(
            "  {}  entry {:<12}  {:?}  txs {:>3}  ratio {:.4}",
            c.code_hash
                .map_or_else(|| "(no code)".to_owned(), |h| h.to_string()),
            c.entry.as_deref().unwrap_or("-"),
            c.reason,
            c.transactions,
            c.ratio_lost
        );
    }
    println!("top uncovered contracts:");
    for code in &a.top_uncovered {
        println!(
            "  {}  txs {:>4}  gas {:>10}  e.g. missed {:?}",
            code.code_hash
                .map_or_else(|| "(no code)".to_owned(), |h| h.to_string()),
            code.transactions,
            code.gas,
            code.example_missing
        );
    }
}
