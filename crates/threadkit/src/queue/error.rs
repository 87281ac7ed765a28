//! The errors of the queues. A value that could not be enqueued is handed back inside
//! the error (`into_inner`): nothing is ever lost.

use std::fmt;

/// Why `try_put` (Python's `put_nowait`) failed; the value is inside.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TryPutError<T> {
    /// The queue is full (Python: `queue.Full`).
    Full(T),
    /// The queue was shut down (Python: `queue.ShutDown`).
    ShutDown(T),
}

/// Why a blocking `put` failed: the queue was shut down (Python: `queue.ShutDown`);
/// the value is inside.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PutError<T>(pub T);

/// Why `put_timeout` / `put_deadline` failed; the value is inside.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PutTimeoutError<T> {
    /// The queue stayed full until the deadline (Python: `queue.Full`).
    Timeout(T),
    /// The queue was shut down (Python: `queue.ShutDown`).
    ShutDown(T),
}

/// Why `try_get` (Python's `get_nowait`) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TryGetError {
    /// The queue is empty (Python: `queue.Empty`).
    #[error("queue is empty")]
    Empty,
    /// The queue is shut down and empty (Python: `queue.ShutDown`).
    #[error("queue is shut down")]
    ShutDown,
}

/// Why a blocking `get` failed: the queue is shut down and empty (Python:
/// `queue.ShutDown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("queue is shut down")]
pub struct GetError;

/// Why `get_timeout` / `get_deadline` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GetTimeoutError {
    /// The queue stayed empty until the deadline (Python: `queue.Empty`).
    #[error("timed out waiting on an empty queue")]
    Timeout,
    /// The queue is shut down and empty (Python: `queue.ShutDown`).
    #[error("queue is shut down")]
    ShutDown,
}

/// `task_done` was called more times than items were put (Python: `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("task_done() called too many times")]
pub struct TaskDoneError;

/// `join_timeout` / `join_deadline` gave up before every task was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("timed out waiting for every task to be done")]
pub struct JoinTimeoutError;

/// A bounded queue's storage is allocated once: its maxsize can shrink, and grow back
/// up to the capacity it was created with, but not beyond, nor to unbounded. (A queue
/// created unbounded can be limited and unlimited at will.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "maxsize {requested} is beyond this bounded queue's capacity of {capacity}; create it unbounded to change its maxsize freely"
)]
pub struct MaxsizeError {
    /// The maxsize asked for (0 = unbounded).
    pub requested: usize,
    /// The capacity the queue was created with.
    pub capacity: usize,
}

impl<T> TryPutError<T> {
    /// The value that was not enqueued.
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(value) | TryPutError::ShutDown(value) => value,
        }
    }

    /// Whether the queue was full (rather than shut down).
    pub fn is_full(&self) -> bool {
        matches!(self, TryPutError::Full(_))
    }
}

impl<T> PutError<T> {
    /// The value that was not enqueued.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> PutTimeoutError<T> {
    /// The value that was not enqueued.
    pub fn into_inner(self) -> T {
        match self {
            PutTimeoutError::Timeout(value) | PutTimeoutError::ShutDown(value) => value,
        }
    }

    /// Whether the deadline passed (rather than the queue being shut down).
    pub fn is_timeout(&self) -> bool {
        matches!(self, PutTimeoutError::Timeout(_))
    }
}

// Debug without requiring `T: Debug` (the value may not be printable).
impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("Full(..)"),
            TryPutError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PutError(..)")
    }
}

impl<T> fmt::Debug for PutTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            PutTimeoutError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("queue is full"),
            TryPutError::ShutDown(_) => f.write_str("queue is shut down"),
        }
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue is shut down")
    }
}

impl<T> fmt::Display for PutTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutTimeoutError::Timeout(_) => f.write_str("timed out waiting on a full queue"),
            PutTimeoutError::ShutDown(_) => f.write_str("queue is shut down"),
        }
    }
}

impl<T> std::error::Error for TryPutError<T> {}
impl<T> std::error::Error for PutError<T> {}
impl<T> std::error::Error for PutTimeoutError<T> {}

impl<T> From<PutError<T>> for TryPutError<T> {
    fn from(error: PutError<T>) -> Self {
        TryPutError::ShutDown(error.0)
    }
}

impl<T> From<PutError<T>> for PutTimeoutError<T> {
    fn from(error: PutError<T>) -> Self {
        PutTimeoutError::ShutDown(error.0)
    }
}

impl From<GetError> for TryGetError {
    fn from(_: GetError) -> Self {
        TryGetError::ShutDown
    }
}

impl From<GetError> for GetTimeoutError {
    fn from(_: GetError) -> Self {
        GetTimeoutError::ShutDown
    }
}
