//! Runs transactions on revm against a read-only view of the state, reusing one EVM (its
//! journal, stack and memory buffers) from one transaction to the next.
//!
//! Input: a view ([`DatabaseRef`]), the block and each transaction. Output: [`TxRun`]: revm's
//! result and state changes, the actual access set (every value read, every write), and the
//! deferred beneficiary fee. Nothing is committed here, so runners can work on many threads.

use std::convert::Infallible;

use alloy_primitives::{Address, U256};
use foresight_corpus::{Block, Transaction};
use revm::{
    Context, DatabaseRef, ExecuteEvm, MainBuilder, MainContext, MainnetEvm,
    context::{
        BlockEnv, CfgEnv, ContextSetters, TxEnv,
        result::{EVMError, InvalidTransaction},
    },
    handler::Handler,
};

use crate::{
    ObservedAccess, TxOutcome, beneficiary::DeferredBeneficiary, recorder::RecordingDb,
    writes::TxWrites,
};

/// The result of running one transaction, not yet committed.
#[derive(Debug)]
pub(crate) struct TxRun {
    /// Receipt contents and actual access set; `cumulative_gas_used` is filled in at commit.
    pub(crate) outcome: TxOutcome,
    /// What it changed, to commit.
    pub(crate) writes: TxWrites,
    /// The deferred beneficiary fee, to credit at commit.
    pub(crate) fee: U256,
}

/// revm's error for a transaction run against an infallible view.
pub(crate) type RunError = EVMError<Infallible, InvalidTransaction>;

type Evm<D> = MainnetEvm<Context<BlockEnv, TxEnv, CfgEnv, RecordingDb<D>>>;

/// One reusable EVM over the view `D` for the transactions of one block. Not `Send` (revm's
/// shared memory is reference-counted): each thread builds its own.
pub(crate) struct TxRunner<'b, D: DatabaseRef<Error = Infallible>> {
    block: &'b Block,
    evm: Evm<D>,
}

impl<'b, D> TxRunner<'b, D>
where
    D: DatabaseRef<Error = Infallible>,
{
    /// An EVM for `block` reading from `view`.
    pub(crate) fn new(block: &'b Block, view: D) -> Self {
        let evm = Context::mainnet()
            .with_db(RecordingDb::new(view))
            .with_block(block.env.clone())
            .with_cfg(block.cfg())
            .build_mainnet();
        Self { block, evm }
    }

    /// The view, to commit to it between transactions.
    pub(crate) fn view_mut(&mut self) -> &mut D {
        self.evm.ctx.journaled_state.database.inner_mut()
    }

    /// Gives the view back.
    pub(crate) fn into_view(self) -> D {
        self.evm.ctx.journaled_state.database.into_inner()
    }

    /// Runs `tx` against the view as it stands; the journal starts empty every time, so every
    /// value is read (and recorded) afresh.
    pub(crate) fn run(&mut self, tx: &Transaction) -> Result<TxRun, RunError> {
        self.evm.ctx.set_tx(tx.env.clone());
        let mut handler = DeferredBeneficiary::new();
        let outcome = handler.run(&mut self.evm);
        let state = self.evm.finalize();
        let reads = self.evm.ctx.journaled_state.database.take_reads();
        let result = outcome?;
        let writes = TxWrites::new(&state, &reads, self.block.spec);
        let fee = handler.fee();
        let coinbase = self.block.coinbase();
        let access = ObservedAccess::derive(
            reads,
            &state,
            &writes,
            coinbase,
            fee,
            credit_candidate(tx, coinbase),
        );
        Ok(TxRun {
            outcome: TxOutcome::new(tx.hash, tx.env.tx_type, result, 0, access),
            writes,
            fee,
        })
    }
}

/// The recipient whose balance change may be a pure credit: a value transfer's target that is
/// neither the sender nor the beneficiary nor in the precompile range (the first 0x10000
/// addresses). Whether it has code is decided from what the run read.
fn credit_candidate(tx: &Transaction, coinbase: Address) -> Option<Address> {
    let to = *tx.env.kind.to()?;
    let precompile_range = to.0[..18].iter().all(|b| *b == 0);
    (!tx.env.value.is_zero() && to != tx.env.caller && to != coinbase && !precompile_range)
        .then_some(to)
}
