//! Foresight's corpus: turns real blocks (JSON-RPC block, geth pre-state, block hashes) into
//! typed values that revm can execute, and builds synthetic workloads from the project's own
//! contracts.

mod block;
mod error;
mod fork;
mod prestate;
mod transaction;
pub mod workload;

pub use block::{Block, ExpectedHeader, MAINNET_CHAIN_ID, block_dirs};
pub use error::CorpusError;
pub use fork::mainnet_spec;
pub use prestate::{BadCode, PreAccount, PreState};
pub use transaction::Transaction;
