//! A run's state changes in the compact form the block state applies: for every account the run
//! touched, how it stood before the run (as the run saw it) and afterwards, and its changed
//! slots with their values before and after. Built on the thread that ran the transaction, so
//! that the in-order commit only copies values in and never looks at the pre-state.
//!
//! Input: revm's resulting [`EvmState`] and the run's reads (sorted, each location once).
//! Output: [`TxWrites`].

use std::ops::Range;

use alloy_primitives::{Address, B256, U256};
use foresight_analyzer::Location;
use revm::{bytecode::Bytecode, primitives::hardfork::SpecId, state::EvmState};

use crate::AccountSnapshot;

/// How an account stood when a run first loaded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Before {
    /// The run read it: `None` when it did not exist.
    Seen(Option<AccountSnapshot>),
    /// The run did not read it through the view (the committer looks it up).
    Unseen,
}

impl Before {
    /// Balance, nonce and code as the recorder encodes them (an absent account reads as zeros;
    /// `None`: not seen).
    pub(crate) fn fields(self) -> [Option<U256>; 3] {
        match self {
            Self::Seen(Some(s)) => s.fields().map(Some),
            Self::Seen(None) => [Some(U256::ZERO); 3],
            Self::Unseen => [None; 3],
        }
    }

    /// The account as `reads` (sorted by location, each once) saw it.
    fn from_reads(address: Address, reads: &[(Location, U256)]) -> Self {
        let value = |location: Location| {
            reads
                .binary_search_by_key(&location, |(l, _)| *l)
                .ok()
                .map(|i| reads[i].1)
        };
        let (Some(balance), Some(nonce), Some(code)) = (
            value(Location::balance(address)),
            value(Location::nonce(address)),
            value(Location::code(address)),
        ) else {
            return Self::Unseen;
        };
        // The recorder reads an absent account's code as zero.
        Self::Seen((!code.is_zero()).then(|| AccountSnapshot {
            balance,
            nonce: nonce.saturating_to(),
            code_hash: B256::from(code),
        }))
    }
}

/// One account a run touched.
#[derive(Debug)]
pub(crate) struct AccountWrite {
    pub(crate) address: Address,
    pub(crate) before: Before,
    /// The account afterwards; `None` when it no longer exists (destroyed, or touched and empty
    /// after Spurious Dragon). New code is in [`TxWrites::codes`].
    pub(crate) after: Option<AccountSnapshot>,
    /// It self-destructed.
    pub(crate) destroyed: bool,
    /// Its storage from before the run no longer applies (self-destruct or creation).
    pub(crate) storage_reset: bool,
    /// Its changed slots, in [`TxWrites::slots`].
    pub(crate) slots: Range<usize>,
}

/// One changed storage slot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SlotWrite {
    pub(crate) slot: U256,
    /// The value the run loaded.
    pub(crate) before: U256,
    pub(crate) after: U256,
}

/// Everything one run changed.
#[derive(Debug, Default)]
pub(crate) struct TxWrites {
    pub(crate) accounts: Vec<AccountWrite>,
    pub(crate) slots: Vec<SlotWrite>,
    /// Code the run deployed (or delegated to, EIP-7702), by hash.
    pub(crate) codes: Vec<(B256, Bytecode)>,
}

impl TxWrites {
    /// The changes in `state` (revm's journal output under `spec`); `reads` (sorted, each
    /// location once) say how each account stood before.
    pub(crate) fn new(state: &EvmState, reads: &[(Location, U256)], spec: SpecId) -> Self {
        let clears_empty = spec.is_enabled_in(SpecId::SPURIOUS_DRAGON);
        let mut writes = Self {
            accounts: Vec::with_capacity(state.len()),
            ..Self::default()
        };
        for (address, account) in state {
            if !account.is_touched() {
                continue;
            }
            let before = Before::from_reads(*address, reads);
            let start = writes.slots.len();
            let destroyed = account.is_selfdestructed();
            let (after, storage_reset) = if destroyed {
                (None, true)
            } else {
                let old_code_hash = match before {
                    Before::Seen(Some(snapshot)) => Some(snapshot.code_hash),
                    _ => None,
                };
                if let Some(code) = &account.info.code
                    && !code.is_empty()
                    && old_code_hash != Some(account.info.code_hash)
                {
                    writes.codes.push((account.info.code_hash, code.clone()));
                }
                writes
                    .slots
                    .extend(
                        account
                            .changed_storage_slots()
                            .map(|(slot, value)| SlotWrite {
                                slot: *slot,
                                before: value.original_value(),
                                after: value.present_value(),
                            }),
                    );
                let after = (!(clears_empty && account.info.is_empty()))
                    .then(|| AccountSnapshot::of(&account.info));
                (after, account.is_created())
            };
            writes.accounts.push(AccountWrite {
                address: *address,
                before,
                after,
                destroyed,
                storage_reset,
                slots: start..writes.slots.len(),
            });
        }
        writes
    }

    /// The balance of `address` before the run, if the run touched and read it.
    pub(crate) fn balance_before(&self, address: Address) -> Option<U256> {
        match self.accounts.iter().find(|a| a.address == address)?.before {
            Before::Seen(snapshot) => Some(snapshot.map_or(U256::ZERO, |s| s.balance)),
            Before::Unseen => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::state::{Account, AccountInfo, AccountStatus, EvmStorageSlot, TransactionId};

    #[test]
    fn befores_come_from_the_reads_and_absent_accounts_read_as_zero_code() {
        let a = Address::repeat_byte(1);
        let mut reads = vec![
            (Location::balance(a), U256::from(5)),
            (Location::nonce(a), U256::from(2)),
            (Location::code(a), U256::from(9)),
        ];
        reads.sort();
        assert_eq!(
            Before::from_reads(a, &reads),
            Before::Seen(Some(AccountSnapshot {
                balance: U256::from(5),
                nonce: 2,
                code_hash: B256::from(U256::from(9)),
            }))
        );
        reads[2].1 = U256::ZERO;
        assert_eq!(Before::from_reads(a, &reads), Before::Seen(None));
        assert_eq!(
            Before::from_reads(Address::repeat_byte(2), &reads),
            Before::Unseen
        );
    }

    #[test]
    fn only_touched_accounts_and_changed_slots_are_kept() {
        let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
        let id = TransactionId::new(0).unwrap();
        let mut touched = Account::from(AccountInfo::default());
        touched.status = AccountStatus::Touched;
        touched.info.balance = U256::from(1);
        touched.storage.insert(
            U256::from(1),
            EvmStorageSlot::new_changed(U256::from(3), U256::from(4), id),
        );
        touched
            .storage
            .insert(U256::from(2), EvmStorageSlot::new(U256::from(7), id));
        let state: EvmState = [(a, touched), (b, Account::from(AccountInfo::default()))]
            .into_iter()
            .collect();
        let writes = TxWrites::new(&state, &[], SpecId::CANCUN);
        assert_eq!(writes.accounts.len(), 1);
        let account = &writes.accounts[0];
        assert_eq!((account.address, account.before), (a, Before::Unseen));
        let slots = &writes.slots[account.slots.clone()];
        assert_eq!(slots.len(), 1);
        assert_eq!(
            (slots[0].slot, slots[0].before, slots[0].after),
            (U256::from(1), U256::from(3), U256::from(4))
        );
    }
}
