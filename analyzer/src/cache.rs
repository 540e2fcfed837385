//! The concurrent summary cache: one [`CodeEntry`] per code hash (decoded code, proxy pattern,
//! and the entry summaries analysed so far), plus a per-address memo so that a warm lookup does
//! not hash the code again.
//!
//! Input: code bytes (and the address they were read from). Output: shared, immutable
//! summaries; each entry of each code is analysed at most once per cache lifetime (two threads
//! racing on a miss may both analyse; the first insert wins).

use std::sync::{Arc, OnceLock, RwLock};

use alloy_primitives::{
    Address, B256, Bytes, U256, keccak256,
    map::{AddressHashMap, B256HashMap, HashMap},
};

use crate::{
    cfg::Code,
    dispatcher,
    expr::{Expr, Seg},
    interpret::{AnalysisLimits, analyze},
    proxy::{self, CodeProxy},
    summary::{ContractSummary, Effect, EntryKey, EntrySummary},
};

/// Most summaries specialised to calldata array shapes kept per code.
const MAX_VARIANTS: usize = 64;

/// A generic entry summary and the loop bounds that a specialisation could fix.
#[derive(Debug, Clone)]
struct Generic {
    summary: Arc<EntrySummary>,
    /// Calldata array lengths the entry's branches depend on; empty when the summary is
    /// precise already (nothing a specialisation could improve).
    bounds: Arc<[Expr]>,
}

/// The calldata words a specialised summary assumes: `(offset, value)`, sorted.
pub(crate) type Shape = Box<[(U256, U256)]>;

/// Whether a summary has something ⊤ that a specialisation could make precise: a widening,
/// a slot or target depending on ⊤, or a call input with a partly known word.
fn imprecise(s: &EntrySummary) -> bool {
    let t = &s.exprs;
    let seg_top = |g: &Seg| match *g {
        Seg::Word { e, .. } => e != crate::expr::TOP && t.has_top(e),
        Seg::CallData { start, .. } => t.has_top(start),
        _ => false,
    };
    s.effects.iter().any(|e| match e {
        Effect::Widen(_) => true,
        Effect::Read(x) | Effect::Write(x) | Effect::Account(x) | Effect::SelfDestruct(x) => {
            t.has_top(*x)
        }
        Effect::Call { target, input, .. } => t.has_top(*target) || input.segs.iter().any(seg_top),
        Effect::Create { salt, init, .. } => {
            salt.is_some_and(|x| t.has_top(x)) || init.iter().any(seg_top)
        }
    })
}

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
    entries: RwLock<HashMap<EntryKey, Generic>>,
    /// Summaries specialised to one calldata array shape (see [`Self::variant`]).
    variants: RwLock<HashMap<(EntryKey, Shape), Arc<EntrySummary>>>,
    contract: OnceLock<Arc<ContractSummary>>,
}

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
            variants: RwLock::new(HashMap::default()),
            contract: OnceLock::new(),
        }
    }

    /// The summary of one entry, analysed on first use.
    pub fn entry(&self, key: EntryKey, limits: &AnalysisLimits) -> Arc<EntrySummary> {
        self.generic(key, limits).summary
    }

    /// The summary of one entry and the calldata array lengths (expressions of its table) that
    /// a specialisation could fix; none when the summary is precise.
    pub fn entry_with_bounds(
        &self,
        key: EntryKey,
        limits: &AnalysisLimits,
    ) -> (Arc<EntrySummary>, Arc<[Expr]>) {
        let g = self.generic(key, limits);
        (g.summary, g.bounds)
    }

    fn generic(&self, key: EntryKey, limits: &AnalysisLimits) -> Generic {
        if let Ok(map) = self.entries.read()
            && let Some(s) = map.get(&key)
        {
            return s.clone();
        }
        let (summary, bounds) = analyze(&self.code, key, limits, &[]);
        let bounds: Arc<[Expr]> = if imprecise(&summary) {
            bounds.into()
        } else {
            Arc::new([])
        };
        let g = Generic {
            summary: Arc::new(summary),
            bounds,
        };
        match self.entries.write() {
            Ok(mut map) => map.entry(key).or_insert(g).clone(),
            Err(_) => g,
        }
    }

    /// The summary of one entry specialised to calldata whose words at the offsets of `shape`
    /// hold its values (analysed on first use). `None` when the specialised analysis did not
    /// complete within its bounds, or too many shapes were seen already: use the generic one.
    pub(crate) fn variant(
        &self,
        key: EntryKey,
        shape: Shape,
        limits: &AnalysisLimits,
    ) -> Option<Arc<EntrySummary>> {
        let k = (key, shape);
        if let Ok(map) = self.variants.read() {
            if let Some(s) = map.get(&k) {
                return s.complete.then(|| s.clone());
            }
            if map.len() >= MAX_VARIANTS {
                return None;
            }
        }
        let (summary, _) = analyze(&self.code, key, limits, &k.1);
        let s = Arc::new(summary);
        let s = match self.variants.write() {
            Ok(mut map) => map.entry(k).or_insert(s).clone(),
            Err(_) => s,
        };
        s.complete.then_some(s)
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

/// Totals over the cache, for reports and tuning.
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
}

/// Code hash → entry, and address → (code, entry) for hash-free warm lookups.
#[derive(Debug, Default)]
pub struct Cache {
    by_hash: RwLock<B256HashMap<Arc<CodeEntry>>>,
    by_address: RwLock<AddressHashMap<(Bytes, Arc<CodeEntry>)>>,
}

impl Cache {
    /// The entry for `code`, read from `address` if given.
    pub fn get(&self, address: Option<Address>, code: &Bytes) -> Arc<CodeEntry> {
        if let Some(a) = address
            && let Ok(map) = self.by_address.read()
            && let Some((b, e)) = map.get(&a)
            && (std::ptr::eq(b.as_ptr(), code.as_ptr()) && b.len() == code.len() || b == code)
        {
            return e.clone();
        }
        let hash = keccak256(code);
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
        if let Some(a) = address
            && let Ok(mut map) = self.by_address.write()
        {
            map.insert(a, (code.clone(), entry.clone()));
        }
        entry
    }

    /// Totals over every cached entry summary.
    pub fn stats(&self) -> CacheStats {
        let mut st = CacheStats::default();
        if let Ok(m) = self.by_hash.read() {
            st.codes = m.len();
            for e in m.values() {
                if let Ok(entries) = e.entries.read() {
                    for g in entries.values() {
                        let s = &g.summary;
                        st.entries += 1;
                        st.steps += s.steps as u64;
                        st.incomplete += usize::from(!s.complete);
                    }
                }
                if let Ok(variants) = e.variants.read() {
                    // An incomplete specialisation is not used (the generic summary is).
                    for s in variants.values() {
                        st.entries += 1;
                        st.steps += s.steps as u64;
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
    }

    /// Number of distinct codes cached.
    pub fn len(&self) -> usize {
        self.by_hash.read().map(|m| m.len()).unwrap_or(0)
    }
}
