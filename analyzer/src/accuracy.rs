//! Prediction accuracy: pure comparisons of predicted and actual access sets, per transaction
//! and aggregated over a corpus, for the `foresight accuracy` harness.
//!
//! Input: per transaction the predicted [`AccessSet`], the actual one recorded by the executor
//! (same vocabulary), the gas it used, and the code hash of its recipient. Output:
//! [`TxAccuracy`] rows and an [`AccuracyReport`] (serde), deterministic for equal input.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256};
use serde::Serialize;

use crate::{AccessSet, Location, WideningReason};

/// How many uncovered code hashes the report lists.
pub const TOP_UNCOVERED: usize = 20;
/// How many missed locations a row keeps.
const MAX_MISSING: usize = 8;

/// The comparison of one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TxAccuracy {
    /// Whether the prediction covers the actual access set.
    pub covered: bool,
    /// Gas used by the transaction.
    pub gas_used: u64,
    /// Distinct concrete locations predicted (reads, writes, credited balances).
    pub predicted_concrete: usize,
    /// Of those, how many were never accessed.
    pub overapprox_concrete: usize,
    /// Whether the prediction is widened to the whole state.
    pub widened_everything: bool,
    /// Whether the prediction has a whole-contract widening.
    pub widened_contract: bool,
    /// The reasons of its widenings (sorted, unique).
    pub reasons: Vec<WideningReason>,
    /// The code hash of the transaction's recipient, if it has code.
    pub code_hash: Option<B256>,
    /// Some actual accesses the prediction missed (reads and writes first, then credits).
    pub missing: Vec<Location>,
}

fn concrete(set: &AccessSet) -> BTreeSet<Location> {
    let mut all: BTreeSet<Location> = set.reads.union(&set.writes).copied().collect();
    all.extend(set.credits.iter().map(|a| Location::balance(*a)));
    all
}

/// Compares one transaction's prediction with what it actually accessed.
///
/// ```
/// use alloy_primitives::Address;
/// use foresight_analyzer::{AccessSet, Location, compare_tx};
///
/// let a = Address::repeat_byte(1);
/// let mut predicted = AccessSet::new();
/// predicted.reads.insert(Location::balance(a));
/// predicted.reads.insert(Location::nonce(a));
/// let mut actual = AccessSet::new();
/// actual.reads.insert(Location::balance(a));
/// let row = compare_tx(&predicted, &actual, 21_000, None);
/// assert!(row.covered);
/// assert_eq!((row.predicted_concrete, row.overapprox_concrete), (2, 1));
/// ```
pub fn compare_tx(
    predicted: &AccessSet,
    actual: &AccessSet,
    gas_used: u64,
    code_hash: Option<B256>,
) -> TxAccuracy {
    let covered = predicted.covers(actual);
    let p = concrete(predicted);
    let a = concrete(actual);
    let over = p.iter().filter(|l| !a.contains(l)).count();
    let mut missing = Vec::new();
    if !covered {
        missing.extend(
            actual
                .reads
                .iter()
                .filter(|l| !predicted.may_read(l))
                .chain(actual.writes.iter().filter(|l| !predicted.may_write(l)))
                .copied()
                .take(MAX_MISSING),
        );
        let credits = actual.credits.iter().filter(|c: &&Address| {
            !predicted.credits.contains(*c) && !predicted.may_write(&Location::balance(**c))
        });
        for c in credits {
            if missing.len() >= MAX_MISSING {
                break;
            }
            missing.push(Location::balance(*c));
        }
    }
    let reasons: BTreeSet<WideningReason> =
        predicted.widenings.iter().map(|w| w.reason()).collect();
    TxAccuracy {
        covered,
        gas_used,
        predicted_concrete: p.len(),
        overapprox_concrete: over,
        widened_everything: predicted.is_everything(),
        widened_contract: predicted.has_contract_widening(),
        reasons: reasons.into_iter().collect(),
        code_hash,
        missing,
    }
}

/// Uncovered transactions of one recipient code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UncoveredCode {
    /// The recipient's code hash (`None`: no code, or a creation).
    pub code_hash: Option<B256>,
    /// Uncovered transactions.
    pub transactions: usize,
    /// Their gas.
    pub gas: u64,
    /// One missed location of the first such transaction.
    pub example_missing: Option<Location>,
}

/// The aggregate over a corpus.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracyReport {
    /// Transactions compared.
    pub transactions: usize,
    /// Share of transactions covered (0..=1).
    pub coverage_tx: f64,
    /// Share of gas in covered transactions (0..=1).
    pub coverage_gas: f64,
    /// Transactions widened to the whole state.
    pub widened_everything_tx: usize,
    /// Transactions with at least one whole-contract widening (and not widened to everything).
    pub widened_contract_tx: usize,
    /// Predicted concrete locations never accessed ÷ predicted concrete locations.
    pub overapprox: f64,
    /// Covered transactions.
    pub covered_tx: usize,
    /// Total gas.
    pub gas: u64,
    /// Predicted concrete locations.
    pub predicted_concrete: usize,
    /// Predicted concrete locations never accessed.
    pub overapprox_concrete: usize,
    /// Transactions per widening reason.
    pub reasons: BTreeMap<WideningReason, usize>,
    /// Recipient codes with the most uncovered transactions (ties: more gas, then hash).
    pub top_uncovered: Vec<UncoveredCode>,
}

/// Accumulates [`TxAccuracy`] rows into an [`AccuracyReport`].
#[derive(Debug, Clone, Default)]
pub struct AccuracyAccumulator {
    transactions: usize,
    covered: usize,
    gas: u64,
    covered_gas: u64,
    everything: usize,
    contract: usize,
    predicted: usize,
    over: usize,
    reasons: BTreeMap<WideningReason, usize>,
    uncovered: BTreeMap<Option<B256>, (usize, u64, Option<Location>)>,
}

impl AccuracyAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one transaction.
    pub fn add(&mut self, row: &TxAccuracy) {
        self.transactions += 1;
        self.gas += row.gas_used;
        if row.covered {
            self.covered += 1;
            self.covered_gas += row.gas_used;
        } else {
            let e = self.uncovered.entry(row.code_hash).or_insert((0, 0, None));
            e.0 += 1;
            e.1 += row.gas_used;
            if e.2.is_none() {
                e.2 = row.missing.first().copied();
            }
        }
        if row.widened_everything {
            self.everything += 1;
        } else if row.widened_contract {
            self.contract += 1;
        }
        self.predicted += row.predicted_concrete;
        self.over += row.overapprox_concrete;
        for r in &row.reasons {
            *self.reasons.entry(*r).or_default() += 1;
        }
    }

    /// The report.
    pub fn finish(&self) -> AccuracyReport {
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 1.0 };
        let mut top: Vec<UncoveredCode> = self
            .uncovered
            .iter()
            .map(|(h, (n, g, m))| UncoveredCode {
                code_hash: *h,
                transactions: *n,
                gas: *g,
                example_missing: *m,
            })
            .collect();
        top.sort_by(|a, b| {
            b.transactions
                .cmp(&a.transactions)
                .then(b.gas.cmp(&a.gas))
                .then(a.code_hash.cmp(&b.code_hash))
        });
        top.truncate(TOP_UNCOVERED);
        AccuracyReport {
            transactions: self.transactions,
            coverage_tx: ratio(self.covered as f64, self.transactions as f64),
            coverage_gas: ratio(self.covered_gas as f64, self.gas as f64),
            widened_everything_tx: self.everything,
            widened_contract_tx: self.contract,
            overapprox: if self.predicted > 0 {
                self.over as f64 / self.predicted as f64
            } else {
                0.0
            },
            covered_tx: self.covered,
            gas: self.gas,
            predicted_concrete: self.predicted,
            overapprox_concrete: self.over,
            reasons: self.reasons.clone(),
            top_uncovered: top,
        }
    }
}

/// Aggregates rows in one go.
pub fn aggregate<'a>(rows: impl IntoIterator<Item = &'a TxAccuracy>) -> AccuracyReport {
    let mut acc = AccuracyAccumulator::new();
    for r in rows {
        acc.add(r);
    }
    acc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Widening;
    use alloy_primitives::U256;

    #[test]
    fn aggregates_coverage_widenings_and_uncovered_codes() {
        let a = Address::repeat_byte(1);
        let h = B256::repeat_byte(9);
        let mut actual = AccessSet::new();
        actual.reads.insert(Location::storage(a, U256::from(1)));
        let mut good = AccessSet::new();
        good.widenings.insert(Widening::Contract {
            address: a,
            reason: WideningReason::UnresolvedSlot,
        });
        let bad = AccessSet::new();
        let every = AccessSet::everything(WideningReason::UnresolvedCallTarget);
        let rows = [
            compare_tx(&good, &actual, 100, Some(h)),
            compare_tx(&bad, &actual, 300, Some(h)),
            compare_tx(&every, &actual, 600, None),
        ];
        assert_eq!(rows[1].missing, vec![Location::storage(a, U256::from(1))]);
        let r = aggregate(&rows);
        assert_eq!(r.transactions, 3);
        assert_eq!(r.covered_tx, 2);
        assert!((r.coverage_gas - 0.7).abs() < 1e-9);
        assert_eq!(r.widened_everything_tx, 1);
        assert_eq!(r.widened_contract_tx, 1);
        assert_eq!(r.reasons[&WideningReason::UnresolvedSlot], 1);
        assert_eq!(r.top_uncovered.len(), 1);
        assert_eq!(r.top_uncovered[0].code_hash, Some(h));
        assert_eq!(r.top_uncovered[0].gas, 300);
    }
}
