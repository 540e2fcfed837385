//! The `transfers` workload: independent raw ETH transfers, each from its own sender to its own
//! fresh recipient, so that nothing conflicts but the (commutative) coinbase fee.
//!
//! Input: the number of transactions and a seed. Output: the [`Block`].

use alloy_primitives::U256;

use super::{assemble, call, derived_address};
use crate::{Block, PreState};

/// Gas of a plain transfer.
pub(crate) const TRANSFER_GAS: u64 = 21_000;

/// `count` independent transfers.
///
/// ```
/// let block = foresight_corpus::workload::transfers(3, 1);
/// assert_eq!(block.transactions.len(), 3);
/// ```
pub fn transfers(count: usize, seed: u64) -> Block {
    let mut prestate = PreState::new();
    let mut txs = Vec::with_capacity(count);
    for i in 0..count as u64 {
        let from = derived_address(seed, "sender", i);
        let to = derived_address(seed, "recipient", i);
        prestate
            .insert_account(
                from,
                U256::from(10u128.pow(21)),
                0,
                Default::default(),
                Default::default(),
            )
            .expect("an account without code is always valid");
        txs.push(call(
            from,
            0,
            to,
            U256::from(1 + i),
            Vec::new(),
            TRANSFER_GAS,
        ));
    }
    assemble("transfers", seed, prestate, txs)
}
