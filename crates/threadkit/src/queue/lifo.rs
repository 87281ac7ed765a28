//! [`LifoQueue`]: Python's `queue.LifoQueue`, last in, first out.

use std::fmt;
use std::panic::Location;

use super::api::queue_api;
use super::locked_core::LockedCore;
use crate::diagnostics::PrimitiveKind;
use crate::origin::Origin;

/// A last-in, first-out queue (a stack): Python's `queue.LifoQueue`.
///
/// The same API and semantics as [`Queue`](crate::Queue) — bounded or not, blocking
/// put and get, `task_done`/`join`, `shutdown` — except that `get` returns the most
/// recently put item. Items live in a vector under an internal lock, with
/// condition-variable waiting (the structure of Python's `queue.Queue`).
///
/// # Memory ordering
///
/// As for [`Queue`](crate::Queue).
///
/// # Examples
///
/// ```
/// use threadkit::LifoQueue;
///
/// let stack = LifoQueue::new(0);
/// for page in ["home", "search", "result"] {
///     stack.put(page).unwrap();
/// }
/// assert_eq!(stack.get().unwrap(), "result");
/// assert_eq!(stack.get().unwrap(), "search");
/// assert_eq!(stack.qsize(), 1);
/// ```
pub struct LifoQueue<T> {
    core: LockedCore<Vec<T>>,
}

impl<T> LifoQueue<T> {
    /// A stack of at most `maxsize` items; 0 means unbounded.
    #[track_caller]
    #[must_use]
    pub fn new(maxsize: usize) -> Self {
        Self::build(maxsize, Origin::site(Location::caller()))
    }

    /// A stack of at most `maxsize` items (0: unbounded), with a name for reports.
    #[track_caller]
    #[must_use]
    pub fn named(name: &str, maxsize: usize) -> Self {
        Self::build(maxsize, Origin::named(name, Location::caller()))
    }

    fn build(maxsize: usize, origin: Origin) -> Self {
        Self {
            core: LockedCore::new(maxsize, PrimitiveKind::LifoQueue, origin),
        }
    }

    queue_api!();
}

impl<T> Default for LifoQueue<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new(0)
    }
}

impl<T> fmt::Debug for LifoQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LifoQueue")
            .field("qsize", &self.qsize())
            .field("maxsize", &self.maxsize())
            .field("shutdown", &self.is_shutdown())
            .finish()
    }
}

impl<'a, T: Send> IntoIterator for &'a LifoQueue<T> {
    type Item = T;
    type IntoIter = super::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
