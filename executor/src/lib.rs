//! Foresight's executor: runs a block on revm. The sequential executor is the reference; the
//! parallel executor runs the scheduler's layers on all cores, validates every read in block
//! order and re-executes what was mispredicted, so that its outcome always equals the
//! sequential one.

mod beneficiary;
mod changes;
mod error;
mod header;
mod observed;
mod outcome;
mod overlay;
mod parallel;
mod pending;
mod recorder;
mod sequential;
mod sorted_map;
mod state;
mod transact;
mod writes;

pub use changes::{AccountChange, AccountSnapshot, ChangedAccounts, ChangedSlots, StateChanges};
pub use error::ExecutionError;
pub use header::{HeaderMismatch, check_header, receipts};
pub use observed::ObservedAccess;
pub use outcome::{BlockOutcome, TxOutcome, TxStatus};
pub use parallel::{
    ExecutionMetrics, ExecutionMode, ParallelConfig, ParallelOutcome, Reexecution, execute_parallel,
};
pub use sequential::execute_sequential;
pub use sorted_map::SortedMap;
pub use state::BlockState;
