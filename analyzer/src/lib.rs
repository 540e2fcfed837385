//! Foresight's analyzer: predicts, from bytecode and before execution, which state each
//! transaction of a block reads and writes.
//!
//! This crate also owns the vocabulary that every later stage speaks ([`Location`],
//! [`AccessSet`], [`Widening`]), because the dependency order is analyzer → scheduler → executor.
//!
//! Pipeline: [`Code`] (revm's jump-destination analysis) → abstract interpretation per entry
//! ([`analyze_entry`], symbolic [`expr`] values over a stack/memory [`State`]) → cached
//! [`EntrySummary`] per code hash and entry → per-transaction instantiation against a
//! [`StateView`] ([`Analyzer::predict`]) → [`Prediction`]. [`compare_tx`] and
//! [`AccuracyAccumulator`] measure predictions against executed access sets.

mod access;
pub mod accuracy;
mod cache;
pub mod cfg;
pub mod dispatcher;
pub mod domain;
pub mod expr;
mod instantiate;
pub mod interpret;
mod location_set;
pub mod proxy;
mod stale;
pub mod summary;
mod untrusted;

use std::sync::Arc;

use alloy_primitives::Bytes;

pub use access::{AccessSet, Location, Widening, WideningReason};
pub use accuracy::{
    AccuracyAccumulator, AccuracyReport, TxAccuracy, UncoveredCode, aggregate, compare_tx,
};
pub use cache::CacheStats;
pub use cfg::Code;
pub use domain::{ReturnData, State};
pub use instantiate::{
    BlockContext, MAX_CALL_DEPTH, MAX_FRAMES, MAX_SPECIALISED, MAX_STATE_READS, Prediction,
    StateView, TxInput, WideningDetail,
};
pub use interpret::{AnalysisLimits, analyze_entry};
pub use location_set::LocationSet;
pub use stale::{
    BumpedNonces, NonceBumps, revise_stale_assumptions, revise_stale_nonces, widen_stale_loads,
};
pub use summary::{CallInput, CallKind, ContractSummary, Effect, EntryKey, EntrySummary};
pub use untrusted::UntrustedStorage;

/// Predicts access sets; holds the concurrent summary cache (keyed by code hash).
///
/// `Send + Sync`: share one analyzer between threads; each summary is computed once.
#[derive(Debug, Default)]
pub struct Analyzer {
    limits: AnalysisLimits,
    cache: cache::Cache,
}

impl Analyzer {
    /// An analyzer with the default [`AnalysisLimits`].
    pub fn new() -> Self {
        Self::default()
    }

    /// An analyzer with explicit analysis bounds.
    pub fn with_limits(limits: AnalysisLimits) -> Self {
        Self {
            limits,
            cache: cache::Cache::default(),
        }
    }

    /// The analysis bounds in use.
    pub fn limits(&self) -> &AnalysisLimits {
        &self.limits
    }

    /// Predicts what `tx` reads, writes and credits, from its inputs and the pre-state alone.
    ///
    /// ```
    /// use alloy_primitives::{Address, Bytes, U256};
    /// use foresight_analyzer::{Analyzer, BlockContext, Location, StateView, TxInput};
    ///
    /// struct Empty;
    /// impl StateView for Empty {
    ///     fn code(&self, _: Address) -> Option<Bytes> { None }
    ///     fn storage(&self, _: Address, _: U256) -> U256 { U256::ZERO }
    ///     fn balance(&self, _: Address) -> U256 { U256::ZERO }
    ///     fn nonce(&self, _: Address) -> u64 { 0 }
    /// }
    ///
    /// let (from, to) = (Address::repeat_byte(1), Address::repeat_byte(2));
    /// let tx = TxInput { from, to: Some(to), value: U256::from(5), ..Default::default() };
    /// let block = BlockContext { coinbase: Address::repeat_byte(3), number: 1, timestamp: 1 };
    /// let p = Analyzer::new().predict(&tx, &block, &Empty);
    /// assert!(p.access.credits.contains(&to)); // a code-less recipient is only credited
    /// assert!(p.access.reads.contains(&Location::nonce(from)));
    /// assert!(p.access.credits.contains(&block.coinbase));
    /// assert!(p.access.widenings.is_empty());
    /// ```
    pub fn predict(&self, tx: &TxInput, block: &BlockContext, state: &dyn StateView) -> Prediction {
        self.predict_untrusting(tx, block, state, &UntrustedStorage::default())
    }

    /// Like [`Self::predict`], but no summary takes a location of `untrusted` from the
    /// pre-state (none is in the prediction's [`Prediction::assumed`]): for a transaction
    /// whose assumptions an earlier transaction of the block may break, with what the earlier
    /// transactions may write.
    pub fn predict_untrusting(
        &self,
        tx: &TxInput,
        block: &BlockContext,
        state: &dyn StateView,
        untrusted: &UntrustedStorage,
    ) -> Prediction {
        // The general pass gives up at the first frame certain to widen to the whole state:
        // the second pass below replaces it.
        let inst = self.instantiate(tx, block, state, false, untrusted);
        if !inst.everything() {
            return inst.finish();
        }
        // Dropped first, so that the second pass reuses the thread's evaluation memos (see
        // `Inst::memos`) instead of growing new ones.
        drop(inst);
        // The cached summaries widen to the whole state: analyse the frames again, each with
        // what is known of its own calldata and of its trusted storage. If that widens to the
        // whole state too, its prediction still lists more of what the transaction touches
        // than the general one (it resolves frames the general summaries leave open), which
        // is what the executor follows when it speculates such a transaction, and it names
        // the cause that remains.
        self.instantiate(tx, block, state, true, untrusted).finish()
    }

    /// One pass over `tx` (the general one, giving up early, unless `specialise`), run again
    /// while it read pre-state values the transaction may have changed first (see
    /// `Inst::stale_reads`); each run distrusts what the runs before it found.
    fn instantiate<'a>(
        &'a self,
        tx: &TxInput,
        block: &'a BlockContext,
        state: &'a dyn StateView,
        specialise: bool,
        untrusted: &'a UntrustedStorage,
    ) -> instantiate::Inst<'a> {
        let mut distrusted = instantiate::StaleReads::default();
        loop {
            let inst = instantiate::Inst::new(
                &self.cache,
                &self.limits,
                state,
                block,
                tx.from,
                specialise,
                untrusted,
            )
            .distrusting(&distrusted);
            let mut inst = match specialise {
                true => inst,
                false => inst.giving_up_early(),
            };
            inst.transaction(tx);
            let stale = inst.stale_reads();
            if stale.is_empty() || inst.everything() {
                return inst;
            }
            distrusted.extend(stale);
        }
    }

    /// The summary of every dispatched entry of `code` (cached per code hash).
    pub fn summary(&self, code: &Bytes) -> Arc<ContractSummary> {
        self.cache.get(None, code, || None).contract(&self.limits)
    }

    /// The summary of one entry of `code` (cached per code hash and entry).
    pub fn entry_summary(&self, code: &Bytes, key: EntryKey) -> Arc<EntrySummary> {
        self.cache.get(None, code, || None).entry(key, &self.limits)
    }

    /// Forgets every cached summary (for cold-cache measurements).
    pub fn clear_cache(&self) {
        self.cache.clear();
    }

    /// Number of distinct codes in the cache.
    pub fn cached_codes(&self) -> usize {
        self.cache.len()
    }

    /// Totals over the cache (codes, entries, analysis steps, incomplete entries).
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyzer_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Analyzer>();
        check::<Prediction>();
    }
}
