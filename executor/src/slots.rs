//! Finished speculative runs waiting for their turn to commit: one slot per transaction,
//! filled by whichever thread ran it and emptied by the committer.
//!
//! Input: runs tagged with their position in the block, in any order, from any thread.
//! Output: the run at a position, once it is there.
//!
//! A run is handed over as soon as it finishes, so the committer never waits for a batch that
//! holds the next transaction to commit.

use std::sync::{
    Mutex, PoisonError,
    atomic::{AtomicBool, Ordering},
};

/// One slot per transaction of a block.
#[derive(Debug)]
pub(crate) struct Slots<T> {
    runs: Vec<Mutex<Option<T>>>,
    filled: Vec<AtomicBool>,
}

impl<T> Slots<T> {
    pub(crate) fn new(transactions: usize) -> Self {
        Self {
            runs: (0..transactions).map(|_| Mutex::new(None)).collect(),
            filled: (0..transactions).map(|_| AtomicBool::new(false)).collect(),
        }
    }

    /// Stores the run of position `at`.
    pub(crate) fn put(&self, at: usize, run: T) {
        *self.runs[at].lock().unwrap_or_else(PoisonError::into_inner) = Some(run);
        self.filled[at].store(true, Ordering::Release);
    }

    /// Takes the run of position `at`, if it is there.
    pub(crate) fn take(&self, at: usize) -> Option<T> {
        if !self.filled.get(at)?.load(Ordering::Acquire) {
            return None;
        }
        self.filled[at].store(false, Ordering::Relaxed);
        self.runs[at]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_each_run_once_from_any_thread() {
        let slots = Slots::new(3);
        std::thread::scope(|scope| {
            scope.spawn(|| slots.put(2, 'c'));
            scope.spawn(|| slots.put(0, 'a'));
        });
        assert_eq!(slots.take(1), None, "position 1 has not arrived");
        assert_eq!(slots.take(0), Some('a'));
        assert_eq!(slots.take(0), None);
        assert_eq!(slots.take(2), Some('c'));
        assert_eq!(slots.take(3), None, "past the block");
    }
}
