//! Which transaction a thread runs next: the next one in block order whose start point is
//! reached, passing over (and coming back to) those still waiting for commits.
//!
//! Input: each transaction's start point (see `start.rs`) and, at every request, the number of
//! transactions committed. Output: transaction indices, each handed out exactly once.
//!
//! A thread never blocks on a transaction that is not ready while later ones are: it defers it
//! and takes the next. At most [`LOOKAHEAD`] transactions wait deferred at once, which bounds
//! the scan for a ready one; past that, requests return nothing until commits catch up.

use std::sync::{
    Mutex, PoisonError,
    atomic::{AtomicUsize, Ordering},
};

/// Most transactions deferred at once.
const LOOKAHEAD: usize = 64;

/// Hands out a block's transactions to the threads that run them.
#[derive(Debug)]
pub(crate) struct Dispatch<'a> {
    start_after: &'a [usize],
    /// The next transaction never handed out nor deferred.
    cursor: AtomicUsize,
    /// Transactions passed over because their start point was not reached, in block order.
    deferred: Mutex<Vec<usize>>,
    /// `deferred.len()`, readable without the lock.
    deferred_len: AtomicUsize,
}

impl<'a> Dispatch<'a> {
    pub(crate) fn new(start_after: &'a [usize]) -> Self {
        Self {
            start_after,
            cursor: AtomicUsize::new(0),
            deferred: Mutex::new(Vec::with_capacity(LOOKAHEAD)),
            deferred_len: AtomicUsize::new(0),
        }
    }

    /// A transaction that may run now that `committed` transactions are committed, earliest
    /// first; `None` if there is none at the moment.
    pub(crate) fn next(&self, committed: usize) -> Option<usize> {
        let ready = |i: &usize| self.start_after[*i] <= committed;
        if self.deferred_len.load(Ordering::Acquire) > 0 {
            let mut deferred = self.deferred.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(at) = deferred.iter().position(ready) {
                let i = deferred.remove(at);
                self.deferred_len.store(deferred.len(), Ordering::Release);
                return Some(i);
            }
        }
        loop {
            if self.deferred_len.load(Ordering::Acquire) >= LOOKAHEAD {
                return None;
            }
            let i = self.cursor.fetch_add(1, Ordering::AcqRel);
            if i >= self.start_after.len() {
                return None;
            }
            if ready(&i) {
                return Some(i);
            }
            let mut deferred = self.deferred.lock().unwrap_or_else(PoisonError::into_inner);
            // Claims race: keep the list in block order.
            let at = deferred.partition_point(|&d| d < i);
            deferred.insert(at, i);
            self.deferred_len.store(deferred.len(), Ordering::Release);
        }
    }

    /// Whether every transaction has been handed out.
    pub(crate) fn is_exhausted(&self) -> bool {
        self.cursor.load(Ordering::Acquire) >= self.start_after.len()
            && self.deferred_len.load(Ordering::Acquire) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_over_waiting_transactions_and_comes_back_to_them() {
        let start_after = [0, 0, 2, 0, 3];
        let dispatch = Dispatch::new(&start_after);
        assert_eq!(dispatch.next(0), Some(0));
        assert_eq!(dispatch.next(0), Some(1));
        assert_eq!(dispatch.next(0), Some(3), "2 waits for two commits");
        assert_eq!(dispatch.next(0), None, "4 waits for three");
        assert!(!dispatch.is_exhausted());
        assert_eq!(dispatch.next(2), Some(2));
        assert_eq!(dispatch.next(2), None);
        assert_eq!(dispatch.next(3), Some(4));
        assert!(dispatch.is_exhausted());
        assert_eq!(dispatch.next(5), None);
    }

    #[test]
    fn stops_claiming_once_the_lookahead_is_full() {
        let start_after = vec![1; LOOKAHEAD + 2];
        let dispatch = Dispatch::new(&start_after);
        assert_eq!(dispatch.next(0), None);
        assert_eq!(dispatch.deferred_len.load(Ordering::Relaxed), LOOKAHEAD);
        let handed: Vec<_> = std::iter::from_fn(|| dispatch.next(1)).collect();
        assert_eq!(handed, (0..LOOKAHEAD + 2).collect::<Vec<_>>());
        assert!(dispatch.is_exhausted());
    }
}
