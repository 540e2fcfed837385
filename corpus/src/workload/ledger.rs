//! Shared building blocks of the generators: funded senders, ERC-20 token storage laid out
//! directly (balances, allowances, total supply), and the hot-account set of the contention
//! family.
//!
//! Input: addresses and amounts chosen by a generator. Output: accounts and storage slots in a
//! [`PreState`], consistent with what the contracts would hold after the equivalent calls.

use alloy_primitives::{Address, Bytes, U256, map::U256Map};

use super::contracts::{
    ERC20_CODE, ERC20_TOTAL_SUPPLY_SLOT, erc20_allowance_slot, erc20_balance_slot, transfer_call,
};
use super::rng::Rng;
use super::{WorkloadError, call, derived_address};
use crate::PreState;
use revm::context::TxEnv;

/// Ether given to every sender: far more than any fee (1000 ether).
pub(crate) const SENDER_ETHER: u128 = 1_000 * 10u128.pow(18);
/// Tokens given to every ERC-20 sender (a million tokens of 18 decimals): a transfer never
/// empties it, so no transfer earns a clearing refund and every transfer costs the same.
pub(crate) const SENDER_TOKENS: u128 = 1_000_000 * 10u128.pow(18);
/// Tokens every ERC-20 recipient already holds (one token): recipients are existing holders, so
/// a transfer rewrites a non-zero balance whether or not the recipient is hot.
pub(crate) const RECIPIENT_TOKENS: u128 = 10u128.pow(18);
/// The share of the account population that is hot in the contention family: one in ten.
pub(crate) const HOT_ACCOUNT_DIVISOR: u64 = 10;

/// Adds an externally owned account holding [`SENDER_ETHER`].
pub(crate) fn fund(prestate: &mut PreState, address: Address) {
    // An account without code cannot be rejected, so the error case is unreachable.
    let _ = prestate.insert_account(
        address,
        U256::from(SENDER_ETHER),
        0,
        Bytes::new(),
        U256Map::default(),
    );
}

/// A transfer amount between 0.001 and 1 token, drawn from `draw` (any `u64`).
pub(crate) fn token_amount(draw: u64) -> U256 {
    U256::from(1 + draw % 1000) * U256::from(10u64.pow(15))
}

/// The number of hot accounts among `population` accounts: a tenth, at least one.
pub(crate) fn hot_count(population: u64) -> u64 {
    population.div_ceil(HOT_ACCOUNT_DIVISOR).max(1)
}

/// The storage of one ERC-20 (the `ERC20` contract's layout) being laid out.
#[derive(Debug, Clone)]
pub(crate) struct TokenLedger {
    /// Where the token (or the proxy in front of it) lives.
    pub(crate) address: Address,
    storage: U256Map<U256>,
    supply: U256,
}

impl TokenLedger {
    /// An empty token at `address`.
    pub(crate) fn new(address: Address) -> Self {
        Self {
            address,
            storage: U256Map::default(),
            supply: U256::ZERO,
        }
    }

    /// `balanceOf[holder]`.
    pub(crate) fn balance(&self, holder: Address) -> U256 {
        self.storage
            .get(&erc20_balance_slot(holder))
            .copied()
            .unwrap_or_default()
    }

    /// Mints `amount` to `holder` (balance and total supply).
    pub(crate) fn credit(&mut self, holder: Address, amount: U256) {
        *self.storage.entry(erc20_balance_slot(holder)).or_default() += amount;
        self.supply += amount;
    }

    /// Sets `allowance[owner][spender]`.
    pub(crate) fn approve(&mut self, owner: Address, spender: Address, amount: U256) {
        self.storage
            .insert(erc20_allowance_slot(owner, spender), amount);
    }

    /// The token's storage, total supply included.
    pub(crate) fn into_storage(mut self) -> U256Map<U256> {
        if !self.supply.is_zero() {
            self.storage
                .insert(U256::from(ERC20_TOTAL_SUPPLY_SLOT), self.supply);
        }
        self.storage
    }

    /// Places the token: the `ERC20` runtime code at its address with its storage.
    pub(crate) fn install(self, prestate: &mut PreState) -> Result<(), WorkloadError> {
        let address = self.address;
        prestate.insert_account(
            address,
            U256::ZERO,
            1,
            ERC20_CODE.clone(),
            self.into_storage(),
        )?;
        Ok(())
    }
}

/// Several ERC-20 tokens and the transfers made on them: every sender is funded with ether and
/// [`SENDER_TOKENS`] of the token it sends, every recipient holds [`RECIPIENT_TOKENS`] already.
#[derive(Debug, Clone)]
pub(crate) struct TokenSet {
    /// The tokens, in index order.
    pub(crate) tokens: Vec<TokenLedger>,
}

impl TokenSet {
    /// `count` tokens at `derived_address(seed, role, k)`.
    pub(crate) fn new(seed: u64, role: &str, count: u64) -> Self {
        Self {
            tokens: (0..count)
                .map(|k| TokenLedger::new(derived_address(seed, role, k)))
                .collect(),
        }
    }

    /// The transfer of `amount` of token `token` from `from` (a fresh sender, funded here) to
    /// `to` (made a holder if it is not one), with the given gas limit.
    pub(crate) fn transfer(
        &mut self,
        prestate: &mut PreState,
        token: usize,
        from: Address,
        to: Address,
        amount: U256,
        gas_limit: u64,
    ) -> TxEnv {
        let ledger = &mut self.tokens[token];
        fund(prestate, from);
        ledger.credit(from, U256::from(SENDER_TOKENS));
        if ledger.balance(to).is_zero() {
            ledger.credit(to, U256::from(RECIPIENT_TOKENS));
        }
        call(
            from,
            0,
            ledger.address,
            U256::ZERO,
            transfer_call(to, amount),
            gas_limit,
        )
    }

    /// `count` independent transfers, round-robin over the tokens: the i-th from its own fresh
    /// sender `{role}-sender` to its own recipient `{role}-recipient`, random amounts from `rng`.
    pub(crate) fn independent_transfers(
        &mut self,
        prestate: &mut PreState,
        rng: &mut Rng,
        (seed, role): (u64, &str),
        count: u64,
        gas_limit: u64,
    ) -> Vec<TxEnv> {
        let tokens = self.tokens.len().max(1) as u64;
        (0..count)
            .map(|i| {
                let from = derived_address(seed, &format!("{role}-sender"), i);
                let to = derived_address(seed, &format!("{role}-recipient"), i);
                let amount = token_amount(rng.next_u64());
                self.transfer(prestate, (i % tokens) as usize, from, to, amount, gas_limit)
            })
            .collect()
    }

    /// Places every token as a plain `ERC20`.
    pub(crate) fn install(self, prestate: &mut PreState) -> Result<(), WorkloadError> {
        self.tokens
            .into_iter()
            .try_for_each(|token| token.install(prestate))
    }
}
