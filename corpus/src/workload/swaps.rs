//! The `swaps` workload: Uniswap-V2-style single-hop swaps through the router
//! (`swapExactTokensForTokens`), each on its own pair and from its own sender. Conflict-free:
//! a swap writes its pair's storage (reserves, lock), its sender's balances in the two tokens
//! and its pair's balances in them; the tokens, the router and the coinbase fee are only read or
//! credited.
//!
//! The pairs are placed where the router's `pairFor` looks for them: at the CREATE2 address of
//! the factory named in the router's slot 0 (no factory code is needed: the router never calls
//! it) with the manifest's pair init-code hash. Each pair's stored reserves equal its balances
//! in its two tokens, as after a `sync`. Each sender holds the input token and has approved the
//! router for the maximum (so the allowance is read, never rewritten); the swap's minimum output
//! is the exact output the generator computes, so a wrongly placed pool makes it revert.
//!
//! Input: the number of transactions and a seed. Output: the [`Block`].

use alloy_primitives::{Address, U256, map::HashMap};
use revm::context::TxEnv;

use super::contracts::{
    PAIR_CODE, PAIR_FACTORY_SLOT, PAIR_RESERVES_SLOT, PAIR_TOKEN0_SLOT, PAIR_TOKEN1_SLOT,
    ROUTER_CODE, ROUTER_FACTORY_SLOT, amount_out, pack_reserves, pair_for, sort_tokens, swap_call,
};
use super::ledger::{SENDER_TOKENS, TokenSet, fund, token_amount};
use super::rng::Rng;
use super::{WorkloadError, assemble, call, derived_address};
use crate::{Block, PreState};

/// Gas used by one single-hop swap through the router, measured on revm (Cancun), the pair's
/// lock refund included.
pub(crate) const SWAP_GAS: u64 = 108_125;
/// `blockTimestampLast` stored in the placed pairs (before the block's timestamp).
const RESERVES_TIMESTAMP: u32 = 1_710_000_000;
/// Deadline passed to the router (far after the block's timestamp).
const DEADLINE: u64 = u32::MAX as u64;

/// One placed pool.
#[derive(Debug, Clone)]
struct Pool {
    address: Address,
    /// Indices of `token0` and `token1` in the AMM's token set.
    tokens: [usize; 2],
    /// The reserves, simulated through the block's swaps.
    reserves: [U256; 2],
}

/// A router, its (code-less) factory, tokens and pools, laid out directly in state.
#[derive(Debug, Clone)]
pub(crate) struct Amm {
    factory: Address,
    router: Address,
    tokens: TokenSet,
    pools: Vec<Pool>,
}

impl Amm {
    /// `pool_count` pools under role prefix `role`, over the fewest tokens that give every pool
    /// its own token pair (t tokens make t(t-1)/2 pairs).
    pub(crate) fn new(seed: u64, role: &str, pool_count: u64, rng: &mut Rng) -> Self {
        let mut token_count = 2u64;
        while token_count * (token_count - 1) / 2 < pool_count {
            token_count += 1;
        }
        let mut tokens = TokenSet::new(seed, &format!("{role}-token"), token_count);
        let factory = derived_address(seed, &format!("{role}-factory"), 0);
        let router = derived_address(seed, &format!("{role}-router"), 0);
        let mut pools = Vec::with_capacity(pool_count as usize);
        'outer: for a in 0..token_count as usize {
            for b in a + 1..token_count as usize {
                if pools.len() as u64 == pool_count {
                    break 'outer;
                }
                let (addr_a, addr_b) = (tokens.tokens[a].address, tokens.tokens[b].address);
                let address = pair_for(factory, addr_a, addr_b);
                let ordered = if sort_tokens(addr_a, addr_b).0 == addr_a {
                    [a, b]
                } else {
                    [b, a]
                };
                let reserves =
                    [0, 1].map(|_| U256::from(1 + rng.below(9)) * U256::from(10u128.pow(24)));
                for (token, reserve) in ordered.iter().zip(reserves) {
                    tokens.tokens[*token].credit(address, reserve);
                }
                pools.push(Pool {
                    address,
                    tokens: ordered,
                    reserves,
                });
            }
        }
        Self {
            factory,
            router,
            tokens,
            pools,
        }
    }

    /// A swap on pool `pool` by `sender` (a fresh account, funded here with ether, the input
    /// token and a maximal allowance to the router), paying the output to `sender`. The
    /// direction is drawn from `rng`; the pool's simulated reserves move as the swap will.
    pub(crate) fn swap(
        &mut self,
        prestate: &mut PreState,
        pool: usize,
        sender: Address,
        rng: &mut Rng,
    ) -> TxEnv {
        let pool = &mut self.pools[pool];
        let (input, output) = if rng.below(2) == 0 { (0, 1) } else { (1, 0) };
        let amount_in = token_amount(rng.next_u64());
        let out = amount_out(amount_in, pool.reserves[input], pool.reserves[output]);
        pool.reserves[input] += amount_in;
        pool.reserves[output] -= out;

        fund(prestate, sender);
        let token_in = &mut self.tokens.tokens[pool.tokens[input]];
        token_in.credit(sender, U256::from(SENDER_TOKENS));
        token_in.approve(sender, self.router, U256::MAX);
        let token_in = token_in.address;
        let token_out = self.tokens.tokens[pool.tokens[output]].address;
        call(
            sender,
            0,
            self.router,
            U256::ZERO,
            swap_call(
                amount_in,
                out,
                token_in,
                token_out,
                sender,
                U256::from(DEADLINE),
            ),
            SWAP_GAS * 3 / 2,
        )
    }

    /// Places the router, the pools (at their CREATE2 addresses) and the tokens.
    pub(crate) fn install(self, prestate: &mut PreState) -> Result<(), WorkloadError> {
        let router_storage = HashMap::from_iter([(
            U256::from(ROUTER_FACTORY_SLOT),
            self.factory.into_word().into(),
        )]);
        prestate.insert_account(
            self.router,
            U256::ZERO,
            1,
            ROUTER_CODE.clone(),
            router_storage,
        )?;
        for pool in &self.pools {
            // The reserves as placed, i.e. the token balances credited in `new`.
            let [token0, token1] = pool.tokens.map(|t| &self.tokens.tokens[t]);
            let reserve0 = token0.balance(pool.address);
            let reserve1 = token1.balance(pool.address);
            let storage = HashMap::from_iter([
                (
                    U256::from(PAIR_FACTORY_SLOT),
                    self.factory.into_word().into(),
                ),
                (
                    U256::from(PAIR_TOKEN0_SLOT),
                    token0.address.into_word().into(),
                ),
                (
                    U256::from(PAIR_TOKEN1_SLOT),
                    token1.address.into_word().into(),
                ),
                (
                    U256::from(PAIR_RESERVES_SLOT),
                    pack_reserves(reserve0, reserve1, RESERVES_TIMESTAMP),
                ),
            ]);
            prestate.insert_account(pool.address, U256::ZERO, 1, PAIR_CODE.clone(), storage)?;
        }
        self.tokens.install(prestate)
    }
}

/// `count` independent swaps, each on its own pool.
pub(crate) fn swaps(count: u64, seed: u64) -> Result<Block, WorkloadError> {
    let mut rng = Rng::new(seed, "swaps");
    let mut prestate = PreState::new();
    let mut amm = Amm::new(seed, "swaps", count, &mut rng);
    let txs = (0..count)
        .map(|i| {
            let sender = derived_address(seed, "swaps-sender", i);
            amm.swap(&mut prestate, i as usize, sender, &mut rng)
        })
        .collect();
    amm.install(&mut prestate)?;
    Ok(assemble("swaps", seed, prestate, txs))
}
