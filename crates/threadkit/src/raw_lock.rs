//! The engine of [`Lock`](crate::Lock): a one-word mutex with an inline fast path, a
//! bounded spin and parking, usable on its own through `lock_api`.

use std::panic::Location;
use std::time::{Duration, Instant};

use crate::backoff::Backoff;
use crate::diagnostics::{self, Blocking, DeadlockError, Detection, Object, Policy, PrimitiveKind};
use crate::error::ReleaseError;
use crate::flag_word::FlagWord;
use crate::origin::Origin;
use crate::park::{self, ParkResult, Spin, TOKEN_HANDOFF, TOKEN_NORMAL};
use crate::primitive::{Ordering, const_fn};

/// Flag: the lock is held.
const LOCKED: usize = 0b001;
/// Flag: threads may be parked waiting for the lock (so a release must unpark one).
const PARKED: usize = 0b010;
/// Flag: the lock is held without a guard (Python style), so the checked `release`
/// may release it; a lock held by a guard can only be released by the guard.
const DETACHED: usize = 0b100;

/// The raw lock behind [`Lock`](crate::Lock): no data, no guard, no owner.
///
/// It implements [`lock_api::RawMutex`] and [`lock_api::RawMutexTimed`], so
/// `lock_api::Mutex<threadkit::RawLock, T>` is a drop-in `parking_lot::Mutex` built on
/// threadkit (its acquisitions show in diagnostics like any `Lock`'s).
///
/// # Memory ordering
///
/// Acquiring synchronizes with the release that made the lock available: everything
/// written before a release is visible after the next acquisition.
///
/// # Examples
///
/// ```
/// use threadkit::RawLock;
///
/// let lock = RawLock::new();
/// assert!(lock.try_acquire());
/// assert!(!lock.try_acquire());
/// assert_eq!(lock.release(), Ok(()));
/// assert!(lock.release().is_err()); // releasing an unlocked lock is an error
/// ```
pub struct RawLock {
    // FlagWord: origin pointer | DETACHED | PARKED | LOCKED
    //
    //   LOCKED PARKED  meaning
    //   0      0       free, nobody waiting
    //   1      0       held, nobody parked
    //   1      1       held, threads parked: the release must unpark one
    //   0      1       free, threads parked (a release is waking one, or one timed out
    //                  and others remain): acquirers may barge in
    //
    //   DETACHED is only ever set together with LOCKED: the holder has no guard
    //   (RawLock::acquire, a detached LockGuard, Python's lock.acquire()), so the
    //   checked `release` may clear both. A guarded holder releases by subtracting
    //   LOCKED, which cannot borrow because the checked release refuses to touch a
    //   lock that is held without DETACHED.
    state: FlagWord,
}

impl RawLock {
    const_fn! {
        /// An unlocked lock, which reports its creation site.
        #[track_caller]
        #[must_use]
        pub fn new() -> Self {
            Self::with_origin(Origin::site(Location::caller()))
        }
    }

    /// An unlocked lock with a name for reports.
    #[track_caller]
    #[must_use]
    pub fn named(name: &str) -> Self {
        Self::with_origin(Origin::named(name, Location::caller()))
    }

    const_fn! {
        pub(crate) fn with_origin(origin: Origin) -> Self {
            Self { state: FlagWord::new(origin, 0) }
        }
    }

    /// Acquires the lock, blocking until it is available. Release it with
    /// [`release`](Self::release), from any thread.
    #[inline]
    #[track_caller]
    pub fn acquire(&self) {
        self.acquire_until(None, Location::caller());
    }

    /// Acquires the lock if it is free.
    #[inline]
    #[track_caller]
    pub fn try_acquire(&self) -> bool {
        let acquired = self.try_lock_untracked();
        if acquired {
            self.detach();
            diagnostics::acquired(|| self.object(), Location::caller());
        }
        acquired
    }

    /// Acquires the lock, waiting at most `timeout`; false if it timed out.
    #[inline]
    #[track_caller]
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        self.acquire_until(crate::time::deadline_after(timeout), Location::caller())
    }

    /// Acquires the lock, waiting until `deadline` at the latest; false if it passed.
    #[inline]
    #[track_caller]
    pub fn acquire_deadline(&self, deadline: Instant) -> bool {
        self.acquire_until(Some(deadline), Location::caller())
    }

    /// A detached acquisition: releasable by `release` from the moment it is reported.
    fn acquire_until(&self, deadline: Option<Instant>, site: &'static Location<'static>) -> bool {
        let acquired = self.lock_deadline_untracked(deadline, PrimitiveKind::Lock);
        if acquired {
            self.detach();
            diagnostics::acquired(|| self.object(), site);
        }
        acquired
    }

    /// Releases the lock, from any thread (Python's `Lock.release`).
    ///
    /// # Errors
    ///
    /// [`ReleaseError::NotLocked`] if the lock is not locked, and
    /// [`ReleaseError::HeldByGuard`] if it is held through a guard (a
    /// [`LockGuard`](crate::LockGuard) or a `lock_api` guard), which alone may release
    /// it. Nothing changes.
    #[inline]
    pub fn release(&self) -> Result<(), ReleaseError> {
        // The record goes before the lock (records may miss a hold, never invent one).
        if self.state.load(Ordering::Relaxed) & (LOCKED | DETACHED) == LOCKED | DETACHED {
            diagnostics::released(|| self.object());
        }
        let previous = self
            .state
            .update(Ordering::Release, Ordering::Relaxed, |flags| {
                (flags & (LOCKED | DETACHED) == LOCKED | DETACHED)
                    .then_some(flags & !(LOCKED | DETACHED))
            })
            .map_err(|flags| {
                if flags & LOCKED == 0 {
                    ReleaseError::NotLocked
                } else {
                    ReleaseError::HeldByGuard
                }
            })?;
        if previous & PARKED != 0 {
            self.wake_one();
        }
        Ok(())
    }

    /// Acquires the lock like [`acquire`](Self::acquire), but returns a detected
    /// deadlock as an error instead of following the policy (see
    /// [`diagnostics`](crate::diagnostics)): Python's `Lock.acquire()` under
    /// deadlock detection.
    ///
    /// # Errors
    ///
    /// [`DeadlockError`] if diagnostics are on and the calling thread would wait
    /// forever (it holds the lock itself, or closes a cycle of waiting threads). The
    /// lock is untouched.
    #[inline]
    #[track_caller]
    pub fn acquire_checked(&self) -> Result<(), DeadlockError> {
        let site = Location::caller();
        if !self.try_lock_fast() {
            self.lock_slow(None, PrimitiveKind::Lock, false)?;
        }
        self.detach();
        diagnostics::acquired(|| self.object(), site);
        Ok(())
    }

    /// Turns the caller's guarded hold into a detached one (see [`release`](Self::release)).
    #[inline]
    pub(crate) fn detach(&self) {
        self.state.fetch_or(DETACHED, Ordering::Relaxed);
    }

    /// Acquires for a guard (reported to diagnostics as acquired at `site`); false if
    /// `deadline` passed.
    #[inline]
    pub(crate) fn lock_guarded(
        &self,
        deadline: Option<Instant>,
        site: &'static Location<'static>,
    ) -> bool {
        let acquired = self.lock_deadline_untracked(deadline, PrimitiveKind::Lock);
        if acquired {
            diagnostics::acquired(|| self.object(), site);
        }
        acquired
    }

    /// Tries once to acquire for a guard.
    #[inline]
    pub(crate) fn try_lock_guarded(&self, site: &'static Location<'static>) -> bool {
        let acquired = self.try_lock_untracked();
        if acquired {
            diagnostics::acquired(|| self.object(), site);
        }
        acquired
    }

    /// Releases a guarded hold (the record goes first: see `release`).
    #[inline]
    pub(crate) fn unlock_guarded(&self) {
        diagnostics::released(|| self.object());
        self.unlock_untracked();
    }

    /// Acquires for a guard, returning a detected deadlock as an error; with a
    /// `slice` deadline, false if it passed (see
    /// [`Lock::acquire_checked_slice`](crate::Lock::acquire_checked_slice)).
    #[inline]
    pub(crate) fn lock_guarded_checked(
        &self,
        slice: Option<Instant>,
        site: &'static Location<'static>,
    ) -> Result<bool, DeadlockError> {
        if !self.try_lock_fast() && !self.lock_slow(slice, PrimitiveKind::Lock, true)? {
            return Ok(false);
        }
        diagnostics::acquired(|| self.object(), site);
        Ok(true)
    }

    /// Whether the lock is held (by any thread). A momentary snapshot.
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) & LOCKED != 0
    }

    /// The lock's name, if it was created with one.
    pub fn name(&self) -> Option<&'static str> {
        self.state.origin().name()
    }

    /// Where the lock was created, if known.
    pub fn created_at(&self) -> Option<&'static Location<'static>> {
        self.state.origin().location()
    }

    /// The lock as diagnostics name it.
    pub(crate) fn object(&self) -> Object {
        self.object_as(PrimitiveKind::Lock)
    }

    /// The lock as diagnostics name it, as part of a primitive of `kind`.
    pub(crate) fn object_as(&self, kind: PrimitiveKind) -> Object {
        Object {
            kind,
            key: self.state.key(),
            origin: self.state.origin(),
        }
    }

    // The untracked operations below are the engine; RLock and Condition build on
    // them and report to diagnostics themselves.

    /// Acquires without telling diagnostics.
    #[inline]
    pub(crate) fn lock_untracked(&self) {
        if !self.try_lock_fast() {
            self.lock_slow_by_policy(None, PrimitiveKind::Lock);
        }
    }

    /// Acquires until `deadline` without telling diagnostics; `kind` names the
    /// primitive the wait is reported on. A detected deadlock follows the policy.
    #[inline]
    pub(crate) fn lock_deadline_untracked(
        &self,
        deadline: Option<Instant>,
        kind: PrimitiveKind,
    ) -> bool {
        self.try_lock_fast() || self.lock_slow_by_policy(deadline, kind)
    }

    /// Acquires until `deadline` without telling diagnostics, returning a detected
    /// deadlock as an error.
    #[inline]
    ///
    /// With `slice`, a `deadline` only ends one slice of a wait without a timeout (see
    /// [`Lock::acquire_checked_slice`](crate::Lock::acquire_checked_slice)).
    pub(crate) fn lock_checked_untracked(
        &self,
        deadline: Option<Instant>,
        kind: PrimitiveKind,
        slice: bool,
    ) -> Result<bool, DeadlockError> {
        if self.try_lock_fast() {
            return Ok(true);
        }
        self.lock_slow(deadline, kind, slice)
    }

    /// The slow path for callers without an error to return: a detected deadlock under
    /// the Error policy (or the Panic one) panics with the report.
    #[cold]
    fn lock_slow_by_policy(&self, deadline: Option<Instant>, kind: PrimitiveKind) -> bool {
        match self.lock_slow(deadline, kind, false) {
            Ok(acquired) => acquired,
            Err(error) => panic!("{error}\n(use acquire_checked to get this as an error value)"),
        }
    }

    /// Tries once, without telling diagnostics: one `lock bts` (setting LOCKED on a
    /// held lock changes nothing).
    #[inline]
    pub(crate) fn try_lock_untracked(&self) -> bool {
        self.state.fetch_or(LOCKED, Ordering::Acquire) & LOCKED == 0
    }

    #[inline]
    fn try_lock_fast(&self) -> bool {
        self.try_lock_untracked()
    }

    /// Releases a guarded hold without telling diagnostics: one `lock xadd`.
    ///
    /// The caller holds the lock through a guard (or is an RLock's owner, or an
    /// internal lock's holder), so LOCKED is set and DETACHED is not, and subtracting
    /// LOCKED cannot borrow.
    #[inline]
    pub(crate) fn unlock_untracked(&self) {
        let previous = self.state.fetch_sub(LOCKED, Ordering::Release);
        debug_assert!(
            previous & LOCKED != 0,
            "threadkit: released a lock that was not held"
        );
        if previous & PARKED != 0 {
            self.wake_one();
        }
    }

    /// The slow path: spin, then park (after the deadlock check, while records are kept).
    ///
    /// A detected deadlock under the `Error` policy is returned; under `Panic` it
    /// panics here; under `Log` it is logged and the thread waits anyway.
    ///
    /// `deadline` ends the wait; the wait counts as timed for diagnostics if it has one,
    /// unless `slice` says it is one slice of a wait without a timeout.
    fn lock_slow(
        &self,
        deadline: Option<Instant>,
        kind: PrimitiveKind,
        slice: bool,
    ) -> Result<bool, DeadlockError> {
        let timed = deadline.is_some() && !slice;
        diagnostics::read_environment();
        let contention = diagnostics::contention_start();
        let mut backoff = Backoff::new();
        let mut flags = self.state.load(Ordering::Relaxed);
        loop {
            // Free (even with parked threads): take it.
            if flags & LOCKED == 0 {
                match self.state.compare_exchange_weak(
                    flags,
                    flags | LOCKED,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        diagnostics::contended(|| self.object_as(kind), contention);
                        return Ok(true);
                    }
                    Err(found) => flags = found,
                }
                continue;
            }
            // Held and nobody parked yet: spin a little first.
            if flags & PARKED == 0 && backoff.spin() {
                flags = self.state.load(Ordering::Relaxed);
                continue;
            }
            // Announce that we are going to park.
            if flags & PARKED == 0
                && let Err(found) = self.state.compare_exchange_weak(
                    flags,
                    flags | PARKED,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
            {
                flags = found;
                continue;
            }
            let (mut scope, detection) = diagnostics::block_on_lock(|| self.object_as(kind), timed);
            match detection {
                Detection::Clear => {}
                Detection::Warning(report) => {
                    diagnostics::warn(diagnostics::WarningKind::TimedCycle, report);
                }
                Detection::Deadlock(error) => {
                    if let Some(callback) = diagnostics::deadlock_callback() {
                        callback(&error);
                    }
                    match diagnostics::policy() {
                        Policy::Panic => panic!("{error}"),
                        Policy::Log => {
                            diagnostics::warn(
                                diagnostics::WarningKind::Deadlock,
                                error.to_string(),
                            );
                            // Wait anyway: record the wait again (the check withdrew it).
                            drop(scope);
                            scope = diagnostics::block(
                                || self.object_as(kind),
                                Blocking::Lock,
                                deadline,
                            );
                        }
                        // The caller returns it, or (without an error to give) panics.
                        Policy::Error => return Err(error),
                    }
                }
            }
            let result = park::park(
                self.state.key(),
                || self.state.load(Ordering::Relaxed) & (LOCKED | PARKED) == LOCKED | PARKED,
                || true,
                |was_last| {
                    if was_last {
                        self.state.clear(PARKED, Ordering::Relaxed);
                    }
                },
                deadline,
                Spin::Handoff,
            );
            drop(scope);
            match result {
                ParkResult::Unparked(TOKEN_HANDOFF) => {
                    diagnostics::contended(|| self.object_as(kind), contention);
                    return Ok(true);
                }
                ParkResult::TimedOut => return Ok(false),
                ParkResult::Unparked(_) | ParkResult::Invalid => {}
            }
            backoff.reset();
            flags = self.state.load(Ordering::Relaxed);
        }
    }

    /// Frees the lock whoever holds it and forgets the threads parked on it, waking
    /// them with nothing handed over: for the child of a `fork()`, where the holder and
    /// the waiters were threads of the parent (the caller updates diagnostics).
    pub(crate) fn reset_after_fork(&self) {
        park::unpark_all_when(self.state.key(), || {
            self.state
                .clear(LOCKED | PARKED | DETACHED, Ordering::Release);
            Some(TOKEN_NORMAL)
        });
    }

    #[cold]
    fn wake_one(&self) {
        park::unpark_one(self.state.key(), |result| {
            let mut token = TOKEN_NORMAL;
            // A fair turn: hand the lock straight to the woken thread if nobody barged
            // in, so a waiter cannot be overtaken forever.
            if result.unparked > 0
                && result.be_fair
                && self
                    .state
                    .update(Ordering::Acquire, Ordering::Relaxed, |flags| {
                        (flags & LOCKED == 0).then_some(flags | LOCKED)
                    })
                    .is_ok()
            {
                token = TOKEN_HANDOFF;
            }
            if !result.have_more {
                self.state.clear(PARKED, Ordering::Relaxed);
            }
            token
        });
    }
}

impl Drop for RawLock {
    fn drop(&mut self) {
        // Diagnostics forget the lock's orders (its address may be reused).
        diagnostics::lock_dropped(self.state.key());
    }
}

impl Default for RawLock {
    #[track_caller]
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for RawLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawLock")
            .field("locked", &self.is_locked())
            .field("origin", &self.state.origin())
            .finish()
    }
}

// SAFETY: `lock`/`try_lock`/`try_lock_*` only return a guard once this call set the
// LOCKED bit (acquire ordering) when it was clear, so at most one guard exists per
// acquisition; such a hold has no DETACHED bit, so the checked `release` cannot take
// it away, and `unlock` clears LOCKED with release ordering. No operation unwinds
// while holding a new acquisition.
#[cfg(not(loom))]
unsafe impl lock_api::RawMutex for RawLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: RawLock = RawLock::with_origin(Origin::NONE);

    type Guard = lock_api::GuardNoSend;

    #[inline]
    #[track_caller]
    fn lock(&self) -> Self::Guard {
        self.lock_guarded(None, Location::caller());
        lock_api::GuardNoSend::new()
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> Option<Self::Guard> {
        self.try_lock_guarded(Location::caller())
            .then(lock_api::GuardNoSend::new)
    }

    #[inline]
    unsafe fn unlock(&self, _guard: Self::Guard) {
        self.unlock_guarded();
    }

    #[inline]
    fn is_locked(&self) -> bool {
        RawLock::is_locked(self)
    }
}

// SAFETY: as for `RawMutex`: a guard is only returned after a successful acquisition.
#[cfg(not(loom))]
unsafe impl lock_api::RawMutexTimed for RawLock {
    type Duration = Duration;
    type Instant = Instant;

    #[inline]
    #[track_caller]
    fn try_lock_for(&self, timeout: Duration) -> Option<Self::Guard> {
        self.lock_guarded(crate::time::deadline_after(timeout), Location::caller())
            .then(lock_api::GuardNoSend::new)
    }

    #[inline]
    #[track_caller]
    fn try_lock_until(&self, deadline: Instant) -> Option<Self::Guard> {
        self.lock_guarded(Some(deadline), Location::caller())
            .then(lock_api::GuardNoSend::new)
    }
}
