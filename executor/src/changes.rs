//! The block's net post-state changes against its pre-state: which accounts differ afterwards,
//! how, and which of their slots.
//!
//! Input: the committed state at the end of a block. Output: [`StateChanges`], ordered by
//! address and slot, compared between executors and serialized in reports.

use alloy_primitives::{Address, B256, U256};
use revm::{primitives::KECCAK_EMPTY, state::AccountInfo};
use serde::Serialize;

use crate::SortedMap;

/// Balance, nonce and code hash of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AccountSnapshot {
    /// Balance in wei.
    pub balance: U256,
    /// Nonce.
    pub nonce: u64,
    /// Code hash.
    pub code_hash: B256,
}

impl AccountSnapshot {
    pub(crate) fn of(info: &AccountInfo) -> Self {
        Self {
            balance: info.balance,
            nonce: info.nonce,
            code_hash: info.code_hash,
        }
    }

    /// A new, empty account: no balance, no nonce, no code.
    pub(crate) fn empty() -> Self {
        Self {
            balance: U256::ZERO,
            nonce: 0,
            code_hash: KECCAK_EMPTY,
        }
    }

    /// Balance, nonce and code (as its hash) in the encoding the recorder uses for reads.
    pub(crate) fn fields(&self) -> [U256; 3] {
        [
            self.balance,
            U256::from(self.nonce),
            U256::from_be_bytes(self.code_hash.0),
        ]
    }

    /// The account as revm loads it; its code is fetched by hash when needed.
    pub(crate) fn to_info(self) -> AccountInfo {
        AccountInfo {
            balance: self.balance,
            nonce: self.nonce,
            code_hash: self.code_hash,
            code: None,
            ..AccountInfo::default()
        }
    }
}

/// How one account differs after the block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountChange {
    /// The account afterwards; `None` when it no longer exists.
    pub account: Option<AccountSnapshot>,
    /// Whether its pre-state storage was wiped (self-destruct or re-creation).
    pub storage_cleared: bool,
    /// Slots whose value differs from before.
    pub storage: ChangedSlots,
}

/// The block's net post-state changes, deterministically ordered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StateChanges {
    /// Changed accounts by address.
    pub accounts: ChangedAccounts,
}

/// Changed accounts in address order (serialized as a map).
pub type ChangedAccounts = SortedMap<Address, AccountChange>;

/// Changed slots of one account in slot order (serialized as a map).
pub type ChangedSlots = SortedMap<U256, U256>;
