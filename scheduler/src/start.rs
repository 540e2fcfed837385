//! Start points: for each transaction, how many transactions must be committed before it can
//! run and expect to read only final values.
//!
//! Input: the predicted access sets of a block, in block order. Output: one count per
//! transaction (0: it can run against the pre-state straight away), and the number of waves
//! that plan takes.
//!
//! The parallel executor commits in block order and validates every value a run read, so a
//! later transaction's writes can never reach an earlier transaction's reads, and a credit is
//! applied as a delta at commit. Of the scheduler's conflicts, only *read after write* can make
//! a speculative run wrong: a transaction waits for the latest earlier transaction that may
//! write (or credit) a location it may read. Its own writes count as reads, because revm loads
//! an account or slot before changing it; its pure credits count as nothing. Whole-state and
//! whole-contract widenings stand for reads and writes of everything they cover. The
//! scheduler's layers also order write-after-read and credit-after-access pairs (a layer's
//! members may commit in any order); with in-order commits those edges would only make
//! transactions wait for nothing, such as every transaction waiting for an early one that
//! touched the block's beneficiary.
//!
//! Cost: one hash-map probe per distinct predicted location (a written one is read and replaced
//! in the same probe), one per contract whose slots are listed, and one update per credit and
//! per contract written or widened. The map is keyed by a 64-bit fingerprint of each location
//! rather than the location itself (a 56-byte key hashed byte by byte): small entries keep the
//! table in cache. Two locations with the same fingerprint share an entry, so a collision can
//! only make a transaction wait longer, never less: start points stay sound, validation keeps
//! results exact either way.

use alloy_primitives::{Address, U256, map::HashMap};
use foresight_analyzer::{AccessSet, Location};

/// What a fingerprint stands for, mixed into it so that an account's balance, nonce, code,
/// slots and whole storage get unrelated keys (they may still collide, like any two).
#[derive(Clone, Copy)]
enum Key {
    Balance = 1,
    Nonce,
    Code,
    Slot,
    AnySlot,
    WholeStorage,
}

/// A 64-bit fingerprint of `(key, address, slot)`: each word multiplied into the state and
/// folded (as in FxHash), then finished with a murmur3-style avalanche.
fn fingerprint(key: Key, address: &Address, slot: &U256) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes = address.as_slice();
    let word = |range: std::ops::Range<usize>| {
        let mut w = [0u8; 8];
        w[..range.len()].copy_from_slice(&bytes[range]);
        u64::from_le_bytes(w)
    };
    let limbs = slot.as_limbs();
    let mut h = key as u64;
    for w in [
        word(0..8),
        word(8..16),
        word(16..20),
        limbs[0],
        limbs[1],
        limbs[2],
        limbs[3],
    ] {
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

fn location_key(location: &Location) -> u64 {
    match *location {
        Location::Balance { address } => account_key(Key::Balance, &address),
        Location::Nonce { address } => account_key(Key::Nonce, &address),
        Location::Code { address } => account_key(Key::Code, &address),
        Location::Storage { address, slot } => fingerprint(Key::Slot, &address, &slot),
    }
}

fn account_key(key: Key, address: &Address) -> u64 {
    fingerprint(key, address, &U256::ZERO)
}

/// The latest writer of everything a transaction may write, by how precisely it is known.
#[derive(Debug, Default)]
struct LatestWriters {
    /// Per fingerprint: the latest transaction that may write or credit a location with it,
    /// plus one. Per contract, also: the latest that may write any of its slots (a listed slot
    /// or a widening), and the latest widened to all of its storage.
    latest: HashMap<u64, usize>,
    /// The latest transaction widened to the whole state, plus one.
    everything: usize,
    /// Transactions seen so far.
    seen: usize,
    /// Whether a whole-state widening counts only its listed locations.
    speculate_barriers: bool,
}

impl LatestWriters {
    fn latest(&self, key: u64) -> usize {
        self.latest.get(&key).copied().unwrap_or(0)
    }

    /// The latest writer of `key` before transaction `me`. An entry that already holds `me`
    /// shares its fingerprint with a location `me` writes: its earlier value was counted when
    /// `me` replaced it.
    fn latest_before(&self, key: u64, me: usize) -> usize {
        match self.latest(key) {
            latest if latest == me => 0,
            latest => latest,
        }
    }

    /// For a slot of a contract other than `contract` (the previous slot's), the latest
    /// transaction widened to all of its storage; 0 otherwise.
    fn after_widened_storage(
        &self,
        location: &Location,
        contract: &mut Option<Address>,
        me: usize,
    ) -> usize {
        match *location {
            Location::Storage { address, .. } if *contract != Some(address) => {
                *contract = Some(address);
                self.latest_before(account_key(Key::WholeStorage, &address), me)
            }
            _ => 0,
        }
    }

    /// The start point of the next transaction, `set`; then records what it may write.
    fn admit(&mut self, set: &AccessSet) -> usize {
        self.seen += 1;
        let me = self.seen;
        if set.is_everything() && !self.speculate_barriers {
            // It may read what any earlier transaction wrote, and write anything.
            self.everything = me;
            return me - 1;
        }
        let mut start = self.everything;
        for address in set.widened_contracts() {
            start = start.max(self.latest_before(account_key(Key::AnySlot, &address), me));
        }
        // Each location once (both lists are sorted: their union is a merge), in one probe
        // for a written one: its latest writer is read and replaced together. A slot also
        // waits for the latest transaction widened to all of its contract's storage, looked
        // up once per contract (a contract's slots are adjacent in the order).
        let mut writes = set.writes.iter().peekable();
        let mut contract = None;
        for location in set.reads.union(&set.writes) {
            start = start.max(self.after_widened_storage(location, &mut contract, me));
            let key = location_key(location);
            if writes.next_if(|w| *w == location).is_some() {
                let before = std::mem::replace(self.latest.entry(key).or_insert(0), me);
                if before != me {
                    start = start.max(before);
                }
            } else {
                start = start.max(self.latest_before(key, me));
            }
        }
        // Recorded only now, after every lookup: a set may widen one contract for several
        // reasons, and these entries are replaced without being read.
        for address in set.widened_contracts() {
            self.latest
                .insert(account_key(Key::WholeStorage, &address), me);
            self.latest.insert(account_key(Key::AnySlot, &address), me);
        }
        let mut contract = None;
        for location in &set.writes {
            if let Location::Storage { address, .. } = *location
                && contract != Some(address)
            {
                contract = Some(address);
                self.latest.insert(account_key(Key::AnySlot, &address), me);
            }
        }
        for address in &set.credits {
            self.latest.insert(account_key(Key::Balance, address), me);
        }
        start
    }
}

/// For each transaction of a block with predicted `access_sets`, the number of transactions
/// that must be committed before it runs: one more than the latest earlier transaction that may
/// write what it may read (0 when there is none).
///
/// With `speculate_barriers`, a transaction widened to the whole state counts only the
/// locations its prediction lists: it and the transactions after it run without waiting for
/// one another beyond those, and validation at commit catches what the prediction could not
/// name (the run is then re-executed). Without it, such a transaction waits for every earlier
/// one and every later one waits for it.
///
/// ```
/// use alloy_primitives::{Address, U256};
/// use foresight_analyzer::{AccessSet, Location};
/// use foresight_scheduler::start_points;
///
/// let slot = Location::storage(Address::repeat_byte(1), U256::ZERO);
/// let mut write = AccessSet::new();
/// write.writes.insert(slot);
/// let mut read = AccessSet::new();
/// read.reads.insert(slot);
/// // A read waits for the write before it; a write after reads waits for nothing: commits
/// // are in block order, so it can never reach the reads before it.
/// assert_eq!(start_points(&[read.clone(), write, read, AccessSet::new()], false), [0, 0, 2, 0]);
/// ```
pub fn start_points(access_sets: &[AccessSet], speculate_barriers: bool) -> Vec<usize> {
    let mut writers = LatestWriters {
        latest: HashMap::with_capacity_and_hasher(2 * access_sets.len(), Default::default()),
        speculate_barriers,
        ..LatestWriters::default()
    };
    access_sets.iter().map(|set| writers.admit(set)).collect()
}

/// The rounds a block takes when every transaction starts as soon as its start point is
/// committed and each round takes one transaction's time: a transaction's wave is one more than
/// the latest wave among the transactions it waits for (the first `start_after[i]`). The
/// counterpart of [`crate::Layers::len`] for start points; never more, as start points keep a
/// subset of the conflicts. Linear in the block.
///
/// ```
/// use foresight_scheduler::waves;
///
/// assert_eq!(waves(&[]), 0);
/// assert_eq!(waves(&[0, 0, 0]), 1); // independent
/// assert_eq!(waves(&[0, 1, 2]), 3); // a chain
/// assert_eq!(waves(&[0, 0, 2, 0]), 2); // the third waits for both before it
/// ```
pub fn waves(start_after: &[usize]) -> usize {
    // Highest wave among the first k transactions, for each k.
    let mut highest = Vec::with_capacity(start_after.len() + 1);
    highest.push(0usize);
    for &start in start_after {
        let wave = highest[start.min(highest.len() - 1)] + 1;
        let last = highest[highest.len() - 1];
        highest.push(last.max(wave));
    }
    highest[highest.len() - 1]
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, U256};
    use foresight_analyzer::{Widening, WideningReason};

    use super::*;

    fn slot(contract: u8, slot: u64) -> Location {
        Location::storage(Address::repeat_byte(contract), U256::from(slot))
    }

    fn set(reads: &[Location], writes: &[Location]) -> AccessSet {
        AccessSet {
            reads: reads.iter().copied().collect(),
            writes: writes.iter().copied().collect(),
            ..AccessSet::new()
        }
    }

    fn widened(contract: u8) -> AccessSet {
        let mut set = AccessSet::new();
        set.widenings.insert(Widening::Contract {
            address: Address::repeat_byte(contract),
            reason: WideningReason::UnresolvedSlot,
        });
        set
    }

    #[test]
    fn writes_wait_for_earlier_writes_because_revm_loads_before_it_stores() {
        let w = set(&[], &[slot(1, 0)]);
        assert_eq!(start_points(&[w.clone(), w.clone(), w], false), [0, 1, 2]);
    }

    #[test]
    fn credits_wait_for_nothing_and_readers_wait_for_credits() {
        let coinbase = Address::repeat_byte(9);
        let mut paid = set(
            &[Location::balance(coinbase)],
            &[Location::balance(coinbase)],
        );
        let mut fee = AccessSet::new();
        fee.credits.insert(coinbase);
        let reader = set(&[Location::balance(coinbase)], &[]);
        assert_eq!(
            start_points(&[paid.clone(), fee.clone(), fee.clone(), reader], false),
            [0, 0, 0, 3]
        );
        paid.credits.insert(coinbase);
        assert_eq!(start_points(&[fee.clone(), paid], false), [0, 1]);
    }

    #[test]
    fn fingerprints_tell_apart_kinds_addresses_and_slots() {
        let a = Address::repeat_byte(1);
        let b = Address::with_last_byte(1);
        let keys = [
            location_key(&Location::balance(a)),
            location_key(&Location::nonce(a)),
            location_key(&Location::code(a)),
            location_key(&Location::storage(a, U256::ZERO)),
            location_key(&Location::storage(a, U256::from(1))),
            location_key(&Location::storage(a, U256::from(1) << 192)),
            location_key(&Location::balance(b)),
            account_key(Key::AnySlot, &a),
            account_key(Key::WholeStorage, &a),
        ];
        let distinct: std::collections::BTreeSet<u64> = keys.iter().copied().collect();
        assert_eq!(distinct.len(), keys.len());
    }

    #[test]
    fn waves_follow_the_start_points() {
        let barrier = AccessSet::everything(WideningReason::UnresolvedCallTarget);
        let free = AccessSet::new();
        let block = [free.clone(), free.clone(), barrier, free.clone(), free];
        assert_eq!(waves(&start_points(&block, false)), 3);
        assert_eq!(waves(&start_points(&block, true)), 1);
    }

    #[test]
    fn barriers_wait_for_everything_before_and_hold_up_everything_after() {
        let barrier = AccessSet::everything(WideningReason::UnresolvedCallTarget);
        let free = AccessSet::new();
        let block = [free.clone(), free.clone(), barrier, free.clone(), free];
        assert_eq!(start_points(&block, false), [0, 0, 2, 3, 3]);
    }

    #[test]
    fn speculated_barriers_keep_only_the_locations_they_list() {
        let mut barrier = AccessSet::everything(WideningReason::UnresolvedCallTarget);
        barrier.reads.insert(slot(1, 0));
        barrier.writes.insert(slot(1, 1));
        let block = [
            set(&[], &[slot(1, 0)]),
            set(&[], &[slot(2, 0)]),
            barrier,
            set(&[slot(1, 1)], &[]),
            AccessSet::new(),
        ];
        assert_eq!(start_points(&block, true), [0, 0, 1, 3, 0]);
    }

    #[test]
    fn a_contract_widened_for_two_reasons_waits_only_for_earlier_transactions() {
        let mut twice = widened(1);
        twice.widenings.insert(Widening::Contract {
            address: Address::repeat_byte(1),
            reason: WideningReason::UnboundedLoop,
        });
        assert_eq!(start_points(&[twice.clone(), twice], false), [0, 1]);
    }

    #[test]
    fn contract_widenings_read_and_write_every_slot_of_their_contract() {
        let write = set(&[], &[slot(1, 5)]);
        let read_other = set(&[slot(2, 5)], &[]);
        let read = set(&[slot(1, 7)], &[]);
        assert_eq!(
            start_points(
                &[write, read_other.clone(), widened(1), read, read_other],
                false
            ),
            [0, 0, 1, 3, 0]
        );
    }
}
