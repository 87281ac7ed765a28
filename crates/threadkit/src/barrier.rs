//! [`Barrier`]: Python's `threading.Barrier`.

use std::fmt;
use std::panic::{AssertUnwindSafe, Location};
use std::time::{Duration, Instant};

use crate::diagnostics::{self, Blocking, Object, PrimitiveKind};
use crate::error::{BrokenBarrierError, ZeroPartiesError};
use crate::internal_lock::{InternalGuard, InternalLock};
use crate::origin::Origin;
use crate::primitive::{AtomicUsize, Ordering};
use crate::wait_queue::WaitQueue;

/// The barrier's phase (CPython's `_state`: 0, 1, -1, -2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Threads are arriving.
    Filling,
    /// The last party arrived; the waiters are leaving.
    Draining,
    /// `reset` was called while threads waited; they are leaving with an error.
    Resetting,
    /// Broken until `reset`.
    Broken,
}

struct Inner {
    /// Threads inside `wait` (arrived and not yet left).
    count: usize,
    phase: Phase,
}

type Action = Box<dyn Fn() + Send + Sync>;

/// A rendezvous of a fixed number of threads: Python's `threading.Barrier`.
///
/// Each of `parties` threads calls [`wait`](Self::wait); all block until the last one
/// arrives, then all are released together (and the barrier can be used again). Each
/// gets a distinct index in `0..parties`. An optional action runs once per round, in
/// the last thread to arrive, before the others are released.
///
/// The barrier *breaks* — every waiting and arriving thread gets
/// [`BrokenBarrierError`] — when a wait times out, when [`abort`](Self::abort) is
/// called, when the action panics, or for the threads waiting at a
/// [`reset`](Self::reset).
///
/// # Differences from Python's threading
///
/// * Built with [`Barrier::new`] or [`Barrier::builder`] (action, default timeout,
///   name); zero parties is an error instead of a `ValueError`.
/// * If the action panics, the barrier breaks and the panic continues in the thread
///   that ran it (Python re-raises the action's exception there too).
///
/// # Memory ordering
///
/// Everything each party did before `wait` happens-before every party's return from
/// the same round's `wait`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use threadkit::Barrier;
///
/// let barrier = Arc::new(Barrier::new(3)?);
/// let handles: Vec<_> = (0..3)
///     .map(|_| {
///         let barrier = Arc::clone(&barrier);
///         std::thread::spawn(move || barrier.wait())
///     })
///     .collect();
/// let mut indices: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap().unwrap()).collect();
/// indices.sort();
/// assert_eq!(indices, [0, 1, 2]);
/// # Ok::<(), threadkit::ZeroPartiesError>(())
/// ```
pub struct Barrier {
    inner: InternalLock<Inner>,
    // What `n_waiting` and `is_broken` read without the lock (Python reads them
    // lock-free too, so a barrier action may call them): waiting << 1 | broken.
    // Written under the lock after every change.
    summary: AtomicUsize,
    queue: WaitQueue,
    parties: usize,
    action: Option<Action>,
    timeout: Option<Duration>,
    origin: Origin,
}

/// Builds a [`Barrier`] with an action, a default timeout or a name.
#[must_use]
pub struct BarrierBuilder {
    parties: usize,
    action: Option<Action>,
    timeout: Option<Duration>,
    name: Option<String>,
}

impl BarrierBuilder {
    /// Runs `action` once per round, in the last thread to arrive, before the others
    /// are released.
    pub fn action(mut self, action: impl Fn() + Send + Sync + 'static) -> Self {
        self.action = Some(Box::new(action));
        self
    }

    /// The timeout of [`Barrier::wait`] (default: none).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// A name for reports.
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// The barrier.
    ///
    /// # Errors
    ///
    /// [`ZeroPartiesError`] if `parties` is 0.
    #[track_caller]
    pub fn build(self) -> Result<Barrier, ZeroPartiesError> {
        if self.parties == 0 {
            return Err(ZeroPartiesError);
        }
        let origin = match &self.name {
            Some(name) => Origin::named(name, Location::caller()),
            None => Origin::site(Location::caller()),
        };
        Ok(Barrier {
            inner: InternalLock::new(
                Inner {
                    count: 0,
                    phase: Phase::Filling,
                },
                PrimitiveKind::Barrier,
                origin,
            ),
            summary: AtomicUsize::new(0),
            queue: WaitQueue::new(),
            parties: self.parties,
            action: self.action,
            timeout: self.timeout,
            origin,
        })
    }
}

impl fmt::Debug for BarrierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierBuilder")
            .field("parties", &self.parties)
            .field("action", &self.action.is_some())
            .field("timeout", &self.timeout)
            .field("name", &self.name)
            .finish()
    }
}

impl Barrier {
    /// A barrier for `parties` threads, without action or timeout.
    ///
    /// # Errors
    ///
    /// [`ZeroPartiesError`] if `parties` is 0.
    #[track_caller]
    pub fn new(parties: usize) -> Result<Self, ZeroPartiesError> {
        Self::builder(parties).build()
    }

    /// A builder for a barrier for `parties` threads.
    pub fn builder(parties: usize) -> BarrierBuilder {
        BarrierBuilder {
            parties,
            action: None,
            timeout: None,
            name: None,
        }
    }

    /// Waits until all parties have arrived, for at most the default timeout if the
    /// barrier has one; returns this thread's index in `0..parties`.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] if the barrier is or becomes broken, or the wait times
    /// out (which breaks it).
    pub fn wait(&self) -> Result<usize, BrokenBarrierError> {
        self.wait_until(self.timeout.and_then(crate::time::deadline_after))
    }

    /// Like [`wait`](Self::wait), for at most `timeout`.
    ///
    /// # Errors
    ///
    /// As for [`wait`](Self::wait).
    pub fn wait_timeout(&self, timeout: Duration) -> Result<usize, BrokenBarrierError> {
        self.wait_until(crate::time::deadline_after(timeout))
    }

    /// Like [`wait`](Self::wait), until `deadline` at the latest.
    ///
    /// # Errors
    ///
    /// As for [`wait`](Self::wait).
    pub fn wait_deadline(&self, deadline: Instant) -> Result<usize, BrokenBarrierError> {
        self.wait_until(Some(deadline))
    }

    /// Returns the barrier to its initial state; threads waiting in it get
    /// [`BrokenBarrierError`]. A broken barrier becomes usable again.
    pub fn reset(&self) {
        let mut inner = self.inner.lock();
        if inner.count > 0 {
            match inner.phase {
                Phase::Filling | Phase::Broken => inner.phase = Phase::Resetting,
                Phase::Draining | Phase::Resetting => {}
            }
        } else {
            inner.phase = Phase::Filling;
        }
        self.publish(&inner);
        self.queue.notify_all();
    }

    /// Breaks the barrier: current and future waits fail until [`reset`](Self::reset).
    pub fn abort(&self) {
        let mut inner = self.inner.lock();
        self.break_barrier(&mut inner);
    }

    /// How many parties the barrier needs.
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// How many threads wait in the barrier now.
    ///
    /// Reads a summary kept beside the barrier's lock, so it may be called from the
    /// barrier's action (Python reads it lock-free too).
    pub fn n_waiting(&self) -> usize {
        self.summary.load(Ordering::Acquire) >> 1
    }

    /// Whether the barrier is broken.
    ///
    /// Lock-free, like [`n_waiting`](Self::n_waiting).
    pub fn is_broken(&self) -> bool {
        self.summary.load(Ordering::Acquire) & 1 != 0
    }

    /// Mirrors the state for `n_waiting` and `is_broken`; called with the lock held
    /// after every change.
    fn publish(&self, inner: &Inner) {
        let waiting = if inner.phase == Phase::Filling {
            inner.count
        } else {
            0
        };
        let broken = usize::from(inner.phase == Phase::Broken);
        self.summary.store(waiting << 1 | broken, Ordering::Release);
    }

    /// The barrier's name, if it was built with one.
    pub fn name(&self) -> Option<&'static str> {
        self.origin.name()
    }

    fn object(&self) -> Object {
        Object {
            kind: PrimitiveKind::Barrier,
            key: self.queue.key(),
            origin: self.origin,
        }
    }

    fn wait_until(&self, deadline: Option<Instant>) -> Result<usize, BrokenBarrierError> {
        let mut inner = self.inner.lock();
        // Wait for the previous round to drain or reset.
        while matches!(inner.phase, Phase::Draining | Phase::Resetting) {
            inner = self.sleep(inner, None);
        }
        if inner.phase == Phase::Broken {
            return Err(BrokenBarrierError);
        }
        let index = inner.count;
        inner.count += 1;
        self.publish(&inner);
        let result;
        if index + 1 == self.parties {
            result = self.release_round(&mut inner);
        } else {
            (inner, result) = self.wait_round(inner, deadline);
        }
        inner.count -= 1;
        if inner.count == 0 && matches!(inner.phase, Phase::Draining | Phase::Resetting) {
            inner.phase = Phase::Filling;
            self.queue.notify_all();
        }
        self.publish(&inner);
        drop(inner);
        match result {
            Ok(()) => Ok(index),
            Err(RoundFailure::Broken) => Err(BrokenBarrierError),
            Err(RoundFailure::ActionPanicked(payload)) => std::panic::resume_unwind(payload),
        }
    }

    /// The last party arrived: run the action and release everyone.
    fn release_round(&self, inner: &mut InternalGuard<'_, Inner>) -> Result<(), RoundFailure> {
        if let Some(action) = &self.action
            && let Err(payload) = std::panic::catch_unwind(AssertUnwindSafe(action))
        {
            self.break_barrier(inner);
            return Err(RoundFailure::ActionPanicked(payload));
        }
        inner.phase = Phase::Draining;
        self.publish(inner);
        self.queue.notify_all();
        Ok(())
    }

    /// Waits for the last party (or a break, or the deadline).
    fn wait_round<'a>(
        &'a self,
        mut inner: InternalGuard<'a, Inner>,
        deadline: Option<Instant>,
    ) -> (InternalGuard<'a, Inner>, Result<(), RoundFailure>) {
        let _scope = diagnostics::block(|| self.object(), Blocking::Signal, deadline);
        while inner.phase == Phase::Filling {
            if crate::time::expired(deadline) {
                self.break_barrier(&mut inner);
                return (inner, Err(RoundFailure::Broken));
            }
            inner = self.sleep(inner, deadline);
        }
        let result = match inner.phase {
            Phase::Draining => Ok(()),
            Phase::Filling | Phase::Resetting | Phase::Broken => Err(RoundFailure::Broken),
        };
        (inner, result)
    }

    /// Releases the lock, sleeps until notified or `deadline`, re-locks.
    fn sleep<'a>(
        &'a self,
        guard: InternalGuard<'a, Inner>,
        deadline: Option<Instant>,
    ) -> InternalGuard<'a, Inner> {
        self.queue.wait(
            move || {
                drop(guard);
                true
            },
            deadline,
        );
        self.inner.lock()
    }

    fn break_barrier(&self, inner: &mut Inner) {
        inner.phase = Phase::Broken;
        self.publish(inner);
        self.queue.notify_all();
    }
}

/// Why a round failed for this thread.
enum RoundFailure {
    Broken,
    ActionPanicked(Box<dyn std::any::Any + Send>),
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("origin", &self.origin)
            .field("parties", &self.parties)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}
