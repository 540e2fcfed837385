//! `foresight predict`: the analyzer's predicted access set of each transaction of a block.
//!
//! Input: a block directory, optionally one transaction (index or hash). Output: per
//! transaction its reads, writes, credits and widenings with reasons (text or `--json`), or
//! EIP-2930 access lists (`--format access-list`).

use std::{collections::BTreeMap, path::PathBuf, process::ExitCode};

use foresight::{
    AccessSet, Address, B256, Block, Location, U256, analyzer::Analyzer, predict::predict_block,
};
use serde_json::json;

use super::{BadInput, Output};

/// How to print predictions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The full access set, with widenings.
    AccessSet,
    /// EIP-2930 style: `[{"address": ..., "storageKeys": [...]}]` per transaction.
    AccessList,
}

/// Arguments of `predict`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A block directory.
    #[arg(long)]
    pub block: PathBuf,
    /// One transaction: its index in the block or its hash.
    #[arg(long)]
    pub tx: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Format::AccessSet)]
    pub format: Format,
}

/// The EIP-2930 access list that covers `set`'s concrete locations.
fn access_list(set: &AccessSet) -> serde_json::Value {
    let mut by_address: BTreeMap<Address, Vec<U256>> = BTreeMap::new();
    for location in set.reads.iter().chain(&set.writes) {
        let keys = by_address.entry(location.address()).or_default();
        if let Location::Storage { slot, .. } = location {
            keys.push(*slot);
        }
    }
    serde_json::Value::Array(
        by_address
            .into_iter()
            .map(|(address, mut keys)| {
                keys.sort_unstable();
                keys.dedup();
                let keys: Vec<B256> = keys.into_iter().map(B256::from).collect();
                json!({ "address": address, "storageKeys": keys })
            })
            .collect(),
    )
}

/// Runs `predict`.
pub fn run(args: Args, _output: Output) -> anyhow::Result<ExitCode> {
    let block = Block::load(&args.block)?;
    let selected: Vec<usize> = match &args.tx {
        None => (0..block.transactions.len()).collect(),
        Some(wanted) => {
            let index = match wanted.parse::<usize>() {
                Ok(i) => Some(i).filter(|i| *i < block.transactions.len()),
                Err(_) => {
                    let hash: B256 = wanted.parse().map_err(|e| {
                        BadInput(format!("--tx {wanted}: not an index or hash: {e}"))
                    })?;
                    block.transactions.iter().position(|t| t.hash == hash)
                }
            };
            vec![index.ok_or_else(|| BadInput(format!("--tx {wanted}: no such transaction")))?]
        }
    };
    let predictions = predict_block(&Analyzer::new(), &block);
    let mut rows = Vec::new();
    for i in selected {
        let tx = &block.transactions[i];
        let prediction = &predictions[i];
        let row = match args.format {
            Format::AccessList => {
                json!({ "index": i, "hash": tx.hash, "accessList": access_list(&prediction.access) })
            }
            Format::AccessSet => json!({ "index": i, "hash": tx.hash, "prediction": prediction }),
        };
        if !args.json {
            match args.format {
                Format::AccessList => {
                    println!("tx {i} {}: {}", tx.hash, row["accessList"]);
                }
                Format::AccessSet => {
                    let set = &prediction.access;
                    println!(
                        "tx {i} {}: {} reads, {} writes, {} credits",
                        tx.hash,
                        set.reads.len(),
                        set.writes.len(),
                        set.credits.len()
                    );
                    for location in &set.reads {
                        println!("  read  {location:?}");
                    }
                    for location in &set.writes {
                        println!("  write {location:?}");
                    }
                    for address in &set.credits {
                        println!("  credit {address}");
                    }
                    for widening in &set.widenings {
                        println!("  widened {widening:?}");
                    }
                }
            }
        }
        rows.push(row);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    }
    Ok(ExitCode::SUCCESS)
}
