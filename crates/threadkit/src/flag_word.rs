//! A state word that carries a primitive's [`Origin`] and two flag bits in one
//! pointer-sized atomic, so that `Lock<()>` and `Event` stay 8 bytes and still know
//! their name or creation site for reports.
//!
//! ```text
//! bits  63 .. 3          2        1        0
//!       origin pointer   FLAG_2   FLAG_1   FLAG_0   (the meaning of the flags is the user's)
//! ```
//!
//! The origin never changes after construction, so every operation takes and returns
//! the flag bits only. Origins point to data aligned to at least 8 bytes (`Location`
//! on 64-bit targets, interned names), which frees the three low bits (see
//! [`Origin::site`] for targets where `Location` is less aligned).
//!
//! The hot operations are single read-modify-write instructions with no load before
//! them (`lock bts`, `lock xadd` on x86): a compare-and-swap whose expected value must
//! first be loaded costs a few nanoseconds more per operation.

use crate::origin::Origin;
use crate::primitive::{AtomicPtr, Ordering, const_fn};

/// Mask of the three flag bits.
pub(crate) const FLAGS: usize = 0b111;

/// An origin pointer with three flag bits.
pub(crate) struct FlagWord {
    word: AtomicPtr<()>,
}

impl FlagWord {
    const_fn! {
        /// A word with `origin` and `flags`.
        pub(crate) fn new(origin: Origin, flags: usize) -> Self {
            Self {
                word: AtomicPtr::new(origin.as_ptr().wrapping_byte_add(flags).cast_mut()),
            }
        }
    }

    /// The flag bits.
    #[inline]
    pub(crate) fn load(&self, order: Ordering) -> usize {
        self.word.load(order).addr() & FLAGS
    }

    /// The origin given at construction.
    pub(crate) fn origin(&self) -> Origin {
        Origin::from_ptr(
            self.word
                .load(Ordering::Relaxed)
                .map_addr(|a| a & !FLAGS)
                .cast_const(),
        )
    }

    /// The address of the word, used as the parking key of its primitive.
    #[inline]
    pub(crate) fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// Replaces the flags `current` with `new` if they are still `current`; on failure
    /// returns the flags found.
    #[inline]
    pub(crate) fn compare_exchange(
        &self,
        current: usize,
        new: usize,
        success: Ordering,
        failure: Ordering,
    ) -> Result<usize, usize> {
        let base = self.word.load(Ordering::Relaxed).map_addr(|a| a & !FLAGS);
        self.word
            .compare_exchange(
                base.map_addr(|a| a | current),
                base.map_addr(|a| a | new),
                success,
                failure,
            )
            .map(|_| current)
            .map_err(|found| found.addr() & FLAGS)
    }

    /// Like [`compare_exchange`](Self::compare_exchange), but may fail spuriously.
    #[inline]
    pub(crate) fn compare_exchange_weak(
        &self,
        current: usize,
        new: usize,
        success: Ordering,
        failure: Ordering,
    ) -> Result<usize, usize> {
        let base = self.word.load(Ordering::Relaxed).map_addr(|a| a & !FLAGS);
        self.word
            .compare_exchange_weak(
                base.map_addr(|a| a | current),
                base.map_addr(|a| a | new),
                success,
                failure,
            )
            .map(|_| current)
            .map_err(|found| found.addr() & FLAGS)
    }

    /// Sets the bits of `mask`; returns the previous flags. One instruction on x86
    /// when the caller only tests one bit of the result.
    #[inline]
    pub(crate) fn fetch_or(&self, mask: usize, order: Ordering) -> usize {
        #[cfg(not(loom))]
        {
            self.word.fetch_or(mask, order).addr() & FLAGS
        }
        #[cfg(loom)]
        {
            let previous = self
                .word
                .fetch_update(order, Ordering::Relaxed, |p| Some(p.map_addr(|a| a | mask)));
            match previous {
                Ok(p) | Err(p) => p.addr() & FLAGS,
            }
        }
    }

    /// Subtracts `value` from the flag bits, which the caller knows to be at least
    /// `value` with no borrow (it owns those bits); returns the previous flags.
    #[inline]
    pub(crate) fn fetch_sub(&self, value: usize, order: Ordering) -> usize {
        #[cfg(not(loom))]
        {
            self.word.fetch_byte_sub(value, order).addr() & FLAGS
        }
        #[cfg(loom)]
        {
            let previous = self.word.fetch_update(order, Ordering::Relaxed, |p| {
                Some(p.map_addr(|a| a - value))
            });
            match previous {
                Ok(p) | Err(p) => p.addr() & FLAGS,
            }
        }
    }

    /// Applies `f` to the flags until it succeeds or `f` declines; returns the previous
    /// flags (`Ok` if updated).
    #[inline]
    pub(crate) fn update(
        &self,
        success: Ordering,
        failure: Ordering,
        mut f: impl FnMut(usize) -> Option<usize>,
    ) -> Result<usize, usize> {
        let mut current = self.load(failure);
        loop {
            let Some(new) = f(current) else {
                return Err(current);
            };
            match self.compare_exchange_weak(current, new, success, failure) {
                Ok(previous) => return Ok(previous),
                Err(found) => current = found,
            }
        }
    }

    /// Clears the bits of `mask`; returns the previous flags.
    #[inline]
    pub(crate) fn clear(&self, mask: usize, order: Ordering) -> usize {
        match self.update(order, Ordering::Relaxed, |f| Some(f & !mask)) {
            Ok(previous) | Err(previous) => previous,
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn flags_and_origin_are_independent() {
        let here = std::panic::Location::caller();
        let word = FlagWord::new(Origin::site(here), 0);
        assert_eq!(word.load(Ordering::Relaxed), 0);
        assert_eq!(
            word.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed),
            Ok(0)
        );
        assert_eq!(
            word.compare_exchange(0, 2, Ordering::Acquire, Ordering::Relaxed),
            Err(1)
        );
        assert_eq!(
            word.update(Ordering::Relaxed, Ordering::Relaxed, |f| Some(f | 2)),
            Ok(1)
        );
        assert_eq!(word.load(Ordering::Relaxed), 3);
        assert_eq!(word.clear(1, Ordering::Relaxed), 3);
        assert_eq!(word.load(Ordering::Relaxed), 2);
        assert_eq!(word.origin().location(), Some(here));
        let none = FlagWord::new(Origin::NONE, 1);
        assert_eq!(none.load(Ordering::Relaxed), 1);
        assert_eq!(none.origin(), Origin::NONE);
    }
}
