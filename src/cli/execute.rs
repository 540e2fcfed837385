//! `foresight execute`: runs one block (a corpus directory or a built-in workload) sequentially,
//! in parallel, or both with a check that the outcomes are identical and the speedup.
//!
//! Input: `--block DIR` or `--workload NAME` (default: the built-in hybrid block), the mode and
//! the prediction source. Output: a summary (or `--json`): transactions, gas, waves,
//! re-executions, time per phase, speedup; exit 1 if parallel and sequential differ.

use std::{path::PathBuf, process::ExitCode, time::Instant};

use foresight::{
    Block,
    analyzer::Analyzer,
    corpus::workload::{self, Workload, WorkloadParams},
    execute_sequential,
    executor::ParallelConfig,
    measure::compare,
    pipeline::{PredictionSource, run as run_pipeline},
};
use serde_json::json;

use super::Output;

/// What to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Parallel only (the adaptive path may still choose sequential, and says why).
    Parallel,
    /// Sequential only.
    Sequential,
    /// Both, interleaved; check equality and report the speedup.
    Compare,
}

/// Arguments of `execute`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A block directory (block.json, prestate.json).
    #[arg(long, conflicts_with = "workload")]
    pub block: Option<PathBuf>,
    /// A built-in workload: transfers, erc20, swaps, contention, hybrid, chain, nft-mint,
    /// proxy-erc20 (default: hybrid).
    #[arg(long)]
    pub workload: Option<Workload>,
    /// Gas of the generated workload.
    #[arg(long, default_value_t = 100_000_000)]
    pub gas: u64,
    /// Seed of the generated workload.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Probability that an access is hot (contention and hybrid workloads).
    #[arg(long, default_value_t = 0.3)]
    pub hot_ratio: f64,
    /// Execution mode.
    #[arg(long, value_enum, default_value_t = Mode::Compare)]
    pub mode: Mode,
    /// Where the predictions come from: analyzer, oracle, none, random[:SEED].
    #[arg(long, default_value = "analyzer")]
    pub predictions: PredictionSource,
    /// Timed runs per side in compare mode (medians are reported).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Always take the parallel path, even where the adaptive rule would run sequentially.
    #[arg(long)]
    pub force_parallel: bool,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Loads the block the arguments name.
fn input(args: &Args) -> anyhow::Result<Block> {
    if let Some(dir) = &args.block {
        return Ok(Block::load(dir)?);
    }
    let params = WorkloadParams {
        gas: args.gas,
        seed: args.seed,
        hot_ratio: args.hot_ratio,
    };
    Ok(workload::build(
        args.workload.unwrap_or(Workload::Hybrid),
        &params,
    )?)
}

/// Runs `execute`.
pub fn run(args: Args, output: Output, pool: &rayon::ThreadPool) -> anyhow::Result<ExitCode> {
    let block = input(&args)?;
    let analyzer = Analyzer::new();
    let config = if args.force_parallel {
        ParallelConfig::always()
    } else {
        ParallelConfig::default()
    };
    let name = block.source.clone();
    let txs = block.transactions.len();
    let summary = match args.mode {
        Mode::Sequential => {
            let started = Instant::now();
            let outcome = execute_sequential(&block)?;
            let ms = started.elapsed().as_secs_f64() * 1e3;
            json!({ "name": name, "txs": txs, "gas": outcome.gas_used(), "mode": "sequential",
                    "seq_ms": ms, "failed_txs": outcome.transactions.iter().filter(|t| !t.is_success()).count() })
        }
        Mode::Parallel => {
            let out = run_pipeline(&block, args.predictions, &analyzer, pool, &config)?;
            json!({ "name": name, "txs": txs, "gas": out.parallel.outcome.gas_used(),
                    "predictions": args.predictions.to_string(), "predict_ms": out.predict_ms,
                    "metrics": out.parallel.metrics })
        }
        Mode::Compare => {
            let (reference, cmp) = compare(
                &block,
                args.predictions,
                &analyzer,
                pool,
                &config,
                args.runs,
            )?;
            json!({ "name": name, "txs": txs, "gas": reference.gas_used(),
                    "predictions": args.predictions.to_string(), "comparison": cmp })
        }
    };
    let identical = summary["comparison"]["identical"].as_bool().unwrap_or(true);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary, output);
    }
    if !identical {
        eprintln!("parallel outcome differs from sequential");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(s: &serde_json::Value, output: Output) {
    println!(
        "{}: {} transactions, {} gas",
        s["name"].as_str().unwrap_or("?"),
        s["txs"],
        s["gas"]
    );
    if let Some(ms) = s["seq_ms"].as_f64() {
        println!("sequential {ms:.2} ms");
    }
    let metrics = if s["comparison"].is_object() {
        &s["comparison"]["metrics"]
    } else {
        &s["metrics"]
    };
    if metrics.is_object() {
        let mode = &metrics["mode"];
        println!(
            "mode {}{}  threads {}  waves {}  expected {:.2}x  re-executed {}",
            mode["mode"].as_str().unwrap_or("?"),
            mode["reason"]
                .as_str()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            metrics["threads"],
            metrics["waves"],
            metrics["estimated_speedup"].as_f64().unwrap_or(0.0),
            metrics["reexecutions"].as_array().map_or(0, Vec::len)
        );
        if output.verbose {
            println!(
                "phases: start points {:.2} ms, execute {:.2} ms (the committing thread spent {:.2} ms validating and applying)",
                metrics["schedule_ms"].as_f64().unwrap_or(0.0),
                metrics["execute_ms"].as_f64().unwrap_or(0.0),
                metrics["commit_ms"].as_f64().unwrap_or(0.0)
            );
        }
    }
    let c = &s["comparison"];
    if c.is_object() {
        println!(
            "median of {} runs: sequential {:.2} ms, parallel {:.2} ms (+ predict {:.2} ms)  speedup {:.2}x, end to end {:.2}x",
            c["runs"],
            c["seq_ms"].as_f64().unwrap_or(0.0),
            c["par_ms"].as_f64().unwrap_or(0.0),
            c["predict_ms"].as_f64().unwrap_or(0.0),
            c["speedup"].as_f64().unwrap_or(0.0),
            c["speedup_e2e"].as_f64().unwrap_or(0.0)
        );
        println!(
            "parallel == sequential: {}",
            if c["identical"].as_bool() == Some(true) {
                "OK"
            } else {
                "DIFFERENT"
            }
        );
    }
}
