//! [`wait`] and [`as_completed`]: waiting for several futures at once.

use std::collections::VecDeque;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::error::TimeoutError;
use super::future::Future;
use super::task::{FAILED, Listener};
use crate::diagnostics::{self, Blocking, Object, PrimitiveKind};
use crate::internal_lock::InternalLock;
use crate::origin::Origin;
use crate::park::{self, ParkResult, Spin, TOKEN_NORMAL};
use crate::primitive::{AtomicUsize, Ordering};

/// When [`wait`] returns (Python: `FIRST_COMPLETED`, `FIRST_EXCEPTION`,
/// `ALL_COMPLETED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as any future is done (or cancelled).
    FirstCompleted,
    /// As soon as any future fails (panics); if none does, when all are done.
    FirstException,
    /// When every future is done.
    AllCompleted,
}

/// What [`wait`] returns: the futures that are done and those that are not (Python:
/// `DoneAndNotDoneFutures`), each in the order they were given.
pub struct DoneAndNotDone<'a, T> {
    /// The futures that are done (finished, failed or cancelled).
    pub done: Vec<&'a Future<T>>,
    /// The others.
    pub not_done: Vec<&'a Future<T>>,
}

impl<T> fmt::Debug for DoneAndNotDone<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DoneAndNotDone")
            .field("done", &self.done.len())
            .field("not_done", &self.not_done.len())
            .finish()
    }
}

/// Waits until some or all of `futures` are done, or until `timeout` passes (`None`:
/// no timeout): Python's `concurrent.futures.wait`. Returns the futures split into
/// done and not done; a timeout is not an error (the not-done list says what is left).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use threadkit::executor::{self, ReturnWhen, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new();
/// let futures: Vec<_> = (0..4).map(|n| pool.submit(move || n * n).unwrap()).collect();
/// let split = executor::wait(&futures, None, ReturnWhen::AllCompleted);
/// assert_eq!(split.done.len(), 4);
///
/// let gate = std::sync::Arc::new(threadkit::Event::new());
/// let stuck = {
///     let gate = std::sync::Arc::clone(&gate);
///     pool.submit(move || gate.wait()).unwrap()
/// };
/// let split = executor::wait([&stuck], Some(Duration::from_millis(5)), ReturnWhen::FirstCompleted);
/// assert_eq!(split.not_done.len(), 1);
/// gate.set();
/// ```
#[track_caller]
pub fn wait<'a, T: 'a>(
    futures: impl IntoIterator<Item = &'a Future<T>>,
    timeout: Option<Duration>,
    return_when: ReturnWhen,
) -> DoneAndNotDone<'a, T> {
    let futures: Vec<&Future<T>> = futures.into_iter().collect();
    let deadline = timeout.and_then(crate::time::deadline_after);
    match return_when {
        // Waiting for each in turn needs no registration: cheap for many futures.
        ReturnWhen::AllCompleted => {
            for future in &futures {
                match deadline {
                    Some(deadline) => {
                        if !future.wait_deadline(deadline) {
                            break;
                        }
                    }
                    None => future.wait(),
                }
            }
        }
        ReturnWhen::FirstCompleted | ReturnWhen::FirstException => {
            let first_exception = return_when == ReturnWhen::FirstException;
            let satisfied = |future: &Future<T>| {
                future.done() && (!first_exception || future.task.core.phase() == FAILED)
            };
            if !futures.iter().any(|f| satisfied(f)) && !futures.iter().all(|f| f.done()) {
                let mut watch = Watch::new(&futures, Origin::site(Location::caller()));
                let mut left = futures.len();
                'waiting: loop {
                    while let Some(index) = watch.next_ready() {
                        if satisfied(futures[index]) {
                            break 'waiting;
                        }
                        left -= 1;
                    }
                    if left == 0 || !watch.wait(deadline) {
                        break;
                    }
                }
            }
        }
    }
    let (done, not_done) = futures.into_iter().partition(|f| f.done());
    DoneAndNotDone { done, not_done }
}

/// Yields `futures` as they complete (finished, failed or cancelled), those already
/// done first: Python's `concurrent.futures.as_completed`.
///
/// With a `timeout`, the iterator yields [`TimeoutError`] (and then ends) if it passes
/// before every future is done; it is measured from this call.
///
/// # Examples
///
/// ```
/// use threadkit::executor::{self, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new();
/// let futures: Vec<_> = (1..=3).map(|n| pool.submit(move || n * 10).unwrap()).collect();
/// let mut total = 0;
/// for future in executor::as_completed(&futures, None) {
///     total += future.unwrap().get().unwrap();
/// }
/// assert_eq!(total, 60);
/// ```
#[track_caller]
pub fn as_completed<'a, T: 'a>(
    futures: impl IntoIterator<Item = &'a Future<T>>,
    timeout: Option<Duration>,
) -> AsCompleted<'a, T> {
    let futures: Vec<&Future<T>> = futures.into_iter().collect();
    let deadline = timeout.and_then(crate::time::deadline_after);
    let watch = Watch::new(&futures, Origin::site(Location::caller()));
    AsCompleted {
        left: futures.len(),
        futures,
        watch,
        deadline,
        ended: false,
    }
}

/// The iterator of [`as_completed`].
pub struct AsCompleted<'a, T> {
    futures: Vec<&'a Future<T>>,
    watch: Watch<'a, T>,
    deadline: Option<Instant>,
    /// Futures not yielded yet.
    left: usize,
    ended: bool,
}

impl<'a, T> Iterator for AsCompleted<'a, T> {
    type Item = Result<&'a Future<T>, TimeoutError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ended || self.left == 0 {
            return None;
        }
        loop {
            if let Some(index) = self.watch.next_ready() {
                self.left -= 1;
                return Some(Ok(self.futures[index]));
            }
            if !self.watch.wait(self.deadline) {
                self.ended = true;
                return Some(Err(TimeoutError {
                    unfinished: self.left,
                    total: self.futures.len(),
                }));
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.ended {
            (0, Some(0))
        } else {
            (0, Some(self.left + 1))
        }
    }
}

impl<T> fmt::Debug for AsCompleted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("total", &self.futures.len())
            .field("left", &self.left)
            .finish()
    }
}

/// A notifier registered on every future of a `wait`/`as_completed` call; dropping
/// it unregisters what is left.
struct Watch<'a, T> {
    futures: Vec<&'a Future<T>>,
    notifier: Arc<Notifier>,
    /// Indexes known done, in completion order, not yet handed out.
    ready: VecDeque<usize>,
    /// Which futures carry our listener.
    registered: Vec<bool>,
    /// The notifier's count when last drained.
    seen: usize,
}

impl<'a, T> Watch<'a, T> {
    fn new(futures: &[&'a Future<T>], origin: Origin) -> Self {
        let notifier = Arc::new(Notifier::new(origin));
        let mut ready = VecDeque::new();
        let mut registered = vec![false; futures.len()];
        for (index, future) in futures.iter().enumerate() {
            let listener = Listener::Waiter {
                notifier: Arc::clone(&notifier),
                index,
            };
            match future.task.core.add_listener(listener) {
                Some(_) => ready.push_back(index),
                None => registered[index] = true,
            }
        }
        Self {
            futures: futures.to_vec(),
            notifier,
            ready,
            registered,
            seen: 0,
        }
    }

    /// The next future known to be done.
    fn next_ready(&mut self) -> Option<usize> {
        if self.ready.is_empty() {
            self.seen = self.notifier.drain(&mut self.ready);
            for &index in &self.ready {
                self.registered[index] = false;
            }
        }
        self.ready.pop_front()
    }

    /// Waits for another completion; false if `deadline` passed first.
    fn wait(&mut self, deadline: Option<Instant>) -> bool {
        self.notifier.wait_for_more(self.seen, deadline)
    }
}

impl<T> Drop for Watch<'_, T> {
    fn drop(&mut self) {
        for (future, registered) in self.futures.iter().zip(&self.registered) {
            if *registered {
                future.task.core.remove_waiter(&self.notifier);
            }
        }
    }
}

/// Flag (bit 0 of the notifier's state): the waiting thread may be parked.
const PARKED: usize = 1;
/// One completion, in the notifier's state.
const ONE: usize = 2;

/// What a completing future tells a `wait`/`as_completed` call: its index.
pub(crate) struct Notifier {
    // completions << 1 | PARKED. Only the thread that made the notifier waits on it.
    state: AtomicUsize,
    completed: InternalLock<Vec<usize>>,
    origin: Origin,
}

impl Notifier {
    fn new(origin: Origin) -> Self {
        Self {
            state: AtomicUsize::new(0),
            completed: InternalLock::new(Vec::new(), PrimitiveKind::Future, origin),
            origin,
        }
    }

    /// The future at `index` is done.
    pub(crate) fn notify(&self, index: usize) {
        self.completed.lock().push(index);
        let previous = self.state.fetch_add(ONE, Ordering::AcqRel);
        if previous & PARKED != 0 {
            park::unpark_all_when(self.key(), || {
                self.state.fetch_and(!PARKED, Ordering::Relaxed);
                Some(TOKEN_NORMAL)
            });
        }
    }

    /// Moves the completed indexes into `into`; returns the completion count they
    /// account for.
    fn drain(&self, into: &mut VecDeque<usize>) -> usize {
        let mut completed = self.completed.lock();
        into.extend(completed.drain(..));
        // Read under the lock: every completion counted here has pushed its index.
        self.state.load(Ordering::Acquire) >> 1
    }

    /// Waits until the completion count passes `seen`; false if `deadline` passed.
    fn wait_for_more(&self, seen: usize, deadline: Option<Instant>) -> bool {
        if self.state.load(Ordering::Acquire) >> 1 != seen {
            return true;
        }
        let _scope = diagnostics::block(|| self.object(), Blocking::Signal, deadline);
        loop {
            let state = self.state.load(Ordering::Acquire);
            if state >> 1 != seen {
                return true;
            }
            if state & PARKED == 0
                && self
                    .state
                    .compare_exchange_weak(
                        state,
                        state | PARKED,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    )
                    .is_err()
            {
                continue;
            }
            let result = park::park(
                self.key(),
                || self.state.load(Ordering::Relaxed) == (seen << 1) | PARKED,
                || true,
                |_| {},
                deadline,
                Spin::Signal,
            );
            if result == ParkResult::TimedOut {
                return self.state.load(Ordering::Acquire) >> 1 != seen;
            }
        }
    }

    fn object(&self) -> Object {
        Object {
            kind: PrimitiveKind::Future,
            key: self.key(),
            origin: self.origin,
        }
    }

    fn key(&self) -> usize {
        std::ptr::from_ref(&self.state).addr()
    }
}
