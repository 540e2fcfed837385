//! The block's net post-state changes against its pre-state: which accounts differ afterwards,
//! how, and which of their slots.
//!
//! Input: the committed state at the end of a block. Output: [`StateChanges`], ordered by
//! address and slot, compared between executors and serialized in reports.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256};
use rayon::slice::ParallelSliceMut;
use revm::state::AccountInfo;
use serde::{Serialize, Serializer};

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
}

/// How one account differs after the block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountChange {
    /// The account afterwards; `None` when it no longer exists.
    pub account: Option<AccountSnapshot>,
    /// Whether its pre-state storage was wiped (self-destruct or re-creation).
    pub storage_cleared: bool,
    /// Slots whose value differs from before.
    pub storage: BTreeMap<U256, U256>,
}

/// The block's net post-state changes, deterministically ordered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StateChanges {
    /// Changed accounts by address.
    pub accounts: ChangedAccounts,
}

/// Changed accounts in address order: a map by address, stored as one sorted list (built by
/// one sort, without per-entry insertion; serialized as a map).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangedAccounts(Vec<(Address, AccountChange)>);

impl ChangedAccounts {
    /// Orders `accounts` by address (one entry per address).
    pub(crate) fn from_unsorted(mut accounts: Vec<(Address, AccountChange)>) -> Self {
        accounts.sort_unstable_by_key(|(address, _)| *address);
        Self(accounts)
    }

    /// [`Self::from_unsorted`], sorting on the current rayon pool.
    pub(crate) fn from_unsorted_parallel(mut accounts: Vec<(Address, AccountChange)>) -> Self {
        accounts.par_sort_unstable_by_key(|(address, _)| *address);
        Self(accounts)
    }

    /// The change of `address`, if the block changed it.
    pub fn get(&self, address: &Address) -> Option<&AccountChange> {
        self.0
            .binary_search_by_key(address, |(a, _)| *a)
            .ok()
            .map(|at| &self.0[at].1)
    }

    /// Whether the block changed `address`.
    pub fn contains_key(&self, address: &Address) -> bool {
        self.get(address).is_some()
    }

    /// The changed accounts in address order.
    pub fn iter(&self) -> impl Iterator<Item = (&Address, &AccountChange)> {
        self.0.iter().map(|(address, change)| (address, change))
    }

    /// How many accounts changed.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no account changed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for ChangedAccounts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}
