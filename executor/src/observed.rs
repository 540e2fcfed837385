//! A transaction's actual access set: what it read (with the values seen), what it wrote, and
//! what it merely credited, derived from the recorded reads and revm's resulting state.
//!
//! Input: the reads recorded during a run, revm's [`EvmState`], the deferred beneficiary fee.
//! Output: [`ObservedAccess`], exact ground truth for the analyzer and the oracle schedule, and
//! the read set that parallel validation checks.

use alloy_primitives::{Address, U256, map::AddressMap};
use foresight_analyzer::{AccessSet, Location, Widening, WideningReason};
use revm::{primitives::hardfork::SpecId, state::EvmState};
use serde::Serialize;

use crate::recorder::code_value;

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
    /// Derives the access set of one run.
    pub(crate) fn derive(
        mut reads: Vec<(Location, U256)>,
        state: &EvmState,
        spec: SpecId,
        beneficiary: Address,
        fee: U256,
    ) -> Self {
        reads.sort_by_key(|(location, _)| *location);
        reads.dedup_by(|later, earlier| later.0 == earlier.0);
        let clears_empty = spec.is_enabled_in(SpecId::SPURIOUS_DRAGON);

        let mut before: AddressMap<[Option<U256>; 3]> = AddressMap::default();
        for (location, value) in &reads {
            let field = match location {
                Location::Balance { .. } => 0,
                Location::Nonce { .. } => 1,
                Location::Code { .. } => 2,
                Location::Storage { .. } => continue,
            };
            before.entry(location.address()).or_default()[field] = Some(*value);
        }

        let mut writes = Vec::new();
        let mut storage_cleared = Vec::new();
        for (address, account) in state {
            if !account.is_touched() {
                continue;
            }
            let address = *address;
            let after: [U256; 3] =
                if account.is_selfdestructed() || (clears_empty && account.info.is_empty()) {
                    [U256::ZERO; 3]
                } else {
                    [
                        account.info.balance,
                        U256::from(account.info.nonce),
                        code_value(Some(&account.info)),
                    ]
                };
            let seen = before.get(&address).copied().unwrap_or_default();
            let locations = [
                Location::balance(address),
                Location::nonce(address),
                Location::code(address),
            ];
            for ((location, new), old) in locations.into_iter().zip(after).zip(seen) {
                if old != Some(new) {
                    writes.push(location);
                }
            }
            if account.is_selfdestructed() {
                storage_cleared.push(address);
            }
            for (slot, _) in account.changed_storage_slots() {
                writes.push(Location::storage(address, *slot));
            }
        }
        writes.sort_unstable();
        storage_cleared.sort_unstable();
        let credits = if fee.is_zero() {
            Vec::new()
        } else {
            vec![(beneficiary, fee)]
        };
        Self {
            reads,
            writes,
            credits,
            storage_cleared,
        }
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
