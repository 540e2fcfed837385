//! The catalogue of synthetic workloads: their names, their parameters and the sizing of a
//! block by gas.
//!
//! Input: a [`Workload`] (parsed from its command-line name) and [`WorkloadParams`] (target
//! gas, seed, hot ratio). Output: the generated [`Block`] from [`build`], or a
//! [`WorkloadError`] for invalid parameters.

use std::{fmt, str::FromStr};

use super::{chain, contention, erc20, hybrid, nft_mint, proxy_erc20, swaps, transfers};
use crate::{BadCode, Block};

/// A synthetic workload, named as on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Workload {
    /// `transfers`: independent raw ether transfers (conflict-free).
    Transfers,
    /// `erc20`: ERC-20 transfers, own sender and own recipient each, over several tokens
    /// (conflict-free).
    Erc20,
    /// `swaps`: single-hop Uniswap-V2-style swaps through the router, one pair and one sender
    /// each (conflict-free).
    Swaps,
    /// `contention`: ERC-20 transfers whose recipient is one of the hot tenth of the accounts
    /// with probability [`WorkloadParams::hot_ratio`].
    Contention,
    /// `hybrid`: 60% raw transfers, 20% ERC-20 transfers, 20% swaps, at hot ratio 0.30
    /// ([`HYBRID_HOT_RATIO`](super::HYBRID_HOT_RATIO), whatever the parameters say).
    Hybrid,
    /// `chain`: an ERC-20 relay where every transaction spends what the previous one paid
    /// (one dependency chain through the whole block).
    Chain,
    /// `nft-mint`: `MintNFT.mint()` from distinct senders, serialized by the global counter.
    NftMint,
    /// `proxy-erc20`: ERC-20 transfers through EIP-1967 proxies (conflict-free).
    ProxyErc20,
}

impl Workload {
    /// Every workload, in catalogue order.
    pub const ALL: [Workload; 8] = [
        Workload::Transfers,
        Workload::Erc20,
        Workload::Swaps,
        Workload::Contention,
        Workload::Hybrid,
        Workload::Chain,
        Workload::NftMint,
        Workload::ProxyErc20,
    ];

    /// The command-line name.
    pub const fn name(self) -> &'static str {
        match self {
            Workload::Transfers => "transfers",
            Workload::Erc20 => "erc20",
            Workload::Swaps => "swaps",
            Workload::Contention => "contention",
            Workload::Hybrid => "hybrid",
            Workload::Chain => "chain",
            Workload::NftMint => "nft-mint",
            Workload::ProxyErc20 => "proxy-erc20",
        }
    }

    /// The measured gas used by one of its transactions (for `hybrid`, the mean over the mix),
    /// from which [`build`] derives the number of transactions.
    pub fn gas_per_transaction(self) -> u64 {
        match self {
            Workload::Transfers => transfers::TRANSFER_GAS,
            Workload::Erc20 | Workload::Contention => erc20::ERC20_TRANSFER_GAS,
            Workload::Swaps => swaps::SWAP_GAS,
            Workload::Hybrid => hybrid::mean_gas(),
            Workload::Chain => chain::CHAIN_TRANSFER_GAS,
            Workload::NftMint => nft_mint::MINT_GAS,
            Workload::ProxyErc20 => proxy_erc20::PROXY_TRANSFER_GAS,
        }
    }

    /// The number of transactions whose measured gas comes closest to `gas`.
    pub fn transactions_for_gas(self, gas: u64) -> u64 {
        match self {
            Workload::Hybrid => hybrid::count_for_gas(gas),
            _ => {
                let per = self.gas_per_transaction();
                (gas + per / 2) / per
            }
        }
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Workload {
    type Err = WorkloadError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Workload::ALL
            .into_iter()
            .find(|w| w.name() == name)
            .ok_or_else(|| WorkloadError::UnknownWorkload(name.to_owned()))
    }
}

/// The size, seed and contention of a generated block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkloadParams {
    /// Target total gas used by the block (see [`build`] for the tolerance).
    pub gas: u64,
    /// Seed: the same workload, parameters and seed give the same block, byte for byte.
    pub seed: u64,
    /// Probability (0..=1) that a `contention` transaction's recipient is hot.
    pub hot_ratio: f64,
}

impl Default for WorkloadParams {
    /// One gigagas, seed 1, hot ratio 0.3.
    fn default() -> Self {
        Self {
            gas: DEFAULT_GAS,
            seed: 1,
            hot_ratio: 0.3,
        }
    }
}

/// The default block size: one gigagas, as public parallel-EVM benchmarks use.
pub const DEFAULT_GAS: u64 = 1_000_000_000;
/// The largest accepted target: ten gigagas (ten default blocks; the block is held in memory).
pub const MAX_GAS: u64 = 10_000_000_000;

/// Why a workload could not be generated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkloadError {
    /// No workload has this name.
    #[error(
        "unknown workload `{0}` (expected one of transfers, erc20, swaps, contention, hybrid, \
         chain, nft-mint, proxy-erc20)"
    )]
    UnknownWorkload(String),
    /// The hot ratio is not a probability.
    #[error("hot ratio {0} is not in 0..=1")]
    HotRatio(f64),
    /// The target gas does not cover one transaction.
    #[error("{workload} needs at least {minimum} gas for one transaction, got {gas}")]
    GasTooSmall {
        /// The workload asked for.
        workload: Workload,
        /// The target given.
        gas: u64,
        /// The smallest target accepted.
        minimum: u64,
    },
    /// The target gas exceeds [`MAX_GAS`].
    #[error("{gas} gas is more than the {maximum} a synthetic block may target")]
    GasTooLarge {
        /// The target given.
        gas: u64,
        /// The largest target accepted.
        maximum: u64,
    },
    /// revm rejected a contract's runtime code (the committed build output is corrupt).
    #[error("contract code rejected: {0}")]
    Code(#[from] BadCode),
}

/// Generates `workload` at `params`: a Cancun block whose pre-state holds the contracts' runtime
/// code at derived addresses, their storage written directly, and funded senders.
///
/// The number of transactions is the target gas divided by the workload's measured gas per
/// transaction ([`Workload::gas_per_transaction`]), rounded to the nearest; the block's total
/// gas used lands within half a transaction's gas plus 0.5% of the target (the rest of the
/// spread is calldata bytes that happen to be zero). Every transaction's gas limit is 1.5× its
/// measured use (exactly 21,000 for raw transfers).
///
/// # Errors
///
/// [`WorkloadError::HotRatio`] when `hot_ratio` is not in 0..=1 (checked for every workload),
/// [`WorkloadError::GasTooSmall`] when `gas` is below one transaction,
/// [`WorkloadError::GasTooLarge`] above [`MAX_GAS`].
///
/// ```
/// use foresight_corpus::workload::{Workload, WorkloadParams, build};
///
/// let params = WorkloadParams { gas: 1_000_000, ..WorkloadParams::default() };
/// let block = build("erc20".parse()?, &params)?;
/// assert_eq!(block.transactions.len() as u64, Workload::Erc20.transactions_for_gas(1_000_000));
/// assert_eq!(block.source, "workload:erc20");
///
/// let bad = WorkloadParams { hot_ratio: 1.5, ..params };
/// assert!(build(Workload::Contention, &bad).is_err());
/// # Ok::<(), foresight_corpus::workload::WorkloadError>(())
/// ```
pub fn build(workload: Workload, params: &WorkloadParams) -> Result<Block, WorkloadError> {
    let WorkloadParams {
        gas,
        seed,
        hot_ratio,
    } = *params;
    if !(0.0..=1.0).contains(&hot_ratio) {
        return Err(WorkloadError::HotRatio(hot_ratio));
    }
    let minimum = workload.gas_per_transaction();
    if gas < minimum {
        return Err(WorkloadError::GasTooSmall {
            workload,
            gas,
            minimum,
        });
    }
    if gas > MAX_GAS {
        return Err(WorkloadError::GasTooLarge {
            gas,
            maximum: MAX_GAS,
        });
    }
    let count = workload.transactions_for_gas(gas);
    match workload {
        Workload::Transfers => Ok(transfers::transfers(count as usize, seed)),
        Workload::Erc20 => erc20::erc20(count, seed),
        Workload::Swaps => swaps::swaps(count, seed),
        Workload::Contention => contention::contention(count, seed, hot_ratio),
        Workload::Hybrid => hybrid::hybrid(count, seed),
        Workload::Chain => chain::chain(count, seed),
        Workload::NftMint => nft_mint::nft_mint(count, seed),
        Workload::ProxyErc20 => proxy_erc20::proxy_erc20(count, seed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for workload in Workload::ALL {
            assert_eq!(workload.to_string().parse::<Workload>(), Ok(workload));
        }
        assert_eq!(
            "nft_mint".parse::<Workload>(),
            Err(WorkloadError::UnknownWorkload("nft_mint".into()))
        );
    }

    #[test]
    fn invalid_params_are_typed_errors() {
        let params = |gas, hot_ratio| WorkloadParams {
            gas,
            seed: 1,
            hot_ratio,
        };
        for p in [-0.1, 1.01, f64::NAN] {
            assert!(matches!(
                build(Workload::Contention, &params(1_000_000, p)),
                Err(WorkloadError::HotRatio(_))
            ));
        }
        for workload in Workload::ALL {
            let minimum = workload.gas_per_transaction();
            assert_eq!(
                build(workload, &params(minimum - 1, 0.3)).err(),
                Some(WorkloadError::GasTooSmall {
                    workload,
                    gas: minimum - 1,
                    minimum
                })
            );
            let block = build(workload, &params(minimum, 0.3)).expect("one transaction");
            assert!(!block.transactions.is_empty(), "{workload}");
        }
        assert!(matches!(
            build(Workload::Erc20, &params(MAX_GAS + 1, 0.3)),
            Err(WorkloadError::GasTooLarge { .. })
        ));
    }

    #[test]
    fn defaults() {
        assert_eq!(
            WorkloadParams::default(),
            WorkloadParams {
                gas: 1_000_000_000,
                seed: 1,
                hot_ratio: 0.3
            }
        );
    }
}
