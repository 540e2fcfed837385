//! The bridge from a loaded block to the analyzer: the pre-state as a [`StateView`], each
//! transaction as a [`TxInput`], and the prediction of a whole block.
//!
//! Input: a [`Block`]. Output: one [`Prediction`] per transaction, in block order.

use alloy_primitives::{Address, B256, Bytes, U256};
use foresight_analyzer::{
    AccessSet, Analyzer, BlockContext, BumpedNonces, Prediction, StateView, TxInput,
    revise_stale_assumptions, revise_stale_nonces, widen_stale_loads,
};
use foresight_corpus::{Block, PreState, Transaction};
use rayon::prelude::*;

/// The pre-state of a block, as the analyzer reads it.
#[derive(Debug, Clone, Copy)]
pub struct PreStateView<'a>(pub &'a PreState);

impl StateView for PreStateView<'_> {
    fn code(&self, address: Address) -> Option<Bytes> {
        let code = &self.0.account(&address)?.info.code;
        code.as_ref()
            .filter(|c| !c.is_empty())
            .map(|c| c.original_bytes())
    }

    fn code_hash(&self, address: Address) -> Option<B256> {
        Some(self.0.account(&address)?.info.code_hash)
    }

    fn storage(&self, address: Address, slot: U256) -> U256 {
        self.0
            .account(&address)
            .and_then(|a| a.storage.get(&slot).copied())
            .unwrap_or_default()
    }

    fn balance(&self, address: Address) -> U256 {
        self.0
            .account(&address)
            .map_or(U256::ZERO, |a| a.info.balance)
    }

    fn nonce(&self, address: Address) -> u64 {
        self.0.account(&address).map_or(0, |a| a.info.nonce)
    }
}

/// The analyzer's view of one transaction.
pub fn tx_input(tx: &Transaction) -> TxInput {
    TxInput {
        from: tx.env.caller,
        to: tx.env.kind.to().copied(),
        value: tx.env.value,
        input: tx.env.data.clone(),
        nonce: tx.env.nonce,
        gas_limit: tx.env.gas_limit,
    }
}

/// The block fields the analyzer may use.
pub fn block_context(block: &Block) -> BlockContext {
    BlockContext {
        coinbase: block.coinbase(),
        number: block.number(),
        timestamp: block.env.timestamp.saturating_to(),
    }
}

/// Predicts every transaction of `block`, in parallel on the current rayon pool, then widens
/// the predictions that loaded storage an earlier one may write ([`widen_stale_loads`]).
///
/// ```
/// use foresight::{analyzer::Analyzer, corpus::workload, predict::predict_block};
///
/// let block = workload::transfers(4, 1);
/// let predictions = predict_block(&Analyzer::new(), &block);
/// assert_eq!(predictions.len(), 4);
/// ```
pub fn predict_block(analyzer: &Analyzer, block: &Block) -> Vec<Prediction> {
    let view = PreStateView(&block.prestate);
    let context = block_context(block);
    let mut predictions: Vec<Prediction> = block
        .transactions
        .par_iter()
        .map(|tx| analyzer.predict(&tx_input(tx), &context, &view))
        .collect();
    let bumped = revise_stale_nonces(&mut predictions, |i, bumps| {
        let view = BumpedNonces {
            state: &view,
            bumps,
        };
        analyzer.predict(&tx_input(&block.transactions[i]), &context, &view)
    });
    // A transaction predicted again for its nonces keeps both readings (see
    // `revise_stale_nonces`) when it is predicted once more without the assumptions that
    // earlier transactions may break.
    revise_stale_assumptions(&mut predictions, |i, untrusted| {
        let tx = tx_input(&block.transactions[i]);
        let plain = analyzer.predict_untrusting(&tx, &context, &view, untrusted);
        let Ok(k) = bumped.binary_search_by_key(&i, |(j, _)| *j) else {
            return plain;
        };
        let bumps = &bumped[k].1;
        let view = BumpedNonces {
            state: &view,
            bumps,
        };
        let mut p = analyzer.predict_untrusting(&tx, &context, &view, untrusted);
        p.absorb(plain);
        p
    });
    widen_stale_loads(&mut predictions);
    predictions
}

/// The predicted access set of every transaction of `block` (see [`predict_block`]).
pub fn predicted_access_sets(analyzer: &Analyzer, block: &Block) -> Vec<AccessSet> {
    predict_block(analyzer, block)
        .into_iter()
        .map(|p| p.access)
        .collect()
}
