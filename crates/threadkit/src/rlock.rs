//! [`RLock`]: Python's `threading.RLock`, a lock its holder may acquire again.

use std::fmt;
use std::marker::PhantomData;
use std::num::NonZeroU64;
use std::ops::Deref;
use std::panic::Location;
use std::time::{Duration, Instant};

use crate::diagnostics::{self, DeadlockError, Object, PrimitiveKind};
use crate::error::ReleaseError;
use crate::origin::Origin;
use crate::primitive::{AtomicUsize, Ordering, UnsafeCell, const_fn};
use crate::raw_lock::RawLock;
use crate::thread_id;

/// A reentrant lock: Python's `threading.RLock`.
///
/// The thread that holds it may acquire it again; it is released when every
/// acquisition has been released. Only the holder may release it.
///
/// # Differences from Python's threading
///
/// * `acquire` returns a guard that gives shared access (`&T`: the holder may have
///   several guards at once); for Python's pairing, [`RLockGuard::detach`] and
///   [`RLock::release`].
/// * Releasing an RLock the thread does not hold is an error ([`ReleaseError::NotOwned`],
///   Python's `RuntimeError`), never undefined behaviour.
///
/// # Memory ordering
///
/// As for [`Lock`](crate::Lock): the final release happens-before the next first
/// acquisition by another thread.
///
/// # Examples
///
/// ```
/// use threadkit::RLock;
///
/// let lock = RLock::new(());
/// let outer = lock.acquire();
/// let inner = lock.acquire(); // the holder may re-enter
/// assert!(lock.is_owned());
/// drop(inner);
/// drop(outer);
/// assert!(!lock.is_owned());
///
/// // Python style, with checked releases.
/// lock.acquire().detach();
/// assert_eq!(lock.release(), Ok(()));
/// assert!(lock.release().is_err()); // not held: RuntimeError in Python
/// ```
pub struct RLock<T: ?Sized = ()> {
    raw: RawLock,
    // 0 when free, else the holder's `thread_id` (written only by the holder).
    owner: AtomicUsize,
    // Recursion depth; written only by the holder (relaxed: other threads only read it
    // for reports, and the owner word tells them whether it means anything).
    count: AtomicUsize,
    data: UnsafeCell<T>,
}

// SAFETY: only the holding thread reaches the data, so sending the lock sends `T`.
unsafe impl<T: ?Sized + Send> Send for RLock<T> {}
// SAFETY: guards give `&T` to the one holding thread only (possibly several guards on
// that thread), so `T: Send` suffices, as for `std::sync::ReentrantLock`.
unsafe impl<T: ?Sized + Send> Sync for RLock<T> {}

/// What `RLock::release_save` returns: the depth to restore.
#[derive(Debug)]
pub(crate) struct SavedDepth(usize);

impl<T> RLock<T> {
    const_fn! {
        /// An unlocked reentrant lock protecting `value`.
        #[track_caller]
        pub fn new(value: T) -> Self {
            Self::with_origin(Origin::site(Location::caller()), value)
        }
    }

    /// An unlocked reentrant lock with a name for reports.
    #[track_caller]
    pub fn named(name: &str, value: T) -> Self {
        Self::with_origin(Origin::named(name, Location::caller()), value)
    }

    const_fn! {
        fn with_origin(origin: Origin, value: T) -> Self {
            Self {
                raw: RawLock::with_origin(origin),
                owner: AtomicUsize::new(0),
                count: AtomicUsize::new(0),
                data: UnsafeCell::new(value),
            }
        }
    }

    /// Consumes the lock, returning the data.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> RLock<T> {
    /// Acquires the lock, blocking unless the calling thread already holds it.
    #[inline]
    #[track_caller]
    pub fn acquire(&self) -> RLockGuard<'_, T> {
        let me = current();
        if !self.reenter(me) {
            self.raw.lock_untracked();
            self.take_ownership(me, 1, Location::caller());
        }
        RLockGuard::new(self)
    }

    /// Acquires the lock like [`acquire`](Self::acquire), but returns a deadlock that
    /// diagnostics detect while waiting as an error instead of following the policy
    /// (see [`diagnostics`](crate::diagnostics)). The lock is not held on error.
    ///
    /// # Errors
    ///
    /// [`DeadlockError`] naming the cycle of threads and locks.
    #[inline]
    #[track_caller]
    pub fn acquire_checked(&self) -> Result<RLockGuard<'_, T>, DeadlockError> {
        let me = current();
        if !self.reenter(me) {
            self.raw
                .lock_checked_untracked(None, PrimitiveKind::RLock, false)?;
            self.take_ownership(me, 1, Location::caller());
        }
        Ok(RLockGuard::new(self))
    }

    /// One slice of an [`acquire_checked`](Self::acquire_checked): waits until `until`
    /// at the latest (`None` if it passed); diagnostics treat the wait as untimed (see
    /// [`Lock::acquire_checked_slice`](crate::Lock::acquire_checked_slice)).
    ///
    /// # Errors
    ///
    /// [`DeadlockError`] naming the cycle of threads and locks.
    #[inline]
    #[track_caller]
    pub fn acquire_checked_slice(
        &self,
        until: Instant,
    ) -> Result<Option<RLockGuard<'_, T>>, DeadlockError> {
        let me = current();
        if !self.reenter(me) {
            if !self
                .raw
                .lock_checked_untracked(Some(until), PrimitiveKind::RLock, true)?
            {
                return Ok(None);
            }
            self.take_ownership(me, 1, Location::caller());
        }
        Ok(Some(RLockGuard::new(self)))
    }

    /// Acquires the lock if it is free or already held by the calling thread.
    #[inline]
    #[track_caller]
    pub fn try_acquire(&self) -> Option<RLockGuard<'_, T>> {
        let me = current();
        if self.reenter(me) {
            return Some(RLockGuard::new(self));
        }
        if !self.raw.try_lock_untracked() {
            return None;
        }
        self.take_ownership(me, 1, Location::caller());
        Some(RLockGuard::new(self))
    }

    /// Acquires the lock, waiting at most `timeout`.
    #[inline]
    #[track_caller]
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<RLockGuard<'_, T>> {
        self.acquire_until(crate::time::deadline_after(timeout), Location::caller())
    }

    /// Acquires the lock, waiting until `deadline` at the latest.
    #[inline]
    #[track_caller]
    pub fn acquire_deadline(&self, deadline: Instant) -> Option<RLockGuard<'_, T>> {
        self.acquire_until(Some(deadline), Location::caller())
    }

    fn acquire_until(
        &self,
        deadline: Option<Instant>,
        site: &'static Location<'static>,
    ) -> Option<RLockGuard<'_, T>> {
        let me = current();
        if self.reenter(me) {
            return Some(RLockGuard::new(self));
        }
        if !self
            .raw
            .lock_deadline_untracked(deadline, PrimitiveKind::RLock)
        {
            return None;
        }
        self.take_ownership(me, 1, site);
        Some(RLockGuard::new(self))
    }

    /// Releases one level of the calling thread's hold: Python's `RLock.release()`.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::NotOwned`] if the calling thread does not hold the lock.
    pub fn release(&self) -> Result<(), ReleaseError> {
        if !self.is_owned() {
            return Err(ReleaseError::NotOwned);
        }
        self.release_owned();
        Ok(())
    }

    /// Whether the calling thread holds the lock (Python's `RLock._is_owned()`).
    #[inline]
    pub fn is_owned(&self) -> bool {
        self.owner.load(Ordering::Relaxed) == current()
    }

    /// Whether any thread holds the lock. A momentary snapshot.
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    /// How many times the calling thread holds the lock (0 if it does not).
    pub fn depth(&self) -> usize {
        if self.is_owned() {
            self.count.load(Ordering::Relaxed)
        } else {
            0
        }
    }

    /// The holder's thread ident and recursion depth, as seen from any thread (for
    /// reports, like Python's `RLock` repr): `None` when free. A momentary snapshot.
    pub fn holder(&self) -> Option<(u64, usize)> {
        match self.owner.load(Ordering::Relaxed) {
            0 => None,
            owner => Some((owner as u64, self.count.load(Ordering::Relaxed))),
        }
    }

    /// The lock's name, if it was created with one.
    pub fn name(&self) -> Option<&'static str> {
        self.raw.name()
    }

    /// Where the lock was created, if known.
    pub fn created_at(&self) -> Option<&'static Location<'static>> {
        self.raw.created_at()
    }

    /// Releases every level of the calling thread's hold (a Condition wait).
    pub(crate) fn release_save(&self) -> Result<SavedDepth, ReleaseError> {
        if !self.is_owned() {
            return Err(ReleaseError::NotOwned);
        }
        let depth = self.count.swap(0, Ordering::Relaxed);
        self.give_up_ownership();
        Ok(SavedDepth(depth))
    }

    /// Re-acquires every level given up by `release_save`.
    #[track_caller]
    pub(crate) fn acquire_restore(&self, saved: SavedDepth) {
        self.raw.lock_untracked();
        self.take_ownership(current(), saved.0, Location::caller());
    }

    fn object(&self) -> Object {
        self.raw.object_as(PrimitiveKind::RLock)
    }

    /// Re-enters if the calling thread (`me`) holds the lock.
    #[inline]
    fn reenter(&self, me: usize) -> bool {
        if self.owner.load(Ordering::Relaxed) != me {
            return false;
        }
        // Only the holder writes `count`: a load and a store, no read-modify-write.
        // Overflow would need 2^64 nested acquisitions: unreachable in practice.
        let depth = self.count.load(Ordering::Relaxed);
        self.count.store(
            depth
                .checked_add(1)
                .expect("RLock recursion depth overflow"),
            Ordering::Relaxed,
        );
        true
    }

    /// Records `me` as holder with `depth` levels, right after acquiring `raw`.
    #[inline]
    fn take_ownership(&self, me: usize, depth: usize, site: &'static Location<'static>) {
        self.owner.store(me, Ordering::Relaxed);
        self.count.store(depth, Ordering::Relaxed);
        diagnostics::acquired(|| self.object(), site);
    }

    /// Releases one level; the caller holds the lock.
    #[inline]
    fn release_owned(&self) {
        let left = self.count.load(Ordering::Relaxed) - 1;
        self.count.store(left, Ordering::Relaxed);
        if left == 0 {
            self.give_up_ownership();
        }
    }

    #[inline]
    fn give_up_ownership(&self) {
        // The record goes first: once the lock word is free another thread may take
        // the lock and record its own hold.
        diagnostics::released(|| self.object());
        self.owner.store(0, Ordering::Relaxed);
        self.raw.unlock_untracked();
    }
}

impl RLock<()> {
    /// Frees the lock whoever holds it, at any depth: Python's `RLock._at_fork_reinit`,
    /// for the child of a `fork()`, where the thread that held the lock (and any
    /// waiting for it) did not come along.
    ///
    /// Only for a lock no live thread of this process holds or waits for: a hold
    /// outstanding when the lock is reset is lost, never unsafe — an `RLock<()>`
    /// guards no data.
    pub fn reset_after_fork(&self) {
        diagnostics::released(|| self.object());
        self.owner.store(0, Ordering::Relaxed);
        self.count.store(0, Ordering::Relaxed);
        self.raw.reset_after_fork();
    }
}

impl<T: Default> Default for RLock<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RLock<T> {
    /// Never blocks: shows `<locked>` if another thread holds the lock.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RLock");
        if let Some(name) = self.name() {
            d.field("name", &name);
        }
        match self.try_acquire() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

#[inline]
fn current() -> usize {
    let id: NonZeroU64 = thread_id::current();
    // Thread ids count up from 1; a 32-bit usize would need 4 billion threads to wrap.
    id.get() as usize
}

/// Shared access to an [`RLock`]'s data; one level of the hold is released on drop.
///
/// A guard stays on the thread that holds the lock (it is not `Send`):
///
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// let lock = threadkit::RLock::new(0);
/// send(lock.acquire());
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RLockGuard<'a, T: ?Sized> {
    lock: &'a RLock<T>,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: sharing the guard only shares `&T`.
unsafe impl<T: ?Sized + Sync> Sync for RLockGuard<'_, T> {}

impl<'a, T: ?Sized> RLockGuard<'a, T> {
    fn new(lock: &'a RLock<T>) -> Self {
        Self {
            lock,
            _not_send: PhantomData,
        }
    }

    /// Drops the guard but keeps this level of the hold, for Python-style code that
    /// releases it later with [`RLock::release`] (on the same thread).
    pub fn detach(self) {
        std::mem::forget(self);
    }
}

impl<T: ?Sized> Deref for RLockGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard proves the calling thread holds the lock; other guards of
        // this thread only give shared access too.
        self.lock.data.with(|data| unsafe { &*data })
    }
}

impl<T: ?Sized> Drop for RLockGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // A Condition wait inside a guard's scope gives the hold back before returning,
        // so the thread still holds the lock here; `release` checks it anyway.
        let _ = self.lock.release();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RLockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
