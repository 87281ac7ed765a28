//! [`SimpleQueue`]: Python's `queue.SimpleQueue`.

use std::fmt;
use std::panic::Location;
use std::time::{Duration, Instant};

use super::core::{Core, Wait};
use super::storage::Fifo;
use crate::diagnostics::PrimitiveKind;
use crate::origin::Origin;

/// An unbounded first-in, first-out queue without task tracking: Python's
/// `queue.SimpleQueue`.
///
/// `put` never blocks and never fails, and takes no lock (the storage is a lock-free
/// list of blocks), so it is safe from any context — including a destructor that runs
/// during another `put` or `get`, the case Python's SimpleQueue exists for. `get`
/// blocks while the queue is empty.
///
/// # Differences from Python's queue
///
/// * `get` returns the item; `try_get` and `get_timeout` return `None` where Python
///   raises `queue.Empty`.
///
/// # Memory ordering
///
/// As for [`Queue`](crate::Queue).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use threadkit::SimpleQueue;
///
/// let results = Arc::new(SimpleQueue::new());
/// let workers: Vec<_> = (0..3)
///     .map(|id| {
///         let results = Arc::clone(&results);
///         std::thread::spawn(move || results.put(id * 10))
///     })
///     .collect();
/// for worker in workers {
///     worker.join().unwrap();
/// }
/// let mut got: Vec<i32> = (0..3).map(|_| results.get()).collect();
/// got.sort();
/// assert_eq!(got, [0, 10, 20]);
/// assert_eq!(results.try_get(), None);
/// ```
pub struct SimpleQueue<T> {
    core: Core<T, Fifo<T>>,
}

impl<T> SimpleQueue<T> {
    /// An empty queue.
    #[track_caller]
    #[must_use]
    pub fn new() -> Self {
        Self::build(Origin::site(Location::caller()))
    }

    /// An empty queue with a name for reports.
    #[track_caller]
    #[must_use]
    pub fn named(name: &str) -> Self {
        Self::build(Origin::named(name, Location::caller()))
    }

    fn build(origin: Origin) -> Self {
        Self {
            core: Core::new(Fifo::new(0), PrimitiveKind::SimpleQueue, origin),
        }
    }

    /// Puts `value`. Never blocks, never fails.
    #[inline]
    pub fn put(&self, value: T) {
        self.core.put_unbounded(value);
    }

    /// Takes the next item, blocking while the queue is empty.
    #[inline]
    pub fn get(&self) -> T {
        loop {
            // A SimpleQueue is never shut down, so only an item ends the wait.
            if let Ok(value) = self.core.get(Wait::Until(None)) {
                return value;
            }
        }
    }

    /// Takes the next item, waiting at most `timeout`; `None` if none came.
    #[inline]
    pub fn get_timeout(&self, timeout: Duration) -> Option<T> {
        self.core
            .get(Wait::Until(crate::time::deadline_after(timeout)))
            .ok()
    }

    /// Takes the next item, waiting until `deadline` at the latest.
    #[inline]
    pub fn get_deadline(&self, deadline: Instant) -> Option<T> {
        self.core.get(Wait::Until(Some(deadline))).ok()
    }

    /// Takes the next item if there is one right now (Python's `get_nowait`).
    #[inline]
    pub fn try_get(&self) -> Option<T> {
        self.core.get(Wait::Never).ok()
    }

    /// The number of items (Python's `qsize`). A momentary snapshot.
    pub fn qsize(&self) -> usize {
        self.core.len()
    }

    /// Whether the queue is empty. A momentary snapshot.
    pub fn is_empty(&self) -> bool {
        self.core.len() == 0
    }

    /// The queue's name, if it was created with one.
    pub fn name(&self) -> Option<&'static str> {
        self.core.name()
    }
}

impl<T> Default for SimpleQueue<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for SimpleQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleQueue")
            .field("qsize", &self.qsize())
            .finish()
    }
}
