//! Runs one transaction on revm against a read-only view of the state.
//!
//! Input: a view ([`DatabaseRef`]), the block and the transaction. Output: [`TxRun`]: revm's
//! result and state changes, every value read, and the deferred beneficiary fee. Nothing is
//! committed here.

use std::convert::Infallible;

use alloy_primitives::U256;
use foresight_analyzer::Location;
use foresight_corpus::{Block, Transaction};
use revm::{
    Context, DatabaseRef, ExecuteEvm, MainBuilder, MainContext,
    context::result::{EVMError, ExecutionResult, InvalidTransaction},
    handler::Handler,
    state::EvmState,
};

use crate::{beneficiary::DeferredBeneficiary, recorder::RecordingDb};

/// The raw result of running one transaction.
#[derive(Debug)]
pub(crate) struct TxRun {
    pub(crate) result: ExecutionResult,
    pub(crate) state: EvmState,
    pub(crate) reads: Vec<(Location, U256)>,
    pub(crate) fee: U256,
}

/// Runs `tx` of `block` against `view`.
pub(crate) fn run_tx<D>(
    view: &D,
    block: &Block,
    tx: &Transaction,
) -> Result<TxRun, EVMError<Infallible, InvalidTransaction>>
where
    D: DatabaseRef<Error = Infallible>,
{
    let mut evm = Context::mainnet()
        .with_db(RecordingDb::new(view))
        .with_block(block.env.clone())
        .with_cfg(block.cfg())
        .with_tx(tx.env.clone())
        .build_mainnet();
    let mut handler = DeferredBeneficiary::new();
    let outcome = handler.run(&mut evm);
    let state = evm.finalize();
    let result = outcome?;
    let reads = evm.ctx.journaled_state.database.into_reads();
    Ok(TxRun {
        result,
        state,
        reads,
        fee: handler.fee(),
    })
}
