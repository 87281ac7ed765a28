//! [`Lock`]: Python's `threading.Lock`, and a `Mutex<T>` when it protects data.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::time::{Duration, Instant};

use crate::diagnostics::DeadlockError;
use crate::error::ReleaseError;
use crate::origin::Origin;
use crate::primitive::{UnsafeCell, const_fn};
use crate::raw_lock::RawLock;

/// A mutual-exclusion lock: Python's `threading.Lock`, and, when it protects data, a
/// `Mutex<T>`.
///
/// `acquire()` blocks until the lock is free and returns a guard that releases it when
/// dropped; `try_acquire()`, `acquire_timeout()` and `acquire_deadline()` give up
/// (returning `None`) instead of blocking forever. `Lock<()>` — Python's lock — also
/// has [`release`](Lock::release), callable from any thread, for code that pairs
/// acquisitions and releases by hand.
///
/// The lock is one word (for `Lock<()>`, 8 bytes), with an inline fast path (one
/// compare-and-swap to acquire, one to release), a short spin, then parking.
///
/// # Differences from Python's threading
///
/// * `acquire` returns a guard (RAII); for Python's pairing, detach the guard with
///   [`LockGuard::detach`] and call [`Lock::release`] later.
/// * Python's `acquire(blocking, timeout)` is spelled `acquire`, `try_acquire`,
///   `acquire_timeout(Duration)`; a timeout too large for the clock waits forever.
/// * There is no poisoning: a panic while holding the guard simply releases the lock.
///
/// # Memory ordering
///
/// Everything done while holding the lock happens-before everything done by the next
/// holder after it acquires the lock.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use threadkit::Lock;
///
/// let balance = Arc::new(Lock::new(100));
/// let handles: Vec<_> = [10, 50]
///     .into_iter()
///     .map(|amount| {
///         let balance = Arc::clone(&balance);
///         std::thread::spawn(move || *balance.acquire() -= amount)
///     })
///     .collect();
/// for handle in handles {
///     handle.join().unwrap();
/// }
/// assert_eq!(*balance.acquire(), 40);
///
/// // Python style: acquire, detach the guard, release later (from any thread).
/// let lock = Lock::new(());
/// lock.acquire().detach();
/// assert!(lock.is_locked());
/// lock.release().unwrap();
/// assert!(lock.release().is_err()); // RuntimeError in Python
/// ```
pub struct Lock<T: ?Sized = ()> {
    raw: RawLock,
    data: UnsafeCell<T>,
}

// SAFETY: the lock hands out access to `T` to one thread at a time, so it can be sent
// and shared whenever `T` can be sent (like `std::sync::Mutex`).
unsafe impl<T: ?Sized + Send> Send for Lock<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send> Sync for Lock<T> {}

impl<T> Lock<T> {
    const_fn! {
        /// An unlocked lock protecting `value`; reports name it by its creation site.
        #[track_caller]
        pub fn new(value: T) -> Self {
            Self { raw: RawLock::with_origin(Origin::site(Location::caller())), data: UnsafeCell::new(value) }
        }
    }

    /// An unlocked lock protecting `value`, with a name for reports.
    ///
    /// Names are kept for the life of the program; give names from a small set.
    #[track_caller]
    pub fn named(name: &str, value: T) -> Self {
        Self {
            raw: RawLock::with_origin(Origin::named(name, Location::caller())),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock, returning the data.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Lock<T> {
    /// Acquires the lock, blocking until it is free.
    ///
    /// # Panics
    ///
    /// Only when deadlock detection is on (see [`diagnostics`](crate::diagnostics))
    /// and this wait closes a cycle under the `Error` or `Panic` policy: the panic
    /// carries the report. Use [`acquire_checked`](Self::acquire_checked) to get it as
    /// a value.
    #[inline]
    #[track_caller]
    pub fn acquire(&self) -> LockGuard<'_, T> {
        self.raw.lock_guarded(None, Location::caller());
        LockGuard::new(self)
    }

    /// Acquires the lock like [`acquire`](Self::acquire), but returns a deadlock that
    /// diagnostics detect while waiting as an error, leaving the lock as it was: the
    /// caller can back off (release what it holds) and retry.
    ///
    /// # Errors
    ///
    /// [`DeadlockError`] naming the cycle of threads and locks.
    ///
    /// ```
    /// use threadkit::{Lock, diagnostics};
    ///
    /// diagnostics::enable();
    /// let lock = Lock::named("config", 0);
    /// let held = lock.acquire();
    /// let error = lock.acquire_checked().unwrap_err(); // this thread already holds it
    /// assert!(error.to_string().contains("config"));
    /// drop(held);
    /// assert!(lock.acquire_checked().is_ok());
    /// diagnostics::disable();
    /// ```
    #[inline]
    #[track_caller]
    pub fn acquire_checked(&self) -> Result<LockGuard<'_, T>, DeadlockError> {
        self.raw.lock_guarded_checked(None, Location::caller())?;
        Ok(LockGuard::new(self))
    }

    /// One slice of an [`acquire_checked`](Self::acquire_checked): waits until `until`
    /// at the latest (`None` if it passed), for callers that wait without a timeout but
    /// must wake now and then — a Python binding looking for Ctrl-C between slices.
    /// Diagnostics treat the wait as the untimed wait it is part of: a deadlock is an
    /// error here too, where a wait with a real timeout only gets a warning.
    ///
    /// # Errors
    ///
    /// [`DeadlockError`] naming the cycle of threads and locks.
    #[inline]
    #[track_caller]
    pub fn acquire_checked_slice(
        &self,
        until: Instant,
    ) -> Result<Option<LockGuard<'_, T>>, DeadlockError> {
        let acquired = self
            .raw
            .lock_guarded_checked(Some(until), Location::caller())?;
        Ok(acquired.then(|| LockGuard::new(self)))
    }

    /// Acquires the lock if it is free right now.
    #[inline]
    #[track_caller]
    pub fn try_acquire(&self) -> Option<LockGuard<'_, T>> {
        self.raw
            .try_lock_guarded(Location::caller())
            .then(|| LockGuard::new(self))
    }

    /// Acquires the lock, waiting at most `timeout`.
    #[inline]
    #[track_caller]
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<LockGuard<'_, T>> {
        self.raw
            .lock_guarded(crate::time::deadline_after(timeout), Location::caller())
            .then(|| LockGuard::new(self))
    }

    /// Acquires the lock, waiting until `deadline` at the latest.
    #[inline]
    #[track_caller]
    pub fn acquire_deadline(&self, deadline: Instant) -> Option<LockGuard<'_, T>> {
        self.raw
            .lock_guarded(Some(deadline), Location::caller())
            .then(|| LockGuard::new(self))
    }

    /// Whether the lock is held (by any thread). A momentary snapshot.
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    /// The data, through exclusive access (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// The lock's name, if it was created with one.
    pub fn name(&self) -> Option<&'static str> {
        self.raw.name()
    }

    /// Where the lock was created, if known.
    pub fn created_at(&self) -> Option<&'static Location<'static>> {
        self.raw.created_at()
    }

    /// The raw lock underneath.
    pub(crate) fn raw(&self) -> &RawLock {
        &self.raw
    }
}

impl Lock<()> {
    /// Frees the lock whoever holds it: Python's `_at_fork_reinit`, for the child of a
    /// `fork()`, where the thread that held the lock (and any waiting for it) did not
    /// come along.
    ///
    /// Only for a lock no live thread of this process holds or waits for: a hold
    /// outstanding when the lock is reset is lost (its release is then an error),
    /// never unsafe — a `Lock<()>` guards no data.
    pub fn reset_after_fork(&self) {
        crate::diagnostics::released(|| self.raw.object());
        self.raw.reset_after_fork();
    }

    /// Releases the lock, from any thread: Python's `Lock.release()`.
    ///
    /// Only `Lock<()>` has this: a lock protecting data is released by dropping its guard.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::NotLocked`] if the lock is not locked (Python: `RuntimeError`);
    /// [`ReleaseError::HeldByGuard`] if it is held through a live [`LockGuard`] (which
    /// alone releases it). Nothing changes.
    #[inline]
    pub fn release(&self) -> Result<(), ReleaseError> {
        self.raw.release()
    }
}

impl<T: Default> Default for Lock<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> From<T> for Lock<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Lock<T> {
    /// Never blocks: shows `<locked>` if the lock is held.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Lock");
        if let Some(name) = self.name() {
            d.field("name", &name);
        }
        match self.raw.try_lock_untracked() {
            true => {
                // SAFETY: we hold the lock until the release below.
                self.data.with(|data| d.field("data", &unsafe { &*data }));
                self.raw.unlock_untracked();
            }
            false => {
                d.field("data", &format_args!("<locked>"));
            }
        }
        d.finish()
    }
}

/// Access to a [`Lock`]'s data; the lock is released when the guard is dropped.
///
/// A guard stays on the thread that acquired the lock (it is not `Send`):
///
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// let lock = threadkit::Lock::new(0);
/// send(lock.acquire());
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a, T: ?Sized> {
    lock: &'a Lock<T>,
    /// Guards stay on the thread that acquired (like `std::sync::MutexGuard`).
    _not_send: PhantomData<*const ()>,
}

// SAFETY: sharing the guard only shares `&T`.
unsafe impl<T: ?Sized + Sync> Sync for LockGuard<'_, T> {}

impl<'a, T: ?Sized> LockGuard<'a, T> {
    fn new(lock: &'a Lock<T>) -> Self {
        Self {
            lock,
            _not_send: PhantomData,
        }
    }

    /// The lock this guard holds.
    pub fn lock(guard: &Self) -> &'a Lock<T> {
        guard.lock
    }
}

impl LockGuard<'_, ()> {
    /// Drops the guard but keeps the lock held, for Python-style code that releases
    /// it later with [`Lock::release`] (possibly from another thread).
    pub fn detach(self) {
        self.lock.raw.detach();
        std::mem::forget(self);
    }
}

impl<T: ?Sized> Deref for LockGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard proves the lock is held, so no one else accesses the data.
        self.lock.data.with(|data| unsafe { &*data })
    }
}

impl<T: ?Sized> DerefMut for LockGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard proves the lock is held, and `&mut self` that this is the
        // only access through it.
        self.lock.data.with_mut(|data| unsafe { &mut *data })
    }
}

impl<T: ?Sized> Drop for LockGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.lock.raw.unlock_guarded();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
