//! [`Condition`]: Python's `threading.Condition`, over a Lock or an RLock.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::diagnostics::{self, Blocking, Object, PrimitiveKind};
use crate::error::{NotOwnedError, ReleaseError};
use crate::lock::Lock;
use crate::origin::Origin;
use crate::rlock::{RLock, SavedDepth};
use crate::wait_queue::{WaitOutcome, WaitQueue};

/// A lock a [`Condition`] can be built on: [`RLock<()>`] (Python's default), [`Lock<()>`],
/// or a shared reference / `Arc` to one.
///
/// It is also how a binding adapts a foreign lock (Python's `Condition(lock)` accepts
/// any object with `acquire`/`release`): the methods mirror what CPython's Condition
/// calls on its lock (`_is_owned`, `_release_save`, `_acquire_restore`).
pub trait ConditionLock {
    /// What [`release_save`](Self::release_save) hands to
    /// [`acquire_restore`](Self::acquire_restore): the recursion depth of an RLock.
    type Saved;

    /// Acquires the lock, blocking.
    fn acquire_lock(&self);

    /// Acquires the lock, waiting until `deadline` (`None`: forever); false on timeout.
    fn acquire_lock_until(&self, deadline: Option<Instant>) -> bool;

    /// Acquires the lock if it is free right now.
    fn try_acquire_lock(&self) -> bool;

    /// Releases one acquisition.
    ///
    /// # Errors
    ///
    /// If the lock is not held (by the calling thread, for an RLock).
    fn release_lock(&self) -> Result<(), ReleaseError>;

    /// Whether the calling thread may wait and notify: for an RLock, whether it holds
    /// it; for a Lock (which has no owner), whether it is locked, as in CPython.
    fn is_owned(&self) -> bool;

    /// Releases the lock completely (every recursion level).
    ///
    /// # Errors
    ///
    /// If the lock is not held.
    fn release_save(&self) -> Result<Self::Saved, ReleaseError>;

    /// Re-acquires what [`release_save`](Self::release_save) released.
    fn acquire_restore(&self, saved: Self::Saved);
}

impl ConditionLock for Lock<()> {
    type Saved = ();

    #[track_caller]
    fn acquire_lock(&self) {
        self.raw().acquire();
    }

    #[track_caller]
    fn acquire_lock_until(&self, deadline: Option<Instant>) -> bool {
        match deadline {
            Some(deadline) => self.raw().acquire_deadline(deadline),
            None => {
                self.raw().acquire();
                true
            }
        }
    }

    #[track_caller]
    fn try_acquire_lock(&self) -> bool {
        self.raw().try_acquire()
    }

    fn release_lock(&self) -> Result<(), ReleaseError> {
        self.release()
    }

    fn is_owned(&self) -> bool {
        self.is_locked()
    }

    fn release_save(&self) -> Result<(), ReleaseError> {
        self.release()
    }

    #[track_caller]
    fn acquire_restore(&self, (): ()) {
        self.raw().acquire();
    }
}

/// The hold an [`RLock`] gave up for a [`Condition`] wait.
#[derive(Debug)]
pub struct RLockSaved(SavedDepth);

impl ConditionLock for RLock<()> {
    type Saved = RLockSaved;

    #[track_caller]
    fn acquire_lock(&self) {
        self.acquire().detach();
    }

    #[track_caller]
    fn acquire_lock_until(&self, deadline: Option<Instant>) -> bool {
        match deadline {
            Some(deadline) => self
                .acquire_deadline(deadline)
                .map(|guard| guard.detach())
                .is_some(),
            None => {
                self.acquire().detach();
                true
            }
        }
    }

    #[track_caller]
    fn try_acquire_lock(&self) -> bool {
        self.try_acquire().map(|guard| guard.detach()).is_some()
    }

    fn release_lock(&self) -> Result<(), ReleaseError> {
        self.release()
    }

    fn is_owned(&self) -> bool {
        RLock::is_owned(self)
    }

    fn release_save(&self) -> Result<RLockSaved, ReleaseError> {
        RLock::release_save(self).map(RLockSaved)
    }

    #[track_caller]
    fn acquire_restore(&self, saved: RLockSaved) {
        RLock::acquire_restore(self, saved.0);
    }
}

macro_rules! forward_condition_lock {
    ($($ptr:ty),*) => {$(
        impl<L: ConditionLock + ?Sized> ConditionLock for $ptr {
            type Saved = L::Saved;
            #[track_caller]
            fn acquire_lock(&self) { (**self).acquire_lock() }
            #[track_caller]
            fn acquire_lock_until(&self, deadline: Option<Instant>) -> bool { (**self).acquire_lock_until(deadline) }
            #[track_caller]
            fn try_acquire_lock(&self) -> bool { (**self).try_acquire_lock() }
            fn release_lock(&self) -> Result<(), ReleaseError> { (**self).release_lock() }
            fn is_owned(&self) -> bool { (**self).is_owned() }
            fn release_save(&self) -> Result<L::Saved, ReleaseError> { (**self).release_save() }
            #[track_caller]
            fn acquire_restore(&self, saved: L::Saved) { (**self).acquire_restore(saved) }
        }
    )*};
}
forward_condition_lock!(&L, Arc<L>, Box<L>);

/// A condition variable: Python's `threading.Condition`.
///
/// Threads holding the condition's lock wait for another thread to change some shared
/// state and [`notify`](ConditionGuard::notify) them. The lock is an [`RLock`] by
/// default (as in Python), or any [`ConditionLock`] given to [`with_lock`](Self::with_lock).
/// Waiting releases the lock completely (every level of an RLock) and re-acquires it
/// before returning.
///
/// There are no spurious wake-ups: a wait returns `true` only when a `notify` woke it,
/// and `notify(n)` wakes at most `n` threads, oldest first, and says how many. A
/// waiter whose timeout expires leaves without consuming a notification.
///
/// Two ways to use it: through a guard ([`acquire`](Self::acquire) → [`ConditionGuard`],
/// whose methods cannot fail), or Python-style through the checked methods on the
/// condition itself, which return [`NotOwnedError`] when the calling thread does not
/// hold the lock.
///
/// # Differences from Python's threading
///
/// * `wait(timeout)` is `wait_timeout(Duration)` (and `wait_deadline`); `wait()` waits
///   forever.
/// * `wait_for(predicate, timeout)` takes an `FnMut() -> bool`.
///
/// # Memory ordering
///
/// What a thread wrote before `notify` (while holding the lock) is visible to the
/// woken thread once its wait returns (it re-acquired the lock).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use threadkit::Condition;
///
/// let ready = Arc::new((Condition::new(), AtomicBool::new(false)));
/// let consumer = {
///     let ready = Arc::clone(&ready);
///     std::thread::spawn(move || {
///         let (cond, flag) = &*ready;
///         let mut guard = cond.acquire();
///         guard.wait_for(|| flag.load(Ordering::Relaxed), None)
///     })
/// };
/// let (cond, flag) = &*ready;
/// let guard = cond.acquire();
/// flag.store(true, Ordering::Relaxed);
/// guard.notify_all();
/// drop(guard);
/// assert!(consumer.join().unwrap());
///
/// // Python style: the checked methods refuse to wait without the lock.
/// assert!(cond.wait_timeout(std::time::Duration::ZERO).is_err());
/// ```
pub struct Condition<L: ConditionLock = RLock<()>> {
    queue: WaitQueue,
    origin: Origin,
    lock: L,
}

impl Condition<RLock<()>> {
    /// A condition over a new [`RLock`], like Python's `Condition()`.
    #[track_caller]
    #[must_use]
    pub fn new() -> Self {
        Self::with_lock(RLock::new(()))
    }
}

impl Default for Condition<RLock<()>> {
    #[track_caller]
    fn default() -> Self {
        Self::new()
    }
}

impl<L: ConditionLock> Condition<L> {
    /// A condition over `lock`, like Python's `Condition(lock)`.
    #[track_caller]
    pub fn with_lock(lock: L) -> Self {
        Self {
            queue: WaitQueue::new(),
            origin: Origin::site(Location::caller()),
            lock,
        }
    }

    /// A condition over `lock` with a name for reports.
    #[track_caller]
    pub fn named(name: &str, lock: L) -> Self {
        Self {
            queue: WaitQueue::new(),
            origin: Origin::named(name, Location::caller()),
            lock,
        }
    }

    /// The underlying lock.
    pub fn lock(&self) -> &L {
        &self.lock
    }

    /// Acquires the lock, blocking.
    #[track_caller]
    pub fn acquire(&self) -> ConditionGuard<'_, L> {
        self.lock.acquire_lock();
        ConditionGuard { condition: self }
    }

    /// Acquires the lock if it is free right now.
    #[track_caller]
    pub fn try_acquire(&self) -> Option<ConditionGuard<'_, L>> {
        self.lock
            .try_acquire_lock()
            .then_some(ConditionGuard { condition: self })
    }

    /// Acquires the lock, waiting at most `timeout`.
    #[track_caller]
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<ConditionGuard<'_, L>> {
        self.lock
            .acquire_lock_until(crate::time::deadline_after(timeout))
            .then_some(ConditionGuard { condition: self })
    }

    /// Acquires the lock, waiting until `deadline` at the latest.
    #[track_caller]
    pub fn acquire_deadline(&self, deadline: Instant) -> Option<ConditionGuard<'_, L>> {
        self.lock
            .acquire_lock_until(Some(deadline))
            .then_some(ConditionGuard { condition: self })
    }

    /// Waits until notified (Python's `wait()`); the lock must be held.
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    #[track_caller]
    pub fn wait(&self) -> Result<(), NotOwnedError> {
        self.check_owned("wait")?;
        self.wait_owned(None);
        Ok(())
    }

    /// Waits until notified (true) or until `timeout` passes (false); the lock must be
    /// held.
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<bool, NotOwnedError> {
        self.check_owned("wait")?;
        Ok(self.wait_owned(crate::time::deadline_after(timeout)))
    }

    /// Waits until notified (true) or until `deadline` (false); the lock must be held.
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    #[track_caller]
    pub fn wait_deadline(&self, deadline: Instant) -> Result<bool, NotOwnedError> {
        self.check_owned("wait")?;
        Ok(self.wait_owned(Some(deadline)))
    }

    /// Waits until `predicate` returns true, for at most `timeout` (`None`: forever);
    /// returns the predicate's last value. The lock must be held.
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    #[track_caller]
    pub fn wait_for(
        &self,
        predicate: impl FnMut() -> bool,
        timeout: Option<Duration>,
    ) -> Result<bool, NotOwnedError> {
        self.check_owned("wait")?;
        Ok(self.wait_for_owned(predicate, timeout))
    }

    /// Wakes up to `n` waiting threads, oldest first; returns how many it woke. The
    /// lock must be held.
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    pub fn notify(&self, n: usize) -> Result<usize, NotOwnedError> {
        self.check_owned("notify")?;
        Ok(self.queue.notify(n))
    }

    /// Wakes every waiting thread; returns how many. The lock must be held.
    ///
    /// # Errors
    ///
    /// [`NotOwnedError`] if the calling thread does not hold the lock.
    pub fn notify_all(&self) -> Result<usize, NotOwnedError> {
        self.check_owned("notify")?;
        Ok(self.queue.notify_all())
    }

    /// How many threads are waiting (exact while the lock is held).
    pub fn waiting(&self) -> usize {
        self.queue.len()
    }

    fn check_owned(&self, operation: &'static str) -> Result<(), NotOwnedError> {
        if self.lock.is_owned() {
            Ok(())
        } else {
            Err(NotOwnedError { operation })
        }
    }

    fn object(&self) -> Object {
        Object {
            kind: PrimitiveKind::Condition,
            key: self.queue.key(),
            origin: self.origin,
        }
    }

    /// Waits with the lock held; true if notified.
    #[track_caller]
    fn wait_owned(&self, deadline: Option<Instant>) -> bool {
        let mut saved = None;
        let outcome = {
            let _scope = diagnostics::block(|| self.object(), Blocking::Signal, deadline);
            self.queue.wait(
                || match self.lock.release_save() {
                    Ok(state) => {
                        saved = Some(state);
                        true
                    }
                    // Only if another thread released a plain Lock under our feet.
                    Err(_) => false,
                },
                deadline,
            )
        };
        match saved {
            Some(state) => self.lock.acquire_restore(state),
            // We never released; pass on a notification we may have consumed.
            None if outcome == WaitOutcome::Notified => {
                self.queue.notify(1);
            }
            None => {}
        }
        outcome == WaitOutcome::Notified
    }

    #[track_caller]
    fn wait_for_owned(
        &self,
        mut predicate: impl FnMut() -> bool,
        timeout: Option<Duration>,
    ) -> bool {
        let deadline = timeout.and_then(crate::time::deadline_after);
        let forever = timeout.is_none() || deadline.is_none();
        loop {
            if predicate() {
                return true;
            }
            if !forever && crate::time::expired(deadline) {
                return false;
            }
            self.wait_owned(if forever { None } else { deadline });
        }
    }
}

impl<L: ConditionLock + fmt::Debug> fmt::Debug for Condition<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("origin", &self.origin)
            .field("lock", &self.lock)
            .field("waiting", &self.waiting())
            .finish()
    }
}

/// Proof that the calling thread holds a [`Condition`]'s lock; releases it on drop.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ConditionGuard<'a, L: ConditionLock> {
    condition: &'a Condition<L>,
}

impl<L: ConditionLock> ConditionGuard<'_, L> {
    /// Releases the lock, waits until notified, and re-acquires the lock.
    #[track_caller]
    pub fn wait(&mut self) {
        self.condition.wait_owned(None);
    }

    /// Like [`wait`](Self::wait), for at most `timeout`; true if notified.
    #[track_caller]
    pub fn wait_timeout(&mut self, timeout: Duration) -> bool {
        self.condition
            .wait_owned(crate::time::deadline_after(timeout))
    }

    /// Like [`wait`](Self::wait), until `deadline` at the latest; true if notified.
    #[track_caller]
    pub fn wait_deadline(&mut self, deadline: Instant) -> bool {
        self.condition.wait_owned(Some(deadline))
    }

    /// Waits until `predicate` returns true, for at most `timeout` (`None`: forever);
    /// returns the predicate's last value.
    #[track_caller]
    pub fn wait_for(&mut self, predicate: impl FnMut() -> bool, timeout: Option<Duration>) -> bool {
        self.condition.wait_for_owned(predicate, timeout)
    }

    /// Wakes up to `n` waiting threads, oldest first; returns how many it woke (each
    /// of them returns `true` from its wait).
    pub fn notify(&self, n: usize) -> usize {
        self.condition.queue.notify(n)
    }

    /// Wakes every waiting thread; returns how many.
    pub fn notify_all(&self) -> usize {
        self.condition.queue.notify_all()
    }

    /// The condition.
    pub fn condition(&self) -> &Condition<L> {
        self.condition
    }
}

impl<L: ConditionLock> Drop for ConditionGuard<'_, L> {
    fn drop(&mut self) {
        // Fails only if a plain Lock was released behind the guard's back.
        let _ = self.condition.lock.release_lock();
    }
}

impl<L: ConditionLock> fmt::Debug for ConditionGuard<'_, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionGuard").finish_non_exhaustive()
    }
}
