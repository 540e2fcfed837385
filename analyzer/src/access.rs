//! The vocabulary every stage speaks: a [`Location`] of state, and the [`AccessSet`] of a
//! transaction (what it reads, writes and merely credits, plus any sound widenings).
//!
//! Input: locations produced by the analyzer (predicted) or by the executor (observed).
//! Output: deterministically ordered sets that the scheduler turns into conflicts and the
//! executor validates against.

use std::collections::BTreeSet;

use alloy_primitives::{Address, U256};
use serde::{Deserialize, Serialize};

use crate::LocationSet;

/// One piece of EVM state that a transaction can read or write.
///
/// Ordered by kind (balance, nonce, code, storage), then by address and slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// The balance of an account.
    Balance {
        /// The account.
        address: Address,
    },
    /// The nonce of an account.
    Nonce {
        /// The account.
        address: Address,
    },
    /// The code (and so the code hash) of an account.
    Code {
        /// The account.
        address: Address,
    },
    /// One storage slot of a contract.
    Storage {
        /// The contract.
        address: Address,
        /// The slot.
        slot: U256,
    },
}

impl Location {
    /// The balance of `address`.
    pub const fn balance(address: Address) -> Self {
        Self::Balance { address }
    }

    /// The nonce of `address`.
    pub const fn nonce(address: Address) -> Self {
        Self::Nonce { address }
    }

    /// The code of `address`.
    pub const fn code(address: Address) -> Self {
        Self::Code { address }
    }

    /// Storage slot `slot` of `address`.
    pub const fn storage(address: Address, slot: U256) -> Self {
        Self::Storage { address, slot }
    }

    /// The account this location belongs to.
    pub const fn address(&self) -> Address {
        match *self {
            Self::Balance { address }
            | Self::Nonce { address }
            | Self::Code { address }
            | Self::Storage { address, .. } => address,
        }
    }

    /// Whether this is a storage slot.
    pub const fn is_storage(&self) -> bool {
        matches!(self, Self::Storage { .. })
    }

    /// The rank of the kind in the order.
    const fn kind_rank(&self) -> u8 {
        match self {
            Self::Balance { .. } => 0,
            Self::Nonce { .. } => 1,
            Self::Code { .. } => 2,
            Self::Storage { .. } => 3,
        }
    }
}

/// An address as big-endian integers: compared without a call to `memcmp`, in the order of
/// its bytes.
fn address_key(a: &Address) -> (u128, u32) {
    // A 20-byte array always has these chunks.
    let high = a.0.0.first_chunk::<16>().copied().unwrap_or_default();
    let low = a.0.0.last_chunk::<4>().copied().unwrap_or_default();
    (u128::from_be_bytes(high), u32::from_be_bytes(low))
}

/// Kind (balance, nonce, code, storage), then address, then slot: the order a derived `Ord`
/// would give, at a fraction of its cost (sorting locations is a hot path of instantiation).
impl Ord for Location {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.kind_rank()
            .cmp(&other.kind_rank())
            .then_with(|| address_key(&self.address()).cmp(&address_key(&other.address())))
            .then_with(|| match (self, other) {
                (Self::Storage { slot: a, .. }, Self::Storage { slot: b, .. }) => a.cmp(b),
                _ => std::cmp::Ordering::Equal,
            })
    }
}

impl PartialOrd for Location {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Why a prediction gave up precision. Every widening carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WideningReason {
    /// A storage slot expression could not be evaluated to a constant.
    UnresolvedSlot,
    /// A jump target could not be resolved.
    UnresolvedJump,
    /// The target of a call could not be resolved.
    UnresolvedCallTarget,
    /// A created contract could not be followed: its address or init code is unknown, or the
    /// transaction calls it (its code does not exist before execution).
    UnresolvedCreate,
    /// A loop over storage whose bound is unknown touches a family of slots.
    UnboundedLoop,
    /// The contract's analysis ran past its cost bound.
    AnalysisBudget,
    /// Calls nested deeper than the instantiation follows.
    CallDepth,
    /// The code is malformed or uses an opcode the analyzer does not model.
    UnsupportedCode,
    /// A contract may self-destruct.
    Selfdestruct,
    /// The pre-state view could not answer (a read budget ran out).
    StateBudget,
    /// No prediction was made (for example the empty prediction used in tests).
    NoPrediction,
    /// A storage value the prediction read from the pre-state may be written by an earlier
    /// transaction of the block, so the slots derived from it may differ.
    StaleLoad,
}

/// A sound over-approximation that stands for many locations at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Widening {
    /// Every storage slot of one contract may be read and written.
    Contract {
        /// The contract whose whole storage is covered.
        address: Address,
        /// Why.
        reason: WideningReason,
    },
    /// Anything may be read and written: the transaction is a barrier.
    Everything {
        /// Why.
        reason: WideningReason,
    },
}

impl Widening {
    /// Why this widening was made.
    pub const fn reason(&self) -> WideningReason {
        match *self {
            Self::Contract { reason, .. } | Self::Everything { reason } => reason,
        }
    }

    /// Whether this widening is to the whole state (a barrier).
    pub const fn is_everything(&self) -> bool {
        matches!(self, Self::Everything { .. })
    }

    /// Whether this widening covers `location`.
    pub fn covers(&self, location: &Location) -> bool {
        match *self {
            Self::Everything { .. } => true,
            Self::Contract { address, .. } => {
                location.is_storage() && location.address() == address
            }
        }
    }
}

/// The state a transaction touches, without values: the input of the scheduler.
///
/// `credits` are pure balance increases (the coinbase fee, a plain ETH transfer to an account)
/// that commute with one another; they conflict only with a read or write of that balance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessSet {
    /// Locations read.
    pub reads: LocationSet,
    /// Locations written.
    pub writes: LocationSet,
    /// Accounts whose balance is only credited (commutative).
    pub credits: BTreeSet<Address>,
    /// Sound widenings that stand for locations not listed.
    pub widenings: BTreeSet<Widening>,
}

impl AccessSet {
    /// An empty access set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The widening that makes this transaction a barrier.
    pub fn everything(reason: WideningReason) -> Self {
        let mut set = Self::new();
        set.widenings.insert(Widening::Everything { reason });
        set
    }

    /// Whether this set is widened to the whole state.
    pub fn is_everything(&self) -> bool {
        self.widenings.iter().any(Widening::is_everything)
    }

    /// Whether this set has any whole-contract widening.
    pub fn has_contract_widening(&self) -> bool {
        self.widenings
            .iter()
            .any(|w| matches!(w, Widening::Contract { .. }))
    }

    /// The contracts whose whole storage this set is widened to, in address order (once per
    /// reason: a contract widened for two reasons comes twice).
    ///
    /// ```
    /// use alloy_primitives::Address;
    /// use foresight_analyzer::{AccessSet, Widening, WideningReason};
    ///
    /// let mut set = AccessSet::everything(WideningReason::UnresolvedCallTarget);
    /// let address = Address::repeat_byte(1);
    /// set.widenings.insert(Widening::Contract { address, reason: WideningReason::UnresolvedSlot });
    /// assert_eq!(set.widened_contracts().collect::<Vec<_>>(), [address]);
    /// ```
    pub fn widened_contracts(&self) -> impl Iterator<Item = Address> + '_ {
        self.widenings
            .iter()
            .filter_map(|widening| match *widening {
                Widening::Contract { address, .. } => Some(address),
                Widening::Everything { .. } => None,
            })
    }

    /// Whether `location` may be read according to this set.
    pub fn may_read(&self, location: &Location) -> bool {
        self.reads.contains(location)
            || self.writes.contains(location)
            || self.widenings.iter().any(|w| w.covers(location))
    }

    /// Whether `location` may be written according to this set.
    pub fn may_write(&self, location: &Location) -> bool {
        self.writes.contains(location) || self.widenings.iter().any(|w| w.covers(location))
    }

    /// Whether every access of `actual` is covered by this (predicted) set.
    ///
    /// A credit in `actual` is covered by a predicted credit or write of that balance.
    ///
    /// ```
    /// use alloy_primitives::{Address, U256};
    /// use foresight_analyzer::{AccessSet, Location};
    ///
    /// let a = Address::repeat_byte(1);
    /// let mut predicted = AccessSet::new();
    /// predicted.writes.insert(Location::storage(a, U256::from(3)));
    /// let mut actual = AccessSet::new();
    /// actual.reads.insert(Location::storage(a, U256::from(3)));
    /// assert!(predicted.covers(&actual));
    /// actual.reads.insert(Location::balance(a));
    /// assert!(!predicted.covers(&actual));
    /// ```
    pub fn covers(&self, actual: &AccessSet) -> bool {
        if self.is_everything() {
            return true;
        }
        actual.reads.iter().all(|l| self.may_read(l))
            && actual.writes.iter().all(|l| self.may_write(l))
            && actual
                .credits
                .iter()
                .all(|a| self.credits.contains(a) || self.may_write(&Location::balance(*a)))
    }

    /// Adds everything of `other` to this set.
    pub fn extend(&mut self, other: &AccessSet) {
        self.reads.extend(other.reads.iter().copied());
        self.writes.extend(other.writes.iter().copied());
        self.credits.extend(other.credits.iter().copied());
        self.widenings.extend(other.widenings.iter().copied());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A location from a kind, an address and a slot (ignored but for storage).
    fn location(kind: u8, address: [u8; 20], slot: [u64; 4]) -> Location {
        let address = Address::from(address);
        match kind % 4 {
            0 => Location::balance(address),
            1 => Location::nonce(address),
            2 => Location::code(address),
            _ => Location::storage(address, U256::from_limbs(slot)),
        }
    }

    /// The order the type documents, spelled out: kind, address bytes, slot.
    fn documented_key(l: &Location) -> (u8, [u8; 20], U256) {
        let (kind, slot) = match *l {
            Location::Balance { .. } => (0, U256::ZERO),
            Location::Nonce { .. } => (1, U256::ZERO),
            Location::Code { .. } => (2, U256::ZERO),
            Location::Storage { slot, .. } => (3, slot),
        };
        (kind, l.address().0.0, slot)
    }

    proptest! {
        #[test]
        fn the_order_is_kind_then_address_bytes_then_slot(
            a in (0..4u8, any::<[u8; 20]>(), any::<[u64; 4]>()),
            kind in 0..4u8,
            // The second address and slot differ from the first in a few bytes or limbs, so
            // that every position gets to decide, and to outweigh another.
            bytes in prop::collection::vec((0..20usize, any::<u8>()), 0..3),
            limbs in prop::collection::vec((0..4usize, any::<u64>()), 0..3),
        ) {
            let x = location(a.0, a.1, a.2);
            let (mut address, mut slot) = (a.1, a.2);
            for (i, v) in bytes {
                address[i] = v;
            }
            for (i, v) in limbs {
                slot[i] = v;
            }
            let y = location(kind, address, slot);
            prop_assert_eq!(x.cmp(&y), documented_key(&x).cmp(&documented_key(&y)));
            prop_assert_eq!(x.cmp(&y) == std::cmp::Ordering::Equal, x == y);
        }
    }

    #[test]
    fn contract_widening_covers_only_that_contracts_storage() {
        let a = Address::repeat_byte(1);
        let b = Address::repeat_byte(2);
        let w = Widening::Contract {
            address: a,
            reason: WideningReason::UnresolvedSlot,
        };
        assert!(w.covers(&Location::storage(a, U256::from(7))));
        assert!(!w.covers(&Location::storage(b, U256::from(7))));
        assert!(!w.covers(&Location::balance(a)));
    }

    #[test]
    fn everything_covers_all() {
        let set = AccessSet::everything(WideningReason::NoPrediction);
        let mut actual = AccessSet::new();
        actual.writes.insert(Location::nonce(Address::ZERO));
        actual.credits.insert(Address::ZERO);
        assert!(set.covers(&actual));
    }

    #[test]
    fn a_credit_is_covered_by_a_balance_write_but_not_a_read() {
        let a = Address::repeat_byte(3);
        let mut actual = AccessSet::new();
        actual.credits.insert(a);
        let mut predicted = AccessSet::new();
        predicted.reads.insert(Location::balance(a));
        assert!(!predicted.covers(&actual));
        predicted.writes.insert(Location::balance(a));
        assert!(predicted.covers(&actual));
    }
}
