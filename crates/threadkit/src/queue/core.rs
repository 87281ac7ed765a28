//! The blocking layer every queue shares: waiting for an item or for room, task
//! tracking (`task_done` / `join`), and Python 3.13's `shutdown`, over any
//! [`Storage`].
//!
//! The storage is lock-free (or locked only for the LIFO and priority orders); this
//! layer adds one word of state, read on every put and get and written only when a
//! thread parks or the queue shuts down:
//!
//! ```text
//! state:  SHUTDOWN | IMMEDIATE | GETTERS | PUTTERS | JOINERS
//!         GETTERS/PUTTERS/JOINERS: threads may be parked waiting for an item / for
//!         room / for every task to be done, so the other side must unpark one
//! ```
//!
//! No lost wake-up: a getter sets GETTERS (a sequentially consistent read-modify-write)
//! and then, inside the parking lot's validate step, checks that the storage is still
//! empty; a putter pushes (a sequentially consistent compare-and-swap in the storage)
//! and then reads GETTERS. In the single total order of those operations, either the
//! putter sees the flag and unparks the getter, or the getter's emptiness check comes
//! after the push and sees the item. The same holds for putters and room, and for
//! joiners and `task_done`.

use std::marker::PhantomData;
use std::time::Instant;

use super::error::{MaxsizeError, TaskDoneError};
use super::ring::CachePadded;
use super::storage::Storage;
use crate::backoff::Backoff;
use crate::diagnostics::{self, Blocking, Object, PrimitiveKind};
use crate::origin::Origin;
use crate::park::{self, Spin, TOKEN_NORMAL};
use crate::primitive::{AtomicU64, AtomicUsize, Ordering, seq_cst_point};

const SHUTDOWN: usize = 0b0_0001;
const IMMEDIATE: usize = 0b0_0010;
const GETTERS: usize = 0b0_0100;
const PUTTERS: usize = 0b0_1000;
const JOINERS: usize = 0b1_0000;

/// Whether and how long an operation may block.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wait {
    /// Not at all.
    Never,
    /// Until the deadline (`None`: forever).
    Until(Option<Instant>),
}

/// Why a put failed; the value is inside.
pub(crate) enum PutFailure<T> {
    Full(T),
    Timeout(T),
    ShutDown(T),
}

/// Why a get failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GetFailure {
    Empty,
    Timeout,
    ShutDown,
}

/// A queue's storage plus its blocking layer.
pub(crate) struct Core<T, S> {
    storage: S,
    state: CachePadded<AtomicUsize>,
    /// `task_done` calls, plus items discarded by an immediate shutdown.
    done: AtomicU64,
    /// A lower bound of `storage.pushed()`, so that `task_done` reads the producers'
    /// side of the storage only when `done` catches up with it.
    pushed_hint: AtomicU64,
    /// Parking keys (their addresses) for putters and joiners; getters park on `state`.
    putters_key: u8,
    joiners_key: u8,
    kind: PrimitiveKind,
    origin: Origin,
    _values: PhantomData<fn(T) -> T>,
}

impl<T, S: Storage<T>> Core<T, S> {
    /// A queue over `storage`, reported as a `kind` from `origin`.
    pub(crate) fn new(storage: S, kind: PrimitiveKind, origin: Origin) -> Self {
        Self {
            storage,
            state: CachePadded(AtomicUsize::new(0)),
            done: AtomicU64::new(0),
            pushed_hint: AtomicU64::new(0),
            putters_key: 0,
            joiners_key: 0,
            kind,
            origin,
            _values: PhantomData,
        }
    }

    /// Puts `value`, waiting for room as `wait` allows.
    #[inline]
    pub(crate) fn put(&self, mut value: T, wait: Wait) -> Result<(), PutFailure<T>> {
        let mut backoff = Backoff::new();
        loop {
            if self.state.load(Ordering::SeqCst) & SHUTDOWN != 0 {
                return Err(PutFailure::ShutDown(value));
            }
            match self.storage.push(value) {
                Ok(()) => {
                    self.after_push();
                    return Ok(());
                }
                Err(back) => value = back,
            }
            let Wait::Until(deadline) = wait else {
                return Err(PutFailure::Full(value));
            };
            if crate::time::expired(deadline) {
                return Err(PutFailure::Timeout(value));
            }
            // A consumer is usually about to make room: retry a few times first.
            if !backoff.spin() {
                self.park_putter(deadline);
                backoff.reset();
            }
        }
    }

    /// Puts into storage that is never full and a queue that is never shut down (a
    /// SimpleQueue): cannot fail.
    #[inline]
    pub(crate) fn put_unbounded(&self, mut value: T) {
        loop {
            match self.storage.push(value) {
                Ok(()) => {
                    self.after_push();
                    return;
                }
                // Unbounded storage has no limit; kept total rather than unreachable.
                Err(back) => value = back,
            }
        }
    }

    /// Takes the next item, waiting for one as `wait` allows.
    #[inline]
    pub(crate) fn get(&self, wait: Wait) -> Result<T, GetFailure> {
        let mut backoff = Backoff::new();
        loop {
            if let Some(value) = self.storage.pop() {
                self.after_pop();
                return Ok(value);
            }
            if self.state.load(Ordering::SeqCst) & SHUTDOWN != 0 {
                // An item put just before the shutdown may have landed after our pop:
                // look once more (the put's CAS precedes the SHUTDOWN we just read).
                if let Some(value) = self.storage.pop() {
                    self.after_pop();
                    return Ok(value);
                }
                return Err(GetFailure::ShutDown);
            }
            let Wait::Until(deadline) = wait else {
                return Err(GetFailure::Empty);
            };
            if crate::time::expired(deadline) {
                return Err(GetFailure::Timeout);
            }
            // A producer is usually about to put: retry a few times first.
            if !backoff.spin() {
                self.park_getter(deadline);
                backoff.reset();
            }
        }
    }

    /// The number of items.
    pub(crate) fn len(&self) -> usize {
        self.storage.len()
    }

    /// Whether a put would have to wait.
    pub(crate) fn is_full(&self) -> bool {
        self.storage.is_full()
    }

    /// The maximum number of items (0 = unbounded).
    pub(crate) fn maxsize(&self) -> usize {
        self.storage.limit()
    }

    /// Changes the maximum number of items; blocked putters re-check.
    pub(crate) fn set_maxsize(&self, maxsize: usize) -> Result<(), MaxsizeError> {
        self.storage.set_limit(maxsize)?;
        self.wake_all_putters();
        Ok(())
    }

    /// Marks one task done.
    ///
    /// `done` never goes past the number of items put, so a superfluous call fails
    /// alone: it cannot make a concurrent, legitimate one fail by inflating the count.
    #[inline]
    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut done = self.done.load(Ordering::SeqCst);
        loop {
            // Below the hint (a lower bound of the puts), the storage need not be read.
            let hint = self.pushed_hint.load(Ordering::Relaxed);
            let pushed = if done < hint {
                hint
            } else {
                self.refresh_pushed_hint()
            };
            if done >= pushed {
                return Err(TaskDoneError);
            }
            match self.done.compare_exchange_weak(
                done,
                done + 1,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => break,
                Err(current) => done = current,
            }
        }
        seq_cst_point();
        // The last task: wake the joiners (an exact check, past the hint).
        if done + 1 >= self.pushed_hint.load(Ordering::Relaxed)
            && done + 1 == self.refresh_pushed_hint()
            && self.state.load(Ordering::SeqCst) & JOINERS != 0
        {
            self.wake_joiners();
        }
        Ok(())
    }

    #[cold]
    fn refresh_pushed_hint(&self) -> u64 {
        let pushed = self.storage.pushed();
        self.pushed_hint.fetch_max(pushed, Ordering::Relaxed);
        pushed
    }

    /// Items put and not yet marked done.
    pub(crate) fn unfinished_tasks(&self) -> u64 {
        loop {
            let done = self.done.load(Ordering::SeqCst);
            let pushed = self.storage.pushed();
            if self.done.load(Ordering::SeqCst) == done {
                return pushed.saturating_sub(done);
            }
        }
    }

    /// Waits until every task is done or `deadline` passes; true if all were done.
    pub(crate) fn join(&self, deadline: Option<Instant>) -> bool {
        loop {
            if self.unfinished_tasks() == 0 {
                return true;
            }
            if crate::time::expired(deadline) {
                return false;
            }
            self.state.fetch_or(JOINERS, Ordering::SeqCst);
            let _scope = diagnostics::block(|| self.object(), Blocking::Signal, deadline);
            park::park(
                self.joiners_key(),
                || {
                    seq_cst_point();
                    self.state.load(Ordering::SeqCst) & JOINERS != 0
                        && self.done.load(Ordering::SeqCst) < self.storage.pushed()
                },
                || true,
                |was_last| self.clear_if_last(JOINERS, was_last),
                deadline,
                Spin::Signal,
            );
        }
    }

    /// Shuts the queue down (Python 3.13's `Queue.shutdown`).
    pub(crate) fn shutdown(&self, immediate: bool) {
        let flags = if immediate {
            SHUTDOWN | IMMEDIATE
        } else {
            SHUTDOWN
        };
        self.state.fetch_or(flags, Ordering::SeqCst);
        seq_cst_point();
        if immediate {
            let mut discarded = 0u64;
            while self.storage.pop().is_some() {
                discarded += 1;
            }
            // Discarded items count as done (they were never handed to anyone).
            self.done.fetch_add(discarded, Ordering::SeqCst);
            self.wake_joiners();
        }
        park::unpark_up_to(self.getters_key(), usize::MAX, |_| {
            self.state.fetch_and(!GETTERS, Ordering::SeqCst);
            TOKEN_NORMAL
        });
        self.wake_all_putters();
    }

    /// Whether `shutdown` was called.
    pub(crate) fn is_shutdown(&self) -> bool {
        self.state.load(Ordering::SeqCst) & SHUTDOWN != 0
    }

    /// The queue as diagnostics name it.
    pub(crate) fn object(&self) -> Object {
        Object {
            kind: self.kind,
            key: self.getters_key(),
            origin: self.origin,
        }
    }

    /// The queue's name, if it was created with one.
    pub(crate) fn name(&self) -> Option<&'static str> {
        self.origin.name()
    }

    #[inline]
    fn after_push(&self) {
        seq_cst_point();
        let state = self.state.load(Ordering::SeqCst);
        if state & (GETTERS | IMMEDIATE) != 0 {
            self.after_push_slow(state);
        }
    }

    #[cold]
    fn after_push_slow(&self, state: usize) {
        if state & IMMEDIATE != 0 {
            // This put raced an immediate shutdown and landed after its discarding
            // pass: discard it too, so that `join` is released as Python promises. (Had
            // we missed IMMEDIATE here, our push preceded the shutdown's last pop.)
            self.discard();
        }
        if state & GETTERS != 0 {
            self.wake_one(self.getters_key(), GETTERS);
        }
    }

    /// Discards every item, counting each as done, then wakes the joiners. The items
    /// are dropped last, so a panicking destructor cannot leave anyone parked.
    fn discard(&self) {
        let discarded: Vec<T> = std::iter::from_fn(|| self.storage.pop()).collect();
        self.done
            .fetch_add(discarded.len() as u64, Ordering::SeqCst);
        seq_cst_point();
        self.wake_joiners();
        drop(discarded);
    }

    #[inline]
    fn after_pop(&self) {
        seq_cst_point();
        if self.state.load(Ordering::SeqCst) & PUTTERS != 0 {
            self.wake_one(self.putters_key(), PUTTERS);
        }
    }

    #[cold]
    fn wake_one(&self, key: usize, flag: usize) {
        park::unpark_one(key, |result| {
            if !result.have_more {
                self.state.fetch_and(!flag, Ordering::SeqCst);
            }
            TOKEN_NORMAL
        });
    }

    fn wake_all_putters(&self) {
        park::unpark_up_to(self.putters_key(), usize::MAX, |_| {
            self.state.fetch_and(!PUTTERS, Ordering::SeqCst);
            TOKEN_NORMAL
        });
    }

    fn wake_joiners(&self) {
        park::unpark_up_to(self.joiners_key(), usize::MAX, |_| {
            self.state.fetch_and(!JOINERS, Ordering::SeqCst);
            TOKEN_NORMAL
        });
    }

    #[cold]
    fn park_getter(&self, deadline: Option<Instant>) {
        self.state.fetch_or(GETTERS, Ordering::SeqCst);
        let _scope = diagnostics::block(|| self.object(), Blocking::Signal, deadline);
        park::park(
            self.getters_key(),
            || {
                seq_cst_point();
                let state = self.state.load(Ordering::SeqCst);
                state & GETTERS != 0 && state & SHUTDOWN == 0 && self.storage.len() == 0
            },
            || true,
            |was_last| self.clear_if_last(GETTERS, was_last),
            deadline,
            Spin::Signal,
        );
    }

    #[cold]
    fn park_putter(&self, deadline: Option<Instant>) {
        self.state.fetch_or(PUTTERS, Ordering::SeqCst);
        let _scope = diagnostics::block(|| self.object(), Blocking::Signal, deadline);
        park::park(
            self.putters_key(),
            || {
                seq_cst_point();
                let state = self.state.load(Ordering::SeqCst);
                state & PUTTERS != 0 && state & SHUTDOWN == 0 && self.storage.is_full()
            },
            || true,
            |was_last| self.clear_if_last(PUTTERS, was_last),
            deadline,
            Spin::Signal,
        );
    }

    /// A waiter leaving by itself clears its flag if nobody else waits.
    fn clear_if_last(&self, flag: usize, was_last: bool) {
        if was_last {
            self.state.fetch_and(!flag, Ordering::SeqCst);
        }
    }

    fn getters_key(&self) -> usize {
        std::ptr::from_ref(&self.state.0).addr()
    }

    fn putters_key(&self) -> usize {
        std::ptr::from_ref(&self.putters_key).addr()
    }

    fn joiners_key(&self) -> usize {
        std::ptr::from_ref(&self.joiners_key).addr()
    }
}
