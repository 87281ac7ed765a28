//! Per-thread records of held locks and current waits.
//!
//! A record hangs off the thread's entry in the thread registry
//! ([`crate::thread`]), so diagnostics and `threadkit::thread::enumerate` see the
//! same threads; the registry also lets a lock released by another thread than its
//! acquirer (Python allows that for `Lock`) be found.
//!
//! Records are only updated while diagnostics are on (and dropped when they switch on
//! or off). Each has its own small mutex:
//! the owning thread takes it on every recorded acquire and release, others only when
//! they read the picture, so it is almost never contended.

use std::panic::Location;
use std::sync::Arc;
use std::time::Instant;

use super::hooks::Blocking;
use super::object::Object;

/// What diagnostics know about one thread: its registry entry.
pub(crate) type ThreadRecord = crate::thread::registry::Entry;

/// The diagnostics part of a thread's record.
#[derive(Default)]
pub(crate) struct ThreadDiag {
    /// Locks held, oldest first.
    pub(crate) held: Vec<HeldEntry>,
    /// What the thread is blocked on, if anything.
    pub(crate) waiting: Option<WaitEntry>,
}

/// One held lock.
#[derive(Clone, Copy)]
pub(crate) struct HeldEntry {
    pub(crate) object: Object,
    pub(crate) site: &'static Location<'static>,
    pub(crate) since: Instant,
}

/// One blocking wait.
#[derive(Clone)]
pub(crate) struct WaitEntry {
    pub(crate) object: Object,
    pub(crate) blocking: Blocking,
    pub(crate) timed: bool,
    pub(crate) since: Instant,
    /// Where the wait began, if backtraces are captured.
    pub(crate) backtrace: Option<Arc<str>>,
}

/// Runs `f` on the calling thread's record, creating and registering it on first use.
/// `None` while the thread is being torn down.
///
/// Always inlined: it is on every recorded acquire and release, and an out-of-line
/// copy per caller costs a detection-on acquisition about 15% (measured).
#[inline(always)]
pub(crate) fn with_current<R>(f: impl FnOnce(&ThreadRecord) -> R) -> Option<R> {
    crate::thread::registry::with_current(|entry| f(entry))
}

/// Every registered record, in order of registration.
pub(crate) fn all() -> Vec<Arc<ThreadRecord>> {
    crate::thread::registry::all()
}

/// Drops every thread's held-lock records (when diagnostics switch on or off: records
/// of a period while they were off would be stale). Waits are kept: they are cleared
/// by the waiting thread itself.
pub(crate) fn clear_all() {
    for record in all() {
        record.diag().held.clear();
    }
}

/// The thread holding the lock `key`, according to the records (which may miss a
/// hold, never invent one), with the site and time of its acquisition.
pub(crate) fn holder_of(key: usize) -> Option<(Arc<ThreadRecord>, HeldEntry)> {
    all().into_iter().find_map(|record| {
        let entry = record
            .diag()
            .held
            .iter()
            .rev()
            .find(|held| held.object.key == key)
            .copied();
        entry.map(|entry| (record, entry))
    })
}
