//! A one-shot flag that threads can wait for: "this thread has finished", "this timer
//! was cancelled or fired". An [`Event`](crate::Event) that is never cleared, whose
//! waits are reported to diagnostics as waits on the primitive that owns it.

use std::time::Instant;

use crate::diagnostics::{self, Blocking, Object};
use crate::park::{self, ParkResult, Spin, TOKEN_NORMAL};
use crate::primitive::{AtomicUsize, Ordering, const_fn};

/// Flag: the latch is set (for good).
const SET: usize = 0b01;
/// Flag: threads may be parked waiting for it.
const PARKED: usize = 0b10;

/// A flag that goes from unset to set once.
pub(crate) struct Latch {
    //   SET PARKED  meaning
    //   0   0       unset, nobody parked
    //   0   1       unset, threads parked: `set` must wake them
    //   1   0       set (final)
    state: AtomicUsize,
}

impl Latch {
    const_fn! {
        /// An unset latch.
        pub(crate) fn new() -> Self {
            Self { state: AtomicUsize::new(0) }
        }
    }

    /// Whether the latch is set.
    #[inline]
    pub(crate) fn is_set(&self) -> bool {
        self.state.load(Ordering::Acquire) & SET != 0
    }

    /// Sets the latch and wakes every waiter. Returns true if this call set it (false
    /// if it was already set), so that two threads racing to set it can tell who won.
    #[inline]
    pub(crate) fn set(&self) -> bool {
        let previous = self.state.swap(SET, Ordering::AcqRel);
        if previous & PARKED != 0 {
            // Waiters validate under the bucket lock that the latch is still unset, so
            // every thread that parked before the swap is queued by now.
            park::unpark_up_to(self.key(), usize::MAX, |_| TOKEN_NORMAL);
        }
        previous & SET == 0
    }

    /// Blocks until the latch is set or `deadline` passes; returns whether it is set.
    /// `object` names the owner for diagnostics and thread states.
    #[inline]
    pub(crate) fn wait(&self, deadline: Option<Instant>, object: impl FnOnce() -> Object) -> bool {
        self.is_set() || self.wait_slow(deadline, object)
    }

    #[cold]
    fn wait_slow(&self, deadline: Option<Instant>, object: impl FnOnce() -> Object) -> bool {
        let _scope = diagnostics::block(object, Blocking::Signal, deadline);
        loop {
            let flags = self.state.load(Ordering::Acquire);
            if flags & SET != 0 {
                return true;
            }
            if flags & PARKED == 0
                && self
                    .state
                    .compare_exchange_weak(flags, PARKED, Ordering::Relaxed, Ordering::Relaxed)
                    .is_err()
            {
                continue;
            }
            let result = park::park(
                self.key(),
                || self.state.load(Ordering::Relaxed) == PARKED,
                || true,
                |_| {},
                deadline,
                Spin::Signal,
            );
            if result == ParkResult::TimedOut {
                return self.is_set();
            }
        }
    }

    fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }
}

impl std::fmt::Debug for Latch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Latch")
            .field("set", &self.is_set())
            .finish()
    }
}
