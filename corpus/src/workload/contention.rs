//! The `contention` workload: ERC-20 transfers where a tenth of the recipient accounts are hot
//! and each transaction's RECIPIENT is a hot account with probability p (the hot ratio).
//!
//! Senders are always distinct, so conflicts come only from the recipient side: two transfers to
//! the same hot account read and write the same balance slot (each hot account receives in one
//! fixed token, so a hot account is exactly one hot slot). A cold transfer goes to its own
//! recipient and conflicts with nothing. With n transactions there are ⌈n/10⌉ hot accounts; the
//! expected number of conflicting transfers grows with p, and so does the longest dependency
//! chain (roughly the largest number of transfers one hot account receives). Every recipient is
//! an existing holder, so hot and cold transfers cost the same gas.
//!
//! Input: the number of transactions, a seed and p. Output: the [`Block`].

use super::erc20::ERC20_TRANSFER_GAS;
use super::ledger::{TokenSet, hot_count, token_amount};
use super::rng::Rng;
use super::{WorkloadError, assemble, derived_address};
use crate::{Block, PreState};

/// How many token contracts the transfers are spread over.
const TOKENS: u64 = 8;

/// `count` ERC-20 transfers, each to a hot recipient with probability `hot_ratio`.
pub(crate) fn contention(count: u64, seed: u64, hot_ratio: f64) -> Result<Block, WorkloadError> {
    let mut rng = Rng::new(seed, "contention");
    let mut prestate = PreState::new();
    let mut tokens = TokenSet::new(seed, "contention-token", TOKENS);
    let hot = hot_count(count);
    let mut txs = Vec::with_capacity(count as usize);
    for i in 0..count {
        let from = derived_address(seed, "contention-sender", i);
        let (to, token) = if rng.chance(hot_ratio) {
            let h = rng.below(hot);
            (derived_address(seed, "contention-hot", h), h % TOKENS)
        } else {
            (derived_address(seed, "contention-recipient", i), i % TOKENS)
        };
        let amount = token_amount(rng.next_u64());
        txs.push(tokens.transfer(
            &mut prestate,
            token as usize,
            from,
            to,
            amount,
            ERC20_TRANSFER_GAS * 3 / 2,
        ));
    }
    tokens.install(&mut prestate)?;
    Ok(assemble(
        &format!("contention-p{hot_ratio}"),
        seed,
        prestate,
        txs,
    ))
}
