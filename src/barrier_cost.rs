//! What each cause of a whole-state widening costs in parallelism. A block's barriers are
//! grouped by the frame that widened them to the whole state (its code hash and entry, and the
//! reason); a group's cost is how much more speedup the block's schedule would allow if those
//! transactions were predicted exactly (their recorded access sets instead).
//!
//! Input: a block's predictions, its recorded access sets and gas. Output: the speedup the
//! predicted schedule allows, and one [`BarrierCost`] per cause, the causes in order.

use std::{collections::BTreeMap, num::NonZeroUsize};

use foresight_analyzer::{AccessSet, EntryKey, Prediction, Widening, WideningReason};
use foresight_scheduler::{Schedule, ScheduleError};

use crate::B256;

/// Where a transaction was widened to the whole state: the first frame that did it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BarrierCause {
    /// The code hash of that frame (`None` when no frame is named).
    pub code_hash: Option<B256>,
    /// The entry that frame ran.
    pub entry: Option<EntryKey>,
    /// Why it widened.
    pub reason: WideningReason,
}

impl BarrierCause {
    /// The cause of `p`'s whole-state widening, if it has one.
    pub fn of(p: &Prediction) -> Option<Self> {
        if !p.access.is_everything() {
            return None;
        }
        let named = p.details.iter().find(|d| d.everything);
        let reason = named.map(|d| d.reason).or_else(|| {
            p.access.widenings.iter().find_map(|w| match w {
                Widening::Everything { reason } => Some(*reason),
                Widening::Contract { .. } => None,
            })
        })?;
        Some(Self {
            code_hash: named.and_then(|d| d.code_hash),
            entry: named.and_then(|d| d.entry),
            reason,
        })
    }
}

/// One cause's barriers in one block and the speedup they cost it.
#[derive(Debug, Clone, PartialEq)]
pub struct BarrierCost {
    /// The cause.
    pub cause: BarrierCause,
    /// The transactions it made barriers, in block order.
    pub transactions: Vec<usize>,
    /// The `threads`-thread speedup the schedule allows with those transactions predicted
    /// exactly, minus the speedup it allows as predicted.
    pub speedup_lost: f64,
}

/// A block's predicted schedule and what its barriers cost it.
#[derive(Debug, Clone, PartialEq)]
pub struct BarrierCosts {
    /// The `threads`-thread speedup the predicted schedule allows.
    pub predicted_speedup: f64,
    /// One entry per cause, the causes in order.
    pub causes: Vec<BarrierCost>,
}

/// The speedup the schedule of `predictions` allows and the cost of each cause of its
/// barriers (see the module docs), with `gas` as weights and `threads` workers.
///
/// ```
/// use std::num::NonZeroUsize;
/// use foresight::{AccessSet, Address, Location, WideningReason, barrier_cost::barrier_costs};
/// use foresight::analyzer::Prediction;
///
/// // Three transfers between disjoint accounts; the analyzer made the middle one a barrier.
/// let transfer = |n: u8| {
///     let mut set = AccessSet::new();
///     set.writes.insert(Location::balance(Address::repeat_byte(n)));
///     set
/// };
/// let actual = vec![transfer(1), transfer(2), transfer(3)];
/// let mut predictions: Vec<Prediction> = actual
///     .iter()
///     .map(|a| Prediction { access: a.clone(), ..Prediction::default() })
///     .collect();
/// predictions[1].access = AccessSet::everything(WideningReason::UnresolvedCallTarget);
/// let costs = barrier_costs(&predictions, &actual, &[21_000; 3], NonZeroUsize::new(16).unwrap())
///     .unwrap();
/// assert!((costs.predicted_speedup - 1.0).abs() < 1e-9); // three layers of one transfer
/// assert_eq!(costs.causes.len(), 1);
/// assert_eq!(costs.causes[0].transactions, [1]);
/// assert!((costs.causes[0].speedup_lost - 2.0).abs() < 1e-9); // one layer of three
/// ```
pub fn barrier_costs(
    predictions: &[Prediction],
    actual: &[AccessSet],
    gas: &[u64],
    threads: NonZeroUsize,
) -> Result<BarrierCosts, ScheduleError> {
    let mut sets: Vec<AccessSet> = predictions.iter().map(|p| p.access.clone()).collect();
    let predicted = Schedule::new(&sets).stats(gas, threads)?.speedup;
    let mut causes: BTreeMap<BarrierCause, Vec<usize>> = BTreeMap::new();
    for (i, p) in predictions.iter().enumerate() {
        if let Some(cause) = BarrierCause::of(p) {
            causes.entry(cause).or_default().push(i);
        }
    }
    let mut costs = Vec::with_capacity(causes.len());
    for (cause, transactions) in causes {
        for &i in &transactions {
            if let Some(a) = actual.get(i) {
                sets[i] = a.clone();
            }
        }
        let exact = Schedule::new(&sets).stats(gas, threads)?.speedup;
        for &i in &transactions {
            sets[i] = predictions[i].access.clone();
        }
        costs.push(BarrierCost {
            cause,
            transactions,
            speedup_lost: exact - predicted,
        });
    }
    Ok(BarrierCosts {
        predicted_speedup: predicted,
        causes: costs,
    })
}
