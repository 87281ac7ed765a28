//! [`CustomQueue`]: a queue over storage hooks of your own — what Python's `Queue`
//! subclasses get by overriding `_qsize`, `_put` and `_get`.

use std::fmt;
use std::panic::Location;
use std::time::{Duration, Instant};

use super::core::{GetFailure, PutFailure, Wait};
use super::error::{JoinTimeoutError, MaxsizeError, TaskDoneError};
use super::hooks::QueueHooks;
use super::locked_core::{HookedFailure, LockedCore};
use crate::diagnostics::PrimitiveKind;
use crate::origin::Origin;

/// Why a put on a [`CustomQueue`] failed. The value comes back unless a hook took it.
#[derive(Clone, PartialEq, Eq)]
pub enum CustomPutError<T, E> {
    /// The queue is full (a `try_put`).
    Full(T),
    /// The queue stayed full until the deadline.
    Timeout(T),
    /// The queue was shut down.
    ShutDown(T),
    /// A storage hook failed; the value is in the hook's hands.
    Hook(E),
}

/// Why a get on a [`CustomQueue`] failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomGetError<E> {
    /// The queue is empty (a `try_get`).
    Empty,
    /// The queue stayed empty until the deadline.
    Timeout,
    /// The queue is shut down and empty.
    ShutDown,
    /// A storage hook failed; the queue is unchanged.
    Hook(E),
}

/// A queue whose storage is yours: Python's `queue.Queue` as subclasses see it, with
/// `_qsize`, `_put` and `_get` overridden.
///
/// All of [`Queue`](crate::Queue)'s semantics — maxsize, blocking with timeouts,
/// `task_done`/`join`, Python 3.13 `shutdown` — around a [`QueueHooks`] storage. The
/// hooks run under the queue's internal lock, one at a time. A hook may fail: the
/// operation then returns [`CustomPutError::Hook`] / [`CustomGetError::Hook`] and the
/// queue is as it was (a failed put is not counted as a task), as CPython's
/// `FailingQueueTest` requires. Waiting threads park on the queue.
///
/// # Examples
///
/// ```
/// use std::collections::VecDeque;
/// use threadkit::queue::{CustomPutError, QueueHooks};
/// use threadkit::CustomQueue;
///
/// /// A FIFO that refuses odd numbers.
/// #[derive(Default)]
/// struct EvenOnly(VecDeque<u32>);
///
/// impl QueueHooks<u32> for EvenOnly {
///     type Error = String;
///     fn qsize(&mut self) -> Result<usize, String> { Ok(self.0.len()) }
///     fn put(&mut self, value: u32) -> Result<(), String> {
///         if value % 2 == 1 { return Err(format!("{value} is odd")) }
///         self.0.push_back(value);
///         Ok(())
///     }
///     fn get(&mut self) -> Result<Option<u32>, String> { Ok(self.0.pop_front()) }
/// }
///
/// let q = CustomQueue::new(EvenOnly::default(), 0);
/// q.put(2).unwrap();
/// assert_eq!(q.put(3), Err(CustomPutError::Hook("3 is odd".to_owned())));
/// assert_eq!(q.unfinished_tasks(), 1, "the failed put is not a task");
/// assert_eq!(q.get(), Ok(2));
/// ```
pub struct CustomQueue<T, H> {
    core: LockedCore<H>,
    _values: std::marker::PhantomData<fn(T) -> T>,
}

impl<T, H: QueueHooks<T>> CustomQueue<T, H> {
    /// A queue over `hooks`, of at most `maxsize` items (0 = unbounded).
    #[track_caller]
    pub fn new(hooks: H, maxsize: usize) -> Self {
        Self::build(hooks, maxsize, Origin::site(Location::caller()))
    }

    /// A queue over `hooks` with a name for reports.
    #[track_caller]
    pub fn named(name: &str, hooks: H, maxsize: usize) -> Self {
        Self::build(hooks, maxsize, Origin::named(name, Location::caller()))
    }

    fn build(hooks: H, maxsize: usize, origin: Origin) -> Self {
        Self {
            core: LockedCore::with_hooks(hooks, maxsize, PrimitiveKind::Queue, origin),
            _values: std::marker::PhantomData,
        }
    }

    /// Puts `value`, blocking while the queue is full.
    ///
    /// # Errors
    ///
    /// [`CustomPutError::ShutDown`] (with the value) or [`CustomPutError::Hook`].
    pub fn put(&self, value: T) -> Result<(), CustomPutError<T, H::Error>> {
        self.put_until(value, Wait::Until(None))
    }

    /// Puts `value`, waiting at most `timeout` for room.
    ///
    /// # Errors
    ///
    /// [`CustomPutError::Timeout`], [`ShutDown`](CustomPutError::ShutDown) (with the
    /// value) or [`Hook`](CustomPutError::Hook).
    pub fn put_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), CustomPutError<T, H::Error>> {
        self.put_until(value, Wait::Until(crate::time::deadline_after(timeout)))
    }

    /// Puts `value`, waiting until `deadline` at the latest for room.
    ///
    /// # Errors
    ///
    /// As for [`put_timeout`](Self::put_timeout).
    pub fn put_deadline(
        &self,
        value: T,
        deadline: Instant,
    ) -> Result<(), CustomPutError<T, H::Error>> {
        self.put_until(value, Wait::Until(Some(deadline)))
    }

    /// Puts `value` if there is room right now.
    ///
    /// # Errors
    ///
    /// [`CustomPutError::Full`], [`ShutDown`](CustomPutError::ShutDown) (with the
    /// value) or [`Hook`](CustomPutError::Hook).
    pub fn try_put(&self, value: T) -> Result<(), CustomPutError<T, H::Error>> {
        self.put_until(value, Wait::Never)
    }

    fn put_until(&self, value: T, wait: Wait) -> Result<(), CustomPutError<T, H::Error>> {
        self.core
            .put_hooked(value, wait)
            .map_err(|failure| match failure {
                HookedFailure::Queue(PutFailure::Full(value)) => CustomPutError::Full(value),
                HookedFailure::Queue(PutFailure::Timeout(value)) => CustomPutError::Timeout(value),
                HookedFailure::Queue(PutFailure::ShutDown(value)) => {
                    CustomPutError::ShutDown(value)
                }
                HookedFailure::Hook(error) => CustomPutError::Hook(error),
            })
    }

    /// Takes the next item, blocking while the queue is empty.
    ///
    /// # Errors
    ///
    /// [`CustomGetError::ShutDown`] once shut down and empty, or
    /// [`CustomGetError::Hook`].
    pub fn get(&self) -> Result<T, CustomGetError<H::Error>> {
        self.get_until(Wait::Until(None))
    }

    /// Takes the next item, waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`CustomGetError::Timeout`], [`ShutDown`](CustomGetError::ShutDown) or
    /// [`Hook`](CustomGetError::Hook).
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, CustomGetError<H::Error>> {
        self.get_until(Wait::Until(crate::time::deadline_after(timeout)))
    }

    /// Takes the next item, waiting until `deadline` at the latest.
    ///
    /// # Errors
    ///
    /// As for [`get_timeout`](Self::get_timeout).
    pub fn get_deadline(&self, deadline: Instant) -> Result<T, CustomGetError<H::Error>> {
        self.get_until(Wait::Until(Some(deadline)))
    }

    /// Takes the next item if there is one right now.
    ///
    /// # Errors
    ///
    /// [`CustomGetError::Empty`], [`ShutDown`](CustomGetError::ShutDown) or
    /// [`Hook`](CustomGetError::Hook).
    pub fn try_get(&self) -> Result<T, CustomGetError<H::Error>> {
        self.get_until(Wait::Never)
    }

    fn get_until(&self, wait: Wait) -> Result<T, CustomGetError<H::Error>> {
        self.core.get_hooked(wait).map_err(|failure| match failure {
            HookedFailure::Queue(GetFailure::Empty) => CustomGetError::Empty,
            HookedFailure::Queue(GetFailure::Timeout) => CustomGetError::Timeout,
            HookedFailure::Queue(GetFailure::ShutDown) => CustomGetError::ShutDown,
            HookedFailure::Hook(error) => CustomGetError::Hook(error),
        })
    }

    /// The number of items (Python's `qsize`).
    ///
    /// # Errors
    ///
    /// If the `qsize` hook fails.
    pub fn qsize(&self) -> Result<usize, H::Error> {
        self.core.len_hooked()
    }

    /// Whether a put would wait (Python's `full`).
    ///
    /// # Errors
    ///
    /// If the `qsize` hook fails.
    pub fn is_full(&self) -> Result<bool, H::Error> {
        self.core.is_full_hooked()
    }

    /// The maximum number of items; 0 means unbounded.
    pub fn maxsize(&self) -> usize {
        self.core.maxsize()
    }

    /// Changes the maximum number of items; blocked putters re-check.
    ///
    /// # Errors
    ///
    /// Never for this queue; the result matches the other queues'.
    pub fn set_maxsize(&self, maxsize: usize) -> Result<(), MaxsizeError> {
        self.core.set_maxsize(maxsize)
    }

    /// Marks a task taken with `get` as done.
    ///
    /// # Errors
    ///
    /// [`TaskDoneError`] if called more times than items were put.
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.core.task_done()
    }

    /// Items put and not yet marked done.
    pub fn unfinished_tasks(&self) -> u64 {
        self.core.unfinished_tasks()
    }

    /// Blocks until every item put has been marked done.
    pub fn join(&self) {
        self.core.join(None);
    }

    /// Like [`join`](Self::join), for at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`JoinTimeoutError`] if tasks remain.
    pub fn join_timeout(&self, timeout: Duration) -> Result<(), JoinTimeoutError> {
        self.core
            .join(crate::time::deadline_after(timeout))
            .then_some(())
            .ok_or(JoinTimeoutError)
    }

    /// Shuts the queue down (Python 3.13's `shutdown`); with `immediate`, the items left
    /// are discarded (taken with the `get` hook) and counted as done.
    ///
    /// # Errors
    ///
    /// If a hook fails while discarding; the queue is shut down all the same.
    pub fn shutdown(&self, immediate: bool) -> Result<(), H::Error> {
        self.core.shutdown_hooked(immediate)
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    pub fn is_shutdown(&self) -> bool {
        self.core.is_shutdown()
    }

    /// The queue's name, if it was created with one.
    pub fn name(&self) -> Option<&'static str> {
        self.core.name()
    }
}

impl<T, H> fmt::Debug for CustomQueue<T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomQueue")
            .field("maxsize", &self.core.maxsize())
            .field("unfinished_tasks", &self.core.unfinished_tasks())
            .field("shutdown", &self.core.is_shutdown())
            .finish()
    }
}

impl<T, E> fmt::Debug for CustomPutError<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CustomPutError::Full(_) => f.write_str("Full(..)"),
            CustomPutError::Timeout(_) => f.write_str("Timeout(..)"),
            CustomPutError::ShutDown(_) => f.write_str("ShutDown(..)"),
            CustomPutError::Hook(_) => f.write_str("Hook(..)"),
        }
    }
}

impl<T, E: fmt::Display> fmt::Display for CustomPutError<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CustomPutError::Full(_) => f.write_str("queue is full"),
            CustomPutError::Timeout(_) => f.write_str("timed out waiting on a full queue"),
            CustomPutError::ShutDown(_) => f.write_str("queue is shut down"),
            CustomPutError::Hook(error) => write!(f, "queue storage failed: {error}"),
        }
    }
}

impl<E: fmt::Display> fmt::Display for CustomGetError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CustomGetError::Empty => f.write_str("queue is empty"),
            CustomGetError::Timeout => f.write_str("timed out waiting on an empty queue"),
            CustomGetError::ShutDown => f.write_str("queue is shut down"),
            CustomGetError::Hook(error) => write!(f, "queue storage failed: {error}"),
        }
    }
}

impl<T, E: fmt::Debug + fmt::Display> std::error::Error for CustomPutError<T, E> {}
impl<E: fmt::Debug + fmt::Display> std::error::Error for CustomGetError<E> {}
