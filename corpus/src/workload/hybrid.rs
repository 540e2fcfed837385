//! The `hybrid` workload: 60% raw ether transfers, 20% ERC-20 transfers and 20% swaps, in a
//! seeded random order, at contention p = 0.30 ([`HYBRID_HOT_RATIO`]).
//!
//! Contention follows the `contention` workload: a tenth of the population is hot and each
//! transaction's counterparty is hot with probability p. For ether and ERC-20 transfers the
//! counterparty is the RECIPIENT (⌈n/10⌉ hot accounts shared by both kinds: a hot account's
//! ether balance for ether transfers, its balance in one fixed token for ERC-20 transfers); for
//! swaps it is the POOL (a tenth of the pools are hot, and a hot swap goes through one of them
//! instead of its own pool). Senders are always distinct. Cold transactions conflict with
//! nothing.
//!
//! Input: the number of transactions and a seed. Output: the [`Block`].

use alloy_primitives::U256;

use super::erc20::ERC20_TRANSFER_GAS;
use super::ledger::{TokenSet, fund, hot_count, token_amount};
use super::rng::Rng;
use super::swaps::{Amm, SWAP_GAS};
use super::transfers::TRANSFER_GAS;
use super::{WorkloadError, assemble, call, derived_address};
use crate::{Block, PreState};

/// The hot ratio of the hybrid mix.
pub const HYBRID_HOT_RATIO: f64 = 0.30;
/// How many token contracts the ERC-20 transfers are spread over.
const TOKENS: u64 = 8;

/// One transaction kind of the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Transfer,
    Erc20,
    Swap,
}

/// The mix, repeated: three transfers, one ERC-20 transfer, one swap.
const PATTERN: [Kind; 5] = [
    Kind::Transfer,
    Kind::Transfer,
    Kind::Transfer,
    Kind::Erc20,
    Kind::Swap,
];

impl Kind {
    /// Measured gas of one transaction of this kind.
    fn gas(self) -> u64 {
        match self {
            Kind::Transfer => TRANSFER_GAS,
            Kind::Erc20 => ERC20_TRANSFER_GAS,
            Kind::Swap => SWAP_GAS,
        }
    }
}

/// The kinds of the first `count` transactions, before shuffling.
fn kinds(count: u64) -> impl Iterator<Item = Kind> {
    PATTERN.into_iter().cycle().take(count as usize)
}

/// Mean gas of one transaction of the mix.
pub(crate) fn mean_gas() -> u64 {
    PATTERN.iter().map(|k| k.gas()).sum::<u64>() / PATTERN.len() as u64
}

/// The number of transactions whose measured gas comes closest to `gas`.
pub(crate) fn count_for_gas(gas: u64) -> u64 {
    let mut total = 0u64;
    let mut count = 0u64;
    for kind in PATTERN.into_iter().cycle() {
        let next = total + kind.gas();
        if next.abs_diff(gas) >= total.abs_diff(gas) {
            break;
        }
        total = next;
        count += 1;
    }
    count
}

/// `count` transactions of the hybrid mix.
pub(crate) fn hybrid(count: u64, seed: u64) -> Result<Block, WorkloadError> {
    let mut rng = Rng::new(seed, "hybrid");
    let mut order: Vec<Kind> = kinds(count).collect();
    rng.shuffle(&mut order);
    let swap_count = order.iter().filter(|k| **k == Kind::Swap).count() as u64;

    let mut prestate = PreState::new();
    let hot = hot_count(count);
    let hot_account = |h| derived_address(seed, "hybrid-hot", h);
    let mut tokens = TokenSet::new(seed, "hybrid-token", TOKENS);
    // Pools 0..swap_count belong to one swap each; the rest are the hot pools.
    let hot_pools = hot_count(swap_count);
    let mut amm = Amm::new(seed, "hybrid-amm", swap_count + hot_pools, &mut rng);
    let mut swaps = 0u64;
    let mut txs = Vec::with_capacity(count as usize);
    for (i, kind) in order.into_iter().enumerate() {
        let i = i as u64;
        let from = derived_address(seed, "hybrid-sender", i);
        let is_hot = rng.chance(HYBRID_HOT_RATIO);
        txs.push(match kind {
            Kind::Transfer => {
                fund(&mut prestate, from);
                let to = if is_hot {
                    hot_account(rng.below(hot))
                } else {
                    derived_address(seed, "hybrid-recipient", i)
                };
                call(from, 0, to, U256::from(1 + i), Vec::new(), TRANSFER_GAS)
            }
            Kind::Erc20 => {
                let (to, token) = if is_hot {
                    let h = rng.below(hot);
                    (hot_account(h), h % TOKENS)
                } else {
                    (derived_address(seed, "hybrid-recipient", i), i % TOKENS)
                };
                let amount = token_amount(rng.next_u64());
                tokens.transfer(
                    &mut prestate,
                    token as usize,
                    from,
                    to,
                    amount,
                    ERC20_TRANSFER_GAS * 3 / 2,
                )
            }
            Kind::Swap => {
                let pool = if is_hot {
                    swap_count + rng.below(hot_pools)
                } else {
                    swaps
                };
                swaps += 1;
                amm.swap(&mut prestate, pool as usize, from, &mut rng)
            }
        });
    }
    tokens.install(&mut prestate)?;
    amm.install(&mut prestate)?;
    Ok(assemble("hybrid", seed, prestate, txs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_is_sixty_twenty_twenty() {
        let all: Vec<Kind> = kinds(1000).collect();
        let share = |k| all.iter().filter(|x| **x == k).count();
        assert_eq!(share(Kind::Transfer), 600);
        assert_eq!(share(Kind::Erc20), 200);
        assert_eq!(share(Kind::Swap), 200);
    }

    #[test]
    fn count_for_gas_lands_within_half_a_transaction() {
        for gas in [SWAP_GAS, 1_000_000, 3_333_333, 1_000_000_000] {
            let count = count_for_gas(gas);
            let total: u64 = kinds(count).map(Kind::gas).sum();
            assert!(total.abs_diff(gas) <= SWAP_GAS / 2, "{gas}: {total}");
        }
    }
}
