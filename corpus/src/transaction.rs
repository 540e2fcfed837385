//! One executable transaction: the JSON-RPC transaction turned into revm's [`TxEnv`].
//!
//! Input: an alloy RPC [`RpcTransaction`] (any type in the corpus: legacy, EIP-2930, EIP-1559,
//! EIP-4844, EIP-7702). Output: [`Transaction`], with its hash and type kept for receipts.

use alloy_consensus::{Transaction as _, TxEnvelope, TxType, Typed2718 as _};
use alloy_primitives::{Address, B256};
use alloy_rpc_types_eth::Transaction as RpcTransaction;
use revm::context::{TxEnv, either::Either};

/// A transaction ready for revm.
#[derive(Debug, Clone)]
pub struct Transaction {
    /// The transaction hash.
    pub hash: B256,
    /// The EIP-2718 type, which decides the receipt's encoding.
    pub tx_type: TxType,
    /// What revm executes.
    pub env: TxEnv,
}

impl Transaction {
    /// The sender.
    pub fn sender(&self) -> Address {
        self.env.caller
    }

    /// Builds the revm transaction from an RPC transaction (sender as recovered by the node).
    pub fn from_rpc(tx: &RpcTransaction) -> Self {
        let envelope: &TxEnvelope = tx.inner.inner();
        let (gas_price, gas_priority_fee) = match envelope.max_priority_fee_per_gas() {
            Some(priority) => (envelope.max_fee_per_gas(), Some(priority)),
            None => (envelope.gas_price().unwrap_or_default(), None),
        };
        let env = TxEnv {
            tx_type: envelope.ty(),
            caller: tx.inner.signer(),
            gas_limit: envelope.gas_limit(),
            gas_price,
            kind: envelope.kind(),
            value: envelope.value(),
            data: envelope.input().clone(),
            nonce: envelope.nonce(),
            chain_id: envelope.chain_id(),
            access_list: envelope.access_list().cloned().unwrap_or_default(),
            gas_priority_fee,
            blob_hashes: envelope
                .blob_versioned_hashes()
                .map(<[B256]>::to_vec)
                .unwrap_or_default(),
            max_fee_per_blob_gas: envelope.max_fee_per_blob_gas().unwrap_or_default(),
            authorization_list: envelope
                .authorization_list()
                .map(|list| list.iter().cloned().map(Either::Left).collect())
                .unwrap_or_default(),
        };
        Self {
            hash: *envelope.tx_hash(),
            tx_type: envelope.tx_type(),
            env,
        }
    }
}
