//! The concurrent summary cache: one [`CodeEntry`] per code hash (decoded code, proxy pattern,
//! and the entry summaries analysed so far), plus memos by address and, for init code, by
//! content, so that a warm lookup does not hash the code with keccak256 again.
//!
//! Input: code bytes (and the address they were read from). Output: shared, immutable
//! summaries; each entry of each code is analysed at most once per cache lifetime (two threads
//! racing on a miss may both analyse; the first insert wins).

use std::sync::{Arc, OnceLock, RwLock};

use alloy_primitives::{
    Address, B256, Bytes, keccak256,
    map::{AddressHashMap, B256HashMap, HashMap},
};

use crate::{
    cfg::Code,
    dispatcher,
    expr::{FrameBlock, FrameFacts},
    interpret::{AnalysisLimits, PreStateReaders, StorageReader, analyze_entry, analyze_frame},
    proxy::{self, CodeProxy},
    summary::{ContractSummary, EntryKey, EntrySummary},
};

/// Everything cached about one code.
#[derive(Debug)]
pub struct CodeEntry {
    /// keccak256 of the code.
    pub hash: B256,
    /// The decoded code.
    pub code: Code,
    /// A proxy pattern recognised in the code itself.
    pub proxy: Option<CodeProxy>,
    /// Whether the code contains CALL-family, CREATE or SELFDESTRUCT opcodes.
    pub external: bool,
    entries: RwLock<HashMap<EntryKey, Arc<EntrySummary>>>,
    /// Summaries specialised to a calldata shape (see [`FrameFacts::shape`]).
    shaped: RwLock<HashMap<(EntryKey, FrameFacts), Specialised>>,
    /// Summaries of shapes seen by more than one frame, analysed again keeping more
    /// disjuncts per program point (see [`Specialisation::WideShape`]).
    wide: RwLock<HashMap<(EntryKey, FrameFacts), Specialised>>,
    /// Summaries specialised to one frame's exact calldata (kept apart, so that one-off
    /// frames never crowd out the shapes that frames alike share).
    exact: RwLock<HashMap<(EntryKey, FrameFacts), Specialised>>,
    /// Summaries of a selector and calldata length with the frame's storage taken from the
    /// pre-state (see [`Specialisation::Stored`]).
    stored: RwLock<HashMap<(EntryKey, FrameFacts), Specialised>>,
    /// Per entry, how often its storage-aware summary ([`Specialisation::Stored`]) was
    /// analysed again because the storage no longer held what it assumed; past
    /// [`MAX_STORED_REFRESHES`] (the storage keeps changing, or one code serves many
    /// contracts), or once such a summary decided no effect away, it is not worth analysing.
    stored_refreshes: RwLock<HashMap<EntryKey, u32>>,
    contract: OnceLock<Arc<ContractSummary>>,
}

/// A specialised summary, and a fingerprint of the frame that first asked for it (its whole
/// calldata and value), so that a frame seen again is not taken for another frame alike.
type Specialised = (Arc<EntrySummary>, u64);

/// What a specialised summary is specialised to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Specialisation {
    /// A calldata shape, shared by frames alike (at most [`MAX_SHAPES_PER_CODE`] kept).
    Shape,
    /// A calldata shape again, with a larger analysis bound: worth paying only for a shape that
    /// recurs, once instead of an exact analysis per frame (at most [`MAX_SHAPES_PER_CODE`]).
    WideShape,
    /// One frame's calldata (at most [`MAX_EXACT_PER_CODE`] kept).
    Exact,
    /// The selector and calldata length with the frame's storage from the pre-state (see
    /// [`FrameFacts::selector_with_storage`]), for an entry whose
    /// general summary is closed but branches on fixed storage slots (a fee rate, a pause
    /// flag; see [`EntrySummary::storage_branches`]); at most [`MAX_SHAPES_PER_CODE`] kept.
    Stored,
}

/// Most calldata shapes kept per code (past it, new shapes are analysed but not kept).
pub const MAX_SHAPES_PER_CODE: usize = 1024;
/// Most times a storage-aware summary of one entry is analysed again because the storage it
/// assumed changed (per cache lifetime); past it, the entry is not analysed so any more.
pub const MAX_STORED_REFRESHES: u32 = 4;
/// Most exact-calldata summaries kept per code (past it, new ones are analysed but not kept).
pub const MAX_EXACT_PER_CODE: usize = 1024;

impl CodeEntry {
    fn new(hash: B256, raw: Bytes) -> Self {
        let proxy = proxy::detect(&raw);
        let code = Code::new(raw);
        Self {
            hash,
            external: code.has_external_effects(),
            code,
            proxy,
            entries: RwLock::new(HashMap::default()),
            shaped: RwLock::new(HashMap::default()),
            wide: RwLock::new(HashMap::default()),
            exact: RwLock::new(HashMap::default()),
            stored: RwLock::new(HashMap::default()),
            stored_refreshes: RwLock::new(HashMap::default()),
            contract: OnceLock::new(),
        }
    }

    /// The summary of one entry, analysed on first use.
    pub fn entry(&self, key: EntryKey, limits: &AnalysisLimits) -> Arc<EntrySummary> {
        if let Ok(map) = self.entries.read()
            && let Some(s) = map.get(&key)
        {
            return s.clone();
        }
        let s = Arc::new(analyze_entry(&self.code, key, limits));
        match self.entries.write() {
            Ok(mut map) => map.entry(key).or_insert(s).clone(),
            Err(_) => s,
        }
    }

    /// The summary of one entry for frames whose calldata is known as `facts` (a shape, or one
    /// frame's exact calldata), analysed on first use with `limits` (and what `pre_state`
    /// reads, when given); and whether another frame (`frame` is a fingerprint of the asking
    /// frame) had the same facts before.
    pub fn specialised_entry(
        &self,
        key: EntryKey,
        facts: FrameFacts,
        kind: Specialisation,
        limits: &AnalysisLimits,
        frame: u64,
        mut pre_state: Option<PreStateReaders<'_>>,
    ) -> (Arc<EntrySummary>, bool) {
        let (cache, bound) = match kind {
            Specialisation::Shape => (&self.shaped, MAX_SHAPES_PER_CODE),
            Specialisation::WideShape => (&self.wide, MAX_SHAPES_PER_CODE),
            Specialisation::Exact => (&self.exact, MAX_EXACT_PER_CODE),
            Specialisation::Stored => (&self.stored, MAX_SHAPES_PER_CODE),
        };
        let k = (key, facts);
        let cached = cache.read().ok().and_then(|map| map.get(&k).cloned());
        match cached {
            Some((s, first))
                if still_holds(&s, k.1.block, pre_state.as_mut().map(|p| &mut p.storage)) =>
            {
                return (s, first != frame);
            }
            Some(_) if kind == Specialisation::Stored => {
                if let Ok(mut r) = self.stored_refreshes.write() {
                    let n = r.entry(key).or_default();
                    *n = n.saturating_add(1);
                }
            }
            _ => {}
        }
        let s = Arc::new(analyze_frame(
            &self.code,
            key,
            k.1.clone(),
            limits,
            pre_state,
        ));
        match cache.write() {
            Ok(mut map) if map.len() < bound || map.contains_key(&k) => {
                let (s, first) = map
                    .entry(k)
                    .and_modify(|kept| kept.0 = s.clone())
                    .or_insert((s, frame));
                (s.clone(), *first != frame)
            }
            _ => (s, false),
        }
    }

    /// Whether a storage-aware summary of `key` is worth asking for: false once one kept
    /// every effect of the general summary, or once the storage it assumed changed more than
    /// [`MAX_STORED_REFRESHES`] times.
    pub fn storage_may_decide(&self, key: EntryKey) -> bool {
        self.stored_refreshes
            .read()
            .is_ok_and(|r| r.get(&key).is_none_or(|&n| n <= MAX_STORED_REFRESHES))
    }

    /// Records that knowing the storage decided no effect of `key` away.
    pub fn storage_decided_nothing(&self, key: EntryKey) {
        if let Ok(mut r) = self.stored_refreshes.write() {
            r.insert(key, u32::MAX);
        }
    }

    /// The summary of every dispatched entry.
    pub fn contract(&self, limits: &AnalysisLimits) -> Arc<ContractSummary> {
        self.contract
            .get_or_init(|| {
                let selectors = dispatcher::selectors(&self.code);
                let mut entries: Vec<_> = selectors
                    .iter()
                    .map(|s| self.entry(EntryKey::Selector(*s), limits))
                    .collect();
                entries.push(self.entry(EntryKey::Empty, limits));
                Arc::new(ContractSummary {
                    code_hash: self.hash,
                    code_len: self.code.len(),
                    selectors: selectors.iter().map(|s| format!("{s:#010x}")).collect(),
                    proxy: self.proxy.map(|p| match p {
                        CodeProxy::Eip1167(a) => format!("eip1167 {a}"),
                        CodeProxy::Eip7702(a) => format!("eip7702 {a}"),
                    }),
                    entries,
                })
            })
            .clone()
    }
}

/// Whether a summary still holds: it was analysed in this block, or did not use the block,
/// and the storage it took as known still holds the values it assumed.
fn still_holds(
    summary: &EntrySummary,
    block: Option<FrameBlock>,
    storage: Option<&mut StorageReader<'_>>,
) -> bool {
    if summary.block.is_some() && summary.block != block {
        return false;
    }
    match storage {
        None => summary.assumed.is_empty(),
        Some(read) => summary
            .assumed
            .iter()
            .all(|&(slot, value)| read(slot) == Some(value)),
    }
}

/// Totals over the summaries the cache keeps (general and specialised), for reports and
/// tuning. Steps measure analysis cost deterministically, unlike time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CacheStats {
    /// Distinct codes.
    pub codes: usize,
    /// Entry summaries analysed.
    pub entries: usize,
    /// Instructions interpreted over all entries.
    pub steps: u64,
    /// Entries that ran out of their analysis budget.
    pub incomplete: usize,
    /// Of `steps`, those interpreted by the entries that ran out of their budget: analysis
    /// spent on summaries that widen anyway.
    pub incomplete_steps: u64,
}

impl std::ops::AddAssign for CacheStats {
    fn add_assign(&mut self, other: Self) {
        self.codes += other.codes;
        self.entries += other.entries;
        self.steps += other.steps;
        self.incomplete += other.incomplete;
        self.incomplete_steps += other.incomplete_steps;
    }
}

/// Code hash → entry; address → (code, entry), and code that lives at no address (init code)
/// → entry, for warm lookups that do not hash the code with keccak256 again.
#[derive(Debug, Default)]
pub struct Cache {
    by_hash: RwLock<B256HashMap<Arc<CodeEntry>>>,
    by_address: RwLock<AddressHashMap<(Bytes, Arc<CodeEntry>)>>,
    by_code: RwLock<HashMap<Bytes, Arc<CodeEntry>>>,
}

impl Cache {
    /// The entry for `code`, read from `address` if given; `known_hash` gives the code's
    /// keccak256 when the caller already has it (asked only on a miss of the memos).
    pub fn get(
        &self,
        address: Option<Address>,
        code: &Bytes,
        known_hash: impl FnOnce() -> Option<B256>,
    ) -> Arc<CodeEntry> {
        let mut known_hash = Some(known_hash);
        let mut hash = None;
        if let Some(a) = address
            && let Ok(map) = self.by_address.read()
            && let Some((b, e)) = map.get(&a)
        {
            if std::ptr::eq(b.as_ptr(), code.as_ptr()) && b.len() == code.len() {
                return e.clone();
            }
            // The same code read from another copy of the state (another block): compare
            // hashes when the caller has one, instead of the whole code.
            hash = known_hash.take().and_then(|h| h());
            if hash.map_or(b == code, |h| h == e.hash) {
                return e.clone();
            }
        }
        if address.is_none()
            && let Ok(map) = self.by_code.read()
            && let Some(e) = map.get(code)
        {
            return e.clone();
        }
        let hash = hash
            .or_else(|| known_hash.and_then(|h| h()))
            .unwrap_or_else(|| keccak256(code));
        let found = self.by_hash.read().ok().and_then(|m| m.get(&hash).cloned());
        let entry = match found {
            Some(e) => e,
            None => {
                let e = Arc::new(CodeEntry::new(hash, code.clone()));
                match self.by_hash.write() {
                    Ok(mut m) => m.entry(hash).or_insert(e).clone(),
                    Err(_) => e,
                }
            }
        };
        match address {
            Some(a) => {
                if let Ok(mut map) = self.by_address.write() {
                    map.insert(a, (code.clone(), entry.clone()));
                }
            }
            None => {
                if let Ok(mut map) = self.by_code.write() {
                    map.insert(code.clone(), entry.clone());
                }
            }
        }
        entry
    }

    /// Totals over every cached entry summary.
    pub fn stats(&self) -> CacheStats {
        let mut st = CacheStats::default();
        if let Ok(m) = self.by_hash.read() {
            st.codes = m.len();
            for e in m.values() {
                let general = e.entries.read().ok();
                let shaped = e.shaped.read().ok();
                let wide = e.wide.read().ok();
                let exact = e.exact.read().ok();
                let stored = e.stored.read().ok();
                let all = general.iter().flat_map(|m| m.values()).chain(
                    [&shaped, &wide, &exact, &stored]
                        .into_iter()
                        .flatten()
                        .flat_map(|m| m.values().map(|(s, _)| s)),
                );
                for s in all {
                    st.entries += 1;
                    st.steps += s.steps as u64;
                    if !s.complete {
                        st.incomplete += 1;
                        st.incomplete_steps += s.steps as u64;
                    }
                }
            }
        }
        st
    }

    /// Forgets everything.
    pub fn clear(&self) {
        if let Ok(mut m) = self.by_hash.write() {
            m.clear();
        }
        if let Ok(mut m) = self.by_address.write() {
            m.clear();
        }
        if let Ok(mut m) = self.by_code.write() {
            m.clear();
        }
    }

    /// Number of distinct codes cached.
    pub fn len(&self) -> usize {
        self.by_hash.read().map(|m| m.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;

    use super::*;

    #[test]
    fn a_known_code_hash_finds_the_entry_that_hashing_finds() {
        let code = Bytes::from_static(&[0x60, 0x01, 0x60, 0x00, 0x55, 0x00]);
        let cache = Cache::default();
        let hashed = cache.get(None, &code, || None);
        assert_eq!(hashed.hash, keccak256(&code));
        let given = cache.get(None, &code, || Some(keccak256(&code)));
        assert!(Arc::ptr_eq(&hashed, &given));
        // The address memo answers without asking for the hash at all.
        let a = Address::repeat_byte(7);
        let first = cache.get(Some(a), &code, || Some(keccak256(&code)));
        let again = cache.get(Some(a), &code, || panic!("hash asked on a memo hit"));
        assert!(Arc::ptr_eq(&first, &again) && Arc::ptr_eq(&first, &hashed));
        // So does the memo of code at no address, for equal code in another buffer.
        let copy = Bytes::copy_from_slice(&code);
        let init = cache.get(None, &copy, || panic!("hash asked on a memo hit"));
        assert!(Arc::ptr_eq(&init, &hashed));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn code_at_an_address_read_from_another_state_is_matched_by_its_hash() {
        let code = Bytes::from_static(&[0x60, 0x01, 0x60, 0x00, 0x55, 0x00]);
        let other = Bytes::from_static(&[0x60, 0x02, 0x60, 0x00, 0x55, 0x00]);
        let a = Address::repeat_byte(7);
        let cache = Cache::default();
        let first = cache.get(Some(a), &code, || Some(keccak256(&code)));
        // The same code in another buffer (another block's state): the hash decides.
        let copy = Bytes::copy_from_slice(&code);
        let again = cache.get(Some(a), &copy, || Some(keccak256(&code)));
        assert!(Arc::ptr_eq(&first, &again));
        // Without a hash, the bytes do.
        let unhashed = cache.get(Some(a), &copy, || None);
        assert!(Arc::ptr_eq(&first, &unhashed));
        // Other code now at that address (a redeployment) is another entry, with or without
        // a hash.
        let replaced = cache.get(Some(a), &other, || Some(keccak256(&other)));
        assert_eq!(replaced.hash, keccak256(&other));
        let other_copy = Bytes::copy_from_slice(&other);
        let unhashed = cache.get(Some(a), &other_copy, || None);
        assert!(Arc::ptr_eq(&replaced, &unhashed));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn stats_count_the_steps_of_summaries_that_ran_out_of_budget() {
        // sstore(0, 1); sstore(1, 2); stop
        let code = Bytes::from_static(&[
            0x60, 0x01, 0x60, 0x00, 0x55, 0x60, 0x02, 0x60, 0x01, 0x55, 0x00,
        ]);
        let stats = |limits: &AnalysisLimits| {
            let cache = Cache::default();
            let summary = cache.get(None, &code, || None).entry(EntryKey::Any, limits);
            (summary, cache.stats())
        };
        let (full, complete) = stats(&AnalysisLimits::default());
        assert!(full.complete);
        assert_eq!((complete.entries, complete.incomplete), (1, 0));
        assert_eq!(complete.steps, u64::from(full.steps));
        assert_eq!(complete.incomplete_steps, 0);

        let tight = AnalysisLimits {
            max_steps: 3,
            ..AnalysisLimits::default()
        };
        let (cut, incomplete) = stats(&tight);
        assert!(!cut.complete);
        assert_eq!((incomplete.entries, incomplete.incomplete), (1, 1));
        assert_eq!(incomplete.incomplete_steps, u64::from(cut.steps));
        assert_eq!(incomplete.steps, incomplete.incomplete_steps);

        let mut sum = complete;
        sum += incomplete;
        assert_eq!(sum.entries, 2);
        assert_eq!(sum.steps, complete.steps + incomplete.steps);
        assert_eq!(sum.incomplete_steps, incomplete.incomplete_steps);
    }

    #[test]
    fn a_summary_that_assumed_storage_is_reused_only_while_the_storage_holds() {
        // if (sload(0)) sstore(3, 1)
        let code = flag_then_store(&[]);
        let entry = Cache::default().get(None, &code, || None);
        let facts = FrameFacts {
            pre_state: true,
            ..FrameFacts::default()
        };
        let limits = AnalysisLimits::default();
        let analyse = |flag: u64| {
            let mut read = |_slot: U256| Some(U256::from(flag));
            let (s, _) = entry.specialised_entry(
                EntryKey::Empty,
                facts.clone(),
                Specialisation::Exact,
                &limits,
                0,
                Some(PreStateReaders {
                    storage: &mut read,
                    callees: None,
                }),
            );
            s
        };
        let on = analyse(1);
        assert_eq!(on.lines(), ["read 0x0", "write 0x3"]);
        assert!(Arc::ptr_eq(&on, &analyse(1)), "reused while the flag holds");
        let off = analyse(0);
        assert_eq!(off.lines(), ["read 0x0"]);
        assert_eq!(&*off.assumed, &[(U256::ZERO, U256::ZERO)]);
    }

    #[test]
    fn a_summary_with_slots_withheld_is_kept_apart() {
        // if (sload(0)) sstore(3, 1): with the flag withheld (an earlier write may have
        // changed it) the store may happen; the summary that read the flag stays cached.
        let code = flag_then_store(&[]);
        let entry = Cache::default().get(None, &code, || None);
        let limits = AnalysisLimits::default();
        let analyse = |withheld: &[u64]| {
            let withheld: Box<[U256]> = withheld.iter().map(|&s| U256::from(s)).collect();
            let facts = FrameFacts {
                pre_state: true,
                withheld: withheld.clone(),
                ..FrameFacts::default()
            };
            let mut read = |slot: U256| (!withheld.contains(&slot)).then_some(U256::ZERO);
            let (s, _) = entry.specialised_entry(
                EntryKey::Empty,
                facts,
                Specialisation::Exact,
                &limits,
                0,
                Some(PreStateReaders {
                    storage: &mut read,
                    callees: None,
                }),
            );
            s
        };
        let trusted = analyse(&[]);
        assert_eq!(trusted.lines(), ["read 0x0"]);
        let withheld = analyse(&[0]);
        assert!(withheld.assumed.is_empty());
        assert!(
            withheld.lines().iter().any(|l| l.starts_with("write 0x3")),
            "{:?}",
            withheld.lines()
        );
        assert!(Arc::ptr_eq(&trusted, &analyse(&[])), "still cached");
    }

    #[test]
    fn a_summary_that_used_its_block_serves_that_block_only() {
        // sload(TIMESTAMP), and a code that ignores the block: the first is analysed again in
        // another block, the second kept.
        let at = |timestamp| FrameFacts {
            block: Some(FrameBlock {
                number: 1,
                timestamp,
            }),
            ..FrameFacts::default()
        };
        let analyse = |entry: &CodeEntry, timestamp| {
            let (s, _) = entry.specialised_entry(
                EntryKey::Empty,
                at(timestamp),
                Specialisation::Exact,
                &AnalysisLimits::default(),
                0,
                None,
            );
            s
        };
        let cache = Cache::default();
        let timed = cache.get(None, &Bytes::from_static(&[0x42, 0x54, 0x00]), || None);
        let first = analyse(&timed, 7);
        assert_eq!(first.lines(), ["read 0x7"]);
        assert!(
            Arc::ptr_eq(&first, &analyse(&timed, 7)),
            "same block: cached"
        );
        assert_eq!(analyse(&timed, 8).lines(), ["read 0x8"]);
        let plain = cache.get(None, &Bytes::from_static(&[0x60, 0x01, 0x54, 0x00]), || {
            None
        });
        let first = analyse(&plain, 7);
        assert_eq!(first.block, None);
        assert!(
            Arc::ptr_eq(&first, &analyse(&plain, 8)),
            "block unused: cached"
        );
    }

    #[test]
    fn stats_count_storage_aware_summaries() {
        // if (sload(0)) sstore(3, 1), with the flag taken from the pre-state.
        let code = flag_then_store(&[]);
        let cache = Cache::default();
        let entry = cache.get(None, &code, || None);
        let stored = with_storage(&entry, Specialisation::Stored, 1);
        let stats = cache.stats();
        assert_eq!(stats.entries, 1);
        assert_eq!(stats.steps, u64::from(stored.steps));
    }

    #[test]
    fn a_storage_aware_entry_whose_storage_keeps_changing_is_given_up() {
        // if (sload(0)) sstore(3, 1), analysed against a flag that changes every time.
        let code = flag_then_store(&[]);
        let entry = Cache::default().get(None, &code, || None);
        let facts = FrameFacts::selector_with_storage(&[], None, None);
        for flag in 0..=u64::from(MAX_STORED_REFRESHES) + 1 {
            assert!(entry.storage_may_decide(EntryKey::Empty), "flag {flag}");
            let mut read = |_slot: U256| Some(U256::from(flag));
            entry.specialised_entry(
                EntryKey::Empty,
                facts.clone(),
                Specialisation::Stored,
                &AnalysisLimits::default(),
                0,
                Some(PreStateReaders {
                    storage: &mut read,
                    callees: None,
                }),
            );
        }
        assert!(!entry.storage_may_decide(EntryKey::Empty));
        let other = Cache::default().get(None, &code, || None);
        other.storage_decided_nothing(EntryKey::Empty);
        assert!(!other.storage_may_decide(EntryKey::Empty));
    }

    /// `prefix` followed by `if (sload(0)) sstore(3, 1)`.
    fn flag_then_store(prefix: &[u8]) -> Bytes {
        let dest = u8::try_from(prefix.len() + 7).expect("a short prefix");
        let mut code = prefix.to_vec();
        code.extend([0x60, 0x00, 0x54, 0x60, dest, 0x57, 0x00]);
        code.extend([0x5b, 0x60, 0x01, 0x60, 0x03, 0x55, 0x00]);
        code.into()
    }

    /// Analyses [`flag_then_store`] of `prefix` against a storage whose every slot holds
    /// zero; returns the lines of the summary and the slots it assumed.
    fn after(prefix: &[u8]) -> (Vec<String>, Vec<U256>) {
        let entry = Cache::default().get(None, &flag_then_store(prefix), || None);
        let s = with_storage(&entry, Specialisation::Exact, 0);
        (s.lines(), s.assumed.iter().map(|&(slot, _)| slot).collect())
    }

    /// The `kind` summary of `entry`'s code with every slot of its storage holding `value`.
    fn with_storage(entry: &CodeEntry, kind: Specialisation, value: u64) -> Arc<EntrySummary> {
        let facts = FrameFacts {
            pre_state: true,
            ..FrameFacts::default()
        };
        let mut read = |_slot: U256| Some(U256::from(value));
        let (s, _) = entry.specialised_entry(
            EntryKey::Empty,
            facts,
            kind,
            &AnalysisLimits::default(),
            0,
            Some(PreStateReaders {
                storage: &mut read,
                callees: None,
            }),
        );
        s
    }

    #[test]
    fn a_store_to_another_constant_slot_keeps_the_pre_state_value() {
        // sstore(1, 1): slot 0 still holds its pre-state value, so the branch is decided.
        let (lines, assumed) = after(&[0x60, 0x01, 0x60, 0x01, 0x55]);
        assert_eq!(lines, ["read 0x0", "write 0x1"]);
        assert_eq!(assumed, [U256::ZERO]);
    }

    #[test]
    fn a_load_of_a_slot_the_path_stored_to_is_unknown() {
        // sstore(0, 1): the load of slot 0 is not the pre-state value; both branches stay.
        let (lines, assumed) = after(&[0x60, 0x01, 0x60, 0x00, 0x55]);
        assert!(lines.contains(&"write 0x3".to_owned()), "{lines:?}");
        assert!(assumed.is_empty());
    }

    #[test]
    fn after_a_call_that_may_re_enter_loads_stay_symbolic() {
        // call(gas, 0x42, 0, 0, 0, 0, 0): the callee may re-enter and store anything.
        let call = [
            0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x42, 0x5a, 0xf1,
            0x50,
        ];
        let (lines, assumed) = after(&call);
        assert!(lines.contains(&"write 0x3".to_owned()), "{lines:?}");
        assert!(assumed.is_empty());
    }
}
