//! Receipts of an executed block, and the check of the block header they must reproduce.
//!
//! Input: a [`BlockOutcome`] and the block's [`ExpectedHeader`]. Output: alloy
//! [`ReceiptEnvelope`]s, the bloom and receipts root computed with alloy's receipt and trie code,
//! and the first [`HeaderMismatch`] if any.

use alloy_consensus::{
    Eip658Value, Receipt, ReceiptEnvelope, TxType, proofs::calculate_receipt_root,
};
use alloy_primitives::{B256, Bloom};
use foresight_corpus::ExpectedHeader;
use revm::primitives::hardfork::SpecId;

use crate::BlockOutcome;

/// A header field that execution did not reproduce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderMismatch {
    /// Cumulative gas differs from `gasUsed`.
    #[error("gasUsed: expected {expected}, got {actual}")]
    GasUsed {
        /// From the header.
        expected: u64,
        /// From execution.
        actual: u64,
    },
    /// OR of receipt blooms differs from `logsBloom`.
    #[error("logsBloom: expected {expected}, got {actual}")]
    LogsBloom {
        /// From the header.
        expected: Box<Bloom>,
        /// From execution.
        actual: Box<Bloom>,
    },
    /// Receipts trie root differs from `receiptsRoot`.
    #[error("receiptsRoot: expected {expected}, got {actual}")]
    ReceiptsRoot {
        /// From the header.
        expected: B256,
        /// From execution.
        actual: B256,
    },
    /// A transaction has a type that has no receipt encoding.
    #[error("transaction {index}: unknown type {tx_type}")]
    UnknownType {
        /// Position in the block.
        index: usize,
        /// The type byte.
        tx_type: u8,
    },
}

/// The block's receipts, in order (pre-Byzantium receipts carry a zero state root here).
pub fn receipts(outcome: &BlockOutcome) -> Result<Vec<ReceiptEnvelope>, HeaderMismatch> {
    outcome
        .transactions
        .iter()
        .enumerate()
        .map(|(index, tx)| {
            let tx_type =
                TxType::try_from(tx.tx_type).map_err(|_| HeaderMismatch::UnknownType {
                    index,
                    tx_type: tx.tx_type,
                })?;
            let receipt = Receipt {
                status: Eip658Value::Eip658(tx.is_success()),
                cumulative_gas_used: tx.cumulative_gas_used,
                logs: tx.logs.clone(),
            };
            Ok(ReceiptEnvelope::from_typed(tx_type, receipt.with_bloom()))
        })
        .collect()
}

/// Checks `outcome` against the header: `gasUsed`, `logsBloom`, and from Byzantium on
/// `receiptsRoot` (earlier receipts hold intermediate state roots, which are not reproduced).
pub fn check_header(
    expected: &ExpectedHeader,
    spec: SpecId,
    outcome: &BlockOutcome,
) -> Result<(), HeaderMismatch> {
    let gas_used = outcome.gas_used();
    if gas_used != expected.gas_used {
        return Err(HeaderMismatch::GasUsed {
            expected: expected.gas_used,
            actual: gas_used,
        });
    }
    let receipts = receipts(outcome)?;
    let bloom = receipts
        .iter()
        .fold(Bloom::ZERO, |acc, r| acc | r.logs_bloom());
    if bloom != expected.logs_bloom {
        return Err(HeaderMismatch::LogsBloom {
            expected: Box::new(expected.logs_bloom),
            actual: Box::new(bloom),
        });
    }
    if spec.is_enabled_in(SpecId::BYZANTIUM) {
        let root = calculate_receipt_root(&receipts);
        if root != expected.receipts_root {
            return Err(HeaderMismatch::ReceiptsRoot {
                expected: expected.receipts_root,
                actual: root,
            });
        }
    }
    Ok(())
}
