//! [`Future`]: the result of a task submitted to a
//! [`ThreadPoolExecutor`](super::ThreadPoolExecutor).

use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::error::{ResultTimeoutError, TaskError};
use super::task::{CANCELLED, Listener, PENDING, RUNNING, SharedTask};

/// The result of a task submitted to a [`ThreadPoolExecutor`](super::ThreadPoolExecutor):
/// Python's `concurrent.futures.Future`.
///
/// A future is pending, then running, then done: finished (with the closure's value),
/// failed (the closure panicked), or cancelled (before it started).
/// [`result`](Self::result) waits for the value; [`get`](Self::get) borrows it;
/// [`cancel`](Self::cancel) stops a task that has not started;
/// [`add_done_callback`](Self::add_done_callback) runs code when it is done; the free
/// functions [`wait`](super::wait) and [`as_completed`](super::as_completed) wait for
/// several.
///
/// **A failure is never lost.** If the task panicked and the future is dropped
/// without anyone having looked at the outcome (through `result`, `get` or their
/// timed forms), the panic is reported to the
/// [excepthook](crate::thread::set_excepthook) (task, thread, message; by default to
/// stderr). Python's `ThreadPoolExecutor` silently drops such exceptions — "it will
/// hide that exception: the program terminates with no output" — which this fixes.
///
/// # Differences from Python's concurrent.futures
///
/// * The future is the only handle on the result: [`result`](Self::result) consumes
///   it and returns the value itself (not a copy); [`get`](Self::get) borrows it.
/// * `result(timeout)` is [`result_timeout`](Self::result_timeout), which hands the
///   future back if the timeout passes.
/// * A panic becomes [`TaskError::Panicked`], with its message and thread.
/// * Failures nobody looked at are reported (see above).
/// * Python's `set_result`/`set_exception` are not public: futures come from a pool.
///
/// # Memory ordering
///
/// Everything the task did happens-before `result`/`get` returning its outcome, and
/// before `done()` returning true.
///
/// # Examples
///
/// ```
/// use threadkit::executor::{TaskError, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new();
/// let answer = pool.submit(|| 6 * 7).unwrap();
/// assert_eq!(answer.result(), Ok(42));
///
/// let oops = pool.submit(|| -> u32 { panic!("no such user") }).unwrap();
/// match oops.result() {
///     Err(TaskError::Panicked(panic)) => assert_eq!(panic.message(), "no such user"),
///     other => unreachable!("{other:?}"),
/// }
/// ```
pub struct Future<T> {
    pub(crate) task: Arc<SharedTask<T>>,
    /// False for the borrowed view done callbacks get (it does not own the result).
    owner: bool,
    /// `Sync` only if `T` is: `get` shares `&T` between the threads holding `&Future`.
    _value: PhantomData<T>,
}

impl<T> Future<T> {
    /// The owner's handle on `task`.
    pub(crate) fn new(task: Arc<SharedTask<T>>) -> Self {
        Self {
            task,
            owner: true,
            _value: PhantomData,
        }
    }

    /// A view for done callbacks and the pool; dropping it changes nothing.
    pub(crate) fn view(task: Arc<SharedTask<T>>) -> Self {
        Self {
            task,
            owner: false,
            _value: PhantomData,
        }
    }

    /// Waits for the task and returns its value.
    ///
    /// # Errors
    ///
    /// [`TaskError::Panicked`] if the task panicked, [`TaskError::Cancelled`] if it
    /// was cancelled, [`TaskError::BrokenPool`] if its pool broke before it ran.
    pub fn result(self) -> Result<T, TaskError> {
        self.task.core.wait(None, true);
        self.take()
    }

    /// Waits at most `timeout` for the task and returns its value.
    ///
    /// # Errors
    ///
    /// As [`result`](Self::result) (in [`ResultTimeoutError::Task`]), and
    /// [`ResultTimeoutError::TimedOut`] with the future if the timeout passes first.
    pub fn result_timeout(self, timeout: Duration) -> Result<T, ResultTimeoutError<T>> {
        match crate::time::deadline_after(timeout) {
            Some(deadline) => self.result_deadline(deadline),
            None => self.result().map_err(ResultTimeoutError::Task),
        }
    }

    /// Waits until `deadline` at the latest for the task and returns its value.
    ///
    /// # Errors
    ///
    /// As [`result_timeout`](Self::result_timeout).
    pub fn result_deadline(self, deadline: Instant) -> Result<T, ResultTimeoutError<T>> {
        if self.task.core.wait(Some(deadline), true) {
            self.take().map_err(ResultTimeoutError::Task)
        } else {
            Err(ResultTimeoutError::TimedOut(self))
        }
    }

    /// Waits for the task and borrows its value (the future keeps it).
    ///
    /// # Errors
    ///
    /// As [`result`](Self::result).
    pub fn get(&self) -> Result<&T, TaskError> {
        self.task.core.wait(None, false);
        self.peek()
    }

    /// Waits until the task is done (Python: `wait([future])`).
    pub fn wait(&self) {
        self.task.core.wait(None, false);
    }

    /// Waits at most `timeout` until the task is done; returns whether it is.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.task
            .core
            .wait(crate::time::deadline_after(timeout), false)
    }

    /// Waits until `deadline` at the latest until the task is done; returns whether
    /// it is.
    pub fn wait_deadline(&self, deadline: Instant) -> bool {
        self.task.core.wait(Some(deadline), false)
    }

    /// Cancels the task if it has not started yet; returns whether it is cancelled
    /// (true also if it already was). A running or done task cannot be cancelled.
    ///
    /// Cancelling completes the future: waiters wake and done callbacks run (on the
    /// calling thread).
    pub fn cancel(&self) -> bool {
        match self.task.core.try_cancel() {
            Ok(previous) => {
                self.task.discard_closure();
                self.task.core.notify_done(previous, self);
                true
            }
            Err(already_cancelled) => already_cancelled,
        }
    }

    /// Whether the task was cancelled.
    pub fn cancelled(&self) -> bool {
        self.task.core.phase() == CANCELLED
    }

    /// Whether the task is running right now.
    pub fn running(&self) -> bool {
        self.task.core.phase() == RUNNING
    }

    /// Whether the task is done: finished, failed or cancelled.
    pub fn done(&self) -> bool {
        self.task.core.is_done()
    }

    /// Whether the task has neither started nor been cancelled.
    pub fn pending(&self) -> bool {
        self.task.core.phase() == PENDING
    }

    /// Whether the task is done and failed (panicked, or its pool broke). Does not
    /// count as looking at the outcome.
    pub fn failed(&self) -> bool {
        self.done() && matches!(self.task.core.outcome(), Some(Err(_)))
    }

    /// Calls `callback` with the future once the task is done: at once (on the calling
    /// thread) if it is done already; otherwise on the thread that completes it (the
    /// worker, or the thread that cancels it). Callbacks run in the order they were
    /// added.
    ///
    /// A callback that panics is reported to the
    /// [excepthook](crate::thread::set_excepthook); the panic goes no further.
    /// While callbacks run, [`result`](Self::result) waits for them (they may be
    /// reading the value).
    pub fn add_done_callback(&self, callback: impl FnOnce(&Future<T>) + Send + 'static)
    where
        T: Sync,
    {
        let listener = Listener::Callback(Box::new(callback));
        if let Some(listener) = self.task.core.add_listener(listener) {
            self.task.core.run_listener(listener, self);
        }
    }

    /// Where the task was submitted.
    pub fn submitted_at(&self) -> Option<&'static Location<'static>> {
        self.task.core.origin().location()
    }

    /// The outcome of a done task, taking the value. The caller waited with `quiet`.
    fn take(&self) -> Result<T, TaskError> {
        let core = &self.task.core;
        if core.phase() == CANCELLED {
            return Err(TaskError::Cancelled);
        }
        core.mark_observed();
        match core.take_outcome() {
            Some(Ok(value)) => Ok(value),
            Some(Err(error)) => Err(*error),
            None => Err(TaskError::Cancelled),
        }
    }

    /// The outcome of a done task, borrowed.
    fn peek(&self) -> Result<&T, TaskError> {
        let core = &self.task.core;
        if core.phase() == CANCELLED {
            return Err(TaskError::Cancelled);
        }
        core.mark_observed();
        match core.outcome() {
            Some(Ok(value)) => Ok(value),
            Some(Err(error)) => Err(error.clone()),
            None => Err(TaskError::Cancelled),
        }
    }
}

impl<T> Drop for Future<T> {
    fn drop(&mut self) {
        if self.owner {
            self.task.core.drop_handle();
        }
    }
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.task.core, f)
    }
}
