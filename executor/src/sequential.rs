//! The sequential reference executor: every transaction in block order on revm.
//!
//! Input: a [`Block`]. Output: its [`BlockOutcome`] (receipts' contents, actual access sets,
//! post-state changes). Everything parallel is judged against this.

use alloy_primitives::U256;
use foresight_corpus::Block;

use crate::{BlockOutcome, BlockState, ExecutionError, transact::TxRunner};

/// Executes `block` sequentially.
///
/// ```
/// let block = foresight_corpus::workload::transfers(8, 1);
/// let outcome = foresight_executor::execute_sequential(&block).unwrap();
/// assert_eq!(outcome.transactions.len(), 8);
/// assert_eq!(outcome.gas_used(), 8 * 21_000);
/// ```
pub fn execute_sequential(block: &Block) -> Result<BlockOutcome, ExecutionError> {
    let accounts = 2 * block.transactions.len() + 16;
    let state = BlockState::with_capacity(&block.prestate, block.spec, accounts);
    let mut runner = TxRunner::new(block, state);
    let mut transactions = Vec::with_capacity(block.transactions.len());
    let mut cumulative = 0u64;
    for (index, tx) in block.transactions.iter().enumerate() {
        let run = runner
            .run(tx)
            .map_err(|e| ExecutionError::from_evm(index, tx.hash, e))?;
        let mut outcome = runner.view_mut().apply(run, block.coinbase());
        cumulative += outcome.gas_used;
        outcome.cumulative_gas_used = cumulative;
        transactions.push(outcome);
    }
    let mut state = runner.into_view();
    apply_withdrawals(block, &mut state);
    Ok(BlockOutcome {
        transactions,
        state: state.changes(),
    })
}

/// Credits the block's withdrawals (amounts in gwei) after the last transaction.
pub(crate) fn apply_withdrawals(block: &Block, state: &mut BlockState<'_>) {
    for withdrawal in &block.withdrawals {
        state.credit(
            withdrawal.address,
            U256::from(withdrawal.amount) * U256::from(1_000_000_000u64),
        );
    }
}
