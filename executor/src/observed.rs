//! A transaction's actual access set: what it read (with the values seen), what it wrote, and
//! what it merely credited, derived from the recorded reads and revm's resulting state.
//!
//! Input: the reads recorded during a run, revm's [`EvmState`], the deferred beneficiary fee.
//! Output: [`ObservedAccess`], exact ground truth for the analyzer and the oracle schedule, and
//! the read set that parallel validation checks.

use alloy_primitives::{Address, U256};
use foresight_analyzer::{AccessSet, Location, Widening, WideningReason};
use revm::{primitives::KECCAK_EMPTY, state::EvmState};
use serde::Serialize;

use crate::writes::TxWrites;

/// What one transaction actually touched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ObservedAccess {
    /// Locations read with the value seen, sorted by location, each once.
    pub reads: Vec<(Location, U256)>,
    /// Locations whose value the transaction changed, sorted.
    pub writes: Vec<Location>,
    /// Commutative balance credits (the beneficiary fee), sorted by address.
    pub credits: Vec<(Address, U256)>,
    /// Contracts whose whole storage the transaction wiped (self-destruct).
    pub storage_cleared: Vec<Address>,
}

impl ObservedAccess {
    /// Derives the access set of one run from its `reads` (sorted by location, each once: the
    /// first value seen), its resulting `state` and the write set made from both (`changes`:
    /// each touched account before and after).
    ///
    /// `recipient` is the top-level recipient of a value transfer when it may be a pure credit
    /// (not the sender, not the beneficiary, not a precompile); if it has no code, the
    /// transaction never looks at its balance, so the balance change becomes a credit instead
    /// of a read and a write.
    pub(crate) fn derive(
        mut reads: Vec<(Location, U256)>,
        state: &EvmState,
        changes: &TxWrites,
        beneficiary: Address,
        fee: U256,
        recipient: Option<Address>,
    ) -> Self {
        let mut writes = Vec::new();
        let mut storage_cleared = Vec::new();
        for account in &changes.accounts {
            let address = account.address;
            let after = account.after.map_or([U256::ZERO; 3], |info| info.fields());
            let locations = [
                Location::balance(address),
                Location::nonce(address),
                Location::code(address),
            ];
            for ((location, new), old) in locations
                .into_iter()
                .zip(after)
                .zip(account.before.fields())
            {
                if old != Some(new) {
                    writes.push(location);
                }
            }
            if account.destroyed {
                storage_cleared.push(address);
            }
            let changed_slots = state
                .get(&address)
                .into_iter()
                .flat_map(|a| a.changed_storage_slots());
            writes.extend(changed_slots.map(|(slot, _)| Location::storage(address, *slot)));
        }
        writes.sort_unstable();
        storage_cleared.sort_unstable();
        let mut credits = if fee.is_zero() {
            Vec::new()
        } else {
            vec![(beneficiary, fee)]
        };
        if let Some(to) = recipient
            && let Some(credit) = pure_credit(to, &mut reads, &mut writes, state)
        {
            credits.push(credit);
            credits.sort_unstable();
        }
        Self {
            reads,
            writes,
            credits,
            storage_cleared,
        }
    }

    /// The balance credits to accounts other than `beneficiary` (applied as deltas at commit).
    pub(crate) fn transfer_credits(
        &self,
        beneficiary: Address,
    ) -> impl Iterator<Item = (Address, U256)> + '_ {
        self.credits
            .iter()
            .copied()
            .filter(move |(address, _)| *address != beneficiary)
    }

    /// The same accesses without values, in the vocabulary of the scheduler and analyzer.
    ///
    /// A wiped storage becomes a whole-contract write (reason `selfdestruct`).
    pub fn to_access_set(&self) -> AccessSet {
        let mut set = AccessSet::new();
        set.reads.extend(self.reads.iter().map(|(l, _)| *l));
        set.writes.extend(self.writes.iter().copied());
        set.credits.extend(self.credits.iter().map(|(a, _)| *a));
        set.widenings.extend(
            self.storage_cleared
                .iter()
                .map(|&address| Widening::Contract {
                    address,
                    reason: WideningReason::Selfdestruct,
                }),
        );
        set
    }
}

/// Turns the balance read and write of a code-less transfer recipient `to` into a credit of the
/// amount it received, if that is all that happened to its balance.
fn pure_credit(
    to: Address,
    reads: &mut Vec<(Location, U256)>,
    writes: &mut Vec<Location>,
    state: &EvmState,
) -> Option<(Address, U256)> {
    let code = reads
        .binary_search_by_key(&Location::code(to), |(l, _)| *l)
        .ok()
        .map(|i| reads[i].1)?;
    if code != U256::ZERO && code != U256::from_be_bytes(KECCAK_EMPTY.0) {
        return None;
    }
    let read_at = reads
        .binary_search_by_key(&Location::balance(to), |(l, _)| *l)
        .ok()?;
    let write_at = writes.binary_search(&Location::balance(to)).ok()?;
    let after = state.get(&to)?.info.balance;
    let amount = after
        .checked_sub(reads[read_at].1)
        .filter(|a| !a.is_zero())?;
    reads.remove(read_at);
    writes.remove(write_at);
    Some((to, amount))
}
