//! Stale loads across a block. A prediction resolves slots, targets and calldata with the
//! block's pre-state; an earlier transaction of the same block may write the storage it read
//! (a mint counter, a per-user pointer), and then the later transaction touches other slots.
//! Such a prediction widens to the whole storage of the contract it read.
//!
//! Input: a block's predictions, in block order. Output: the same predictions, with a
//! contract widening (reason [`WideningReason::StaleLoad`]) wherever an earlier prediction
//! may write a location that a later one loaded.
//!
//! Addresses that CREATE gives are numbered by the creating account's nonce. When an earlier
//! transaction of the block creates from the same account (a factory called twice), the
//! pre-state's nonce names the wrong contracts: [`revise_stale_nonces`] predicts such a
//! transaction again with the nonces the earlier predictions leave ([`BumpedNonces`]).
//!
//! A summary analysed for one frame may also take storage values from the pre-state to
//! decide its branches and loop bounds ([`Prediction::assumed`]). When an earlier prediction
//! may write one of those, the whole prediction may be wrong, so the transaction is predicted
//! again, assuming nothing the earlier predictions may write ([`revise_stale_assumptions`]).
//!
//! Not covered: a load written by an earlier whole-state prediction (a barrier may write
//! anything; widening every later load for it would undo what the barrier's neighbours gain).
//! A load written earlier within the same transaction by another frame is instantiation's
//! business: it is not taken from the pre-state.

use alloy_primitives::{
    Address, B256, Bytes, U256,
    map::{AddressHashMap, AddressHashSet, HashSet},
};

use crate::{
    Location, Prediction, StateView, UntrustedStorage, Widening, WideningDetail, WideningReason,
};

/// A pre-state whose nonces are moved on by the contracts earlier transactions create.
pub struct BumpedNonces<'a> {
    /// The pre-state.
    pub state: &'a dyn StateView,
    /// Per account, how many contracts earlier transactions create from it.
    pub bumps: &'a [(Address, u64)],
}

impl StateView for BumpedNonces<'_> {
    fn code(&self, address: Address) -> Option<Bytes> {
        self.state.code(address)
    }
    fn code_hash(&self, address: Address) -> Option<B256> {
        self.state.code_hash(address)
    }
    fn storage(&self, address: Address, slot: U256) -> U256 {
        self.state.storage(address, slot)
    }
    fn balance(&self, address: Address) -> U256 {
        self.state.balance(address)
    }
    fn nonce(&self, address: Address) -> u64 {
        let bump = self.bumps.iter().find(|(a, _)| *a == address);
        let nonce = self.state.nonce(address);
        bump.map_or(nonce, |(_, n)| nonce.saturating_add(*n))
    }
}

/// The nonce bumps of one transaction: how many contracts earlier transactions of the block
/// create from each account it creates from.
pub type NonceBumps = Vec<(Address, u64)>;

/// Walks the block in order and predicts again, with `predict_bumped` (index and the nonce
/// bumps that apply to it → a prediction against [`BumpedNonces`]), every transaction that
/// creates from an account earlier predictions also create from, and keeps the union of both
/// predictions (an earlier creation may revert). Counts come from the
/// predictions as they were first made (a prediction made again without its storage
/// assumptions may list creations of paths the first ruled out). Contracts created by
/// whole-state predictions that do not list them are not counted. Returns the bumps of each
/// transaction predicted again, in block order, for a later pass that predicts it once more
/// ([`revise_stale_assumptions`]).
///
/// ```
/// use alloy_primitives::Address;
/// use foresight_analyzer::{Prediction, revise_stale_nonces};
///
/// let factory = Address::repeat_byte(7);
/// let deploy = Prediction { creators: vec![(factory, 2)], ..Prediction::default() };
/// let mut block = vec![deploy.clone(), Prediction::default(), deploy];
/// let again = revise_stale_nonces(&mut block, |_, _| Prediction::default());
/// assert_eq!(again, vec![(2, vec![(factory, 2)])]);
/// ```
pub fn revise_stale_nonces(
    predictions: &mut [Prediction],
    mut predict_bumped: impl FnMut(usize, &[(Address, u64)]) -> Prediction,
) -> Vec<(usize, NonceBumps)> {
    let mut created: AddressHashMap<u64> = AddressHashMap::default();
    let mut again = Vec::new();
    for (i, p) in predictions.iter_mut().enumerate() {
        let creators = std::mem::take(&mut p.creators);
        let bumps: NonceBumps = creators
            .iter()
            .filter_map(|(a, _)| created.get(a).map(|n| (*a, *n)))
            .collect();
        for &(a, n) in &creators {
            *created.entry(a).or_default() += n;
        }
        if bumps.is_empty() {
            p.creators = creators;
            continue;
        }
        // An earlier creation may revert and leave the nonce where it was: the prediction
        // keeps what the pre-state's nonce named too.
        let first = std::mem::take(p);
        *p = predict_bumped(i, &bumps);
        p.absorb(first);
        again.push((i, bumps));
    }
    again
}

/// Walks the block in order and predicts again, with `predict_untrusting` (index and the
/// storage the transactions before it may write → a prediction that assumes none of it, such
/// as [`crate::Analyzer::predict_untrusting`]), every transaction that assumed a pre-state
/// storage value an earlier prediction may write: written outright, or covered by a widening
/// of that contract's storage. Run it before [`widen_stale_loads`]. Returns how many
/// transactions were predicted again.
///
/// ```
/// use alloy_primitives::{Address, U256};
/// use foresight_analyzer::{Location, Prediction, revise_stale_assumptions};
///
/// let (flag, fee) = (U256::ZERO, U256::from(1));
/// let token = Address::repeat_byte(1);
/// let mut writer = Prediction::default();
/// writer.access.writes.insert(Location::storage(token, flag));
/// let mut reader = Prediction::default();
/// reader.assumed = vec![Location::storage(token, flag), Location::storage(token, fee)];
/// let mut block = vec![reader.clone(), writer, reader];
/// let again = revise_stale_assumptions(&mut block, |_, untrusted| {
///     // The flag is not assumed again; the fee, which no earlier transaction writes, is.
///     assert_eq!(untrusted.slots_of(token), Some(&[flag][..]));
///     let mut p = Prediction::default();
///     p.assumed = vec![Location::storage(token, fee)];
///     p
/// });
/// assert_eq!(again, 1);
/// assert_eq!(block[0].assumed.len(), 2); // nothing before it writes the flag
/// assert_eq!(block[2].assumed, vec![Location::storage(token, fee)]); // predicted again
/// ```
pub fn revise_stale_assumptions(
    predictions: &mut [Prediction],
    mut predict_untrusting: impl FnMut(usize, &UntrustedStorage) -> Prediction,
) -> usize {
    if predictions.iter().all(|p| p.assumed.is_empty()) {
        return 0;
    }
    let mut earlier = UntrustedStorage::default();
    let mut again = 0;
    for (i, p) in predictions.iter_mut().enumerate() {
        if p.assumed.iter().any(|l| earlier.contains(l)) {
            *p = predict_untrusting(i, &earlier);
            again += 1;
        }
        earlier.add_writes_of(p);
    }
    again
}

/// Widens every prediction that loaded storage an earlier prediction of the block may write:
/// written outright, or covered by a widening of that contract's storage.
///
/// ```
/// use alloy_primitives::{Address, U256};
/// use foresight_analyzer::{Location, Prediction, Widening, WideningReason, widen_stale_loads};
///
/// let counter = Location::storage(Address::repeat_byte(1), U256::ZERO);
/// let mut mint = Prediction::default();
/// mint.access.writes.insert(counter);
/// mint.loads.push(counter);
/// let mut block = vec![mint.clone(), mint];
/// widen_stale_loads(&mut block);
/// assert!(block[0].access.widenings.is_empty());
/// let stale = Widening::Contract { address: counter.address(), reason: WideningReason::StaleLoad };
/// assert!(block[1].access.widenings.contains(&stale));
/// ```
pub fn widen_stale_loads(predictions: &mut [Prediction]) {
    let Some(mut earlier) = EarlierWrites::of(predictions.iter().map(|p| &p.loads)) else {
        return;
    };
    for p in predictions.iter_mut() {
        let mut stale: Vec<Address> = p
            .loads
            .iter()
            .filter(|l| earlier.may_write(l))
            .map(Location::address)
            .collect();
        stale.dedup();
        for address in stale {
            let widening = Widening::Contract {
                address,
                reason: WideningReason::StaleLoad,
            };
            if p.access.widenings.insert(widening) {
                p.details.push(WideningDetail {
                    reason: WideningReason::StaleLoad,
                    everything: false,
                    address: Some(address),
                    code_hash: None,
                    entry: None,
                });
            }
        }
        earlier.add(p);
    }
}

/// What the predictions walked so far may write, of the storage locations some prediction of
/// the block depends on: locations written outright, and contracts whose storage is widened.
struct EarlierWrites {
    /// The locations that matter.
    watched: HashSet<Location>,
    /// Their contracts.
    watched_contracts: AddressHashSet,
    written: HashSet<Location>,
    widened: AddressHashSet,
}

impl EarlierWrites {
    /// Watches every location of `lists`; `None` when there is none.
    fn of<'p>(lists: impl Iterator<Item = &'p Vec<Location>>) -> Option<Self> {
        let watched: HashSet<Location> = lists.flatten().copied().collect();
        if watched.is_empty() {
            return None;
        }
        Some(Self {
            watched_contracts: watched.iter().map(Location::address).collect(),
            watched,
            written: HashSet::default(),
            widened: AddressHashSet::default(),
        })
    }

    /// Whether a prediction walked so far may write `l`.
    fn may_write(&self, l: &Location) -> bool {
        self.written.contains(l) || self.widened.contains(&l.address())
    }

    /// Adds what `p` may write.
    fn add(&mut self, p: &Prediction) {
        let watched = &self.watched;
        self.written
            .extend(p.access.writes.iter().filter(|l| watched.contains(*l)));
        let contracts = &self.watched_contracts;
        self.widened
            .extend(p.access.widenings.iter().filter_map(|w| match w {
                Widening::Contract { address, .. } if contracts.contains(address) => Some(*address),
                _ => None,
            }));
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;

    use super::*;

    fn slot(contract: u8, slot: u64) -> Location {
        Location::storage(Address::repeat_byte(contract), U256::from(slot))
    }

    fn stale_contracts(p: &Prediction) -> Vec<Address> {
        p.access
            .widenings
            .iter()
            .filter_map(|w| match w {
                Widening::Contract {
                    address,
                    reason: WideningReason::StaleLoad,
                } => Some(*address),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_load_written_earlier_widens_its_contract_and_nothing_else() {
        let mut writer = Prediction::default();
        writer.access.writes.insert(slot(1, 0));
        let reader = Prediction {
            loads: vec![slot(1, 0), slot(2, 0)],
            ..Prediction::default()
        };
        let untouched = Prediction {
            loads: vec![slot(1, 1)],
            ..Prediction::default()
        };
        let mut block = vec![reader.clone(), writer, reader, untouched];
        widen_stale_loads(&mut block);
        assert!(stale_contracts(&block[0]).is_empty(), "nothing before it");
        assert_eq!(stale_contracts(&block[2]), vec![Address::repeat_byte(1)]);
        assert_eq!(block[2].details.len(), 1);
        // A load of another slot of that contract is stale only once the contract is widened.
        assert_eq!(stale_contracts(&block[3]), vec![Address::repeat_byte(1)]);
    }

    #[test]
    fn a_load_under_an_earlier_contract_widening_is_stale() {
        let mut widened = Prediction::default();
        widened.access.widenings.insert(Widening::Contract {
            address: Address::repeat_byte(1),
            reason: WideningReason::UnresolvedSlot,
        });
        let reader = Prediction {
            loads: vec![slot(1, 9)],
            ..Prediction::default()
        };
        let mut block = vec![widened, reader];
        widen_stale_loads(&mut block);
        assert_eq!(stale_contracts(&block[1]), vec![Address::repeat_byte(1)]);
    }

    #[test]
    fn blocks_without_loads_are_left_as_they_are() {
        let mut writer = Prediction::default();
        writer.access.writes.insert(slot(1, 0));
        let mut block = vec![writer.clone(), writer];
        let before = block.clone();
        widen_stale_loads(&mut block);
        assert_eq!(block, before);
    }
}
