//! [`Timer`]: Python's `threading.Timer`, a function run once after an interval unless
//! cancelled first.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use super::builder::{Builder, Thread};
use super::error::{JoinError, SpawnError};
use super::registry::ThreadRef;
use crate::diagnostics::{Object, PrimitiveKind};
use crate::latch::Latch;
use crate::origin::Origin;

/// A function run once on its own thread after an interval, unless cancelled first:
/// Python's `threading.Timer`.
///
/// While it waits, its thread shows as `Waiting` on a `Timer` (see
/// [`ThreadState`](super::ThreadState)).
///
/// # Differences from Python's threading
///
/// * `Timer(interval, f).start()` is one call, [`Timer::start`].
/// * [`cancel`](Self::cancel) says whether it prevented the call: it returns false if
///   the function had already started (Python's `cancel` returns nothing, and a cancel
///   that races with the interval's end may be ignored).
/// * [`join`](Self::join) says whether the function ran.
///
/// # Memory ordering
///
/// A successful `cancel` happens-before the timer's thread deciding not to run the
/// function; everything the function did happens-before `join` returning `Ok(true)`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use threadkit::thread::Timer;
///
/// let fired = Timer::start(Duration::from_millis(1), || println!("ding")).unwrap();
/// assert!(fired.join().unwrap());
///
/// let stopped = Timer::start(Duration::from_secs(3600), || unreachable!()).unwrap();
/// assert!(stopped.cancel());
/// assert!(!stopped.join().unwrap());
/// ```
pub struct Timer {
    thread: Thread<bool>,
    // Set by `cancel`, or by the timer's thread when the interval is over: whoever
    // sets it first decides whether the function runs.
    decided: Arc<Latch>,
}

impl Timer {
    /// Starts a thread that calls `f` after `interval`, unless [`cancel`](Self::cancel)
    /// comes first. A panic in `f` is reported to the excepthook like any thread's.
    ///
    /// # Errors
    ///
    /// [`SpawnError`] if the OS cannot start a thread.
    #[track_caller]
    pub fn start(
        interval: Duration,
        f: impl FnOnce() + Send + 'static,
    ) -> Result<Timer, SpawnError> {
        Self::start_with(Builder::new(), interval, f)
    }

    /// Like [`start`](Self::start), with the timer thread configured by `builder`
    /// (its name, daemon flag, stack size).
    ///
    /// # Errors
    ///
    /// [`SpawnError`] if the OS cannot start a thread.
    #[track_caller]
    pub fn start_with(
        builder: Builder,
        interval: Duration,
        f: impl FnOnce() + Send + 'static,
    ) -> Result<Timer, SpawnError> {
        let origin = Origin::site(Location::caller());
        let decided = Arc::new(Latch::new());
        let deadline = crate::time::deadline_after(interval);
        let thread = {
            let decided = Arc::clone(&decided);
            builder.spawn(move || {
                let key = Arc::as_ptr(&decided).addr();
                let cancelled = decided.wait(deadline, || Object {
                    kind: PrimitiveKind::Timer,
                    key,
                    origin,
                });
                // The interval is over: run `f` unless a cancel got in first.
                let fire = !cancelled && decided.set();
                if fire {
                    f();
                }
                fire
            })?
        };
        Ok(Timer { thread, decided })
    }

    /// Stops the timer if its function has not started yet; returns whether it did.
    pub fn cancel(&self) -> bool {
        self.decided.set()
    }

    /// Waits for the timer's thread to finish; returns whether the function ran.
    ///
    /// # Errors
    ///
    /// [`JoinError::Panicked`] if the function panicked, and
    /// [`JoinError::CurrentThread`] if called from the function itself.
    pub fn join(self) -> Result<bool, JoinError<bool>> {
        self.thread.join()
    }

    /// Whether the timer's thread is still running (waiting, or running the function).
    pub fn is_alive(&self) -> bool {
        self.thread.is_alive()
    }

    /// The timer's thread.
    pub fn thread_ref(&self) -> &ThreadRef {
        self.thread.thread_ref()
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("thread", &self.thread)
            .field("decided", &self.decided.is_set())
            .finish()
    }
}
