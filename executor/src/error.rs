//! The executor's typed error: a block that cannot be executed, naming the transaction.
//!
//! Input: revm's errors. Output: [`ExecutionError`]. A misprediction is not an error.

use alloy_primitives::B256;

/// Why a block could not be executed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecutionError {
    /// A transaction fails validation (nonce, funds, gas limit, fee, ...).
    #[error("transaction {index} ({hash}) is invalid: {reason}")]
    InvalidTransaction {
        /// Position in the block.
        index: usize,
        /// Transaction hash.
        hash: B256,
        /// revm's reason.
        reason: String,
    },
    /// The block environment is inconsistent with its fork (for example a missing prevrandao).
    #[error("invalid block header: {0}")]
    InvalidHeader(String),
    /// Any other failure reported by revm for a transaction.
    #[error("transaction {index} ({hash}): {message}")]
    Evm {
        /// Position in the block.
        index: usize,
        /// Transaction hash.
        hash: B256,
        /// revm's message.
        message: String,
    },
}

impl ExecutionError {
    pub(crate) fn from_evm(
        index: usize,
        hash: B256,
        error: revm::context::result::EVMError<
            std::convert::Infallible,
            revm::context::result::InvalidTransaction,
        >,
    ) -> Self {
        use revm::context::result::EVMError;
        match error {
            EVMError::Transaction(reason) => Self::InvalidTransaction {
                index,
                hash,
                reason: reason.to_string(),
            },
            EVMError::Header(header) => Self::InvalidHeader(header.to_string()),
            other => Self::Evm {
                index,
                hash,
                message: other.to_string(),
            },
        }
    }
}
