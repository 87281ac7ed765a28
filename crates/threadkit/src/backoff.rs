//! Bounded spinning before parking on a contended lock (parking_lot's `SpinWait`).

use crate::primitive::{SPINNING, spin_loop, yield_now};

/// A short, growing spin: 3 rounds of 2, 4, 8 pause instructions, then 7 yields; then
/// it is time to park.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    step: u32,
}

impl Backoff {
    /// A fresh backoff.
    pub(crate) const fn new() -> Self {
        Self { step: 0 }
    }

    /// Spins once more; false when spinning is over and the caller should park.
    #[inline]
    pub(crate) fn spin(&mut self) -> bool {
        if !SPINNING || self.step >= 10 {
            return false;
        }
        self.step += 1;
        if self.step <= 3 {
            for _ in 0..(1u32 << self.step) {
                spin_loop();
            }
        } else {
            yield_now();
        }
        true
    }

    /// Waits a little longer for another thread that is in the middle of an operation
    /// (a producer that claimed a slot but has not written it yet): a growing spin,
    /// then yields. Never gives up; under loom, always a yield.
    #[inline]
    pub(crate) fn spin_or_yield(&mut self) {
        if SPINNING && self.step < 6 {
            for _ in 0..(1u32 << self.step) {
                spin_loop();
            }
            self.step += 1;
        } else {
            yield_now();
        }
    }

    /// Starts over (after a wake-up).
    pub(crate) fn reset(&mut self) {
        self.step = 0;
    }
}
