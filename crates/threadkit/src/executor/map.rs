//! [`Map`]: the iterator of [`ThreadPoolExecutor::map`].

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use super::error::{MapError, ResultTimeoutError};
use super::future::Future;
use super::pool::ThreadPoolExecutor;
use crate::origin::Origin;

/// How many items `map` keeps submitted ahead by default: enough that short tasks
/// never wait for the consumer, few enough to keep an endless iterator cheap.
const DEFAULT_LOOKAHEAD: usize = 1024;

/// The results of [`ThreadPoolExecutor::map`], in the items' order.
///
/// `map` submits 2 × `max_workers` items at once; as results are consumed, it keeps
/// up to [`lookahead`](Self::lookahead) items submitted ahead of the one it waits for. After yielding an error it ends, cancelling the tasks that have not
/// started; dropping it early does the same.
///
/// # Examples
///
/// ```
/// use threadkit::executor::ThreadPoolExecutor;
///
/// let pool = ThreadPoolExecutor::new();
/// let lengths: Vec<usize> = pool
///     .map(|word: &str| word.len(), ["a", "bb", "ccc"])
///     .lookahead(2)
///     .collect::<Result<_, _>>()
///     .unwrap();
/// assert_eq!(lengths, [1, 2, 3]);
/// ```
#[must_use = "iterators are lazy: the items beyond the look-ahead are only submitted as it is consumed"]
pub struct Map<'a, I, F, T> {
    executor: &'a ThreadPoolExecutor,
    items: I,
    f: Arc<F>,
    pending: VecDeque<Future<T>>,
    lookahead: usize,
    deadline: Option<Instant>,
    origin: Origin,
    /// No more items to submit (the iterator ended, or the pool refused one).
    exhausted: bool,
    /// The pool refused an item: after the pending ones, yield `Shutdown`.
    refused: bool,
    ended: bool,
}

impl<'a, I, F, T> Map<'a, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    pub(crate) fn new(
        executor: &'a ThreadPoolExecutor,
        f: F,
        items: I,
        deadline: Option<Instant>,
        origin: Origin,
    ) -> Self {
        let mut map = Self {
            executor,
            items,
            f: Arc::new(f),
            pending: VecDeque::new(),
            lookahead: executor
                .max_workers()
                .saturating_mul(2)
                .max(DEFAULT_LOOKAHEAD),
            deadline,
            origin,
            exhausted: false,
            refused: false,
            ended: false,
        };
        // Start at once, as Python does, with enough items to keep every worker busy;
        // the window grows to `lookahead` as the results are consumed.
        let first = executor.max_workers().saturating_mul(2).min(map.lookahead);
        map.fill(first);
        map
    }

    /// How many items may be submitted ahead of the consumer (at least 1; default
    /// 1024, or 2 × `max_workers` if that is more). Python submits every item at once
    /// unless given a `buffersize`.
    pub fn lookahead(mut self, items: usize) -> Self {
        self.lookahead = items.max(1);
        self
    }

    /// Submits items until `window` are pending.
    fn fill(&mut self, window: usize) {
        while !self.exhausted && self.pending.len() < window {
            let Some(item) = self.items.next() else {
                self.exhausted = true;
                break;
            };
            let f = Arc::clone(&self.f);
            match self.executor.submit_at(move || f(item), self.origin) {
                Ok(future) => self.pending.push_back(future),
                Err(_) => {
                    self.exhausted = true;
                    self.refused = true;
                }
            }
        }
    }

    /// Ends the iteration: cancels what has not started (Python does it in reverse).
    fn end(&mut self) {
        self.ended = true;
        for future in self.pending.iter().rev() {
            future.cancel();
        }
        self.pending.clear();
    }
}

impl<I, F, T> Iterator for Map<'_, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    type Item = Result<T, MapError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ended {
            return None;
        }
        self.fill(self.lookahead);
        let Some(future) = self.pending.pop_front() else {
            self.ended = true;
            return self.refused.then_some(Err(MapError::Shutdown));
        };
        let result = match self.deadline {
            None => future.result().map_err(MapError::Task),
            Some(deadline) => match future.result_deadline(deadline) {
                Ok(value) => Ok(value),
                Err(ResultTimeoutError::Task(error)) => Err(MapError::Task(error)),
                Err(ResultTimeoutError::TimedOut(future)) => {
                    future.cancel();
                    Err(MapError::TimedOut)
                }
            },
        };
        if result.is_err() {
            self.end();
        }
        Some(result)
    }
}

impl<I, F, T> Drop for Map<'_, I, F, T> {
    fn drop(&mut self) {
        for future in self.pending.iter().rev() {
            future.cancel();
        }
    }
}

impl<I, F, T> fmt::Debug for Map<'_, I, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map")
            .field("pending", &self.pending.len())
            .field("lookahead", &self.lookahead)
            .field("ended", &self.ended)
            .finish()
    }
}
