//! [`Semaphore`] and [`BoundedSemaphore`]: Python's counting semaphores.

use std::fmt;
use std::panic::Location;
use std::time::{Duration, Instant};

use crate::backoff::Backoff;
use crate::diagnostics::{self, Blocking, Object, PrimitiveKind};
use crate::error::ReleaseError;
use crate::origin::Origin;
use crate::park::{self, ParkResult, Spin, TOKEN_HANDOFF, TOKEN_NORMAL};
use crate::primitive::{AtomicUsize, Ordering, const_fn};

/// Flag (bit 0 of the state word): threads may be parked waiting for a permit.
const PARKED: usize = 1;
/// One permit, in the state word.
const ONE: usize = 2;
/// The largest number of permits a semaphore can count.
pub const MAX_PERMITS: usize = (isize::MAX as usize) >> 2;

/// The permit count of a state word, read as signed (see `Semaphore::state`).
#[inline]
fn permits(state: usize) -> isize {
    // An arithmetic shift: a transiently negative count stays negative.
    state.cast_signed() >> 1
}

/// A counting semaphore: Python's `threading.Semaphore`.
///
/// It holds a number of permits. [`acquire`](Self::acquire) takes one, blocking while
/// there are none, and returns a [`SemaphorePermit`] that gives it back when dropped;
/// [`release`](Self::release) adds permits explicitly (Python's `release(n)`).
///
/// Acquiring and releasing are one atomic operation each when nobody waits. Waiters
/// are woken oldest first; a released permit may be taken by a thread that arrives
/// just then (that keeps throughput high), but about every half millisecond a permit
/// is handed straight to the oldest waiter, so no waiter starves.
///
/// # Differences from Python's threading
///
/// * `acquire(blocking=False)` is [`try_acquire`](Self::try_acquire); `acquire(timeout=t)`
///   is [`acquire_timeout`](Self::acquire_timeout).
/// * For Python's manual pairing, keep the permit consumed with
///   [`SemaphorePermit::forget`] and [`release`](Self::release) later.
///
/// # Memory ordering
///
/// A release happens-before the acquisition that takes the released permit.
///
/// # Examples
///
/// ```
/// use threadkit::Semaphore;
///
/// let pool = Semaphore::new(2);
/// let a = pool.acquire();
/// let b = pool.acquire();
/// assert!(pool.try_acquire().is_none()); // both permits are out
/// drop(a);
/// assert!(pool.try_acquire().is_some());
///
/// // Python style.
/// b.forget();
/// pool.release(1).unwrap();
/// assert_eq!(pool.available_permits(), 2);
/// ```
pub struct Semaphore {
    // permits << 1 | PARKED, with the permits read as a signed number.
    //
    // A plain Semaphore takes a permit with one `fetch_sub` (no load first) and gives
    // it back at once if there was none, so the count can be briefly negative; readers
    // treat a count below one as "no permit", and the give-back wakes a waiter as any
    // release would. A BoundedSemaphore only ever takes permits with compare-and-swap,
    // so its count is exact and the bound check is too.
    state: AtomicUsize,
    origin: Origin,
}

impl Semaphore {
    const_fn! {
        /// A semaphore with `permits` permits (capped at [`MAX_PERMITS`]).
        #[track_caller]
        #[must_use]
        pub fn new(permits: usize) -> Self {
            Self::with_origin(Origin::site(Location::caller()), permits)
        }
    }

    /// A semaphore with a name for reports.
    #[track_caller]
    #[must_use]
    pub fn named(name: &str, permits: usize) -> Self {
        Self::with_origin(Origin::named(name, Location::caller()), permits)
    }

    const_fn! {
        fn with_origin(origin: Origin, permits: usize) -> Self {
            let permits = if permits > MAX_PERMITS { MAX_PERMITS } else { permits };
            Self { state: AtomicUsize::new(permits * ONE), origin }
        }
    }

    /// Takes a permit, blocking until one is available.
    #[inline]
    pub fn acquire(&self) -> SemaphorePermit<'_> {
        if !self.try_take_fast() {
            self.acquire_slow(None, PrimitiveKind::Semaphore);
        }
        SemaphorePermit::new(self, None)
    }

    /// Takes a permit if one is available right now.
    #[inline]
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.try_take_fast()
            .then(|| SemaphorePermit::new(self, None))
    }

    /// Takes a permit, waiting at most `timeout`.
    #[inline]
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<SemaphorePermit<'_>> {
        (self.try_take_fast()
            || self.acquire_slow(
                crate::time::deadline_after(timeout),
                PrimitiveKind::Semaphore,
            ))
        .then(|| SemaphorePermit::new(self, None))
    }

    /// Takes a permit, waiting until `deadline` at the latest.
    #[inline]
    pub fn acquire_deadline(&self, deadline: Instant) -> Option<SemaphorePermit<'_>> {
        (self.try_take_fast() || self.acquire_slow(Some(deadline), PrimitiveKind::Semaphore))
            .then(|| SemaphorePermit::new(self, None))
    }

    /// Adds `n` permits, waking up to `n` waiting threads.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::ZeroCount`] if `n` is 0, [`ReleaseError::Overflow`] if the count
    /// would exceed [`MAX_PERMITS`]; the count is unchanged.
    #[inline]
    pub fn release(&self, n: usize) -> Result<(), ReleaseError> {
        if n == 0 {
            return Err(ReleaseError::ZeroCount);
        }
        if n > MAX_PERMITS {
            return Err(ReleaseError::Overflow);
        }
        let added = n * ONE;
        let previous = self.state.fetch_add(added, Ordering::Release);
        if permits(previous) > (MAX_PERMITS - n).cast_signed() {
            self.state.fetch_sub(added, Ordering::Relaxed);
            return Err(ReleaseError::Overflow);
        }
        if previous & PARKED != 0 {
            self.wake(n);
        }
        Ok(())
    }

    /// How many permits are available right now. A momentary snapshot.
    pub fn available_permits(&self) -> usize {
        permits(self.state.load(Ordering::Relaxed))
            .max(0)
            .cast_unsigned()
    }

    /// The semaphore's name, if it was created with one.
    pub fn name(&self) -> Option<&'static str> {
        self.origin.name()
    }

    fn object(&self, kind: PrimitiveKind) -> Object {
        Object {
            kind,
            key: self.key(),
            origin: self.origin,
        }
    }

    fn key(&self) -> usize {
        std::ptr::from_ref(&self.state).addr()
    }

    /// Takes a permit with one `fetch_sub`; gives it back if there was none.
    #[inline]
    fn try_take_fast(&self) -> bool {
        let previous = self.state.fetch_sub(ONE, Ordering::Acquire);
        if permits(previous) >= 1 {
            return true;
        }
        self.give_back();
        false
    }

    /// Undoes a `try_take_fast` that found no permit. Like any release, it wakes a
    /// waiter: a thread may have parked while our decrement hid a permit.
    #[cold]
    fn give_back(&self) {
        let previous = self.state.fetch_add(ONE, Ordering::Release);
        if previous & PARKED != 0 {
            self.wake(1);
        }
    }

    /// Takes a permit if the count shows one (compare-and-swap: exact).
    #[inline]
    fn try_take(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        while permits(state) >= 1 {
            match self.state.compare_exchange_weak(
                state,
                state - ONE,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(found) => state = found,
            }
        }
        false
    }

    #[inline]
    fn acquire_until(&self, deadline: Option<Instant>, kind: PrimitiveKind) -> bool {
        self.try_take() || self.acquire_slow(deadline, kind)
    }

    #[cold]
    fn acquire_slow(&self, deadline: Option<Instant>, kind: PrimitiveKind) -> bool {
        let mut backoff = Backoff::new();
        loop {
            if self.try_take() {
                return true;
            }
            let state = self.state.load(Ordering::Relaxed);
            if permits(state) >= 1 {
                continue;
            }
            if state & PARKED == 0 {
                if backoff.spin() {
                    continue;
                }
                if self
                    .state
                    .compare_exchange_weak(
                        state,
                        state | PARKED,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    )
                    .is_err()
                {
                    continue;
                }
            }
            let _scope = diagnostics::block(|| self.object(kind), Blocking::Signal, deadline);
            let result = park::park(
                self.key(),
                || {
                    let state = self.state.load(Ordering::Relaxed);
                    permits(state) < 1 && state & PARKED != 0
                },
                || true,
                |was_last| {
                    if was_last {
                        self.state.fetch_and(!PARKED, Ordering::Relaxed);
                    }
                },
                deadline,
                Spin::Signal,
            );
            match result {
                ParkResult::Unparked(TOKEN_HANDOFF) => return true,
                ParkResult::TimedOut => return false,
                ParkResult::Unparked(_) | ParkResult::Invalid => backoff.reset(),
            }
        }
    }

    /// Adds `n` permits unless that would exceed `bound`.
    #[inline]
    fn release_bounded(&self, n: usize, bound: usize) -> Result<(), ReleaseError> {
        if n == 0 {
            return Err(ReleaseError::ZeroCount);
        }
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            // A bounded semaphore's count is never negative (see `state`).
            let available = permits(state).max(0).cast_unsigned();
            let new_permits = match available.checked_add(n) {
                Some(total) if total <= bound => total,
                _ => return Err(ReleaseError::TooManyReleases),
            };
            match self.state.compare_exchange_weak(
                state,
                (new_permits * ONE) | (state & PARKED),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(found) => state = found,
            }
        }
        if state & PARKED != 0 {
            self.wake(n);
        }
        Ok(())
    }

    /// Wakes up to `n` waiters, one at a time so each can be handed a permit on a
    /// fair turn.
    #[cold]
    fn wake(&self, n: usize) {
        for _ in 0..n {
            let result = park::unpark_one(self.key(), |result| {
                let mut token = TOKEN_NORMAL;
                if result.unparked > 0 && result.be_fair && self.try_take() {
                    token = TOKEN_HANDOFF;
                }
                if !result.have_more {
                    self.state.fetch_and(!PARKED, Ordering::Relaxed);
                }
                token
            });
            if !result.have_more {
                break;
            }
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("origin", &self.origin)
            .field("available_permits", &self.available_permits())
            .finish()
    }
}

/// A semaphore that refuses to be released above its initial value: Python's
/// `threading.BoundedSemaphore`, which catches "released too many times" bugs.
///
/// Everything else is [`Semaphore`]'s.
///
/// # Errors
///
/// Releasing above the initial value fails with [`ReleaseError::TooManyReleases`]
/// (Python: `ValueError`) and leaves the count unchanged.
///
/// # Examples
///
/// ```
/// use threadkit::{BoundedSemaphore, ReleaseError};
///
/// let slots = BoundedSemaphore::new(3);
/// let permit = slots.acquire();
/// assert_eq!(slots.release(2), Err(ReleaseError::TooManyReleases));
/// assert_eq!(slots.available_permits(), 2); // unchanged
/// drop(permit);
/// assert_eq!(slots.available_permits(), 3);
/// ```
pub struct BoundedSemaphore {
    semaphore: Semaphore,
    bound: usize,
}

impl BoundedSemaphore {
    const_fn! {
        /// A semaphore with `permits` permits, which is also its upper bound.
        #[track_caller]
        #[must_use]
        pub fn new(permits: usize) -> Self {
            let semaphore = Semaphore::with_origin(Origin::site(Location::caller()), permits);
            let bound = if permits > MAX_PERMITS { MAX_PERMITS } else { permits };
            Self { semaphore, bound }
        }
    }

    /// A bounded semaphore with a name for reports.
    #[track_caller]
    #[must_use]
    pub fn named(name: &str, permits: usize) -> Self {
        Self {
            semaphore: Semaphore::with_origin(Origin::named(name, Location::caller()), permits),
            bound: permits.min(MAX_PERMITS),
        }
    }

    /// Takes a permit, blocking until one is available.
    #[inline]
    pub fn acquire(&self) -> SemaphorePermit<'_> {
        if !self.semaphore.try_take() {
            self.semaphore
                .acquire_slow(None, PrimitiveKind::BoundedSemaphore);
        }
        SemaphorePermit::new(&self.semaphore, Some(self.bound))
    }

    /// Takes a permit if one is available right now.
    #[inline]
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.semaphore
            .try_take()
            .then(|| SemaphorePermit::new(&self.semaphore, Some(self.bound)))
    }

    /// Takes a permit, waiting at most `timeout`.
    #[inline]
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<SemaphorePermit<'_>> {
        self.semaphore
            .acquire_until(
                crate::time::deadline_after(timeout),
                PrimitiveKind::BoundedSemaphore,
            )
            .then(|| SemaphorePermit::new(&self.semaphore, Some(self.bound)))
    }

    /// Takes a permit, waiting until `deadline` at the latest.
    #[inline]
    pub fn acquire_deadline(&self, deadline: Instant) -> Option<SemaphorePermit<'_>> {
        self.semaphore
            .acquire_until(Some(deadline), PrimitiveKind::BoundedSemaphore)
            .then(|| SemaphorePermit::new(&self.semaphore, Some(self.bound)))
    }

    /// Adds `n` permits, waking up to `n` waiting threads.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::TooManyReleases`] if the count would exceed the initial value,
    /// [`ReleaseError::ZeroCount`] if `n` is 0; the count is unchanged.
    #[inline]
    pub fn release(&self, n: usize) -> Result<(), ReleaseError> {
        self.semaphore.release_bounded(n, self.bound)
    }

    /// How many permits are available right now. A momentary snapshot.
    pub fn available_permits(&self) -> usize {
        self.semaphore.available_permits()
    }

    /// The initial value, which releases may not exceed.
    pub fn bound(&self) -> usize {
        self.bound
    }

    /// The semaphore's name, if it was created with one.
    pub fn name(&self) -> Option<&'static str> {
        self.semaphore.name()
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("origin", &self.semaphore.origin)
            .field("available_permits", &self.available_permits())
            .field("bound", &self.bound)
            .finish()
    }
}

/// A permit taken from a [`Semaphore`] or [`BoundedSemaphore`]; given back on drop.
#[must_use = "the permit is given back as soon as it is dropped"]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
    /// The bound of a BoundedSemaphore.
    bound: Option<usize>,
}

impl<'a> SemaphorePermit<'a> {
    fn new(semaphore: &'a Semaphore, bound: Option<usize>) -> Self {
        Self { semaphore, bound }
    }

    /// Keeps the permit consumed: Python-style code releases it later with `release`.
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for SemaphorePermit<'_> {
    #[inline]
    fn drop(&mut self) {
        // A bounded semaphore already released up to its bound by hand refuses the
        // permit back; the count stays at its bound.
        let _ = match self.bound {
            Some(bound) => self.semaphore.release_bounded(1, bound),
            None => self.semaphore.release(1),
        };
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit").finish_non_exhaustive()
    }
}
