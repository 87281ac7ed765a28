//! Deadlock detection: before a thread parks on a lock, follow "held by" and "waits
//! for" from the records; if the walk comes back to this thread, it would wait forever.
//!
//! Why a reported cycle is real (no false positive under races):
//!
//! * the records never invent a hold: a lock is recorded held only after it was
//!   acquired, and the record goes before the lock is released;
//! * the detecting thread holds its own locks steadily while it checks, and every
//!   other thread on the cycle waits, without a timeout, for a lock held by the next
//!   one. Going backwards from the detecting thread, each waiter waits for a lock that
//!   cannot be released, so it cannot go on to release what it holds: the whole cycle
//!   is stuck;
//! * checks are serialized, and a thread that is told "deadlock" withdraws its wait
//!   record before the next check, so of two threads closing the same cycle exactly
//!   one is told (and can back off, letting the others go on).
//!
//! A cycle with a timed wait on it (the detecting thread's or another's) will undo
//! itself when the timeout expires: it is reported as a warning instead.
//!
//! Lock-order inversions (`order.rs`) catch the same bugs earlier, before they happen.

use std::fmt;
use std::panic::Location;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::hooks::Blocking;
use super::object::{Object, Primitive};
use super::record;

/// A thread as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ThreadName {
    /// threadkit's number for the thread.
    pub ident: u64,
    /// The thread's name.
    pub name: String,
}

impl fmt::Display for ThreadName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "thread '{}' (#{})", self.name, self.ident)
    }
}

/// One step of a deadlock cycle: `thread` waits for `lock`, which `holder` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleLink {
    /// The waiting thread.
    pub thread: ThreadName,
    /// The lock it waits for.
    pub lock: Primitive,
    /// The thread holding that lock.
    pub holder: ThreadName,
    /// Where the holder acquired it.
    pub acquired_at: &'static Location<'static>,
}

/// A thread would wait forever: Python's `threadkit.DeadlockError` (a RuntimeError).
///
/// Either a self-deadlock (a thread acquiring, without a timeout, a non-reentrant lock
/// it already holds) or a cycle of threads, each waiting for a lock held by the next.
/// The report names every thread and lock of the cycle and where each lock was
/// acquired. The lock the thread wanted is untouched, and so is everything it holds:
/// it can release what it holds and try again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlockError {
    cycle: Vec<CycleLink>,
}

impl DeadlockError {
    /// The cycle, starting with the thread that was told: each link waits for a lock
    /// held by the next link's thread, and the last link's holder is the first thread.
    pub fn cycle(&self) -> &[CycleLink] {
        &self.cycle
    }

    /// Whether a thread waited for a lock it holds itself.
    pub fn is_self_deadlock(&self) -> bool {
        self.cycle.len() == 1
    }
}

impl fmt::Display for DeadlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [link] = self.cycle.as_slice() {
            return write!(
                f,
                "deadlock: {} would wait forever for {}, which it already holds (acquired at {})",
                link.thread, link.lock, link.acquired_at
            );
        }
        write!(
            f,
            "deadlock: {} threads each wait for a lock the next one holds:",
            self.cycle.len()
        )?;
        for link in &self.cycle {
            write!(
                f,
                "\n  {} waits for {}, held by {} (acquired at {})",
                link.thread, link.lock, link.holder, link.acquired_at
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for DeadlockError {}

/// What a check found.
pub(crate) enum Detection {
    /// No cycle through this thread.
    Clear,
    /// A cycle that a timeout will undo: worth a warning.
    Warning(String),
    /// A cycle of untimed waits.
    Deadlock(DeadlockError),
}

/// Serializes checks (see the module docs).
static CHECKS: Mutex<()> = Mutex::new(());

/// Enters the serialized section in which a thread records its lock wait and checks it.
pub(crate) fn serialize() -> MutexGuard<'static, ()> {
    CHECKS.lock().unwrap_or_else(PoisonError::into_inner)
}

fn name_of(record: &record::ThreadRecord) -> ThreadName {
    ThreadName {
        ident: record.ident,
        name: record.name().to_owned(),
    }
}

/// One candidate link: `waiter` waits for `wanted`, which the records say `holder` holds.
struct Candidate {
    waiter: std::sync::Arc<record::ThreadRecord>,
    wanted: Object,
    holder: std::sync::Arc<record::ThreadRecord>,
    /// Where the holder acquired it (as last read).
    site: &'static Location<'static>,
}

/// Checks whether the calling thread, whose wait for `lock` is already recorded, would
/// close a cycle. On `Deadlock` its wait record has been withdrawn. Called inside
/// [`serialize`].
pub(crate) fn check(lock: Object, timed: bool) -> Detection {
    let Some(me) = crate::thread::registry::with_current(std::sync::Arc::clone) else {
        return Detection::Clear;
    };
    let Some(mut candidates) = find_cycle(&me, lock) else {
        return Detection::Clear;
    };
    let Some(any_timed) = confirm(&mut candidates) else {
        return Detection::Clear;
    };
    let links = candidates
        .iter()
        .map(|candidate| CycleLink {
            thread: name_of(&candidate.waiter),
            lock: candidate.wanted.describe(),
            holder: name_of(&candidate.holder),
            acquired_at: candidate.site,
        })
        .collect();
    let error = DeadlockError { cycle: links };
    if timed || any_timed {
        return Detection::Warning(format!(
            "{error}\n  (a wait in this cycle has a timeout, so it will undo itself when it expires)"
        ));
    }
    // Withdraw this thread's wait before the next check runs (it will not park).
    me.diag().waiting = None;
    Detection::Deadlock(error)
}

/// Follows "held by" and "waits for" from `me`'s wait for `lock`. The records are read
/// one at a time, so what comes back is only a candidate: its edges were each true
/// at some moment, not necessarily all at once (see [`confirm`]).
fn find_cycle(me: &std::sync::Arc<record::ThreadRecord>, lock: Object) -> Option<Vec<Candidate>> {
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut waiter = std::sync::Arc::clone(me);
    let mut wanted = lock;
    loop {
        let (holder, held) = record::holder_of(wanted.key)?;
        let closes = holder.ident == me.ident;
        if !closes
            && (candidates.len() >= 64
                || candidates
                    .iter()
                    .any(|candidate| candidate.waiter.ident == holder.ident))
        {
            // A cycle that does not go through this thread: its own members will see it.
            return None;
        }
        candidates.push(Candidate {
            waiter,
            wanted,
            holder: std::sync::Arc::clone(&holder),
            site: held.site,
        });
        if closes {
            return Some(candidates);
        }
        let wait = holder.diag().waiting.clone()?;
        if wait.blocking != Blocking::Lock {
            // Waiting for a signal: no cycle of lock waits.
            return None;
        }
        wanted = wait.object;
        waiter = holder;
    }
}

/// Confirms a candidate cycle edge by edge, backwards from the calling thread, each
/// edge read again *after* the one it rests on is known to be stable; returns whether
/// a wait on it is timed, or `None` if an edge no longer holds.
///
/// The calling thread holds its locks steadily while it checks. So once the last
/// waiter is seen waiting for one of them, it stays stuck (a thread is recorded
/// waiting for a lock only while inside that lock's slow path, and cannot get a lock
/// another thread holds), and what it holds stays held; then the waiter before it,
/// seen waiting for one of those, is stuck as well; and so on round the cycle.
fn confirm(candidates: &mut [Candidate]) -> Option<bool> {
    let mut any_timed = false;
    for (index, candidate) in candidates.iter_mut().enumerate().rev() {
        let (holder, held) = record::holder_of(candidate.wanted.key)?;
        if holder.ident != candidate.holder.ident {
            return None;
        }
        candidate.site = held.site;
        if index == 0 {
            // The calling thread itself: its wait is the one being checked.
            break;
        }
        let wait = candidate.waiter.diag().waiting.clone()?;
        if wait.blocking != Blocking::Lock || wait.object.key != candidate.wanted.key {
            return None;
        }
        any_timed |= wait.timed;
    }
    Some(any_timed)
}
