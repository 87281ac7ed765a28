//! The hooks the primitives call. Each is an inline check of the switch in front of
//! a cold function, and takes closures so that nothing is computed while off.

use std::panic::Location;
use std::time::Instant;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::deadlock::{self, Detection};
use super::object::Object;
use super::record::{self, HeldEntry, WaitEntry};
use super::switch::{RECORD, STATS, flags, on};
use super::{clock, order, stats};
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

/// An owned lock is about to be released (by the calling thread, or by another one).
///
/// Called *before* the lock is actually released, so that the records never show a
/// lock held that is free (they may miss a hold, never invent one: see `deadlock.rs`).
#[inline(always)]
pub(crate) fn released(object: impl FnOnce() -> Object) {
    if on() {
        released_cold(object());
    }
}

/// The calling thread is about to park on the lock `object`: records the wait (as
/// [`block`] does) and, while records are kept, checks whether it closes a deadlock
/// cycle.
///
/// The wait is recorded inside the serialized check, so a thread seen waiting for a
/// lock has already been checked: of two threads closing a cycle, the later one is
/// told (and a test can tell which).
///
/// `timed` says whether the wait gives up at some point; a slice of a wait without a
/// timeout (which wakes only to look for signals) is untimed although it has a deadline.
#[inline(always)]
pub(crate) fn block_on_lock(object: impl Fn() -> Object, timed: bool) -> (BlockScope, Detection) {
    if flags() & RECORD != 0 && holds_any() {
        let _serialized = deadlock::serialize();
        let scope = block_as(&object, Blocking::Lock, timed);
        let detection = deadlock::check(object(), timed);
        (scope, detection)
    } else {
        (block_as(object, Blocking::Lock, timed), Detection::Clear)
    }
}

/// When the slow path of a lock acquisition began, if contention is being counted.
#[inline(always)]
pub(crate) fn contention_start() -> Option<Instant> {
    if flags() & STATS != 0 {
        Some(Instant::now())
    } else {
        None
    }
}

/// A slow-path acquisition that began at `start` (see [`contention_start`]) succeeded.
#[inline(always)]
pub(crate) fn contended(object: impl FnOnce() -> Object, start: Option<Instant>) {
    if let Some(start) = start {
        stats::contended(object(), start.elapsed());
    }
}

/// A lock at `key` is being dropped: forget its lock orders and any stale hold.
#[inline(always)]
pub(crate) fn lock_dropped(key: usize) {
    if super::switch::ever_enabled() {
        lock_dropped_cold(key);
    }
}

static CAPTURE_BACKTRACES: AtomicBool = AtomicBool::new(false);

/// Whether a backtrace is captured where each wait begins, for thread dumps (costly:
/// use it while hunting a hang). Off by default.
pub fn set_capture_backtraces(capture: bool) {
    CAPTURE_BACKTRACES.store(capture, Ordering::Relaxed);
}

/// The calling thread is about to park on `object`; the wait is recorded until the
/// returned scope is dropped.
///
/// Called on slow paths only. Besides diagnostics' record (while they are on), it
/// always sets the thread's lifecycle state (`Blocked`/`Waiting`, see
/// [`crate::thread::ThreadState`]), which the scope restores when dropped.
#[inline(always)]
pub(crate) fn block(
    object: impl FnOnce() -> Object,
    blocking: Blocking,
    deadline: Option<Instant>,
) -> BlockScope {
    block_as(object, blocking, deadline.is_some())
}

/// [`block`], for a wait that is `timed` (gives up at some point) or not.
#[cfg(not(loom))]
#[inline(always)]
pub(crate) fn block_as(
    object: impl FnOnce() -> Object,
    blocking: Blocking,
    timed: bool,
) -> BlockScope {
    let object = object();
    let state = StateScope::enter(RawState::parked(object, blocking));
    let previous = if on() {
        block_cold(object, blocking, timed)
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
pub(crate) fn block_as(
    _object: impl FnOnce() -> Object,
    _blocking: Blocking,
    _timed: bool,
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
    let flags = flags();
    if flags & STATS != 0 {
        stats::acquired(object);
    }
    if flags & RECORD == 0 {
        return;
    }
    let entry = HeldEntry {
        object,
        site,
        since: clock::coarse_now(),
    };
    let holding = record::with_current(|record| {
        let mut diag = record.diag();
        // A lock at this address cannot be held twice: an entry for it is stale (a
        // lock dropped while held, whose memory the new one reuses).
        diag.held.retain(|held| held.object.key != object.key);
        let holding =
            (!diag.held.is_empty()).then(|| (diag.held.clone(), record.name().to_owned()));
        diag.held.push(entry);
        holding
    })
    .flatten();
    if let Some((held, thread)) = holding {
        order::acquired_while_holding(&held, object, site, &thread);
    }
}

#[cold]
#[inline(never)]
fn released_cold(object: Object) {
    let flags = flags();
    if flags & STATS != 0 {
        stats::released(object);
    }
    if flags & RECORD == 0 {
        return;
    }
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
    if flags() & RECORD == 0 {
        return None;
    }
    let backtrace = CAPTURE_BACKTRACES
        .load(Ordering::Relaxed)
        .then(|| Arc::from(std::backtrace::Backtrace::force_capture().to_string()));
    let mut entry = WaitEntry {
        object,
        blocking,
        timed,
        since: clock::coarse_now(),
        backtrace,
    };
    record::with_current(|record| {
        // A slice of a longer wait without a timeout is that wait.
        if let Some(since) = super::sliced::start(record) {
            entry.timed = false;
            entry.since = since;
        }
        record.diag().waiting.replace(entry)
    })
}

/// Whether the calling thread holds a lock, as recorded. A thread that holds none
/// cannot be part of a deadlock cycle (nobody can be waiting for it) — nor become
/// one while it waits — so its wait needs no check.
#[cold]
#[inline(never)]
fn holds_any() -> bool {
    record::with_current(|record| !record.diag().held.is_empty()).unwrap_or(false)
}

#[cold]
#[inline(never)]
fn unblock_cold(previous: Option<WaitEntry>) {
    record::with_current(|record| record.diag().waiting = previous);
}

#[cold]
#[inline(never)]
fn lock_dropped_cold(key: usize) {
    order::forget(key);
    for record in record::all() {
        record.diag().held.retain(|held| held.object.key != key);
    }
}
