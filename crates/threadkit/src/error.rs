//! The errors of the core primitives.
//!
//! Misuse that Python code can reach is an error here, never a panic: releasing an
//! unlocked lock or someone else's RLock, over-releasing a BoundedSemaphore, waiting on
//! a Condition without holding its lock, a Barrier of zero parties or a broken one.
//! The messages follow CPython's, in lowercase.

/// Why a `release` failed. The primitive is left unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// The lock was not locked (Python: `RuntimeError: release unlocked lock`).
    #[error("release unlocked lock")]
    NotLocked,
    /// The lock is held through a guard, which alone may release it (only Rust code
    /// can get here: Python's acquisitions have no guards).
    #[error("lock is held by a guard; drop the guard to release it")]
    HeldByGuard,
    /// The calling thread does not hold the RLock (Python: `RuntimeError`).
    #[error("cannot release un-acquired lock")]
    NotOwned,
    /// A BoundedSemaphore would exceed its initial value (Python: `ValueError`).
    #[error("semaphore released too many times")]
    TooManyReleases,
    /// `release(0)` (Python: `ValueError: n must be one or more`).
    #[error("release count must be one or more")]
    ZeroCount,
    /// The semaphore's counter would overflow.
    #[error("semaphore counter would overflow")]
    Overflow,
}

/// A Condition was used without holding its lock (Python: `RuntimeError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {operation} on un-acquired lock")]
pub struct NotOwnedError {
    /// `"wait"` or `"notify"`.
    pub operation: &'static str,
}

/// The barrier is broken: reset, aborted, timed out, or its action failed (Python:
/// `threading.BrokenBarrierError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("barrier is broken")]
pub struct BrokenBarrierError;

/// A Barrier needs at least one party (Python: `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a barrier needs at least one party")]
pub struct ZeroPartiesError;
