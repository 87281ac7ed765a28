//! The errors of the pool and its futures. Python's names in parentheses.

use std::fmt;

use super::future::Future;
use crate::thread::Panicked;

/// Why a task gave no value (Python: the exception `Future.result()` raises).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// The task panicked (Python: the task's exception).
    #[error("task panicked: {0}")]
    Panicked(Panicked),
    /// The task was cancelled before it ran (Python: `CancelledError`).
    #[error("task was cancelled")]
    Cancelled,
    /// The pool's initializer panicked, so the pool is broken and the task never ran
    /// (Python: `BrokenThreadPool`).
    #[error("the pool is broken: its initializer panicked: {0}")]
    BrokenPool(Panicked),
}

impl TaskError {
    /// The panic, if the task (or the pool's initializer) panicked.
    pub fn panicked(&self) -> Option<&Panicked> {
        match self {
            TaskError::Panicked(panicked) | TaskError::BrokenPool(panicked) => Some(panicked),
            TaskError::Cancelled => None,
        }
    }
}

/// Why [`Future::result_timeout`] gave no value.
#[non_exhaustive]
pub enum ResultTimeoutError<T> {
    /// The task failed or was cancelled.
    Task(TaskError),
    /// The timeout passed first (Python: `TimeoutError`); the task is still pending
    /// or running, and here is its future.
    TimedOut(Future<T>),
}

impl<T> ResultTimeoutError<T> {
    /// The future, if the wait timed out.
    pub fn into_future(self) -> Option<Future<T>> {
        match self {
            ResultTimeoutError::TimedOut(future) => Some(future),
            ResultTimeoutError::Task(_) => None,
        }
    }

    /// Whether the wait timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, ResultTimeoutError::TimedOut(_))
    }
}

impl<T> fmt::Debug for ResultTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResultTimeoutError::Task(error) => f.debug_tuple("Task").field(error).finish(),
            ResultTimeoutError::TimedOut(future) => {
                f.debug_tuple("TimedOut").field(future).finish()
            }
        }
    }
}

impl<T> fmt::Display for ResultTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResultTimeoutError::Task(error) => fmt::Display::fmt(error, f),
            ResultTimeoutError::TimedOut(_) => f.write_str("timed out waiting for the task"),
        }
    }
}

impl<T> std::error::Error for ResultTimeoutError<T> {}

/// The pool did not take the task; here it is back (Python: `RuntimeError` after
/// shutdown, `BrokenThreadPool` for a broken pool).
#[non_exhaustive]
pub enum SubmitError<F> {
    /// The pool was shut down.
    Shutdown(F),
    /// The pool is broken: its initializer panicked.
    Broken(F),
}

impl<F> SubmitError<F> {
    /// The task that was not submitted.
    pub fn into_inner(self) -> F {
        match self {
            SubmitError::Shutdown(f) | SubmitError::Broken(f) => f,
        }
    }
}

impl<F> fmt::Debug for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::Shutdown(_) => f.write_str("Shutdown(..)"),
            SubmitError::Broken(_) => f.write_str("Broken(..)"),
        }
    }
}

impl<F> fmt::Display for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::Shutdown(_) => f.write_str("cannot schedule new futures after shutdown"),
            SubmitError::Broken(_) => f.write_str(
                "cannot schedule new futures: the pool is broken (its initializer panicked)",
            ),
        }
    }
}

impl<F> std::error::Error for SubmitError<F> {}

/// Why building a pool failed (Python: `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// `max_workers(0)`.
    #[error("max_workers must be greater than 0")]
    ZeroWorkers,
}

/// Why an item of [`ThreadPoolExecutor::map`](super::ThreadPoolExecutor::map) has no
/// value. The iterator ends after yielding one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// The task for this item failed.
    #[error(transparent)]
    Task(TaskError),
    /// The map's timeout passed before this item's result was ready (Python:
    /// `TimeoutError`); the tasks not yet started are cancelled.
    #[error("timed out waiting for a map result")]
    TimedOut,
    /// The pool was shut down (or broke) before this item could be submitted.
    #[error("cannot schedule new futures after shutdown")]
    Shutdown,
}

/// [`as_completed`](super::as_completed)'s timeout passed with futures unfinished
/// (Python: `TimeoutError: N (of M) futures unfinished`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{unfinished} (of {total}) futures unfinished")]
pub struct TimeoutError {
    /// Futures not finished when the timeout passed.
    pub unfinished: usize,
    /// Futures given to `as_completed`.
    pub total: usize,
}
