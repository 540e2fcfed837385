//! What executing a block returns: per-transaction results with their actual access sets, and
//! the block's post-state changes.
//!
//! Input: revm's per-transaction results. Output: [`TxOutcome`] and [`BlockOutcome`], equal
//! (`==`) between the sequential and the parallel executor for the same block.

use alloy_primitives::{Address, B256, Bytes, Log};
use foresight_analyzer::AccessSet;
use revm::context::result::ExecutionResult;
use serde::Serialize;

use crate::{ObservedAccess, StateChanges};

/// How a transaction ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "reason")]
pub enum TxStatus {
    /// Executed to completion.
    Success,
    /// Reverted (REVERT opcode).
    Revert,
    /// Halted by an exceptional condition (out of gas, invalid opcode, ...).
    Halt(String),
}

/// The result of one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TxOutcome {
    /// Transaction hash.
    pub hash: B256,
    /// EIP-2718 type.
    pub tx_type: u8,
    /// How it ended.
    pub status: TxStatus,
    /// Gas used, as in the receipt.
    pub gas_used: u64,
    /// Gas used by the block up to and including this transaction.
    pub cumulative_gas_used: u64,
    /// Logs emitted (empty unless successful).
    pub logs: Vec<Log>,
    /// Return or revert data (the deployed code's output for creations).
    pub output: Bytes,
    /// The created contract, for successful creations.
    pub created: Option<Address>,
    /// What it actually read, wrote and credited.
    pub access: ObservedAccess,
}

impl TxOutcome {
    pub(crate) fn new(
        hash: B256,
        tx_type: u8,
        result: ExecutionResult,
        cumulative_gas_used: u64,
        access: ObservedAccess,
    ) -> Self {
        let gas_used = result.tx_gas_used();
        let created = result.created_address();
        let (status, logs, output) = match result {
            ExecutionResult::Success { logs, output, .. } => {
                (TxStatus::Success, logs, output.into_data())
            }
            ExecutionResult::Revert { logs, output, .. } => (TxStatus::Revert, logs, output),
            ExecutionResult::Halt { reason, logs, .. } => {
                (TxStatus::Halt(format!("{reason:?}")), logs, Bytes::new())
            }
        };
        Self {
            hash,
            tx_type,
            status,
            gas_used,
            cumulative_gas_used,
            logs,
            output,
            created,
            access,
        }
    }

    /// Whether the transaction succeeded.
    pub fn is_success(&self) -> bool {
        self.status == TxStatus::Success
    }
}

/// The result of one block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockOutcome {
    /// Per-transaction results in block order.
    pub transactions: Vec<TxOutcome>,
    /// Net changes to the state, withdrawals included.
    pub state: StateChanges,
}

impl BlockOutcome {
    /// Every transaction's actual access set, without values: the oracle's input.
    pub fn access_sets(&self) -> Vec<AccessSet> {
        self.transactions
            .iter()
            .map(|t| t.access.to_access_set())
            .collect()
    }

    /// Total gas used.
    pub fn gas_used(&self) -> u64 {
        self.transactions
            .last()
            .map_or(0, |t| t.cumulative_gas_used)
    }
}

impl BlockOutcome {
    /// Describes the first way `other` differs from `self` (`None` when equal).
    pub fn first_difference(&self, other: &BlockOutcome) -> Option<String> {
        if self.transactions.len() != other.transactions.len() {
            return Some(format!(
                "{} transactions vs {}",
                self.transactions.len(),
                other.transactions.len()
            ));
        }
        for (index, (a, b)) in self
            .transactions
            .iter()
            .zip(&other.transactions)
            .enumerate()
        {
            if a != b {
                let what = if a.status != b.status {
                    format!("status {:?} vs {:?}", a.status, b.status)
                } else if a.gas_used != b.gas_used {
                    format!("gas {} vs {}", a.gas_used, b.gas_used)
                } else if a.logs != b.logs {
                    "logs differ".to_owned()
                } else if a.output != b.output {
                    "output differs".to_owned()
                } else {
                    "access set differs".to_owned()
                };
                return Some(format!("transaction {index} ({}): {what}", a.hash));
            }
        }
        if self.state != other.state {
            let address = self
                .state
                .accounts
                .iter()
                .find(|(k, v)| other.state.accounts.get(k) != Some(*v))
                .or_else(|| {
                    other
                        .state
                        .accounts
                        .iter()
                        .find(|(k, _)| !self.state.accounts.contains_key(k))
                })
                .map(|(k, _)| *k);
            return Some(format!("post-state differs at {address:?}"));
        }
        None
    }
}
