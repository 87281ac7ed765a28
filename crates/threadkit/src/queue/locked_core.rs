//! The blocking layer of the queues whose order needs a lock (LIFO, priority): the
//! container, the task count and the shutdown flag under one internal lock, and three
//! wait queues used as condition variables — the structure of Python's `queue.Queue`,
//! over threadkit's lock and wait queues. The same methods as the lock-free
//! [`Core`](super::core::Core), so the fronts share one API.

use std::time::Instant;

use super::core::{GetFailure, PutFailure, Wait};
use super::error::{MaxsizeError, TaskDoneError};
use super::storage::Container;
use crate::diagnostics::{self, Blocking, Object, PrimitiveKind};
use crate::internal_lock::{InternalGuard, InternalLock};
use crate::origin::Origin;
use crate::primitive::{AtomicUsize, Ordering};
use crate::wait_queue::{WaitOutcome, WaitQueue};

struct State<C> {
    items: C,
    maxsize: usize,
    unfinished: u64,
    shutdown: bool,
}

/// A container under a lock, with condition-variable waiting.
pub(crate) struct LockedCore<C> {
    state: InternalLock<State<C>>,
    /// Mirror of the container's length, so `qsize` does not take the lock.
    len: AtomicUsize,
    not_empty: WaitQueue,
    not_full: WaitQueue,
    all_done: WaitQueue,
    kind: PrimitiveKind,
    origin: Origin,
}

impl<C: Default> LockedCore<C> {
    /// An empty queue of at most `maxsize` items (0 = unbounded).
    pub(crate) fn new(maxsize: usize, kind: PrimitiveKind, origin: Origin) -> Self {
        Self {
            state: InternalLock::new(
                State {
                    items: C::default(),
                    maxsize,
                    unfinished: 0,
                    shutdown: false,
                },
                kind,
                origin,
            ),
            len: AtomicUsize::new(0),
            not_empty: WaitQueue::new(),
            not_full: WaitQueue::new(),
            all_done: WaitQueue::new(),
            kind,
            origin,
        }
    }

    /// Puts `value`, waiting for room as `wait` allows.
    #[inline]
    pub(crate) fn put<T>(&self, value: T, wait: Wait) -> Result<(), PutFailure<T>>
    where
        C: Container<T>,
    {
        let mut state = self.state.lock();
        loop {
            if state.shutdown {
                return Err(PutFailure::ShutDown(value));
            }
            if state.maxsize == 0 || state.items.count() < state.maxsize {
                state.items.put(value);
                state.unfinished += 1;
                self.len.store(state.items.count(), Ordering::Relaxed);
                drop(state);
                self.not_empty.notify(1);
                return Ok(());
            }
            let Wait::Until(deadline) = wait else {
                return Err(PutFailure::Full(value));
            };
            if crate::time::expired(deadline) {
                return Err(PutFailure::Timeout(value));
            }
            state = self.sleep(&self.not_full, state, deadline);
        }
    }

    /// Takes the next item, waiting for one as `wait` allows.
    #[inline]
    pub(crate) fn get<T>(&self, wait: Wait) -> Result<T, GetFailure>
    where
        C: Container<T>,
    {
        let mut state = self.state.lock();
        loop {
            if let Some(value) = state.items.take() {
                self.len.store(state.items.count(), Ordering::Relaxed);
                drop(state);
                self.not_full.notify(1);
                return Ok(value);
            }
            if state.shutdown {
                return Err(GetFailure::ShutDown);
            }
            let Wait::Until(deadline) = wait else {
                return Err(GetFailure::Empty);
            };
            if crate::time::expired(deadline) {
                return Err(GetFailure::Timeout);
            }
            state = self.sleep(&self.not_empty, state, deadline);
        }
    }

    /// The number of items.
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// Whether a put would have to wait.
    pub(crate) fn is_full(&self) -> bool {
        let state = self.state.lock();
        state.maxsize != 0 && self.len() >= state.maxsize
    }

    /// The maximum number of items (0 = unbounded).
    pub(crate) fn maxsize(&self) -> usize {
        self.state.lock().maxsize
    }

    /// Changes the maximum number of items; blocked putters re-check.
    pub(crate) fn set_maxsize(&self, maxsize: usize) -> Result<(), MaxsizeError> {
        self.state.lock().maxsize = maxsize;
        self.not_full.notify_all();
        Ok(())
    }

    /// Marks one task done.
    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut state = self.state.lock();
        if state.unfinished == 0 {
            return Err(TaskDoneError);
        }
        state.unfinished -= 1;
        if state.unfinished == 0 {
            drop(state);
            self.all_done.notify_all();
        }
        Ok(())
    }

    /// Items put and not yet marked done.
    pub(crate) fn unfinished_tasks(&self) -> u64 {
        self.state.lock().unfinished
    }

    /// Waits until every task is done or `deadline` passes; true if all were done.
    pub(crate) fn join(&self, deadline: Option<Instant>) -> bool {
        let mut state = self.state.lock();
        while state.unfinished > 0 {
            if crate::time::expired(deadline) {
                return false;
            }
            state = self.sleep(&self.all_done, state, deadline);
        }
        true
    }

    /// Shuts the queue down (Python 3.13's `Queue.shutdown`).
    pub(crate) fn shutdown<T>(&self, immediate: bool)
    where
        C: Container<T>,
    {
        let mut state = self.state.lock();
        state.shutdown = true;
        let mut discarded = C::default();
        if immediate {
            // Take the items out under the lock, drop them after it.
            std::mem::swap(&mut state.items, &mut discarded);
            let count = discarded.count() as u64;
            state.unfinished = state.unfinished.saturating_sub(count);
            self.len.store(0, Ordering::Relaxed);
        }
        drop(state);
        drop(discarded);
        self.all_done.notify_all();
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }

    /// Whether `shutdown` was called.
    pub(crate) fn is_shutdown(&self) -> bool {
        self.state.lock().shutdown
    }

    /// The queue as diagnostics name it.
    pub(crate) fn object(&self) -> Object {
        Object {
            kind: self.kind,
            key: self.not_empty.key(),
            origin: self.origin,
        }
    }

    /// The queue's name, if it was created with one.
    pub(crate) fn name(&self) -> Option<&'static str> {
        self.origin.name()
    }

    /// Releases the lock, waits on `queue` until notified or `deadline`, re-locks.
    fn sleep<'a>(
        &'a self,
        queue: &WaitQueue,
        guard: InternalGuard<'a, State<C>>,
        deadline: Option<Instant>,
    ) -> InternalGuard<'a, State<C>> {
        let _scope = diagnostics::block(|| self.object(), Blocking::Signal, deadline);
        let outcome = queue.wait(
            move || {
                drop(guard);
                true
            },
            deadline,
        );
        debug_assert_ne!(outcome, WaitOutcome::Declined);
        self.state.lock()
    }
}
