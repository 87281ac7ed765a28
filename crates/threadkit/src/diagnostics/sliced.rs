//! Waits taken in slices. A binding that must wake now and then during a wait without
//! a timeout (Python's main thread looks for Ctrl-C every 20 ms) marks its slices as
//! one wait, so that the stall watchdog and thread dumps see one wait with no timeout,
//! begun when the first slice began — not a series of short timed waits, which could
//! never be a stall.

use std::marker::PhantomData;
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
    let marked = record::with_current(|record| {
        let mut diag = record.diag();
        if diag.sliced_since.is_some() {
            return false;
        }
        diag.sliced_since = Some(clock::coarse_now());
        true
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
            record::with_current(|record| record.diag().sliced_since = None);
        }
    }
}

/// The start of the calling thread's sliced wait, if one is marked (the caller holds
/// the record's lock).
pub(crate) fn start(diag: &record::ThreadDiag) -> Option<Instant> {
    diag.sliced_since
}
