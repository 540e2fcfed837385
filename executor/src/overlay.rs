//! The accounts a block has changed so far: kept in the order they were first changed, with an
//! index by address. A compact index and densely packed entries keep commits, lookups and the
//! final scan for net changes cache-friendly on blocks that touch hundreds of thousands of
//! accounts.
//!
//! Input: accounts as the committed state changes them. Output: lookups by address, and the
//! entries in first-change order.

use crate::AccountSnapshot;
use alloy_primitives::{
    Address, U256,
    map::{AddressMap, Entry, U256Map},
};

/// An account as changed by the block so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct OverlayAccount {
    /// The account in the pre-state (`None`: absent), to report the block's net changes.
    pub(crate) original: Option<AccountSnapshot>,
    /// `None`: the account does not exist (destroyed, or deleted as touched-and-empty). Its
    /// code is kept by hash in the block state's code table.
    pub(crate) info: Option<AccountSnapshot>,
    pub(crate) storage: U256Map<SlotValue>,
    /// The pre-state's storage no longer applies (self-destruct or re-creation).
    pub(crate) storage_cleared: bool,
}

/// A slot the block wrote.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SlotValue {
    /// Its value in the pre-state (meaningless once the account's storage is cleared).
    pub(crate) original: U256,
    pub(crate) current: U256,
}

/// Changed accounts, densely packed in first-change order, indexed by address.
#[derive(Debug, Default)]
pub(crate) struct Overlay {
    index: AddressMap<usize>,
    entries: Vec<(Address, OverlayAccount)>,
}

impl Overlay {
    /// Room for `accounts` changed accounts without growing.
    pub(crate) fn with_capacity(accounts: usize) -> Self {
        Self {
            index: AddressMap::with_capacity_and_hasher(accounts, Default::default()),
            entries: Vec::with_capacity(accounts),
        }
    }

    pub(crate) fn get(&self, address: &Address) -> Option<&OverlayAccount> {
        let &at = self.index.get(address)?;
        Some(&self.entries[at].1)
    }

    pub(crate) fn get_mut(&mut self, address: &Address) -> Option<&mut OverlayAccount> {
        let &at = self.index.get(address)?;
        Some(&mut self.entries[at].1)
    }

    /// The entry of `address`, made by `make` if the block has not changed it yet.
    pub(crate) fn get_or_insert_with(
        &mut self,
        address: Address,
        make: impl FnOnce() -> OverlayAccount,
    ) -> &mut OverlayAccount {
        let at = match self.index.entry(address) {
            Entry::Occupied(entry) => *entry.get(),
            Entry::Vacant(entry) => {
                let at = self.entries.len();
                entry.insert(at);
                self.entries.push((address, make()));
                at
            }
        };
        &mut self.entries[at].1
    }

    /// Every changed account, in first-change order.
    pub(crate) fn entries(&self) -> &[(Address, OverlayAccount)] {
        &self.entries
    }
}
