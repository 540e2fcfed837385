//! `foresight verify`: executes each block of a corpus and checks it against its header.
//!
//! Input: a block directory or a directory of them. Output: one line per block (number, fork,
//! transactions, gas, milliseconds, OK or the first mismatch) and `verified N/M blocks`; exit 0
//! only if every block passes.

use std::{path::PathBuf, process::ExitCode, time::Instant};

use anyhow::Context as _;
use foresight::{Block, check_header, corpus::block_dirs, execute_sequential};
use indicatif::{ProgressBar, ProgressStyle};

use super::Output;

/// Arguments of `verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A block directory (block.json, prestate.json) or a directory of them.
    #[arg(long, env = "FORESIGHT_CORPUS")]
    pub corpus: PathBuf,
}

/// Runs `verify`.
pub fn run(args: Args, output: Output) -> anyhow::Result<ExitCode> {
    let dirs = block_dirs(&args.corpus)?;
    let progress = ProgressBar::new(dirs.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut passed = 0usize;
    let mut total_ms = 0.0f64;
    for dir in &dirs {
        let block = Block::load(dir)?;
        progress.set_message(format!("block {}", block.number()));
        let started = Instant::now();
        let outcome = execute_sequential(&block)
            .with_context(|| format!("block {} ({})", block.number(), dir.display()))?;
        let ms = started.elapsed().as_secs_f64() * 1e3;
        total_ms += ms;
        let verdict = match &block.expected {
            Some(expected) => check_header(expected, block.spec, &outcome)
                .map_err(|mismatch| mismatch.to_string()),
            None => Err("no header to check against".to_owned()),
        };
        if verdict.is_ok() {
            passed += 1;
        }
        if !output.quiet || verdict.is_err() {
            let line = format!(
                "block {:>9}  {:<16} txs {:>5}  gas {:>10}  {:>8.2} ms  {}",
                block.number(),
                format!("{:?}", block.spec),
                block.transactions.len(),
                outcome.gas_used(),
                ms,
                verdict.as_ref().err().map_or("OK", String::as_str),
            );
            if progress.is_hidden() {
                println!("{line}");
            } else {
                progress.println(line);
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    println!(
        "verified {passed}/{} blocks ({total_ms:.1} ms sequential execution)",
        dirs.len()
    );
    Ok(if passed == dirs.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
