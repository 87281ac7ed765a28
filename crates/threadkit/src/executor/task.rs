//! The engine behind [`Future`]: one allocation per task holding the closure, the
//! state word, the outcome and the listeners (done callbacks and `wait` calls).
//!
//! The task is shared by the future (the owner's handle) and the pool's queue (as a
//! type-erased [`Job`]). Its life:
//!
//! ```text
//!  PENDING ──start──▶ RUNNING ──finish──▶ FINISHED | FAILED
//!     └──────cancel──────▶ CANCELLED
//! ```
//!
//! Only the thread that moves the task out of `PENDING` touches the closure; only the
//! thread that moves it out of `RUNNING` writes the outcome, before publishing the
//! final phase with release ordering.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::error::TaskError;
use super::future::Future;
use super::wait::Notifier;
use crate::backoff::Backoff;
use crate::diagnostics::{self, Blocking, Object, PrimitiveKind};
use crate::origin::Origin;
use crate::park::{self, ParkResult, Spin, TOKEN_NORMAL};
use crate::primitive::{AtomicUsize, Ordering, UnsafeCell, yield_now};
use crate::thread::{self, PanicSource, Panicked};

/// Phase (bits 0..=2): queued, not started.
pub(crate) const PENDING: usize = 0;
/// Phase: a worker is running the closure.
pub(crate) const RUNNING: usize = 1;
/// Phase: the closure returned; the outcome holds its value.
pub(crate) const FINISHED: usize = 2;
/// Phase: the closure panicked (or the pool broke); the outcome holds the error.
pub(crate) const FAILED: usize = 3;
/// Phase: cancelled before it started.
pub(crate) const CANCELLED: usize = 4;
const PHASE: usize = 0b111;
/// Flag: threads are parked on the state word (waiting for the end, or for quiet).
const PARKED: usize = 1 << 3;
/// Flag: listeners were registered; the completer must lock the list and run them.
const LISTENERS: usize = 1 << 4;
/// Flag: the completer is running the listeners (done callbacks may be reading the
/// value, so the owner must not take it yet).
const NOTIFYING: usize = 1 << 5;
/// Flag: the owner's [`Future`] is gone.
const DROPPED: usize = 1 << 6;
/// Flag: someone looked at the outcome (`result`, `get`).
const OBSERVED: usize = 1 << 7;
/// Flag: the unobserved failure was reported to the excepthook.
const REPORTED: usize = 1 << 8;
/// Flag: a thread holds the listener list (a lock bit: held for a push, a removal or
/// a take of the list, never while running a listener).
const LOCKED: usize = 1 << 9;

/// How long a thread waiting for a task watches it before going to sleep.
const WAIT_SPIN: Duration = Duration::from_micros(2);

/// The final phases.
#[inline]
fn is_done(state: usize) -> bool {
    state & PHASE >= FINISHED
}

/// A closure to run once, type-erased over its type.
pub(crate) trait TaskFn<T>: Send {
    /// Runs the closure (once; `None` if it was already taken).
    fn call(&mut self) -> Option<T>;
    /// Drops the closure without running it.
    fn discard(&mut self);
}

/// The closure of a task.
pub(crate) struct Once<F>(pub(crate) Option<F>);

impl<T, F: FnOnce() -> T + Send> TaskFn<T> for Once<F> {
    fn call(&mut self) -> Option<T> {
        self.0.take().map(|f| f())
    }

    fn discard(&mut self) {
        self.0 = None;
    }
}

/// A done callback.
pub(crate) type Callback<T> = Box<dyn FnOnce(&Future<T>) + Send>;

/// What the completer does once the task is done.
pub(crate) enum Listener<T> {
    /// A done callback.
    Callback(Callback<T>),
    /// A `wait`/`as_completed` call, told the index of this future.
    Waiter {
        notifier: Arc<Notifier>,
        index: usize,
    },
}

/// A task's listeners, boxed in the task (one pointer) since most tasks have none.
pub(crate) struct Listeners<T>(Vec<Listener<T>>);

/// The state of a task, without its closure.
pub(crate) struct Core<T> {
    // PHASE | PARKED | LISTENERS | NOTIFYING | DROPPED | OBSERVED | REPORTED | LOCKED
    //
    // The phase moves forward only (see the module docs). PARKED is set by a waiter
    // before it parks and cleared by whoever wakes the waiters (the completer, or the
    // end of notifying). The flags DROPPED, OBSERVED and REPORTED decide who reports
    // an unobserved failure: whoever makes "FAILED, DROPPED, not OBSERVED, not
    // NOTIFYING" true claims REPORTED and reports, exactly once.
    state: AtomicUsize,
    /// Where the task was submitted.
    origin: Origin,
    /// Written once, by the thread that moved the phase out of RUNNING, before it
    /// published the final phase; then read by anyone who saw that phase, and taken
    /// by the owner once no callback may be reading it.
    outcome: UnsafeCell<Option<Result<T, Box<TaskError>>>>,
    /// Done callbacks and waiters, under the LOCKED bit; allocated on first use.
    listeners: UnsafeCell<Option<Box<Listeners<T>>>>,
}

/// A task: its core, and its closure (unsized in the handle's view, see [`Future`]).
pub(crate) struct Task<T, F: ?Sized> {
    pub(crate) core: Core<T>,
    func: UnsafeCell<F>,
}

// SAFETY: the closure is only touched by the one thread that moved the phase out of
// PENDING (see `start`, `cancel`), and is `Send`. The outcome is written by one thread
// before the final phase is published (release) and read after it is seen (acquire),
// so it moves between threads like a `T: Send`; shared `&T` on several threads at once
// only arise through `Future<T>: Sync` or done callbacks, both of which require
// `T: Sync`. The listener list (whose entries are `Send`) is only touched under the
// LOCKED bit. Everything else is atomics.
unsafe impl<T: Send, F: ?Sized + Send> Send for Task<T, F> {}
// SAFETY: as above.
unsafe impl<T: Send, F: ?Sized + Send> Sync for Task<T, F> {}

/// The handle's view of a task: its closure's type erased.
pub(crate) type SharedTask<T> = Task<T, dyn TaskFn<T>>;

impl<T, F> Task<T, Once<F>> {
    /// A pending task that will run `f`.
    pub(crate) fn new(f: F, origin: Origin) -> Self {
        Self {
            core: Core {
                state: AtomicUsize::new(PENDING),
                origin,
                outcome: UnsafeCell::new(None),
                listeners: UnsafeCell::new(None),
            },
            func: UnsafeCell::new(Once(Some(f))),
        }
    }

    /// The closure of a task that was never shared.
    pub(crate) fn into_closure(self) -> Option<F> {
        self.func.into_inner().0
    }
}

/// A task as the pool's queue holds it: its type erased.
pub(crate) trait Job: Send + Sync {
    /// Runs the task on the calling (worker) thread, unless it was cancelled;
    /// `before_done` is called right before the outcome is published.
    fn run(self: Arc<Self>, before_done: &mut dyn FnMut());
    /// Cancels the task if it has not started (`shutdown(cancel_futures=True)`).
    fn cancel_pending(self: Arc<Self>) -> bool;
    /// Fails the task with `error` if it has not started (a broken pool).
    fn fail_pending(self: Arc<Self>, error: &TaskError);
}

impl<T: Send + 'static, F: TaskFn<T> + 'static> Job for Task<T, F> {
    fn run(self: Arc<Self>, before_done: &mut dyn FnMut()) {
        if !self.core.start() {
            return;
        }
        let result = self.func.with_mut(|func| {
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: `start` moved the phase out of PENDING: this thread alone
                // may touch the closure.
                unsafe { (*func).call() }
            }))
        });
        let outcome = match result {
            Ok(Some(value)) => Ok(value),
            // The closure was discarded: cannot happen once started, but fail cleanly.
            Ok(None) => Err(Box::new(TaskError::Cancelled)),
            Err(payload) => Err(Box::new(TaskError::Panicked(Panicked::caught(&*payload)))),
        };
        before_done();
        let view = Future::view(self);
        view.task.core.finish(outcome, &view);
    }

    fn cancel_pending(self: Arc<Self>) -> bool {
        let view = Future::view(self);
        view.cancel()
    }

    fn fail_pending(self: Arc<Self>, error: &TaskError) {
        if self.core.start() {
            // SAFETY: `start` moved the phase out of PENDING: this thread alone may
            // touch the closure.
            self.func.with_mut(|func| unsafe { (*func).discard() });
            let view = Future::view(self);
            view.task.core.finish(Err(Box::new(error.clone())), &view);
        }
    }
}

impl<T> SharedTask<T> {
    /// Drops the closure of a task whose phase this thread moved out of PENDING
    /// without running it.
    pub(crate) fn discard_closure(&self) {
        // SAFETY: the caller moved the phase out of PENDING (cancel), so it alone may
        // touch the closure.
        self.func.with_mut(|func| unsafe { (*func).discard() });
    }
}

impl<T> Core<T> {
    /// The current phase.
    #[inline]
    pub(crate) fn phase(&self) -> usize {
        self.state.load(Ordering::Acquire) & PHASE
    }

    /// PENDING → RUNNING; false if the task was cancelled (or already started).
    #[inline]
    fn start(&self) -> bool {
        self.state
            .fetch_update(Ordering::Acquire, Ordering::Relaxed, |s| {
                (s & PHASE == PENDING).then_some(s & !PHASE | RUNNING)
            })
            .is_ok()
    }

    /// PENDING → CANCELLED; true if cancelled now or before. The caller must discard
    /// the closure and then call `notify_done` with the returned previous state.
    pub(crate) fn try_cancel(&self) -> Result<usize, bool> {
        self.state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                (s & PHASE == PENDING).then(|| Self::done_state(s, CANCELLED))
            })
            .map_err(|s| s & PHASE == CANCELLED)
    }

    /// The word that ends the task with `phase`: waiters are woken (PARKED cleared) and,
    /// if there are listeners, the completer is now notifying them.
    fn done_state(state: usize, phase: usize) -> usize {
        let mut new = (state & !(PHASE | PARKED)) | phase;
        if state & LISTENERS != 0 {
            new |= NOTIFYING;
        }
        new
    }

    /// Stores the outcome and publishes the final phase, then notifies. Only the
    /// thread that moved the phase to RUNNING may call this.
    fn finish(&self, outcome: Result<T, Box<TaskError>>, view: &Future<T>) {
        let phase = if outcome.is_ok() { FINISHED } else { FAILED };
        // SAFETY: this thread moved the phase to RUNNING and nobody reads the outcome
        // before the final phase is published below.
        self.outcome
            .with_mut(|slot| unsafe { *slot = Some(outcome) });
        let previous = match self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |s| {
                Some(Self::done_state(s, phase))
            }) {
            Ok(previous) | Err(previous) => previous,
        };
        self.notify_done(previous, view);
    }

    /// After the final phase was published over `previous`: wakes waiters, runs the
    /// listeners, and reports an unobserved failure.
    pub(crate) fn notify_done(&self, previous: usize, view: &Future<T>) {
        if previous & PARKED != 0 {
            self.wake_all();
        }
        if previous & LISTENERS != 0 {
            let listeners = self.with_listeners(Option::take);
            for listener in listeners.map(|list| list.0).unwrap_or_default() {
                self.run_listener(listener, view);
            }
            let previous = self
                .state
                .fetch_and(!(NOTIFYING | PARKED), Ordering::AcqRel);
            if previous & PARKED != 0 {
                self.wake_all();
            }
        }
        self.report_if_unobserved();
    }

    /// Runs one listener of a done task, on the calling thread.
    pub(crate) fn run_listener(&self, listener: Listener<T>, view: &Future<T>) {
        match listener {
            Listener::Callback(callback) => {
                if let Err(payload) = std::panic::catch_unwind(AssertUnwindSafe(|| callback(view)))
                {
                    let panicked = Panicked::caught(&*payload);
                    thread::report(&panicked, PanicSource::DoneCallback);
                }
            }
            Listener::Waiter { notifier, index } => notifier.notify(index),
        }
    }

    /// Registers `listener`; hands it back if the task is already done (the caller
    /// then runs it).
    pub(crate) fn add_listener(&self, listener: Listener<T>) -> Option<Listener<T>> {
        // Setting LISTENERS together with the lock: a completer that publishes after
        // this sees the flag, and takes the lock after us, so it finds the listener.
        let previous = self.lock_listeners(LISTENERS);
        if is_done(previous) {
            self.unlock_listeners();
            return Some(listener);
        }
        // SAFETY: we hold the LOCKED bit.
        self.listeners.with_mut(|list| unsafe {
            (*list)
                .get_or_insert_with(|| Box::new(Listeners(Vec::new())))
                .0
                .push(listener);
        });
        self.unlock_listeners();
        None
    }

    /// Removes the `wait` listener of `notifier`, if still registered.
    pub(crate) fn remove_waiter(&self, notifier: &Arc<Notifier>) {
        if self.state.load(Ordering::Acquire) & LISTENERS == 0 {
            return;
        }
        self.with_listeners(|list| {
            if let Some(list) = list {
                list.0.retain(|listener| match listener {
                    Listener::Waiter { notifier: n, .. } => !Arc::ptr_eq(n, notifier),
                    Listener::Callback(_) => true,
                });
            }
        });
    }

    /// Runs `f` on the listener list, holding the LOCKED bit.
    fn with_listeners<R>(&self, f: impl FnOnce(&mut Option<Box<Listeners<T>>>) -> R) -> R {
        self.lock_listeners(0);
        // SAFETY: we hold the LOCKED bit.
        let result = self.listeners.with_mut(|list| f(unsafe { &mut *list }));
        self.unlock_listeners();
        result
    }

    /// Sets LOCKED (and `also`), waiting while another thread holds it; returns the
    /// state before. The lock is only ever held for a few instructions.
    fn lock_listeners(&self, also: usize) -> usize {
        let mut backoff = Backoff::new();
        loop {
            let state = self.state.load(Ordering::Relaxed);
            if state & LOCKED == 0
                && self
                    .state
                    .compare_exchange_weak(
                        state,
                        state | LOCKED | also,
                        Ordering::AcqRel,
                        Ordering::Relaxed,
                    )
                    .is_ok()
            {
                return state;
            }
            if !backoff.spin() {
                yield_now();
            }
        }
    }

    fn unlock_listeners(&self) {
        self.state.fetch_and(!LOCKED, Ordering::Release);
    }

    /// Whether the task is done (finished, failed or cancelled).
    #[inline]
    pub(crate) fn is_done(&self) -> bool {
        is_done(self.state.load(Ordering::Acquire))
    }

    /// Waits until the task is done (and, if `quiet`, no done callback runs any more);
    /// false if `deadline` passed first.
    #[inline]
    pub(crate) fn wait(&self, deadline: Option<Instant>, quiet: bool) -> bool {
        let ready = |s: usize| is_done(s) && (!quiet || s & NOTIFYING == 0);
        ready(self.state.load(Ordering::Acquire)) || self.wait_slow(deadline, ready)
    }

    #[cold]
    fn wait_slow(&self, deadline: Option<Instant>, ready: impl Fn(usize) -> bool) -> bool {
        // A short task submitted just before is often done within a microsecond or
        // two: watch the state word for that long (touching nothing else), then
        // sleep without spinning more, which leaves the CPU to the worker if the two
        // threads share one.
        if crate::primitive::SPINNING {
            let started = Instant::now();
            while started.elapsed() < WAIT_SPIN {
                for _ in 0..16 {
                    if ready(self.state.load(Ordering::Acquire)) {
                        return true;
                    }
                    std::hint::spin_loop();
                }
            }
        }
        let _scope = diagnostics::block(|| self.object(), Blocking::Signal, deadline);
        loop {
            let state = self.state.load(Ordering::Acquire);
            if ready(state) {
                return true;
            }
            if state & PARKED == 0
                && self
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
            let result = park::park(
                self.key(),
                || {
                    let state = self.state.load(Ordering::Relaxed);
                    !ready(state) && state & PARKED != 0
                },
                || true,
                |_| {},
                deadline,
                Spin::Never,
            );
            if result == ParkResult::TimedOut {
                return ready(self.state.load(Ordering::Acquire));
            }
        }
    }

    fn wake_all(&self) {
        park::unpark_up_to(self.key(), usize::MAX, |_| TOKEN_NORMAL);
    }

    /// The outcome of a done task. `None` if it was cancelled (or taken).
    ///
    /// The caller must have seen the final phase (`is_done`, `wait`).
    pub(crate) fn outcome(&self) -> Option<Result<&T, &TaskError>> {
        // SAFETY: the final phase was published after the outcome was written, and the
        // caller saw it (acquire); the outcome is only taken by the owner through
        // `take_outcome`, which needs exclusive access to the future.
        let outcome = self.outcome.with(|slot| unsafe { (*slot).as_ref() })?;
        Some(outcome.as_ref().map_err(|error| &**error))
    }

    /// Takes the outcome out of a done task once no done callback runs any more.
    ///
    /// The caller must own the future (no other `&Future` exists) and have waited
    /// with `quiet`.
    pub(crate) fn take_outcome(&self) -> Option<Result<T, Box<TaskError>>> {
        // SAFETY: as for `outcome`; and the caller owns the future, with no done
        // callback running (NOTIFYING was clear), so no reference to the outcome exists.
        self.outcome.with_mut(|slot| unsafe { (*slot).take() })
    }

    /// Records that someone looked at the outcome of a done task (so a failure is not
    /// reported). Only failures need it.
    #[inline]
    pub(crate) fn mark_observed(&self) {
        let state = self.state.load(Ordering::Relaxed);
        if state & PHASE == FAILED && state & OBSERVED == 0 {
            self.state.fetch_or(OBSERVED, Ordering::Relaxed);
        }
    }

    /// The owner's handle is gone.
    #[inline]
    pub(crate) fn drop_handle(&self) {
        let state = self.state.load(Ordering::Acquire);
        // Done without a failure to report, or with one already looked at: nothing
        // can ever need the handle's absence (the common case, no write at all).
        if is_done(state) && (state & PHASE != FAILED || state & (OBSERVED | REPORTED) != 0) {
            return;
        }
        self.state.fetch_or(DROPPED, Ordering::AcqRel);
        self.report_if_unobserved();
    }

    /// Reports a failure that nobody looked at and nobody can look at any more.
    #[inline]
    fn report_if_unobserved(&self) {
        let state = self.state.load(Ordering::Acquire);
        if state & PHASE != FAILED || state & DROPPED == 0 {
            return;
        }
        self.report_if_unobserved_slow();
    }

    #[cold]
    fn report_if_unobserved_slow(&self) {
        let claim = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                (s & PHASE == FAILED
                    && s & DROPPED != 0
                    && s & (OBSERVED | NOTIFYING | REPORTED) == 0)
                    .then_some(s | REPORTED)
            });
        if claim.is_err() {
            return;
        }
        // Only panics of the task itself: a broken pool was reported once, as such.
        if let Some(Err(TaskError::Panicked(panicked))) = self.outcome() {
            thread::report(
                panicked,
                PanicSource::UnobservedTask {
                    submitted_at: self.origin.location(),
                },
            );
        }
    }

    /// Whether an unobserved failure was claimed for reporting (for the loom model).
    #[cfg(all(test, loom))]
    pub(crate) fn was_reported(&self) -> bool {
        self.state.load(Ordering::Acquire) & REPORTED != 0
    }

    /// Where the task was submitted.
    pub(crate) fn origin(&self) -> Origin {
        self.origin
    }

    /// The future as diagnostics name it.
    pub(crate) fn object(&self) -> Object {
        Object {
            kind: PrimitiveKind::Future,
            key: self.key(),
            origin: self.origin,
        }
    }

    fn key(&self) -> usize {
        std::ptr::from_ref(&self.state).addr()
    }
}

impl<T> fmt::Debug for Core<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.phase() {
            PENDING => "pending",
            RUNNING => "running",
            FINISHED => "finished",
            FAILED => "failed",
            _ => "cancelled",
        };
        f.debug_struct("Future")
            .field("state", &state)
            .field("submitted", &self.origin)
            .finish()
    }
}
