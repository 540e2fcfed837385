//! Speculative runs that finished ahead of their turn to commit, kept only for the window
//! between the next transaction to commit and the furthest one run, so that a block's
//! executor never holds a slot for every transaction.
//!
//! Input: runs tagged with their position in the block, in any order. Output: the run of the
//! next position to commit, once it is there.

use std::collections::VecDeque;

/// Runs waiting for their commit, by block position.
#[derive(Debug)]
pub(crate) struct Pending<T> {
    /// The position of the front of `runs`: the next one to commit.
    next: usize,
    runs: VecDeque<Option<T>>,
}

impl<T> Pending<T> {
    /// An empty window whose next position is 0.
    pub(crate) fn new() -> Self {
        Self {
            next: 0,
            runs: VecDeque::new(),
        }
    }

    /// Keeps the run of position `at` (a later run of the same position replaces it); a run of
    /// a position already handed out is dropped.
    pub(crate) fn insert(&mut self, at: usize, run: T) {
        let Some(offset) = at.checked_sub(self.next) else {
            return;
        };
        if offset >= self.runs.len() {
            self.runs.resize_with(offset + 1, || None);
        }
        self.runs[offset] = Some(run);
    }

    /// Whether the run of the next position has arrived.
    pub(crate) fn next_ready(&self) -> bool {
        self.runs.front().is_some_and(Option::is_some)
    }

    /// Moves every run that is next in order, and has arrived, to `ready`; the window moves on
    /// past them.
    pub(crate) fn take_ready(&mut self, ready: &mut Vec<T>) {
        while let Some(run) = self.take_next() {
            ready.push(run);
        }
    }

    /// The run of the next position, if it has arrived; the window then moves on by one.
    pub(crate) fn take_next(&mut self) -> Option<T> {
        let run = self.runs.front_mut()?.take()?;
        self.runs.pop_front();
        self.next += 1;
        Some(run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_runs_in_position_order_only() {
        let mut pending = Pending::new();
        pending.insert(2, 'c');
        assert_eq!(pending.take_next(), None, "position 0 has not arrived");
        pending.insert(0, 'a');
        pending.insert(1, 'b');
        assert_eq!(pending.take_next(), Some('a'));
        assert_eq!(pending.take_next(), Some('b'));
        assert_eq!(pending.take_next(), Some('c'));
        assert_eq!(pending.take_next(), None);
        pending.insert(1, 'x');
        pending.insert(3, 'd');
        assert_eq!(
            pending.take_next(),
            Some('d'),
            "a stale position is ignored"
        );
    }

    #[test]
    fn takes_every_run_that_is_next_in_order_at_once() {
        let mut pending = Pending::new();
        pending.insert(1, 'b');
        pending.insert(3, 'd');
        assert!(!pending.next_ready());
        pending.insert(0, 'a');
        assert!(pending.next_ready());
        let mut ready = Vec::new();
        pending.take_ready(&mut ready);
        assert_eq!(ready, ['a', 'b'], "position 2 has not arrived, so 3 waits");
        assert!(!pending.next_ready());
        pending.insert(2, 'c');
        pending.take_ready(&mut ready);
        assert_eq!(ready, ['a', 'b', 'c', 'd']);
    }
}
