//! Gas-balanced layers: transactions with slack move to later layers to even out the load.
//!
//! Input: a [`ConflictGraph`], one gas weight per transaction, a thread count. Output:
//! [`Layers`] with as many layers as the earliest layers and a makespan on that many threads no
//! larger than theirs.
//!
//! A transaction has slack when it may run later without lengthening the schedule: its latest
//! allowed layer is one before its earliest successor (the last layer without successors). The
//! transactions are visited from the last to the first; each either stays in its layer or moves
//! to the later layer within its slack where its gas raises the estimated cost of the layer less
//! than it relieves the layer it leaves. A layer's estimated cost on N threads is the larger of
//! its gas ÷ N and its heaviest transaction, both lower bounds of its packed load.
//!
//! Why it is valid and keeps the number of layers: a transaction only moves between its earliest
//! layer and one before the layers its successors were given (they are visited before it); its
//! predecessors, visited after it, start below its earliest layer and move at most to one before
//! its final layer. The transactions of a longest path have no slack and stay, so no layer
//! empties. The makespan is compared at the end by exact
//! packing, and the earliest layers are returned if they are not beaten: the result is never
//! worse than [`Layers::longest_path`] on the given thread count.
//!
//! Time: linear in the transactions plus the edges plus the total slack, times a logarithm.

use std::{collections::BTreeMap, num::NonZeroUsize};

use crate::{error::ScheduleError, graph::ConflictGraph, layers::Layers};

impl Layers {
    /// Layers of `graph` balanced by `gas` for `threads` threads: the earliest layers with
    /// transactions that have slack moved later where that evens out the load (see the module
    /// documentation). Same number of layers as [`Layers::longest_path`], and a makespan on
    /// `threads` threads no larger than its.
    ///
    /// # Errors
    ///
    /// If `gas` does not have one weight per transaction.
    pub fn balanced(
        graph: &ConflictGraph,
        gas: &[u64],
        threads: NonZeroUsize,
    ) -> Result<Self, ScheduleError> {
        ScheduleError::check_weights(graph.len(), gas)?;
        let earliest = Self::longest_path(graph);
        let mut layer_of: Vec<usize> = (0..graph.len()).map(|tx| earliest.layer_of(tx)).collect();
        let mut loads: Vec<LayerLoad> = earliest
            .as_slice()
            .iter()
            .map(|layer| LayerLoad::new(layer.iter().map(|&tx| gas[tx])))
            .collect();
        let thread_count = threads.get() as u64;
        let last_layer = earliest.len().saturating_sub(1);

        for tx in (0..graph.len()).rev() {
            let current = layer_of[tx];
            let latest = graph
                .successors(tx)
                .map(|(successor, _)| layer_of[successor] - 1)
                .min()
                .unwrap_or(last_layer);
            if latest == current {
                continue;
            }
            let weight = gas[tx];
            let relief = loads[current].cost(thread_count)
                - loads[current].cost_without(weight, thread_count);
            let best = (current + 1..=latest)
                .map(|layer| {
                    let increase = loads[layer].cost_with(weight, thread_count)
                        - loads[layer].cost(thread_count);
                    (increase, layer)
                })
                .min();
            if let Some((increase, layer)) = best
                && increase < relief
            {
                loads[current].remove(weight);
                loads[layer].add(weight);
                layer_of[tx] = layer;
            }
        }

        let balanced = Self::from_assignment(layer_of);
        if balanced.makespan(gas, threads)? <= earliest.makespan(gas, threads)? {
            Ok(balanced)
        } else {
            Ok(earliest)
        }
    }
}

/// The gas of one layer: its total and the multiset of its transactions' gas.
#[derive(Debug)]
struct LayerLoad {
    total: u64,
    /// Gas weight → how many transactions of the layer have it.
    weights: BTreeMap<u64, usize>,
}

impl LayerLoad {
    fn new(gas: impl IntoIterator<Item = u64>) -> Self {
        let mut load = Self {
            total: 0,
            weights: BTreeMap::new(),
        };
        gas.into_iter().for_each(|weight| load.add(weight));
        load
    }

    fn add(&mut self, weight: u64) {
        self.total += weight;
        *self.weights.entry(weight).or_default() += 1;
    }

    fn remove(&mut self, weight: u64) {
        self.total -= weight;
        if let Some(count) = self.weights.get_mut(&weight) {
            *count -= 1;
            if *count == 0 {
                self.weights.remove(&weight);
            }
        }
    }

    fn heaviest(&self) -> u64 {
        self.weights
            .last_key_value()
            .map_or(0, |(&weight, _)| weight)
    }

    /// The estimated packed load on `threads` threads.
    fn cost(&self, threads: u64) -> u64 {
        self.total.div_ceil(threads).max(self.heaviest())
    }

    /// The estimated packed load with one more transaction of `weight`.
    fn cost_with(&self, weight: u64, threads: u64) -> u64 {
        (self.total + weight)
            .div_ceil(threads)
            .max(self.heaviest().max(weight))
    }

    /// The estimated packed load without one transaction of `weight` (which it has).
    fn cost_without(&self, weight: u64, threads: u64) -> u64 {
        let heaviest = match self.weights.last_key_value() {
            Some((&top, &1)) if top == weight => self
                .weights
                .range(..weight)
                .next_back()
                .map_or(0, |(&next, _)| next),
            _ => self.heaviest(),
        };
        (self.total - weight).div_ceil(threads).max(heaviest)
    }
}
