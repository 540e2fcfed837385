//! [`ScheduleError`]: what can go wrong when a schedule is weighted by gas.

use thiserror::Error;

/// An error of the scheduler.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScheduleError {
    /// The gas weights do not match the transactions one to one.
    #[error("{weights} gas weights given for {transactions} transactions")]
    WeightCount {
        /// The number of transactions scheduled.
        transactions: usize,
        /// The number of gas weights given.
        weights: usize,
    },
}

impl ScheduleError {
    /// Checks that there is one gas weight per transaction.
    pub(crate) const fn check_weights(transactions: usize, gas: &[u64]) -> Result<(), Self> {
        if gas.len() == transactions {
            Ok(())
        } else {
            Err(Self::WeightCount {
                transactions,
                weights: gas.len(),
            })
        }
    }
}
