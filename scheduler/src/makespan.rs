//! The makespan of a schedule on N threads: each layer's transactions are packed onto the threads
//! by gas, longest processing time first (LPT); a layer takes as long as its most loaded thread,
//! and layers run one after the other.
//!
//! Input: [`Layers`], one gas weight per transaction, a thread count. Output: the makespan, in
//! gas.

use std::{cmp::Reverse, collections::BinaryHeap, num::NonZeroUsize};

use crate::{error::ScheduleError, layers::Layers};

impl Layers {
    /// The makespan of these layers on `threads` threads: the sum over layers of the most loaded
    /// thread when the layer's transactions are packed longest processing time first.
    ///
    /// # Errors
    ///
    /// If `gas` does not have one weight per transaction.
    pub fn makespan(&self, gas: &[u64], threads: NonZeroUsize) -> Result<u64, ScheduleError> {
        ScheduleError::check_weights(self.transactions(), gas)?;
        let mut packing = ThreadPacking::new(threads);
        Ok(self
            .as_slice()
            .iter()
            .map(|layer| packing.heaviest_load(layer.iter().map(|&tx| gas[tx])))
            .sum())
    }
}

/// Packs one layer at a time onto a fixed number of threads, reusing its buffers.
#[derive(Debug)]
struct ThreadPacking {
    threads: usize,
    gas: Vec<u64>,
    loads: BinaryHeap<Reverse<u64>>,
}

impl ThreadPacking {
    fn new(threads: NonZeroUsize) -> Self {
        Self {
            threads: threads.get(),
            gas: Vec::new(),
            loads: BinaryHeap::with_capacity(threads.get()),
        }
    }

    /// The load of the most loaded thread after packing `gas`, heaviest first, each onto the
    /// least loaded thread.
    fn heaviest_load(&mut self, gas: impl IntoIterator<Item = u64>) -> u64 {
        self.gas.clear();
        self.gas.extend(gas);
        if self.gas.len() <= self.threads {
            return self.gas.iter().copied().max().unwrap_or(0);
        }
        self.gas.sort_unstable_by(|a, b| b.cmp(a));
        self.loads.clear();
        self.loads
            .extend(std::iter::repeat_n(Reverse(0), self.threads));
        for &gas in &self.gas {
            if let Some(Reverse(least)) = self.loads.pop() {
                self.loads.push(Reverse(least + gas));
            }
        }
        self.loads
            .iter()
            .map(|Reverse(load)| *load)
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heaviest_load(threads: usize, gas: &[u64]) -> u64 {
        ThreadPacking::new(NonZeroUsize::new(threads).unwrap()).heaviest_load(gas.iter().copied())
    }

    #[test]
    fn one_thread_runs_everything() {
        assert_eq!(heaviest_load(1, &[3, 5, 7]), 15);
    }

    #[test]
    fn enough_threads_take_the_heaviest() {
        assert_eq!(heaviest_load(4, &[3, 5, 7]), 7);
        assert_eq!(heaviest_load(4, &[]), 0);
    }

    #[test]
    fn packs_longest_first() {
        // Sorted first: 7 | 6 | 5+4, where block order would give 4+7 | 5 | 6.
        assert_eq!(heaviest_load(3, &[4, 5, 6, 7]), 9);
        // A heuristic: 3+2+2 | 3+2 where 3+3 | 2+2+2 is optimal (LPT is within 4/3 of it).
        assert_eq!(heaviest_load(2, &[3, 3, 2, 2, 2]), 7);
    }
}
