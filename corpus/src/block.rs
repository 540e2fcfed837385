//! A block ready to execute, and the loader of a corpus block directory.
//!
//! Input: a directory with `block.json` (JSON-RPC `eth_getBlockByNumber(n, true)`),
//! `prestate.json` (geth `prestateTracer`) and optionally `block_hashes.json`.
//! Output: [`Block`]: environment, fork, ordered transactions, pre-state, withdrawals and the
//! header fields that sequential execution must reproduce.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

use alloy_eips::eip4895::Withdrawal;
use alloy_primitives::{Address, B256, Bloom, U256};
use alloy_rpc_types_eth::{Block as RpcBlock, BlockTransactions, Transaction as RpcTransaction};
use alloy_rpc_types_trace::geth::PreStateMode;
use revm::{
    context::{BlockEnv, CfgEnv},
    context_interface::block::BlobExcessGasAndPrice,
    primitives::hardfork::SpecId,
};
use serde::de::DeserializeOwned;

use crate::{CorpusError, PreState, Transaction, mainnet_spec};

/// Mainnet chain id.
pub const MAINNET_CHAIN_ID: u64 = 1;

/// The header fields that sequential execution must reproduce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedHeader {
    /// Block hash (informational).
    pub hash: B256,
    /// Total gas used by the block.
    pub gas_used: u64,
    /// OR of all receipt blooms.
    pub logs_bloom: Bloom,
    /// Root of the receipts trie (meaningful from Byzantium on).
    pub receipts_root: B256,
}

/// A block with everything needed to execute it.
#[derive(Debug, Clone)]
pub struct Block {
    /// Where it came from (a directory, or a workload name).
    pub source: String,
    /// The fork it runs under.
    pub spec: SpecId,
    /// Chain id.
    pub chain_id: u64,
    /// revm's block environment.
    pub env: BlockEnv,
    /// Transactions in block order.
    pub transactions: Vec<Transaction>,
    /// The state before the block.
    pub prestate: PreState,
    /// Balance credits applied after the last transaction (post-Shanghai).
    pub withdrawals: Vec<Withdrawal>,
    /// What the real chain says, when the block is real.
    pub expected: Option<ExpectedHeader>,
}

impl Block {
    /// Block number.
    pub fn number(&self) -> u64 {
        self.env.number.saturating_to()
    }

    /// The fee recipient.
    pub fn coinbase(&self) -> Address {
        self.env.beneficiary
    }

    /// revm's configuration for this block (chain id and fork).
    pub fn cfg(&self) -> CfgEnv {
        let mut cfg = CfgEnv::new_with_spec(self.spec);
        cfg.chain_id = self.chain_id;
        cfg
    }

    /// Sum of the transactions' gas limits.
    pub fn gas_limit_sum(&self) -> u64 {
        self.transactions.iter().map(|t| t.env.gas_limit).sum()
    }

    /// Loads one block directory.
    ///
    /// ```no_run
    /// let block = foresight_corpus::Block::load("../shared/corpus/mainnet/46147").unwrap();
    /// assert_eq!(block.transactions.len(), 1);
    /// ```
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, CorpusError> {
        let dir = dir.as_ref();
        let block_path = dir.join("block.json");
        let rpc: RpcBlock<serde_json::Value> = read_json(&block_path)?;
        let header = &rpc.header;
        let spec = mainnet_spec(header.number, header.timestamp);

        let raw_txs = match rpc.transactions {
            BlockTransactions::Full(txs) => txs,
            BlockTransactions::Hashes(h) if h.is_empty() => Vec::new(),
            _ => {
                return Err(CorpusError::Field {
                    path: block_path,
                    field: "transactions".into(),
                    message: "expected full transaction objects (eth_getBlockByNumber(n, true))"
                        .into(),
                });
            }
        };
        let mut transactions = Vec::with_capacity(raw_txs.len());
        for (index, raw) in raw_txs.into_iter().enumerate() {
            let hash = raw
                .get("hash")
                .and_then(|h| h.as_str())
                .unwrap_or("?")
                .to_owned();
            let rpc_tx: RpcTransaction =
                serde_json::from_value(raw).map_err(|e| CorpusError::Transaction {
                    path: block_path.clone(),
                    index,
                    hash,
                    message: e.to_string(),
                })?;
            transactions.push(Transaction::from_rpc(&rpc_tx));
        }

        let env = BlockEnv {
            number: U256::from(header.number),
            beneficiary: header.beneficiary,
            timestamp: U256::from(header.timestamp),
            gas_limit: header.gas_limit,
            basefee: header.base_fee_per_gas.unwrap_or_default(),
            difficulty: header.difficulty,
            prevrandao: spec.is_enabled_in(SpecId::MERGE).then_some(header.mix_hash),
            blob_excess_gas_and_price: spec.is_enabled_in(SpecId::CANCUN).then(|| {
                BlobExcessGasAndPrice::new_with_spec(
                    header.excess_blob_gas.unwrap_or_default(),
                    spec,
                )
            }),
            slot_num: 0,
        };
        let expected = Some(ExpectedHeader {
            hash: header.hash,
            gas_used: header.gas_used,
            logs_bloom: header.logs_bloom,
            receipts_root: header.receipts_root,
        });
        let withdrawals = rpc.withdrawals.map(|w| w.into_inner()).unwrap_or_default();

        let prestate_path = dir.join("prestate.json");
        let mode: PreStateMode = read_json(&prestate_path)?;
        let mut prestate =
            PreState::from_geth(mode).map_err(|(address, e)| CorpusError::Field {
                path: prestate_path,
                field: format!("{address}.code"),
                message: e.to_string(),
            })?;
        let hashes_path = dir.join("block_hashes.json");
        if hashes_path.exists() {
            let hashes: BTreeMap<String, B256> = read_json(&hashes_path)?;
            for (number, hash) in hashes {
                let n = number.parse::<u64>().map_err(|e| CorpusError::Field {
                    path: hashes_path.clone(),
                    field: number.clone(),
                    message: format!("not a block number: {e}"),
                })?;
                prestate.insert_block_hash(n, hash);
            }
        }

        Ok(Self {
            source: dir.display().to_string(),
            spec,
            chain_id: MAINNET_CHAIN_ID,
            env,
            transactions,
            prestate,
            withdrawals,
            expected,
        })
    }
}

/// The block directories under `path`: `path` itself if it holds `block.json`, otherwise its
/// sub-directories that do, ordered by block number (numeric names first).
pub fn block_dirs(path: impl AsRef<Path>) -> Result<Vec<PathBuf>, CorpusError> {
    let path = path.as_ref();
    if path.join("block.json").is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = fs::read_dir(path).map_err(|error| CorpusError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("block.json").is_file())
        .collect();
    if dirs.is_empty() {
        return Err(CorpusError::Empty {
            path: path.to_path_buf(),
        });
    }
    dirs.sort_by_key(|p| {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
        let number = name.as_deref().and_then(|n| n.parse::<u64>().ok());
        (number.is_none(), number, name)
    });
    Ok(dirs)
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, CorpusError> {
    let bytes = fs::read(path).map_err(|error| CorpusError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    serde_json::from_slice(&bytes).map_err(|error| CorpusError::Json {
        path: path.to_path_buf(),
        error,
    })
}
