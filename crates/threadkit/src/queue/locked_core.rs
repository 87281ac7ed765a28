//! The blocking layer of the queues whose order needs a lock (LIFO, priority, and
//! [`CustomQueue`](super::CustomQueue)): the storage hooks, the task count and the
//! shutdown flag under one internal lock, and three wait queues used as condition
//! variables — the structure of Python's `queue.Queue`, over threadkit's lock and wait
//! queues.
//!
//! The storage is a [`QueueHooks`] implementation, whose operations may fail; a failure
//! leaves the queue unchanged and reaches the caller. For the infallible containers
//! (LIFO, priority) the `*_hooked` methods' hook errors are `Infallible`, and thin
//! wrappers give the same methods as the lock-free [`Core`](super::core::Core), so the
//! fronts share one API.

use std::convert::Infallible;
use std::time::Instant;

use super::core::{GetFailure, PutFailure, Wait};
use super::error::{MaxsizeError, TaskDoneError};
use super::hooks::QueueHooks;
use crate::diagnostics::{self, Blocking, Object, PrimitiveKind};
use crate::internal_lock::{InternalGuard, InternalLock};
use crate::origin::Origin;
use crate::wait_queue::WaitQueue;

struct State<H> {
    hooks: H,
    maxsize: usize,
    unfinished: u64,
    shutdown: bool,
}

/// Why a hooked operation failed: the queue's own reasons, or a hook's error.
pub(crate) enum HookedFailure<F, E> {
    Queue(F),
    Hook(E),
}

/// Storage hooks under a lock, with condition-variable waiting.
pub(crate) struct LockedCore<H> {
    state: InternalLock<State<H>>,
    not_empty: WaitQueue,
    not_full: WaitQueue,
    all_done: WaitQueue,
    kind: PrimitiveKind,
    origin: Origin,
}

impl<H> LockedCore<H> {
    /// An empty queue over `hooks`, of at most `maxsize` items (0 = unbounded).
    pub(crate) fn with_hooks(
        hooks: H,
        maxsize: usize,
        kind: PrimitiveKind,
        origin: Origin,
    ) -> Self {
        Self {
            state: InternalLock::new(
                State {
                    hooks,
                    maxsize,
                    unfinished: 0,
                    shutdown: false,
                },
                kind,
                origin,
            ),
            not_empty: WaitQueue::new(),
            not_full: WaitQueue::new(),
            all_done: WaitQueue::new(),
            kind,
            origin,
        }
    }

    /// An empty queue over default hooks (a new container).
    pub(crate) fn new(maxsize: usize, kind: PrimitiveKind, origin: Origin) -> Self
    where
        H: Default,
    {
        Self::with_hooks(H::default(), maxsize, kind, origin)
    }

    /// Puts `value`, waiting for room as `wait` allows (Python's `Queue.put`).
    pub(crate) fn put_hooked<T>(
        &self,
        value: T,
        wait: Wait,
    ) -> Result<(), HookedFailure<PutFailure<T>, H::Error>>
    where
        H: QueueHooks<T>,
    {
        let mut state = self.state.lock();
        loop {
            if state.shutdown {
                return Err(HookedFailure::Queue(PutFailure::ShutDown(value)));
            }
            let room = state.maxsize == 0
                || state.hooks.qsize().map_err(HookedFailure::Hook)? < state.maxsize;
            if room {
                state.hooks.put(value).map_err(HookedFailure::Hook)?;
                state.unfinished += 1;
                drop(state);
                self.not_empty.notify(1);
                return Ok(());
            }
            let Wait::Until(deadline) = wait else {
                return Err(HookedFailure::Queue(PutFailure::Full(value)));
            };
            if crate::time::expired(deadline) {
                return Err(HookedFailure::Queue(PutFailure::Timeout(value)));
            }
            state = self.sleep(&self.not_full, state, deadline);
        }
    }

    /// Takes the next item, waiting for one as `wait` allows (Python's `Queue.get`).
    pub(crate) fn get_hooked<T>(&self, wait: Wait) -> Result<T, HookedFailure<GetFailure, H::Error>>
    where
        H: QueueHooks<T>,
    {
        let mut state = self.state.lock();
        loop {
            if state.hooks.qsize().map_err(HookedFailure::Hook)? > 0
                && let Some(value) = state.hooks.get().map_err(HookedFailure::Hook)?
            {
                drop(state);
                self.not_full.notify(1);
                return Ok(value);
            }
            if state.shutdown {
                return Err(HookedFailure::Queue(GetFailure::ShutDown));
            }
            let Wait::Until(deadline) = wait else {
                return Err(HookedFailure::Queue(GetFailure::Empty));
            };
            if crate::time::expired(deadline) {
                return Err(HookedFailure::Queue(GetFailure::Timeout));
            }
            state = self.sleep(&self.not_empty, state, deadline);
        }
    }

    /// The number of items (Python's `qsize`).
    pub(crate) fn len_hooked<T>(&self) -> Result<usize, H::Error>
    where
        H: QueueHooks<T>,
    {
        self.state.lock().hooks.qsize()
    }

    /// Whether a put would have to wait (Python's `full`).
    pub(crate) fn is_full_hooked<T>(&self) -> Result<bool, H::Error>
    where
        H: QueueHooks<T>,
    {
        let mut state = self.state.lock();
        let maxsize = state.maxsize;
        Ok(maxsize != 0 && state.hooks.qsize()? >= maxsize)
    }

    /// Shuts the queue down (Python 3.13's `Queue.shutdown`): with `immediate`, the
    /// items left are taken out (and counted done) under the lock and dropped after.
    pub(crate) fn shutdown_hooked<T>(&self, immediate: bool) -> Result<(), H::Error>
    where
        H: QueueHooks<T>,
    {
        let mut state = self.state.lock();
        state.shutdown = true;
        let mut discarded = Vec::new();
        let mut failure = None;
        if immediate {
            loop {
                match state
                    .hooks
                    .qsize()
                    .and_then(|n| if n > 0 { state.hooks.get() } else { Ok(None) })
                {
                    Ok(Some(value)) => {
                        discarded.push(value);
                        state.unfinished = state.unfinished.saturating_sub(1);
                    }
                    Ok(None) => break,
                    Err(error) => {
                        failure = Some(error);
                        break;
                    }
                }
            }
        }
        drop(state);
        // Wake everyone even if a hook failed half-way: the queue is shut down.
        self.all_done.notify_all();
        self.not_empty.notify_all();
        self.not_full.notify_all();
        drop(discarded);
        failure.map_or(Ok(()), Err)
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
        guard: InternalGuard<'a, State<H>>,
        deadline: Option<Instant>,
    ) -> InternalGuard<'a, State<H>> {
        let _scope = diagnostics::block(|| self.object(), Blocking::Signal, deadline);
        queue.wait(
            move || {
                drop(guard);
                true
            },
            deadline,
        );
        self.state.lock()
    }
}

/// The same methods as the lock-free core, for hooks that cannot fail.
impl<H> LockedCore<H> {
    /// Puts `value`, waiting for room as `wait` allows.
    #[inline]
    pub(crate) fn put<T>(&self, value: T, wait: Wait) -> Result<(), PutFailure<T>>
    where
        H: QueueHooks<T, Error = Infallible>,
    {
        self.put_hooked(value, wait)
            .map_err(|failure| match failure {
                HookedFailure::Queue(failure) => failure,
                HookedFailure::Hook(never) => match never {},
            })
    }

    /// Takes the next item, waiting for one as `wait` allows.
    #[inline]
    pub(crate) fn get<T>(&self, wait: Wait) -> Result<T, GetFailure>
    where
        H: QueueHooks<T, Error = Infallible>,
    {
        self.get_hooked(wait).map_err(|failure| match failure {
            HookedFailure::Queue(failure) => failure,
            HookedFailure::Hook(never) => match never {},
        })
    }

    /// The number of items.
    pub(crate) fn len<T>(&self) -> usize
    where
        H: QueueHooks<T, Error = Infallible>,
    {
        let Ok(len) = self.len_hooked();
        len
    }

    /// Whether a put would have to wait.
    pub(crate) fn is_full<T>(&self) -> bool
    where
        H: QueueHooks<T, Error = Infallible>,
    {
        let Ok(full) = self.is_full_hooked();
        full
    }

    /// Shuts the queue down.
    pub(crate) fn shutdown<T>(&self, immediate: bool)
    where
        H: QueueHooks<T, Error = Infallible>,
    {
        let Ok(()) = self.shutdown_hooked(immediate);
    }
}
