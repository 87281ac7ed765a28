//! [`QueueHooks`]: the storage of a queue whose order is the user's — Python's
//! `Queue._qsize`, `_put` and `_get`, which a subclass may override and which may
//! fail.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::convert::Infallible;

/// The storage operations of a [`CustomQueue`](super::CustomQueue): Python's
/// `_qsize`, `_put` and `_get` hooks.
///
/// The queue calls them with its internal lock held, one at a time, so they need no
/// synchronization of their own; they must not call back into the same queue. A hook
/// that fails leaves the queue as it was: a failed `put` did not add the item, a failed
/// `get` did not remove one (CPython's `FailingQueueTest` checks exactly this), and the
/// error reaches the caller of the queue operation.
///
/// Implemented for `VecDeque<T>` (first in, first out), `Vec<T>` (last in, first out)
/// and `BinaryHeap<Reverse<T>>` (smallest first), which never fail.
pub trait QueueHooks<T> {
    /// What a failing hook reports (a Python exception, say).
    type Error;

    /// The number of items (Python's `_qsize`).
    ///
    /// # Errors
    ///
    /// Whatever the storage reports.
    fn qsize(&mut self) -> Result<usize, Self::Error>;

    /// Adds an item (Python's `_put`); on error the item is not in the queue.
    ///
    /// # Errors
    ///
    /// Whatever the storage reports.
    fn put(&mut self, value: T) -> Result<(), Self::Error>;

    /// Removes the next item (Python's `_get`), `None` if there is none. The queue
    /// calls it only after `qsize` reported items. On error the queue is unchanged.
    ///
    /// # Errors
    ///
    /// Whatever the storage reports.
    fn get(&mut self) -> Result<Option<T>, Self::Error>;
}

/// First in, first out.
impl<T> QueueHooks<T> for VecDeque<T> {
    type Error = Infallible;

    fn qsize(&mut self) -> Result<usize, Infallible> {
        Ok(self.len())
    }

    fn put(&mut self, value: T) -> Result<(), Infallible> {
        self.push_back(value);
        Ok(())
    }

    fn get(&mut self) -> Result<Option<T>, Infallible> {
        Ok(self.pop_front())
    }
}

/// Last in, first out.
impl<T> QueueHooks<T> for Vec<T> {
    type Error = Infallible;

    fn qsize(&mut self) -> Result<usize, Infallible> {
        Ok(self.len())
    }

    fn put(&mut self, value: T) -> Result<(), Infallible> {
        self.push(value);
        Ok(())
    }

    fn get(&mut self) -> Result<Option<T>, Infallible> {
        Ok(self.pop())
    }
}

/// Smallest first (a min-heap, like Python's `heapq`).
impl<T: Ord> QueueHooks<T> for BinaryHeap<Reverse<T>> {
    type Error = Infallible;

    fn qsize(&mut self) -> Result<usize, Infallible> {
        Ok(self.len())
    }

    fn put(&mut self, value: T) -> Result<(), Infallible> {
        self.push(Reverse(value));
        Ok(())
    }

    fn get(&mut self) -> Result<Option<T>, Infallible> {
        Ok(self.pop().map(|Reverse(value)| value))
    }
}
