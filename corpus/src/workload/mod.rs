//! Synthetic blocks built from the project's own contracts, deterministic from a seed.
//!
//! Input: a [`Workload`] and [`WorkloadParams`] (target gas, seed, hot ratio), or a size and a
//! seed for [`transfers`]. Output: a [`Block`] (Cancun rules, chain id 1) with its pre-state,
//! ready for the executor; such blocks have no real header, so they are checked parallel
//! against sequential.
//!
//! The pre-state holds the contracts' runtime code (`corpus/contracts/build`) at derived
//! addresses with their storage written directly (balances, allowances, reserves, the proxy's
//! implementation slot, ...), and funded senders. One generator per file: `transfers`, `erc20`,
//! `swaps`, `contention`, `hybrid`, `chain`, `nft_mint`, `proxy_erc20`; [`build`] picks one and
//! sizes it by gas.

mod catalog;
mod chain;
mod contention;
mod contracts;
mod erc20;
mod hybrid;
mod ledger;
mod nft_mint;
mod proxy_erc20;
mod rng;
mod swaps;
mod transfers;

pub use catalog::{DEFAULT_GAS, MAX_GAS, Workload, WorkloadError, WorkloadParams, build};
pub use hybrid::HYBRID_HOT_RATIO;
pub use transfers::transfers;

use alloy_primitives::{Address, B256, U256, keccak256};
use revm::{
    context::{BlockEnv, TxEnv},
    context_interface::block::BlobExcessGasAndPrice,
    primitives::{TxKind, hardfork::SpecId},
};

use crate::{Block, MAINNET_CHAIN_ID, PreState, Transaction};

/// Base fee of synthetic blocks, in wei.
pub const BASE_FEE: u64 = 1_000_000_000;
/// Priority fee paid by synthetic transactions, in wei per gas.
pub const PRIORITY_FEE: u128 = 1_000_000_000;
/// The fee recipient of synthetic blocks.
pub const COINBASE: Address = Address::new([0xc0; 20]);

/// A deterministic address for role `role`, index `index`, under `seed`.
pub fn derived_address(seed: u64, role: &str, index: u64) -> Address {
    let mut preimage = Vec::with_capacity(16 + role.len());
    preimage.extend_from_slice(&seed.to_be_bytes());
    preimage.extend_from_slice(role.as_bytes());
    preimage.extend_from_slice(&index.to_be_bytes());
    Address::from_word(keccak256(preimage))
}

/// The block environment shared by synthetic blocks.
fn block_env(number: u64) -> BlockEnv {
    BlockEnv {
        number: U256::from(number),
        beneficiary: COINBASE,
        timestamp: U256::from(1_710_338_135u64 + number),
        gas_limit: u64::MAX / 2,
        basefee: BASE_FEE,
        difficulty: U256::ZERO,
        prevrandao: Some(B256::with_last_byte(7)),
        blob_excess_gas_and_price: Some(BlobExcessGasAndPrice::new_with_spec(0, SpecId::CANCUN)),
        slot_num: 0,
    }
}

/// An EIP-1559 call (or transfer) from `from` with `nonce`.
fn call(from: Address, nonce: u64, to: Address, value: U256, data: Vec<u8>, gas: u64) -> TxEnv {
    TxEnv {
        tx_type: 2,
        caller: from,
        gas_limit: gas,
        gas_price: u128::from(BASE_FEE) + PRIORITY_FEE,
        kind: TxKind::Call(to),
        value,
        data: data.into(),
        nonce,
        chain_id: Some(MAINNET_CHAIN_ID),
        gas_priority_fee: Some(PRIORITY_FEE),
        ..TxEnv::default()
    }
}

/// Assembles a synthetic block named `name`.
fn assemble(name: &str, seed: u64, prestate: PreState, txs: Vec<TxEnv>) -> Block {
    let transactions = txs
        .into_iter()
        .enumerate()
        .map(|(i, env)| {
            let mut preimage = name.as_bytes().to_vec();
            preimage.extend_from_slice(&seed.to_be_bytes());
            preimage.extend_from_slice(&(i as u64).to_be_bytes());
            Transaction {
                hash: keccak256(preimage),
                tx_type: alloy_consensus::TxType::Eip1559,
                env,
            }
        })
        .collect();
    Block {
        source: format!("workload:{name}"),
        spec: SpecId::CANCUN,
        chain_id: MAINNET_CHAIN_ID,
        env: block_env(1),
        transactions,
        prestate,
        withdrawals: Vec::new(),
        expected: None,
    }
}
