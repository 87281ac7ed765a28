//! [`PriorityQueue`]: Python's `queue.PriorityQueue`, smallest first.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::panic::Location;

use super::api::queue_api;
use super::locked_core::LockedCore;
use crate::diagnostics::PrimitiveKind;
use crate::origin::Origin;

/// A queue that hands out the smallest item first: Python's `queue.PriorityQueue`.
///
/// The same API and semantics as [`Queue`](crate::Queue), except that `get` returns the
/// smallest item (by `Ord`, like Python's `heapq`); items that compare equal come out
/// in no promised order. Put `(priority, job)` tuples to order jobs by priority. Items
/// live in a binary heap under an internal lock.
///
/// # Memory ordering
///
/// As for [`Queue`](crate::Queue).
///
/// # Examples
///
/// ```
/// use threadkit::PriorityQueue;
///
/// let jobs = PriorityQueue::new(0);
/// jobs.put((3, "write report")).unwrap();
/// jobs.put((1, "fix outage")).unwrap();
/// jobs.put((2, "review code")).unwrap();
/// assert_eq!(jobs.get().unwrap(), (1, "fix outage"));
/// assert_eq!(jobs.get().unwrap(), (2, "review code"));
/// ```
pub struct PriorityQueue<T: Ord> {
    core: LockedCore<BinaryHeap<Reverse<T>>>,
}

impl<T: Ord> PriorityQueue<T> {
    /// A priority queue of at most `maxsize` items; 0 means unbounded.
    #[track_caller]
    #[must_use]
    pub fn new(maxsize: usize) -> Self {
        Self::build(maxsize, Origin::site(Location::caller()))
    }

    /// A priority queue of at most `maxsize` items (0: unbounded), with a name for
    /// reports.
    #[track_caller]
    #[must_use]
    pub fn named(name: &str, maxsize: usize) -> Self {
        Self::build(maxsize, Origin::named(name, Location::caller()))
    }

    fn build(maxsize: usize, origin: Origin) -> Self {
        Self {
            core: LockedCore::new(maxsize, PrimitiveKind::PriorityQueue, origin),
        }
    }

    queue_api!();
}

impl<T: Ord> Default for PriorityQueue<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new(0)
    }
}

impl<T: Ord> fmt::Debug for PriorityQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PriorityQueue")
            .field("qsize", &self.qsize())
            .field("maxsize", &self.maxsize())
            .field("shutdown", &self.is_shutdown())
            .finish()
    }
}

impl<'a, T: Ord + Send> IntoIterator for &'a PriorityQueue<T> {
    type Item = T;
    type IntoIter = super::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
