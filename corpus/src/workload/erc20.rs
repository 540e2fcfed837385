//! The `erc20` workload: ERC-20 `transfer`s, each from its own sender to its own recipient,
//! spread round-robin over several token contracts. Conflict-free: a transfer writes only its
//! sender's nonce and ether balance, and its sender's and recipient's token balances; the token
//! contracts' code and the coinbase fee (a commutative credit) are shared.
//!
//! Input: the number of transactions and a seed. Output: the [`Block`].

use super::ledger::TokenSet;
use super::rng::Rng;
use super::{WorkloadError, assemble};
use crate::{Block, PreState};

/// Gas used by one `ERC20.transfer` between existing holders, measured on revm (Cancun): 21,000
/// intrinsic + calldata + two cold balance slots rewritten (non-zero to non-zero).
pub(crate) const ERC20_TRANSFER_GAS: u64 = 34_299;
/// How many token contracts the transfers are spread over.
const TOKENS: u64 = 8;

/// `count` independent ERC-20 transfers.
pub(crate) fn erc20(count: u64, seed: u64) -> Result<Block, WorkloadError> {
    let mut rng = Rng::new(seed, "erc20");
    let mut prestate = PreState::new();
    let mut tokens = TokenSet::new(seed, "erc20-token", TOKENS);
    let txs = tokens.independent_transfers(
        &mut prestate,
        &mut rng,
        (seed, "erc20"),
        count,
        ERC20_TRANSFER_GAS * 3 / 2,
    );
    tokens.install(&mut prestate)?;
    Ok(assemble("erc20", seed, prestate, txs))
}
