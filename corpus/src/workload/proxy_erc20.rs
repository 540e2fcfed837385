//! The `proxy-erc20` workload: ERC-20 transfers through transparent EIP-1967 proxies
//! (`Proxy1967`) in front of one shared `ERC20` implementation, each from its own sender to its
//! own recipient, spread over several proxies. Conflict-free, like `erc20`: the balances live in
//! each proxy's storage (the implementation runs by DELEGATECALL), the implementation and
//! admin slots are only read, and the implementation contract's code is only read.
//!
//! Input: the number of transactions and a seed. Output: the [`Block`].

use alloy_primitives::U256;

use super::contracts::{EIP1967_ADMIN_SLOT, EIP1967_IMPLEMENTATION_SLOT, ERC20_CODE, PROXY_CODE};
use super::ledger::TokenSet;
use super::rng::Rng;
use super::{WorkloadError, assemble, derived_address};
use crate::{Block, PreState};

/// Gas used by one `transfer` through the proxy, measured on revm (Cancun): an ERC-20 transfer
/// plus the two EIP-1967 slot reads and the DELEGATECALL to a cold implementation.
pub(crate) const PROXY_TRANSFER_GAS: u64 = 41_279;
/// How many proxied tokens the transfers are spread over.
const TOKENS: u64 = 4;

/// `count` independent ERC-20 transfers through proxies.
pub(crate) fn proxy_erc20(count: u64, seed: u64) -> Result<Block, WorkloadError> {
    let mut rng = Rng::new(seed, "proxy-erc20");
    let mut prestate = PreState::new();
    let implementation = derived_address(seed, "proxy-implementation", 0);
    let admin = derived_address(seed, "proxy-admin", 0);
    let mut tokens = TokenSet::new(seed, "proxy-token", TOKENS);
    let txs = tokens.independent_transfers(
        &mut prestate,
        &mut rng,
        (seed, "proxy"),
        count,
        PROXY_TRANSFER_GAS * 3 / 2,
    );
    prestate.insert_account(
        implementation,
        U256::ZERO,
        1,
        ERC20_CODE.clone(),
        Default::default(),
    )?;
    for token in tokens.tokens {
        let address = token.address;
        let mut storage = token.into_storage();
        storage.insert(
            EIP1967_IMPLEMENTATION_SLOT.into(),
            implementation.into_word().into(),
        );
        storage.insert(EIP1967_ADMIN_SLOT.into(), admin.into_word().into());
        prestate.insert_account(address, U256::ZERO, 1, PROXY_CODE.clone(), storage)?;
    }
    Ok(assemble("proxy-erc20", seed, prestate, txs))
}
