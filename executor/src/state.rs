//! The state of a block as execution proceeds: the pre-state plus the writes committed so far.
//!
//! Input: a [`PreState`] and, transaction by transaction, revm's resulting [`EvmState`] and
//! commutative balance credits. Output: a read-only view revm can execute against
//! ([`DatabaseRef`]), and the block's net [`StateChanges`].

use std::convert::Infallible;

use crate::{
    AccountChange, AccountSnapshot, ChangedAccounts, ChangedSlots, StateChanges, TxOutcome,
    overlay::{Overlay, OverlayAccount, SlotValue},
    transact::TxRun,
    writes::{Before, TxWrites},
};
use alloy_primitives::{
    Address, B256, U256,
    map::{AddressMap, B256Map},
};
use foresight_analyzer::Location;
use foresight_corpus::PreState;
use rayon::prelude::*;
use revm::{
    DatabaseRef,
    bytecode::Bytecode,
    primitives::hardfork::SpecId,
    state::{AccountInfo, EvmState},
};

/// Pre-state plus the writes committed so far. Cloning it is never needed: readers share it.
///
/// Every changed account and slot remembers its pre-state value, so neither validation nor the
/// block's net changes look the pre-state up again.
#[derive(Debug)]
pub struct BlockState<'a> {
    base: &'a PreState,
    spec: SpecId,
    accounts: Overlay,
    codes: B256Map<Bytecode>,
    /// Expected slot writes per contract: room reserved when its first slot is written.
    storage_hints: AddressMap<usize>,
}

impl<'a> BlockState<'a> {
    /// The state at the start of a block running under `spec`.
    pub fn new(base: &'a PreState, spec: SpecId) -> Self {
        Self::with_capacity(base, spec, 0)
    }

    /// [`Self::new`], with room for `accounts` changed accounts (no rehashing on the way).
    pub fn with_capacity(base: &'a PreState, spec: SpecId, accounts: usize) -> Self {
        Self {
            base,
            spec,
            accounts: Overlay::with_capacity(accounts),
            codes: B256Map::default(),
            storage_hints: AddressMap::default(),
        }
    }

    /// Says how many slots of each contract the block is expected to write (from predicted
    /// access sets), so that a contract's written slots are stored without rehashing as they
    /// grow. Only a capacity: wrong hints cost memory or time, never correctness.
    pub fn expect_storage_writes(&mut self, hints: AddressMap<usize>) {
        self.storage_hints = hints;
    }

    /// The first of `reads` whose value is not the current one: (location, value read, current
    /// value).
    ///
    /// The reads must have been made against this state's pre-state or against this state
    /// itself at some earlier point (as every run of the block is): a location the block has
    /// not written since holds its pre-state value, which is what such a read saw, so only
    /// written locations are compared. Reads of one account's fields share a single lookup
    /// (the last few accounts looked up are remembered; reads come sorted by kind, then
    /// address).
    pub fn first_mismatch(&self, reads: &[(Location, U256)]) -> Option<(Location, U256, U256)> {
        const REMEMBERED: usize = 4;
        let mut recent: [Option<(Address, Option<&OverlayAccount>)>; REMEMBERED] =
            [None; REMEMBERED];
        let mut next_slot = 0;
        for (location, seen) in reads {
            let address = location.address();
            let cached = recent
                .iter()
                .flatten()
                .find(|(a, _)| *a == address)
                .map(|(_, overlay)| *overlay);
            let overlay = cached.unwrap_or_else(|| {
                let overlay = self.accounts.get(&address);
                recent[next_slot % REMEMBERED] = Some((address, overlay));
                next_slot += 1;
                overlay
            });
            let Some(overlay) = overlay else { continue };
            let current = match *location {
                Location::Storage { slot, .. } => match overlay.storage.get(&slot) {
                    Some(value) => value.current,
                    None if overlay.storage_cleared => U256::ZERO,
                    None => continue,
                },
                _ => account_field(location, overlay.info),
            };
            if current != *seen {
                return Some((*location, *seen, current));
            }
        }
        None
    }

    /// The overlay entry of `address`, made from the pre-state if the block has not changed
    /// the account yet.
    fn overlay_mut(&mut self, address: Address) -> &mut OverlayAccount {
        let base = self.base;
        self.accounts.get_or_insert_with(address, || {
            let info = base.account(&address).map(|a| &a.info);
            OverlayAccount {
                original: info.map(AccountSnapshot::of),
                info: info.map(AccountSnapshot::of),
                ..OverlayAccount::default()
            }
        })
    }

    /// The account at `address` as it stands.
    fn snapshot(&self, address: &Address) -> Option<AccountSnapshot> {
        match self.accounts.get(address) {
            Some(overlay) => overlay.info,
            None => self
                .base
                .account(address)
                .map(|a| AccountSnapshot::of(&a.info)),
        }
    }

    /// The current value of `location`, in the encoding the recorder uses (code as its hash,
    /// zero for an absent account).
    pub fn value_of(&self, location: &Location) -> U256 {
        match *location {
            Location::Storage { address, slot } => {
                let Ok(value) = self.storage_ref(address, slot);
                value
            }
            Location::Balance { address }
            | Location::Nonce { address }
            | Location::Code { address } => account_field(location, self.snapshot(&address)),
        }
    }

    /// Applies one transaction's resulting state (revm's journal output).
    pub fn commit(&mut self, state: &EvmState) {
        self.apply_writes(TxWrites::new(state, &[], self.spec));
    }

    /// Applies the changes of one run.
    fn apply_writes(&mut self, writes: TxWrites) {
        let TxWrites {
            accounts,
            slots,
            codes,
        } = writes;
        for (hash, code) in codes {
            self.codes.entry(hash).or_insert(code);
        }
        for account in accounts {
            let written = &slots[account.slots];
            let expected = if written.is_empty() {
                None
            } else {
                self.storage_hints.get(&account.address).copied()
            };
            let entry = match account.before {
                // What the run saw of an account the block had not changed is the pre-state.
                Before::Seen(original) => {
                    self.accounts
                        .get_or_insert_with(account.address, || OverlayAccount {
                            original,
                            ..OverlayAccount::default()
                        })
                }
                Before::Unseen => self.overlay_mut(account.address),
            };
            if account.storage_reset {
                entry.storage.clear();
                entry.storage_cleared = true;
            }
            entry.info = account.after;
            if let Some(expected) = expected
                && entry.storage.capacity() == 0
            {
                entry.storage.reserve(expected);
            }
            for write in written {
                entry
                    .storage
                    .entry(write.slot)
                    .and_modify(|value| value.current = write.after)
                    .or_insert(SlotValue {
                        original: write.before,
                        current: write.after,
                    });
            }
        }
    }

    /// Applies one run: its state changes, its transfer credits as deltas on top of the current
    /// balances (the run may have seen an older balance; it never looked at it), and the
    /// beneficiary's fee.
    pub(crate) fn apply(&mut self, run: TxRun, beneficiary: Address) -> TxOutcome {
        let TxRun {
            outcome,
            writes,
            fee,
        } = run;
        let credits: Vec<(Address, U256)> = outcome
            .access
            .transfer_credits(beneficiary)
            .map(|(address, amount)| {
                let current = match self.accounts.get(&address) {
                    Some(overlay) => overlay.info.as_ref().map_or(U256::ZERO, |i| i.balance),
                    None => writes
                        .balance_before(address)
                        .unwrap_or_else(|| self.value_of(&Location::balance(address))),
                };
                (address, current + amount)
            })
            .collect();
        self.apply_writes(writes);
        for (address, balance) in credits {
            if let Some(info) = self
                .accounts
                .get_mut(&address)
                .and_then(|a| a.info.as_mut())
            {
                info.balance = balance;
            }
        }
        self.credit(beneficiary, fee);
        outcome
    }

    /// Adds `amount` to the balance of `address` (a commutative credit: the coinbase fee, a
    /// withdrawal). A zero credit changes nothing.
    pub fn credit(&mut self, address: Address, amount: U256) {
        if amount.is_zero() {
            return;
        }
        let entry = self.overlay_mut(address);
        let info = entry.info.get_or_insert_with(AccountSnapshot::empty);
        info.balance = info.balance.saturating_add(amount);
    }

    /// How `overlay` differs from the pre-state, if it does; its slots sorted on the current
    /// rayon pool when `parallel`.
    fn change_of(overlay: &OverlayAccount, parallel: bool) -> Option<AccountChange> {
        let after_info = overlay.info;
        let slots: Vec<(U256, U256)> = overlay
            .storage
            .iter()
            .filter(|(_, value)| {
                let old = if overlay.storage_cleared {
                    U256::ZERO
                } else {
                    value.original
                };
                old != value.current
            })
            .map(|(slot, value)| (*slot, value.current))
            .collect();
        (overlay.original != after_info || !slots.is_empty() || overlay.storage_cleared).then(
            || AccountChange {
                account: after_info,
                storage_cleared: overlay.storage_cleared,
                storage: if parallel {
                    ChangedSlots::from_unsorted_parallel(slots)
                } else {
                    ChangedSlots::from_unsorted(slots)
                },
            },
        )
    }

    /// The block's net changes against the pre-state, in address and slot order.
    ///
    /// The changed accounts are put in address order through a sort of (address, position)
    /// pairs, and each change is built in that order: sorting the built changes would move
    /// every one of them many times.
    pub fn changes(&self) -> StateChanges {
        let entries = self.accounts.entries();
        let mut order: Vec<(Address, usize)> = entries
            .iter()
            .enumerate()
            .map(|(at, (address, _))| (*address, at))
            .collect();
        order.sort_unstable();
        let changed = order
            .iter()
            .filter_map(|&(address, at)| Some((address, Self::change_of(&entries[at].1, false)?)))
            .collect();
        StateChanges {
            accounts: ChangedAccounts::from_sorted(changed),
        }
    }

    /// [`Self::changes`], computed on the current rayon pool.
    pub fn changes_parallel(&self) -> StateChanges {
        let entries = self.accounts.entries();
        let mut order: Vec<(Address, usize)> = Vec::with_capacity(entries.len());
        entries
            .par_iter()
            .enumerate()
            .map(|(at, (address, _))| (*address, at))
            .collect_into_vec(&mut order);
        order.par_sort_unstable();
        let changed = order
            .par_iter()
            .filter_map(|&(address, at)| Some((address, Self::change_of(&entries[at].1, true)?)))
            .collect();
        StateChanges {
            accounts: ChangedAccounts::from_sorted(changed),
        }
    }
}

impl DatabaseRef for BlockState<'_> {
    type Error = Infallible;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        match self.accounts.get(&address) {
            Some(overlay) => Ok(overlay.info.map(AccountSnapshot::to_info)),
            None => self.base.basic_ref(address),
        }
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        match self.codes.get(&code_hash) {
            Some(code) => Ok(code.clone()),
            None => self.base.code_by_hash_ref(code_hash),
        }
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        match self.accounts.get(&address) {
            Some(overlay) => match overlay.storage.get(&index) {
                Some(value) => Ok(value.current),
                None if overlay.storage_cleared => Ok(U256::ZERO),
                None => self.base.storage_ref(address, index),
            },
            None => self.base.storage_ref(address, index),
        }
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        self.base.block_hash_ref(number)
    }
}

/// The value of an account-field `location` (balance, nonce, or code as the recorder encodes
/// it) for the account `info` (`None`: absent, all zero). A storage slot is no account field:
/// zero.
fn account_field(location: &Location, info: Option<AccountSnapshot>) -> U256 {
    let Some(info) = info else {
        return U256::ZERO;
    };
    let [balance, nonce, code] = info.fields();
    match location {
        Location::Balance { .. } => balance,
        Location::Nonce { .. } => nonce,
        Location::Code { .. } => code,
        Location::Storage { .. } => U256::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::state::{Account, AccountStatus, EvmStorageSlot, TransactionId};

    fn prestate() -> PreState {
        let mut pre = PreState::new();
        pre.insert_account(
            Address::repeat_byte(1),
            U256::from(100),
            3,
            Default::default(),
            [(U256::from(7), U256::from(70))].into_iter().collect(),
        )
        .unwrap();
        pre
    }

    fn touched(info: AccountInfo) -> Account {
        let mut account = Account::from(info);
        account.status = AccountStatus::Touched;
        account
    }

    #[test]
    fn commit_overlays_the_prestate_and_changes_report_only_differences() {
        let pre = prestate();
        let a = Address::repeat_byte(1);
        let mut state = BlockState::new(&pre, SpecId::CANCUN);
        let mut account = touched(AccountInfo {
            balance: U256::from(90),
            nonce: 4,
            ..pre.account(&a).unwrap().info.clone()
        });
        account.storage.insert(
            U256::from(8),
            EvmStorageSlot::new_changed(U256::ZERO, U256::from(80), TransactionId::new(0).unwrap()),
        );
        state.commit(&[(a, account)].into_iter().collect());
        assert_eq!(state.value_of(&Location::balance(a)), U256::from(90));
        assert_eq!(
            state.value_of(&Location::storage(a, U256::from(7))),
            U256::from(70)
        );
        assert_eq!(
            state.value_of(&Location::storage(a, U256::from(8))),
            U256::from(80)
        );
        let changes = state.changes();
        let change = changes.accounts.get(&a).unwrap();
        assert_eq!(change.account.unwrap().nonce, 4);
        assert_eq!(change.storage.len(), 1, "slot 7 is unchanged");
        assert_eq!(state.changes_parallel(), changes);
    }

    #[test]
    fn credits_commute_and_create_missing_accounts() {
        let pre = prestate();
        let b = Address::repeat_byte(2);
        let mut state = BlockState::new(&pre, SpecId::CANCUN);
        assert_eq!(state.value_of(&Location::code(b)), U256::ZERO, "absent");
        state.credit(b, U256::from(5));
        state.credit(b, U256::ZERO);
        state.credit(b, U256::from(6));
        assert_eq!(state.value_of(&Location::balance(b)), U256::from(11));
        assert_ne!(state.value_of(&Location::code(b)), U256::ZERO, "exists now");
    }

    #[test]
    fn selfdestruct_wipes_storage() {
        let pre = prestate();
        let a = Address::repeat_byte(1);
        let mut state = BlockState::new(&pre, SpecId::SHANGHAI);
        let mut account = touched(pre.account(&a).unwrap().info.clone());
        account.mark_selfdestruct();
        state.commit(&[(a, account)].into_iter().collect());
        assert_eq!(
            state.value_of(&Location::storage(a, U256::from(7))),
            U256::ZERO
        );
        assert_eq!(state.value_of(&Location::balance(a)), U256::ZERO);
        let changes = state.changes();
        let change = changes.accounts.get(&a).unwrap();
        assert!(change.storage_cleared && change.account.is_none());
    }

    #[test]
    fn touched_empty_accounts_disappear_after_spurious_dragon() {
        let pre = PreState::new();
        let c = Address::repeat_byte(3);
        for (spec, exists) in [(SpecId::TANGERINE, true), (SpecId::SPURIOUS_DRAGON, false)] {
            let mut state = BlockState::new(&pre, spec);
            state.commit(&[(c, touched(AccountInfo::default()))].into_iter().collect());
            assert_eq!(
                state.value_of(&Location::code(c)) != U256::ZERO,
                exists,
                "{spec:?}"
            );
        }
    }
}
