//! The engine behind every "wait until another thread signals" in threadkit: a FIFO
//! of parked threads, woken n at a time. A Condition is a wait queue plus a lock;
//! Barrier builds on one too.

use std::time::Instant;

use crate::park::{self, ParkResult, Spin, TOKEN_NORMAL};
use crate::primitive::{AtomicUsize, Ordering, const_fn};

/// Threads waiting to be notified, oldest first.
pub(crate) struct WaitQueue {
    // Number of threads queued. Changed only with the parking bucket locked (when a
    // thread enqueues, leaves on timeout, or is notified), so it is exact there; read
    // without the bucket lock only as a hint that nobody waits, which callers make
    // reliable by holding the lock the waiters released (see `notify`).
    waiters: AtomicUsize,
}

/// Why a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitOutcome {
    /// Another thread notified this one.
    Notified,
    /// The deadline passed.
    TimedOut,
    /// `release` declined: the thread never slept.
    Declined,
}

impl WaitQueue {
    const_fn! {
        /// An empty queue.
        pub(crate) fn new() -> Self {
            Self { waiters: AtomicUsize::new(0) }
        }
    }

    /// Queues the calling thread, calls `release` (which releases the lock that
    /// protects the waited-for state; returning false abandons the wait), then parks
    /// until notified or until `deadline`.
    pub(crate) fn wait(
        &self,
        release: impl FnOnce() -> bool,
        deadline: Option<Instant>,
    ) -> WaitOutcome {
        let result = park::park(
            self.key(),
            || {
                self.waiters.fetch_add(1, Ordering::Relaxed);
                true
            },
            release,
            |_| {
                self.waiters.fetch_sub(1, Ordering::Relaxed);
            },
            deadline,
            Spin::Signal,
        );
        match result {
            ParkResult::Unparked(_) => WaitOutcome::Notified,
            ParkResult::TimedOut => WaitOutcome::TimedOut,
            ParkResult::Invalid => WaitOutcome::Declined,
        }
    }

    /// Wakes up to `n` waiters, oldest first; returns how many.
    ///
    /// A waiter is guaranteed to be seen if it started waiting before the caller
    /// acquired the lock the waiter released in `wait`.
    pub(crate) fn notify(&self, n: usize) -> usize {
        if n == 0 || self.waiters.load(Ordering::Relaxed) == 0 {
            return 0;
        }
        park::unpark_up_to(self.key(), n, |result| {
            self.waiters.fetch_sub(result.unparked, Ordering::Relaxed);
            TOKEN_NORMAL
        })
        .unparked
    }

    /// Wakes every waiter; returns how many.
    pub(crate) fn notify_all(&self) -> usize {
        self.notify(usize::MAX)
    }

    /// How many threads wait (exact when the caller holds the protecting lock).
    pub(crate) fn len(&self) -> usize {
        self.waiters.load(Ordering::Relaxed)
    }

    /// The parking key: the queue's address.
    pub(crate) fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }
}
