//! [`ScheduleStats`]: how parallel a schedule is, weighted by gas.
//!
//! Input: a [`Schedule`], one gas weight per transaction (gas used or gas limit, the caller's
//! choice) and a thread count. Output: the layer widths and gas, the critical path, the
//! parallelism and the speedup the schedule allows on that many threads.

use std::num::NonZeroUsize;

use serde::{Deserialize, Serialize};

use crate::{error::ScheduleError, schedule::Schedule};

/// The numbers of a schedule, weighted by gas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleStats {
    /// The number of transactions.
    pub transactions: usize,
    /// The number of edges of the conflict graph.
    pub edges: usize,
    /// The number of layers.
    pub layers: usize,
    /// The number of transactions of each layer.
    pub layer_transactions: Vec<usize>,
    /// The gas of each layer.
    pub layer_gas: Vec<u64>,
    /// The gas of the block.
    pub total_gas: u64,
    /// The most gas summed along one path of the conflict graph: no schedule runs faster.
    pub critical_path_gas: u64,
    /// Total gas ÷ critical-path gas: the speedup unlimited threads could give (1 without gas).
    pub parallelism: f64,
    /// The thread count of `makespan` and `speedup`.
    pub threads: usize,
    /// The sum over layers of the most loaded thread, each layer packed onto `threads` threads
    /// longest processing time first.
    pub makespan: u64,
    /// Total gas ÷ makespan: the speedup the schedule allows on `threads` threads (1 without
    /// gas). At most `parallelism` (the critical path has at most one transaction per layer) and
    /// at most `threads`.
    pub speedup: f64,
}

impl Schedule {
    /// The statistics of this schedule with transactions weighted by `gas`, on `threads` threads.
    ///
    /// # Errors
    ///
    /// If `gas` does not have one weight per transaction.
    pub fn stats(
        &self,
        gas: &[u64],
        threads: NonZeroUsize,
    ) -> Result<ScheduleStats, ScheduleError> {
        let graph = self.graph();
        let layers = self.layers();
        ScheduleError::check_weights(graph.len(), gas)?;

        // Block order is a topological order: the heaviest path ending at each transaction.
        let mut path_gas: Vec<u64> = Vec::with_capacity(graph.len());
        for (tx, &weight) in gas.iter().enumerate() {
            let before = graph
                .predecessors(tx)
                .map(|(predecessor, _)| path_gas[predecessor])
                .max()
                .unwrap_or(0);
            path_gas.push(before + weight);
        }
        let critical_path_gas = path_gas.iter().copied().max().unwrap_or(0);
        let total_gas = gas.iter().sum();
        let makespan = layers.makespan(gas, threads)?;

        Ok(ScheduleStats {
            transactions: graph.len(),
            edges: graph.edge_count(),
            layers: layers.len(),
            layer_transactions: layers.as_slice().iter().map(Vec::len).collect(),
            layer_gas: layers
                .as_slice()
                .iter()
                .map(|layer| layer.iter().map(|&tx| gas[tx]).sum())
                .collect(),
            total_gas,
            critical_path_gas,
            parallelism: ratio(total_gas, critical_path_gas),
            threads: threads.get(),
            makespan,
            speedup: ratio(total_gas, makespan),
        })
    }
}

/// `total ÷ part`, or 1 when there is no gas to divide.
fn ratio(total: u64, part: u64) -> f64 {
    if part == 0 {
        1.0
    } else {
        total as f64 / part as f64
    }
}
