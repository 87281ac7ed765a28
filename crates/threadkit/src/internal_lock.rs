//! A lock for threadkit's own bookkeeping (a Barrier's counters, a queue's buffer):
//! the same engine as [`Lock`](crate::Lock), but invisible to diagnostics, which
//! report waits on it as waits on the primitive that owns it.

use std::ops::{Deref, DerefMut};

use crate::diagnostics::PrimitiveKind;
use crate::origin::Origin;
use crate::primitive::UnsafeCell;
use crate::raw_lock::RawLock;

/// A lock protecting a primitive's internal state.
pub(crate) struct InternalLock<T> {
    raw: RawLock,
    kind: PrimitiveKind,
    data: UnsafeCell<T>,
}

// SAFETY: the lock gives access to `T` to one thread at a time.
unsafe impl<T: Send> Send for InternalLock<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for InternalLock<T> {}

impl<T> InternalLock<T> {
    /// A lock over `value`, belonging to a primitive of `kind` with `origin`.
    pub(crate) fn new(value: T, kind: PrimitiveKind, origin: Origin) -> Self {
        Self {
            raw: RawLock::with_origin(origin),
            kind,
            data: UnsafeCell::new(value),
        }
    }

    /// Acquires the lock, blocking.
    #[inline]
    pub(crate) fn lock(&self) -> InternalGuard<'_, T> {
        self.raw.lock_deadline_untracked(None, self.kind);
        InternalGuard { lock: self }
    }
}

/// Access to an [`InternalLock`]'s data.
pub(crate) struct InternalGuard<'a, T> {
    lock: &'a InternalLock<T>,
}

impl<T> Deref for InternalGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard proves the lock is held.
        self.lock.data.with(|data| unsafe { &*data })
    }
}

impl<T> DerefMut for InternalGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves the lock is held; `&mut self` makes this access unique.
        self.lock.data.with_mut(|data| unsafe { &mut *data })
    }
}

impl<T> Drop for InternalGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.lock.raw.unlock_untracked();
    }
}
