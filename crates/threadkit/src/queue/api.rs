//! The method set `Queue`, `LifoQueue` and `PriorityQueue` share (Python's `queue.Queue`
//! API), written once as a macro over each type's `core` field, and the blocking
//! iterator.

use std::fmt;

use super::core::{Core, Wait};
use super::hooks::QueueHooks;
use super::locked_core::LockedCore;
use super::storage::Storage;
use std::convert::Infallible;

/// Generates the shared methods inside an `impl<T> …Queue<T>` block.
macro_rules! queue_api {
    () => {
        /// Puts `value`, blocking while the queue is full.
        ///
        /// # Errors
        ///
        /// [`PutError`](crate::queue::PutError), with the value, if the queue is or
        /// becomes shut down.
        #[inline]
        pub fn put(&self, value: T) -> Result<(), $crate::queue::PutError<T>> {
            self.core
                .put(value, $crate::queue::core::Wait::Until(None))
                .map_err(|failure| match failure {
                    $crate::queue::core::PutFailure::Full(value)
                    | $crate::queue::core::PutFailure::Timeout(value)
                    | $crate::queue::core::PutFailure::ShutDown(value) => {
                        $crate::queue::PutError(value)
                    }
                })
        }

        /// Puts `value`, waiting at most `timeout` for room.
        ///
        /// # Errors
        ///
        /// [`PutTimeoutError`](crate::queue::PutTimeoutError), with the value, if the
        /// queue stayed full or was shut down.
        #[inline]
        pub fn put_timeout(
            &self,
            value: T,
            timeout: std::time::Duration,
        ) -> Result<(), $crate::queue::PutTimeoutError<T>> {
            self.put_until(value, $crate::time::deadline_after(timeout))
        }

        /// Puts `value`, waiting until `deadline` at the latest for room.
        ///
        /// # Errors
        ///
        /// As for [`put_timeout`](Self::put_timeout).
        #[inline]
        pub fn put_deadline(
            &self,
            value: T,
            deadline: std::time::Instant,
        ) -> Result<(), $crate::queue::PutTimeoutError<T>> {
            self.put_until(value, Some(deadline))
        }

        fn put_until(
            &self,
            value: T,
            deadline: Option<std::time::Instant>,
        ) -> Result<(), $crate::queue::PutTimeoutError<T>> {
            self.core
                .put(value, $crate::queue::core::Wait::Until(deadline))
                .map_err(|failure| match failure {
                    $crate::queue::core::PutFailure::Full(value)
                    | $crate::queue::core::PutFailure::Timeout(value) => {
                        $crate::queue::PutTimeoutError::Timeout(value)
                    }
                    $crate::queue::core::PutFailure::ShutDown(value) => {
                        $crate::queue::PutTimeoutError::ShutDown(value)
                    }
                })
        }

        /// Puts `value` if there is room right now (Python's `put_nowait`).
        ///
        /// # Errors
        ///
        /// [`TryPutError`](crate::queue::TryPutError), with the value, if the queue is
        /// full or shut down.
        #[inline]
        pub fn try_put(&self, value: T) -> Result<(), $crate::queue::TryPutError<T>> {
            self.core
                .put(value, $crate::queue::core::Wait::Never)
                .map_err(|failure| match failure {
                    $crate::queue::core::PutFailure::Full(value)
                    | $crate::queue::core::PutFailure::Timeout(value) => {
                        $crate::queue::TryPutError::Full(value)
                    }
                    $crate::queue::core::PutFailure::ShutDown(value) => {
                        $crate::queue::TryPutError::ShutDown(value)
                    }
                })
        }

        /// Takes the next item, blocking while the queue is empty.
        ///
        /// # Errors
        ///
        /// [`GetError`](crate::queue::GetError) once the queue is shut down and empty.
        #[inline]
        pub fn get(&self) -> Result<T, $crate::queue::GetError> {
            self.core
                .get($crate::queue::core::Wait::Until(None))
                .map_err(|_| $crate::queue::GetError)
        }

        /// Takes the next item, waiting at most `timeout` for one.
        ///
        /// # Errors
        ///
        /// [`GetTimeoutError`](crate::queue::GetTimeoutError) if the queue stayed empty,
        /// or is shut down and empty.
        #[inline]
        pub fn get_timeout(
            &self,
            timeout: std::time::Duration,
        ) -> Result<T, $crate::queue::GetTimeoutError> {
            self.get_until($crate::time::deadline_after(timeout))
        }

        /// Takes the next item, waiting until `deadline` at the latest.
        ///
        /// # Errors
        ///
        /// As for [`get_timeout`](Self::get_timeout).
        #[inline]
        pub fn get_deadline(
            &self,
            deadline: std::time::Instant,
        ) -> Result<T, $crate::queue::GetTimeoutError> {
            self.get_until(Some(deadline))
        }

        fn get_until(
            &self,
            deadline: Option<std::time::Instant>,
        ) -> Result<T, $crate::queue::GetTimeoutError> {
            self.core
                .get($crate::queue::core::Wait::Until(deadline))
                .map_err(|failure| match failure {
                    $crate::queue::core::GetFailure::ShutDown => {
                        $crate::queue::GetTimeoutError::ShutDown
                    }
                    $crate::queue::core::GetFailure::Empty
                    | $crate::queue::core::GetFailure::Timeout => {
                        $crate::queue::GetTimeoutError::Timeout
                    }
                })
        }

        /// Takes the next item if there is one right now (Python's `get_nowait`).
        ///
        /// # Errors
        ///
        /// [`TryGetError`](crate::queue::TryGetError) if the queue is empty, or shut
        /// down and empty.
        #[inline]
        pub fn try_get(&self) -> Result<T, $crate::queue::TryGetError> {
            self.core
                .get($crate::queue::core::Wait::Never)
                .map_err(|failure| match failure {
                    $crate::queue::core::GetFailure::ShutDown => {
                        $crate::queue::TryGetError::ShutDown
                    }
                    $crate::queue::core::GetFailure::Empty
                    | $crate::queue::core::GetFailure::Timeout => $crate::queue::TryGetError::Empty,
                })
        }

        /// The number of items (Python's `qsize`). A momentary snapshot.
        pub fn qsize(&self) -> usize {
            self.core.len()
        }

        /// Whether the queue is empty. A momentary snapshot.
        pub fn is_empty(&self) -> bool {
            self.core.len() == 0
        }

        /// Whether the queue is full (a put would wait). A momentary snapshot.
        pub fn is_full(&self) -> bool {
            self.core.is_full()
        }

        /// The maximum number of items; 0 means unbounded.
        pub fn maxsize(&self) -> usize {
            self.core.maxsize()
        }

        /// Changes the maximum number of items (0 = unbounded) on a live queue, as
        /// Python allows; blocked putters re-check at once.
        ///
        /// # Errors
        ///
        /// [`MaxsizeError`](crate::queue::MaxsizeError) for a FIFO queue created
        /// bounded, beyond the capacity it was created with (create it unbounded to
        /// change its maxsize freely).
        pub fn set_maxsize(&self, maxsize: usize) -> Result<(), $crate::queue::MaxsizeError> {
            self.core.set_maxsize(maxsize)
        }

        /// Marks a task taken with `get` as done (Python's `task_done`); when every
        /// put item is done, `join` returns.
        ///
        /// # Errors
        ///
        /// [`TaskDoneError`](crate::queue::TaskDoneError) if called more times than
        /// items were put; the count is unchanged.
        pub fn task_done(&self) -> Result<(), $crate::queue::TaskDoneError> {
            self.core.task_done()
        }

        /// Items put and not yet marked done with `task_done`.
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
        /// [`JoinTimeoutError`](crate::queue::JoinTimeoutError) if tasks remain.
        pub fn join_timeout(
            &self,
            timeout: std::time::Duration,
        ) -> Result<(), $crate::queue::JoinTimeoutError> {
            if self.core.join($crate::time::deadline_after(timeout)) {
                Ok(())
            } else {
                Err($crate::queue::JoinTimeoutError)
            }
        }

        /// Like [`join`](Self::join), until `deadline` at the latest.
        ///
        /// # Errors
        ///
        /// [`JoinTimeoutError`](crate::queue::JoinTimeoutError) if tasks remain.
        pub fn join_deadline(
            &self,
            deadline: std::time::Instant,
        ) -> Result<(), $crate::queue::JoinTimeoutError> {
            if self.core.join(Some(deadline)) {
                Ok(())
            } else {
                Err($crate::queue::JoinTimeoutError)
            }
        }

        /// Shuts the queue down (Python 3.13's `shutdown`): puts fail from now on;
        /// gets drain what is left, then fail. With `immediate`, what is left is
        /// discarded instead (and counted as done for `join`). Every blocked put, get
        /// and join wakes up.
        pub fn shutdown(&self, immediate: bool) {
            self.core.shutdown(immediate);
        }

        /// Whether [`shutdown`](Self::shutdown) was called.
        pub fn is_shutdown(&self) -> bool {
            self.core.is_shutdown()
        }

        /// An iterator that takes items with a blocking `get` until the queue is shut
        /// down and drained.
        pub fn iter(&self) -> $crate::queue::Iter<'_, T>
        where
            T: Send,
        {
            $crate::queue::Iter::new(&self.core)
        }

        /// The queue's name, if it was created with one.
        pub fn name(&self) -> Option<&'static str> {
            self.core.name()
        }
    };
}
pub(crate) use queue_api;

/// A queue the iterator can take from.
pub(crate) trait BlockingGet<T>: Sync {
    fn blocking_get(&self) -> Option<T>;
}

impl<T: Send, S: Storage<T> + Sync> BlockingGet<T> for Core<T, S> {
    fn blocking_get(&self) -> Option<T> {
        // A blocking get only fails once the queue is shut down and drained.
        self.get(Wait::Until(None)).ok()
    }
}

impl<T: Send, H: QueueHooks<T, Error = Infallible> + Send> BlockingGet<T> for LockedCore<H> {
    fn blocking_get(&self) -> Option<T> {
        // A blocking get only fails once the queue is shut down and drained.
        self.get(Wait::Until(None)).ok()
    }
}

/// Takes items from a queue with a blocking `get` until it is shut down and drained
/// (see `Queue::iter`).
pub struct Iter<'a, T> {
    queue: &'a dyn BlockingGet<T>,
}

impl<'a, T> Iter<'a, T> {
    pub(crate) fn new(queue: &'a dyn BlockingGet<T>) -> Self {
        Self { queue }
    }
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.blocking_get()
    }
}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}
