//! `foresight schedule`: the conflict graph and layers of a block, from the analyzer's
//! predictions and from the actual (oracle) access sets, with their statistics.
//!
//! Input: a block directory (or a directory of them, for a table), a thread count. Output: per
//! block the statistics of both schedules (layers, critical path, parallelism, speedup on N,
//! 2 and 16 threads); `--json` adds the layers and edges with their causes; `--dot` writes the
//! predicted schedule for Graphviz. Weights are the transactions' gas used.

use std::{num::NonZeroUsize, path::PathBuf, process::ExitCode};

use anyhow::Context as _;
use foresight::{
    Block,
    analyzer::Analyzer,
    corpus::block_dirs,
    execute_sequential,
    predict::predicted_access_sets,
    scheduler::{Schedule, ScheduleStats},
};
use serde::Serialize;
use serde_json::json;

use super::Output;

/// Arguments of `schedule`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A block directory, or a directory of them (one table row per block).
    #[arg(long)]
    pub block: PathBuf,
    /// Print JSON: statistics, layers and edges with their causes.
    #[arg(long)]
    pub json: bool,
    /// Write the predicted schedule as a Graphviz graph to this file (single block only).
    #[arg(long)]
    pub dot: Option<PathBuf>,
}

/// Statistics of one schedule at the thread counts the project reports.
#[derive(Debug, Serialize)]
struct Figures {
    stats: ScheduleStats,
    speedup_2: f64,
    speedup_16: f64,
}

fn figures(schedule: &Schedule, gas: &[u64], threads: NonZeroUsize) -> anyhow::Result<Figures> {
    let at = |n: usize| -> anyhow::Result<f64> {
        let n = NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN);
        Ok(schedule.stats(gas, n)?.speedup)
    };
    Ok(Figures {
        stats: schedule.stats(gas, threads)?,
        speedup_2: at(2)?,
        speedup_16: at(16)?,
    })
}

/// The predicted and oracle schedules of one block, with gas-used weights.
pub struct BlockSchedules {
    /// From the analyzer's predictions.
    pub predicted: Schedule,
    /// From the access sets execution recorded.
    pub oracle: Schedule,
    /// Gas used per transaction.
    pub gas: Vec<u64>,
}

/// Builds both schedules of `block`.
pub fn schedules(block: &Block, analyzer: &Analyzer) -> anyhow::Result<BlockSchedules> {
    let outcome = execute_sequential(block)?;
    let actual = outcome.access_sets();
    let predicted = predicted_access_sets(analyzer, block);
    Ok(BlockSchedules {
        predicted: Schedule::new(&predicted),
        oracle: Schedule::new(&actual),
        gas: outcome.transactions.iter().map(|t| t.gas_used).collect(),
    })
}

/// Runs `schedule`.
pub fn run(args: Args, output: Output, threads: NonZeroUsize) -> anyhow::Result<ExitCode> {
    let dirs = block_dirs(&args.block)?;
    anyhow::ensure!(
        args.dot.is_none() || dirs.len() == 1,
        "--dot needs a single block directory"
    );
    let analyzer = Analyzer::new();
    let mut rows = Vec::new();
    if !args.json && !output.quiet {
        println!(
            "{:>9} {:>5} | {:>6} {:>8} {:>7} {:>7} | {:>6} {:>8} {:>7} {:>7}",
            "block", "txs", "layers", "parallel", "x2", "x16", "layers", "parallel", "x2", "x16"
        );
        println!(
            "{:>15} | {:^32} | {:^32}",
            "", "predicted schedule", "oracle schedule"
        );
    }
    for dir in &dirs {
        let block = Block::load(dir)?;
        let both =
            schedules(&block, &analyzer).with_context(|| format!("block {}", block.number()))?;
        let predicted = figures(&both.predicted, &both.gas, threads)?;
        let oracle = figures(&both.oracle, &both.gas, threads)?;
        if let Some(path) = &args.dot {
            std::fs::write(path, both.predicted.to_dot())
                .with_context(|| format!("writing {}", path.display()))?;
        }
        if !args.json && !output.quiet {
            println!(
                "{:>9} {:>5} | {:>6} {:>8.2} {:>7.2} {:>7.2} | {:>6} {:>8.2} {:>7.2} {:>7.2}",
                block.number(),
                block.transactions.len(),
                predicted.stats.layers,
                predicted.stats.parallelism,
                predicted.speedup_2,
                predicted.speedup_16,
                oracle.stats.layers,
                oracle.stats.parallelism,
                oracle.speedup_2,
                oracle.speedup_16
            );
        }
        let mut row = json!({
            "block": block.number(),
            "txs": block.transactions.len(),
            "predicted": predicted,
            "oracle": oracle,
        });
        if args.json && dirs.len() == 1 {
            row["predicted_schedule"] = serde_json::to_value(&both.predicted)?;
            row["oracle_schedule"] = serde_json::to_value(&both.oracle)?;
        }
        rows.push(row);
    }
    if args.json {
        let value = if rows.len() == 1 {
            rows.remove(0)
        } else {
            serde_json::Value::Array(rows)
        };
        println!("{}", serde_json::to_string_pretty(&value)?);
    }
    Ok(ExitCode::SUCCESS)
}
