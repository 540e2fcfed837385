//! Foresight: parallel EVM block execution planned before it runs.
//!
//! An abstract interpreter predicts each transaction's access set from bytecode
//! ([`analyzer`]), the [`scheduler`] builds a conflict graph and cuts it into independent
//! layers, and the [`executor`] runs each layer on all cores with revm, validating every read in
//! block order and re-executing whatever was mispredicted. Real and synthetic blocks come from
//! [`corpus`]. This crate re-exports the stage crates and their main types.
//!
//! ```
//! use foresight::{corpus::workload, executor::execute_sequential};
//!
//! let block = workload::transfers(4, 7);
//! let outcome = execute_sequential(&block).unwrap();
//! assert!(outcome.transactions.iter().all(|t| t.is_success()));
//! ```

pub use foresight_analyzer as analyzer;
pub use foresight_corpus as corpus;
pub use foresight_executor as executor;
pub use foresight_scheduler as scheduler;

pub use foresight_analyzer::{AccessSet, Location, Widening, WideningReason};
pub use foresight_corpus::{Block, CorpusError, PreState, Transaction};
pub use foresight_executor::{
    BlockOutcome, ExecutionError, HeaderMismatch, ObservedAccess, TxOutcome, check_header,
    execute_sequential,
};

pub mod barrier_cost;
pub mod predict;
pub use alloy_primitives::{Address, B256, KECCAK256_EMPTY, U256};
pub mod measure;
pub mod pipeline;
