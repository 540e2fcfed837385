//! revm's mainnet handler with one change: the fee owed to the block's beneficiary (coinbase)
//! is computed but not paid inside the transaction, so the payment can be applied at commit as
//! a commutative credit instead of a read-modify-write that would serialize every transaction.
//!
//! Input: a revm EVM ready to run one transaction. Output: the execution result, and the
//! deferred fee via [`DeferredBeneficiary::fee`].

use std::cell::Cell;

use alloy_primitives::U256;
use revm::{
    context::result::{EVMError, HaltReason, InvalidTransaction},
    context_interface::{Block as _, Cfg as _, ContextTr, JournalTr, Transaction as _},
    handler::{EvmTr, FrameResult, FrameTr, Handler},
    interpreter::interpreter_action::FrameInit,
    primitives::hardfork::SpecId,
    state::EvmState,
};

/// A mainnet handler that defers the beneficiary's fee.
#[derive(Debug)]
pub(crate) struct DeferredBeneficiary<EVM> {
    fee: Cell<U256>,
    _evm: std::marker::PhantomData<EVM>,
}

impl<EVM> DeferredBeneficiary<EVM> {
    pub(crate) fn new() -> Self {
        Self {
            fee: Cell::new(U256::ZERO),
            _evm: std::marker::PhantomData,
        }
    }

    /// The fee owed to the beneficiary by the transaction just run.
    pub(crate) fn fee(&self) -> U256 {
        self.fee.get()
    }
}

impl<EVM> Handler for DeferredBeneficiary<EVM>
where
    EVM: EvmTr<Context: ContextTr<Journal: JournalTr<State = EvmState>>>,
    EVM::Frame: FrameTr<FrameResult = FrameResult, FrameInit = FrameInit>,
{
    type Evm = EVM;
    type Error =
        EVMError<<<EVM::Context as ContextTr>::Db as revm::Database>::Error, InvalidTransaction>;
    type HaltReason = HaltReason;

    fn reward_beneficiary(
        &self,
        evm: &mut Self::Evm,
        exec_result: &mut FrameResult,
    ) -> Result<(), Self::Error> {
        let ctx = evm.ctx();
        if ctx.cfg().is_fee_charge_disabled() {
            return Ok(());
        }
        let basefee = u128::from(ctx.block().basefee());
        let price = ctx.tx().effective_gas_price(basefee);
        let coinbase_price = if ctx.cfg().spec().into().is_enabled_in(SpecId::LONDON) {
            price.saturating_sub(basefee)
        } else {
            price
        };
        let gas = exec_result.gas();
        let used = gas.used().saturating_sub(gas.reservoir());
        self.fee.set(U256::from(coinbase_price) * U256::from(used));
        Ok(())
    }
}
