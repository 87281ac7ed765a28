//! [`Queue`]: Python's `queue.Queue`, first in, first out.

use std::fmt;
use std::panic::Location;

use super::api::queue_api;
use super::core::Core;
use super::storage::Fifo;
use crate::diagnostics::PrimitiveKind;
use crate::origin::Origin;

/// A first-in, first-out queue: Python's `queue.Queue`.
///
/// Threads [`put`](Self::put) items and [`get`](Self::get) them in order; a bounded
/// queue (`maxsize` > 0) makes `put` wait while it is full, and `get` waits while it
/// is empty. [`task_done`](Self::task_done) and [`join`](Self::join) let a producer wait
/// until every item has been processed; [`shutdown`](Self::shutdown) ends it all
/// cleanly (Python 3.13).
///
/// Lock-free: a bounded queue stores items in an array ring, an unbounded one in a
/// list of blocks (the algorithms of crossbeam's channels); blocked threads park on
/// the queue and are woken one per item.
///
/// **Nothing is lost:** an item that could not be put (full, timed out, shut down) comes
/// back inside the error (`into_inner`).
///
/// # Differences from Python's queue
///
/// * `put(item, block, timeout)` / `get(block, timeout)` are spelled `put`, `try_put`,
///   `put_timeout`, `put_deadline` (and the same for `get`); errors are values.
/// * A queue created bounded has storage for exactly `maxsize` items: `set_maxsize` can
///   shrink it and grow it back up to that, not beyond. Create the queue with
///   [`unbounded`](Self::unbounded) and then `set_maxsize` to change the bound freely
///   (what the Python package does).
/// * A put that races with `shutdown(false)` (called while the put is in flight) may
///   succeed after the getters have seen the queue shut down and empty; its item then
///   stays in the queue, where a later `get` finds it — nothing is dropped. Shut the queue
///   down once the producers are done if every item must reach a consumer. (A put
///   racing `shutdown(true)` is discarded and counted as done, as Python does.)
/// * Positions are counted in machine words: on 32-bit targets a FIFO queue supports
///   2³¹ puts over its lifetime.
///
/// # Memory ordering
///
/// Everything a thread did before putting an item happens-before what the thread that
/// gets it does after.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use threadkit::Queue;
///
/// let jobs = Arc::new(Queue::new(10));
/// let worker = {
///     let jobs = Arc::clone(&jobs);
///     std::thread::spawn(move || {
///         let mut total = 0;
///         for job in jobs.iter() {      // until shut down and drained
///             total += job;
///             jobs.task_done().unwrap();
///         }
///         total
///     })
/// };
/// for n in 1..=4 {
///     jobs.put(n).unwrap();
/// }
/// jobs.join();                          // every job done
/// jobs.shutdown(false);
/// assert_eq!(worker.join().unwrap(), 10);
/// assert_eq!(jobs.put(5).unwrap_err().into_inner(), 5); // handed back
/// ```
pub struct Queue<T> {
    core: Core<T, Fifo<T>>,
}

impl<T> Queue<T> {
    /// A queue of at most `maxsize` items; 0 means unbounded.
    #[track_caller]
    #[must_use]
    pub fn new(maxsize: usize) -> Self {
        Self::build(Fifo::new(maxsize), Origin::site(Location::caller()))
    }

    /// An unbounded queue, whose maxsize can later be set and changed freely.
    #[track_caller]
    #[must_use]
    pub fn unbounded() -> Self {
        Self::build(Fifo::growable(0), Origin::site(Location::caller()))
    }

    /// A queue of at most `maxsize` items (0: unbounded), with a name for reports.
    #[track_caller]
    #[must_use]
    pub fn named(name: &str, maxsize: usize) -> Self {
        Self::build(Fifo::new(maxsize), Origin::named(name, Location::caller()))
    }

    fn build(storage: Fifo<T>, origin: Origin) -> Self {
        Self {
            core: Core::new(storage, PrimitiveKind::Queue, origin),
        }
    }

    queue_api!();
}

impl<T> Default for Queue<T> {
    #[track_caller]
    fn default() -> Self {
        Self::unbounded()
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("qsize", &self.qsize())
            .field("maxsize", &self.maxsize())
            .field("unfinished_tasks", &self.unfinished_tasks())
            .field("shutdown", &self.is_shutdown())
            .finish()
    }
}

impl<'a, T: Send> IntoIterator for &'a Queue<T> {
    type Item = T;
    type IntoIter = super::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
