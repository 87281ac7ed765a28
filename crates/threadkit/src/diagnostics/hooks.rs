//! The hooks the primitives call. Each is an inline check of the switch in front of
//! a cold function, and takes closures so that nothing is computed while off.

use std::panic::Location;
use std::time::Instant;

use super::object::Object;
use super::record::{self, HeldEntry, WaitEntry};
use super::switch::on;
#[cfg(not(loom))]
use crate::thread::state::RawState;
use crate::thread::state::StateScope;

/// How a thread is blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Blocking {
    /// Waiting to acquire a lock someone holds.
    Lock,
    /// Waiting for another thread to signal (condition, event, semaphore, barrier).
    Signal,
}

/// An owned lock was acquired by the calling thread, by the call at `site`.
#[inline(always)]
pub(crate) fn acquired(object: impl FnOnce() -> Object, site: &'static Location<'static>) {
    if on() {
        acquired_cold(object(), site);
    }
}

/// An owned lock was released (by the calling thread, or by another one).
#[inline(always)]
pub(crate) fn released(object: impl FnOnce() -> Object) {
    if on() {
        released_cold(object());
    }
}

/// The calling thread is about to park on `object`; the wait is recorded until the
/// returned scope is dropped.
///
/// Called on slow paths only. Besides diagnostics' record (while they are on), it
/// always sets the thread's lifecycle state (`Blocked`/`Waiting`, see
/// [`crate::thread::ThreadState`]), which the scope restores when dropped.
#[cfg(not(loom))]
#[inline(always)]
pub(crate) fn block(
    object: impl FnOnce() -> Object,
    blocking: Blocking,
    deadline: Option<Instant>,
) -> BlockScope {
    let object = object();
    let state = StateScope::enter(RawState::parked(object, blocking));
    let previous = if on() {
        block_cold(object, blocking, deadline.is_some())
    } else {
        None
    };
    BlockScope {
        previous,
        _state: state,
    }
}

/// Under loom neither diagnostics nor thread states are kept (and the slow paths
/// make no extra atomic access for them, which would change what loom explores).
#[cfg(loom)]
#[inline(always)]
pub(crate) fn block(
    _object: impl FnOnce() -> Object,
    _blocking: Blocking,
    _deadline: Option<Instant>,
) -> BlockScope {
    BlockScope {
        previous: None,
        _state: StateScope::none(),
    }
}

/// A recorded wait; dropping it restores what was recorded before (nothing, or the
/// outer wait of a wait inside a wait).
#[must_use]
pub(crate) struct BlockScope {
    /// `Some` if the wait was recorded: the record it replaced.
    previous: Option<Option<WaitEntry>>,
    _state: StateScope,
}

impl Drop for BlockScope {
    #[inline]
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            unblock_cold(previous);
        }
    }
}

#[cold]
#[inline(never)]
fn acquired_cold(object: Object, site: &'static Location<'static>) {
    let entry = HeldEntry {
        object,
        site,
        since: Instant::now(),
    };
    record::with_current(|record| {
        let mut diag = record.diag();
        // A lock at this address cannot be held twice: an entry for it is stale (a
        // lock dropped while held, whose memory the new one reuses).
        diag.held.retain(|held| held.object.key != object.key);
        diag.held.push(entry);
    });
}

#[cold]
#[inline(never)]
fn released_cold(object: Object) {
    let removed = record::with_current(|record| remove_held(&mut record.diag().held, object))
        .unwrap_or(false);
    if !removed {
        // Released by another thread than its acquirer (Python's Lock allows it), or
        // acquired while diagnostics were off: find it wherever it is recorded.
        for record in record::all() {
            if remove_held(&mut record.diag().held, object) {
                break;
            }
        }
    }
}

fn remove_held(held: &mut Vec<HeldEntry>, object: Object) -> bool {
    match held
        .iter()
        .rposition(|entry| entry.object.key == object.key)
    {
        Some(index) => {
            held.remove(index);
            true
        }
        None => false,
    }
}

#[cold]
#[inline(never)]
#[cfg_attr(loom, allow(dead_code))]
fn block_cold(object: Object, blocking: Blocking, timed: bool) -> Option<Option<WaitEntry>> {
    let entry = WaitEntry {
        object,
        blocking,
        timed,
        since: Instant::now(),
    };
    record::with_current(|record| record.diag().waiting.replace(entry))
}

#[cold]
#[inline(never)]
fn unblock_cold(previous: Option<WaitEntry>) {
    record::with_current(|record| record.diag().waiting = previous);
}
