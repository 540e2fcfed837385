//! The in-memory pre-state of a block: every account and slot the block reads, as revm sees it.
//!
//! Input: a geth `prestateTracer` map (alloy's [`PreStateMode`]) or accounts built in code.
//! Output: [`PreState`], readable by revm through [`DatabaseRef`]; slots and accounts that are
//! absent read as zero / non-existent. Bytecode is analysed once, at load.

use std::convert::Infallible;

use alloy_primitives::{
    Address, B256, U256,
    map::{AddressMap, B256Map, HashMap, U256Map},
};
use alloy_rpc_types_trace::geth::PreStateMode;
use revm::{DatabaseRef, bytecode::Bytecode, primitives::KECCAK_EMPTY, state::AccountInfo};

/// One account of the pre-state.
#[derive(Debug, Clone, Default)]
pub struct PreAccount {
    /// Balance, nonce, code hash and analysed code.
    pub info: AccountInfo,
    /// Storage slots present before the block; others are zero.
    pub storage: U256Map<U256>,
}

/// The state before a block, in memory.
#[derive(Debug, Clone, Default)]
pub struct PreState {
    accounts: AddressMap<PreAccount>,
    codes: B256Map<Bytecode>,
    block_hashes: HashMap<u64, B256>,
}

/// Why raw code could not become an account's bytecode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadCode(pub String);

impl PreState {
    /// An empty pre-state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds the pre-state from a geth `prestateTracer` map.
    ///
    /// Fails on code that revm cannot take (for example a malformed EIP-7702 delegation),
    /// naming the account.
    pub fn from_geth(mode: PreStateMode) -> Result<Self, (Address, BadCode)> {
        let mut state = Self::new();
        for (address, account) in mode.0 {
            let code = account.code.unwrap_or_default();
            let storage = account
                .storage
                .into_iter()
                .map(|(slot, value)| (U256::from_be_bytes(slot.0), U256::from_be_bytes(value.0)))
                .collect();
            state
                .insert_account(
                    address,
                    account.balance.unwrap_or_default(),
                    account.nonce.unwrap_or_default(),
                    code,
                    storage,
                )
                .map_err(|e| (address, e))?;
        }
        Ok(state)
    }

    /// Adds (or replaces) an account with raw `code` (empty for none).
    pub fn insert_account(
        &mut self,
        address: Address,
        balance: U256,
        nonce: u64,
        code: alloy_primitives::Bytes,
        storage: U256Map<U256>,
    ) -> Result<(), BadCode> {
        let info = if code.is_empty() {
            AccountInfo::new(balance, nonce, KECCAK_EMPTY, Bytecode::default())
        } else {
            let bytecode =
                Bytecode::new_raw_checked(code).map_err(|e| BadCode(format!("{e:?}")))?;
            let hash = bytecode.hash_slow();
            self.codes.entry(hash).or_insert_with(|| bytecode.clone());
            AccountInfo::new(balance, nonce, hash, bytecode)
        };
        self.accounts.insert(address, PreAccount { info, storage });
        Ok(())
    }

    /// Sets one storage slot of an existing account (ignored when the account is absent).
    pub fn set_storage(&mut self, address: Address, slot: U256, value: U256) {
        if let Some(account) = self.accounts.get_mut(&address) {
            account.storage.insert(slot, value);
        }
    }

    /// Records the hash of block `number` for the BLOCKHASH opcode.
    pub fn insert_block_hash(&mut self, number: u64, hash: B256) {
        self.block_hashes.insert(number, hash);
    }

    /// The account at `address`, if the pre-state has it.
    pub fn account(&self, address: &Address) -> Option<&PreAccount> {
        self.accounts.get(address)
    }

    /// All accounts, in no particular order.
    pub fn accounts(&self) -> impl Iterator<Item = (&Address, &PreAccount)> {
        self.accounts.iter()
    }

    /// Number of accounts.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Whether the pre-state has no account.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }
}

impl DatabaseRef for PreState {
    type Error = Infallible;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.accounts.get(&address).map(|a| a.info.clone()))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        Ok(self.codes.get(&code_hash).cloned().unwrap_or_default())
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        Ok(self
            .accounts
            .get(&address)
            .and_then(|a| a.storage.get(&index).copied())
            .unwrap_or_default())
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        Ok(self.block_hashes.get(&number).copied().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_accounts_and_slots_read_as_zero() {
        let mut state = PreState::new();
        let a = Address::repeat_byte(1);
        state
            .insert_account(a, U256::from(5), 1, Default::default(), Default::default())
            .unwrap();
        state.set_storage(a, U256::from(1), U256::from(9));
        assert_eq!(state.basic_ref(a).unwrap().unwrap().balance, U256::from(5));
        assert_eq!(state.storage_ref(a, U256::from(1)).unwrap(), U256::from(9));
        assert_eq!(state.storage_ref(a, U256::from(2)).unwrap(), U256::ZERO);
        assert!(state.basic_ref(Address::ZERO).unwrap().is_none());
    }

    #[test]
    fn code_is_analysed_once_and_found_by_hash() {
        let mut state = PreState::new();
        let a = Address::repeat_byte(2);
        let code = alloy_primitives::Bytes::from_static(&[0x60, 0x00, 0x56, 0x5b]);
        state
            .insert_account(a, U256::ZERO, 1, code.clone(), Default::default())
            .unwrap();
        let info = state.basic_ref(a).unwrap().unwrap();
        assert_eq!(info.code_hash, alloy_primitives::keccak256(&code));
        assert_eq!(
            state
                .code_by_hash_ref(info.code_hash)
                .unwrap()
                .original_bytes(),
            code
        );
    }

    #[test]
    fn malformed_delegation_is_an_error() {
        let mut state = PreState::new();
        let code = alloy_primitives::Bytes::from_static(&[0xef, 0x01, 0x00, 0x01]);
        assert!(
            state
                .insert_account(Address::ZERO, U256::ZERO, 0, code, Default::default())
                .is_err()
        );
    }
}
