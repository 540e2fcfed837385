//! Storage a prediction must not take from the pre-state: what earlier transactions of the
//! block may write. A summary analysed for one frame takes the storage values that decide its
//! branches from the pre-state ([`crate::Prediction::assumed`]); a slot listed here reads as
//! unknown instead, so the prediction holds whatever the earlier transactions wrote there.
//!
//! Input: the storage writes and contract widenings of the predictions before a transaction.
//! Output: per account, the slots withheld from its frames' analyses (or all of them).

use alloy_primitives::{
    Address, U256,
    map::{AddressHashMap, AddressHashSet},
};

use crate::{Location, Prediction, Widening};

/// Storage locations whose pre-state values a prediction must not assume.
///
/// ```
/// use alloy_primitives::{Address, U256};
/// use foresight_analyzer::{Location, UntrustedStorage};
///
/// let token = Address::repeat_byte(1);
/// let mut untrusted = UntrustedStorage::default();
/// untrusted.insert(&Location::storage(token, U256::from(7)));
/// assert!(untrusted.contains(&Location::storage(token, U256::from(7))));
/// assert!(!untrusted.contains(&Location::storage(token, U256::from(8))));
/// assert_eq!(untrusted.slots_of(token), Some(&[U256::from(7)][..]));
/// assert_eq!(untrusted.slots_of(Address::repeat_byte(2)), Some(&[][..]));
/// ```
#[derive(Debug, Clone, Default)]
pub struct UntrustedStorage {
    /// Slots per account, sorted.
    slots: AddressHashMap<Vec<U256>>,
    /// Accounts none of whose slots is trusted.
    contracts: AddressHashSet,
}

impl UntrustedStorage {
    /// Distrusts one storage location (other locations are ignored).
    pub fn insert(&mut self, l: &Location) {
        if let Location::Storage { address, slot } = *l {
            let slots = self.slots.entry(address).or_default();
            if let Err(i) = slots.binary_search(&slot) {
                slots.insert(i, slot);
            }
        }
    }

    /// Distrusts every slot of `address`.
    pub fn insert_contract(&mut self, address: Address) {
        self.contracts.insert(address);
    }

    /// Distrusts what `p` may write to storage: its writes, and the contracts whose storage
    /// it widens (a whole-state widening is not followed: see [`crate::widen_stale_loads`]).
    pub fn add_writes_of(&mut self, p: &Prediction) {
        for l in &p.access.writes {
            self.insert(l);
        }
        for w in &p.access.widenings {
            if let Widening::Contract { address, .. } = w {
                self.insert_contract(*address);
            }
        }
    }

    /// Whether `l` is distrusted.
    pub fn contains(&self, l: &Location) -> bool {
        match *l {
            Location::Storage { address, slot } => {
                self.contracts.contains(&address)
                    || self
                        .slots
                        .get(&address)
                        .is_some_and(|s| s.binary_search(&slot).is_ok())
            }
            _ => false,
        }
    }

    /// The distrusted slots of `address`, sorted (`None`: all of them).
    pub fn slots_of(&self, address: Address) -> Option<&[U256]> {
        if self.contracts.contains(&address) {
            return None;
        }
        Some(self.slots.get(&address).map_or(&[], Vec::as_slice))
    }
}
