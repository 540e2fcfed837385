//! The `nft-mint` workload: a burst of `MintNFT.mint()` calls from distinct senders.
//!
//! `mint` sets `tokenId = ++totalMinted`, so every call reads and writes the same counter slot:
//! each transaction depends on the one before (the "hot counter" that serializes a popular
//! mint). The collection has already minted some tokens, so the counter is non-zero and every
//! mint costs the same gas.
//!
//! Input: the number of transactions and a seed. Output: the [`Block`].

use alloy_primitives::{U256, map::HashMap};

use super::contracts::{MINT_NFT_CODE, NFT_TOTAL_MINTED_SLOT, mint_call};
use super::ledger::fund;
use super::{WorkloadError, assemble, call, derived_address};
use crate::{Block, PreState};

/// Gas used by one `mint()`, measured on revm (Cancun): the counter rewritten, a new owner slot
/// and a new balance slot.
pub(crate) const MINT_GAS: u64 = 72_738;
/// Tokens minted before the block.
pub(crate) const MINTED_BEFORE: u64 = 1_000;

/// `count` mints from distinct senders.
pub(crate) fn nft_mint(count: u64, seed: u64) -> Result<Block, WorkloadError> {
    let mut prestate = PreState::new();
    let nft = derived_address(seed, "nft", 0);
    let storage =
        HashMap::from_iter([(U256::from(NFT_TOTAL_MINTED_SLOT), U256::from(MINTED_BEFORE))]);
    prestate.insert_account(nft, U256::ZERO, 1, MINT_NFT_CODE.clone(), storage)?;
    let txs = (0..count)
        .map(|i| {
            let from = derived_address(seed, "nft-minter", i);
            fund(&mut prestate, from);
            call(from, 0, nft, U256::ZERO, mint_call(), MINT_GAS * 3 / 2)
        })
        .collect();
    Ok(assemble("nft-mint", seed, prestate, txs))
}
