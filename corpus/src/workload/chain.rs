//! The `chain` workload, the worst case: every transaction depends on the one before.
//!
//! A relay of one ERC-20 amount along fresh accounts a₀, a₁, …, aₙ: transaction i is sent by
//! aᵢ and transfers the whole amount to aᵢ₊₁. Only a₀ holds tokens before the block, so
//! transaction i + 1 can pay only because transaction i paid aᵢ₊₁ first: it reads the balance
//! slot that transaction i wrote (a true read-after-write dependency, not a mere slot clash;
//! run out of order it would revert). The senders are distinct accounts, so the chain does not
//! come from nonces.
//!
//! Input: the number of transactions and a seed. Output: the [`Block`].

use alloy_primitives::U256;

use super::contracts::transfer_call;
use super::ledger::{TokenLedger, fund};
use super::{WorkloadError, assemble, call, derived_address};
use crate::{Block, PreState};

/// Gas used by one relay transfer, measured on revm (Cancun): the recipient's balance goes from
/// zero to non-zero, the sender's from non-zero to zero (with its clearing refund).
pub(crate) const CHAIN_TRANSFER_GAS: u64 = 46_594;
/// The relayed amount: one token.
const AMOUNT: u128 = 10u128.pow(18);

/// `count` transfers, each spending what the previous one paid.
pub(crate) fn chain(count: u64, seed: u64) -> Result<Block, WorkloadError> {
    let mut prestate = PreState::new();
    let mut token = TokenLedger::new(derived_address(seed, "chain-token", 0));
    let relay = |i| derived_address(seed, "chain-relay", i);
    token.credit(relay(0), U256::from(AMOUNT));
    let mut txs = Vec::with_capacity(count as usize);
    for i in 0..count {
        let from = relay(i);
        fund(&mut prestate, from);
        txs.push(call(
            from,
            0,
            token.address,
            U256::ZERO,
            transfer_call(relay(i + 1), U256::from(AMOUNT)),
            CHAIN_TRANSFER_GAS * 3 / 2,
        ));
    }
    token.install(&mut prestate)?;
    Ok(assemble("chain", seed, prestate, txs))
}
