//! Waits taken in slices. A binding that must wake now and then during a wait without
//! a timeout (Python's main thread looks for Ctrl-C every 20 ms) marks its slices as
//! one wait, so that the stall watchdog and thread dumps see one wait with no timeout,
//! begun when the first slice began — not a series of short timed waits, which could
//! never be a stall.

use std::marker::PhantomData;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::{clock, record};

/// Marks the calling thread's waits, until the returned guard is dropped, as slices of
/// one wait without a timeout that begins now.
///
/// Only the marking costs anything, and only while diagnostics are on. Nested marks
/// keep the outer wait's start.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// use threadkit::{Event, diagnostics};
///
/// let event = Event::new();
/// event.set();
/// // Wait for `event` with no timeout, but wake every 20 ms to look for signals.
/// let _one_wait = diagnostics::sliced_wait();
/// while !event.wait_deadline(Instant::now() + Duration::from_millis(20)) {
///     // look for signals here
/// }
/// ```
pub fn sliced_wait() -> SlicedWait {
    if !super::is_enabled() {
        return SlicedWait {
            marked: false,
            _not_send: PhantomData,
        };
    }
    let since = clock::coarse_nanos().saturating_add(1);
    let marked = record::with_current(|record| {
        // Only this thread writes its mark; a mark already set is an outer wait's.
        record.sliced_since.load(Ordering::Relaxed) == 0 && {
            record.sliced_since.store(since, Ordering::Relaxed);
            true
        }
    });
    SlicedWait {
        marked: marked.unwrap_or(false),
        _not_send: PhantomData,
    }
}

/// The mark of [`sliced_wait`]; dropping it ends the wait.
#[must_use = "the slices are one wait only while the guard lives"]
#[derive(Debug)]
pub struct SlicedWait {
    /// Whether this guard set the mark (and clears it when dropped).
    marked: bool,
    /// The mark belongs to the thread that set it.
    _not_send: PhantomData<*const ()>,
}

impl Drop for SlicedWait {
    fn drop(&mut self) {
        if self.marked {
            record::with_current(|record| record.sliced_since.store(0, Ordering::Relaxed));
        }
    }
}

/// When the sliced wait of the thread of `record` began, if it is in one.
pub(crate) fn start(record: &record::ThreadRecord) -> Option<Instant> {
    match record.sliced_since.load(Ordering::Relaxed) {
        0 => None,
        since => Some(clock::from_nanos(since - 1)),
    }
}
