//! [`ThreadState`]: where a thread is in its lifecycle, kept up to date by the slow
//! paths of the primitives.
//!
//! Each registered thread has a [`StateCell`] that only the thread itself writes: in
//! the slow path of a primitive, right before it parks (the same place diagnostics
//! records a wait), and again when it wakes; around `sleep`; at start and exit. Fast
//! paths never touch it. Other threads read it with a sequence lock, so a reader sees
//! a state the thread really was in, never a mix of two.

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering, fence};

use crate::diagnostics::{Blocking, Object, Primitive, PrimitiveKind};
use crate::origin::Origin;

/// Where a thread is in its lifecycle.
///
/// | from | to | when |
/// |---|---|---|
/// | — | `New` | [`Builder::spawn`](crate::thread::Builder::spawn) registered the thread; it has not run yet |
/// | `New` | `Runnable` | the thread starts running its closure |
/// | — | `Runnable` | a thread threadkit did not start touches a primitive's slow path, or calls [`current`](crate::thread::current) |
/// | `Runnable` | `Blocked { on }` | it parks waiting for a [`Lock`](crate::Lock) or [`RLock`](crate::RLock) another thread holds (also the lock of a [`Condition`](crate::Condition) it re-acquires) |
/// | `Runnable` | `Waiting { on }` | it parks waiting for another thread to signal: a [`Condition`](crate::Condition), [`Event`](crate::Event), [`Semaphore`](crate::Semaphore), [`Barrier`](crate::Barrier), queue, [`Future`](crate::executor::Future), a join, a [`Timer`](crate::thread::Timer), or (for pool workers) new work |
/// | `Runnable` | `Sleeping` | it calls [`sleep`](crate::thread::sleep) |
/// | `Blocked`, `Waiting`, `Sleeping` | the state before | it is woken, gets what it waited for, or times out |
/// | `Runnable` | `Terminated { panicked }` | its closure returned (`panicked: false`) or panicked (`true`); the thread leaves the registry |
///
/// A thread only shows as `Blocked` or `Waiting` once it actually parks: acquiring a
/// free lock, or a lock that is released while the thread spins briefly first, leaves
/// it `Runnable`. A wait inside a wait (a [`Barrier`](crate::Barrier) waiter
/// re-acquiring its internal lock) shows the inner wait, then the outer one again.
///
/// # Differences from Python's threading
///
/// Python has no state enumeration (only `is_alive()`); these are the states of the
/// classic lifecycle diagram (new → ready → running → blocked → terminated), with
/// "ready" and "running" merged into `Runnable` (the scheduler, not the program,
/// decides between them).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ThreadState {
    /// Spawned, but not yet running.
    New,
    /// Running, or ready to run.
    Runnable,
    /// Waiting to acquire a lock that another thread holds.
    Blocked {
        /// The lock.
        on: Primitive,
    },
    /// Waiting for another thread to signal (a condition, event, semaphore, queue,
    /// barrier, future, join, timer, or a pool worker waiting for work).
    Waiting {
        /// What it waits for.
        on: Primitive,
    },
    /// In [`sleep`](crate::thread::sleep).
    Sleeping,
    /// Finished.
    Terminated {
        /// Whether its closure panicked.
        panicked: bool,
    },
}

impl ThreadState {
    /// Whether the thread has not terminated.
    pub fn is_alive(&self) -> bool {
        !matches!(self, ThreadState::Terminated { .. })
    }
}

impl fmt::Display for ThreadState {
    /// `runnable`, `blocked on Lock 'accounts'`, `terminated (panicked)`, …
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThreadState::New => f.write_str("new"),
            ThreadState::Runnable => f.write_str("runnable"),
            ThreadState::Blocked { on } => write!(f, "blocked on {on}"),
            ThreadState::Waiting { on } => write!(f, "waiting on {on}"),
            ThreadState::Sleeping => f.write_str("sleeping"),
            ThreadState::Terminated { panicked: false } => f.write_str("terminated"),
            ThreadState::Terminated { panicked: true } => f.write_str("terminated (panicked)"),
        }
    }
}

// The tag word of a state cell: the state in the low byte, the primitive's kind (its
// discriminant, see `KINDS`) in the next one.
const NEW: usize = 0;
const RUNNABLE: usize = 1;
const BLOCKED: usize = 2;
const WAITING: usize = 3;
const SLEEPING: usize = 4;
const TERMINATED: usize = 5;
const PANICKED: usize = 6;

/// Kinds seen so far, by discriminant: the cell stores a kind as its discriminant
/// (`kind as usize`, no unsafe) and readers turn it back through this table.
static KINDS: [OnceLock<PrimitiveKind>; 256] = [const { OnceLock::new() }; 256];

/// A state as stored (what a wait saves to restore on wake-up).
#[derive(Clone, Copy)]
pub(crate) struct RawState {
    tag: usize,
    key: usize,
    origin: *const (),
}

impl RawState {
    pub(crate) const NEW: RawState = RawState::plain(NEW);
    pub(crate) const RUNNABLE: RawState = RawState::plain(RUNNABLE);
    pub(crate) const SLEEPING: RawState = RawState::plain(SLEEPING);

    const fn plain(tag: usize) -> Self {
        Self {
            tag,
            key: 0,
            origin: std::ptr::null(),
        }
    }

    /// Parked on `object`.
    #[cfg_attr(loom, allow(dead_code))]
    pub(crate) fn parked(object: Object, blocking: Blocking) -> Self {
        let discriminant = (object.kind as usize) & 0xff;
        KINDS[discriminant].get_or_init(|| object.kind);
        let state = match blocking {
            Blocking::Lock => BLOCKED,
            Blocking::Signal => WAITING,
        };
        Self {
            tag: state | discriminant << 8,
            key: object.key,
            origin: object.origin.as_ptr(),
        }
    }

    /// Finished.
    pub(crate) const fn terminated(panicked: bool) -> Self {
        Self::plain(if panicked { PANICKED } else { TERMINATED })
    }

    fn decode(self) -> ThreadState {
        let object = || {
            let kind = KINDS[(self.tag >> 8) & 0xff]
                .get()
                .copied()
                .unwrap_or(PrimitiveKind::Lock);
            Object {
                kind,
                key: self.key,
                origin: Origin::from_ptr(self.origin),
            }
            .describe()
        };
        match self.tag & 0xff {
            NEW => ThreadState::New,
            BLOCKED => ThreadState::Blocked { on: object() },
            WAITING => ThreadState::Waiting { on: object() },
            SLEEPING => ThreadState::Sleeping,
            TERMINATED => ThreadState::Terminated { panicked: false },
            PANICKED => ThreadState::Terminated { panicked: true },
            _ => ThreadState::Runnable,
        }
    }

    /// Whether this is a terminated state.
    pub(crate) fn is_terminated(self) -> bool {
        matches!(self.tag & 0xff, TERMINATED | PANICKED)
    }
}

/// One thread's state: written by that thread only, read by any.
///
/// These are std atomics on purpose: the registry is bookkeeping outside the
/// protocols that loom checks (its hooks do nothing under loom).
pub(crate) struct StateCell {
    // A sequence lock: odd while the owner writes the three words below.
    seq: AtomicUsize,
    tag: AtomicUsize,
    key: AtomicUsize,
    origin: AtomicPtr<()>,
}

impl StateCell {
    /// A cell holding `state`.
    pub(crate) fn new(state: RawState) -> Self {
        Self {
            seq: AtomicUsize::new(0),
            tag: AtomicUsize::new(state.tag),
            key: AtomicUsize::new(state.key),
            origin: AtomicPtr::new(state.origin.cast_mut()),
        }
    }

    /// Stores `state` and returns the previous one. Only the thread the cell belongs
    /// to may call this (a cell has a single writer).
    #[inline]
    pub(crate) fn replace(&self, state: RawState) -> RawState {
        let previous = RawState {
            tag: self.tag.load(Ordering::Relaxed),
            key: self.key.load(Ordering::Relaxed),
            origin: self.origin.load(Ordering::Relaxed).cast_const(),
        };
        let seq = self.seq.load(Ordering::Relaxed);
        self.seq.store(seq.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
        self.tag.store(state.tag, Ordering::Relaxed);
        self.key.store(state.key, Ordering::Relaxed);
        self.origin
            .store(state.origin.cast_mut(), Ordering::Relaxed);
        self.seq.store(seq.wrapping_add(2), Ordering::Release);
        previous
    }

    /// A consistent snapshot of the state, from any thread.
    pub(crate) fn load(&self) -> RawState {
        loop {
            let before = self.seq.load(Ordering::Acquire);
            if before & 1 == 0 {
                let state = RawState {
                    tag: self.tag.load(Ordering::Relaxed),
                    key: self.key.load(Ordering::Relaxed),
                    origin: self.origin.load(Ordering::Relaxed).cast_const(),
                };
                fence(Ordering::Acquire);
                if self.seq.load(Ordering::Relaxed) == before {
                    return state;
                }
            }
            std::hint::spin_loop();
        }
    }

    /// The state, decoded.
    pub(crate) fn get(&self) -> ThreadState {
        self.load().decode()
    }
}

/// Saves the calling thread's state and replaces it with `state`; `None` if the
/// thread has no registry entry and cannot get one (it is exiting).
#[cfg(not(loom))]
#[cold]
#[inline(never)]
pub(crate) fn enter(state: RawState) -> Option<RawState> {
    super::registry::with_current(|entry| entry.state.replace(state))
}

/// Under loom the registry is not used.
#[cfg(loom)]
pub(crate) fn enter(_state: RawState) -> Option<RawState> {
    None
}

/// Restores what [`enter`] saved.
#[cfg(not(loom))]
#[cold]
#[inline(never)]
pub(crate) fn leave(saved: RawState) {
    super::registry::with_current(|entry| entry.state.replace(saved));
}

/// Under loom the registry is not used.
#[cfg(loom)]
pub(crate) fn leave(_saved: RawState) {}

/// A state entered until dropped (then the previous one is restored).
#[must_use]
pub(crate) struct StateScope {
    saved: Option<RawState>,
}

impl StateScope {
    /// Enters `state` for the calling thread.
    #[inline]
    pub(crate) fn enter(state: RawState) -> Self {
        Self {
            saved: enter(state),
        }
    }

    /// A scope that entered nothing.
    #[cfg(loom)]
    pub(crate) const fn none() -> Self {
        Self { saved: None }
    }
}

impl Drop for StateScope {
    #[inline]
    fn drop(&mut self) {
        if let Some(saved) = self.saved {
            leave(saved);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip_every_state() {
        let here = std::panic::Location::caller();
        let object = Object {
            kind: PrimitiveKind::Semaphore,
            key: 0x1000,
            origin: Origin::site(here),
        };
        let cell = StateCell::new(RawState::NEW);
        assert_eq!(cell.get(), ThreadState::New);
        assert!(cell.replace(RawState::RUNNABLE).tag == NEW);
        assert_eq!(cell.get(), ThreadState::Runnable);
        cell.replace(RawState::parked(object, Blocking::Signal));
        let ThreadState::Waiting { on } = cell.get() else {
            panic!("{:?}", cell.get());
        };
        assert_eq!(on.kind, PrimitiveKind::Semaphore);
        assert_eq!(on.address, 0x1000);
        assert_eq!(on.created_at, Some(here));
        cell.replace(RawState::parked(object, Blocking::Lock));
        assert!(matches!(cell.get(), ThreadState::Blocked { .. }));
        cell.replace(RawState::SLEEPING);
        assert_eq!(cell.get(), ThreadState::Sleeping);
        cell.replace(RawState::terminated(true));
        assert_eq!(cell.get(), ThreadState::Terminated { panicked: true });
        assert!(!cell.get().is_alive());
        assert_eq!(cell.get().to_string(), "terminated (panicked)");
    }

    #[test]
    fn readers_never_see_a_torn_state() {
        let here = std::panic::Location::caller();
        let a = Object {
            kind: PrimitiveKind::Event,
            key: 0xa0,
            origin: Origin::site(here),
        };
        let b = Object {
            kind: PrimitiveKind::Lock,
            key: 0xb0,
            origin: Origin::NONE,
        };
        let cell = StateCell::new(RawState::RUNNABLE);
        let rounds = if cfg!(miri) { 50 } else { 20_000 };
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for i in 0..rounds {
                    let (object, blocking) = if i % 2 == 0 {
                        (a, Blocking::Signal)
                    } else {
                        (b, Blocking::Lock)
                    };
                    cell.replace(RawState::parked(object, blocking));
                }
            });
            for _ in 0..rounds {
                match cell.get() {
                    ThreadState::Waiting { on } => {
                        assert!(on.kind == PrimitiveKind::Event && on.address == 0xa0)
                    }
                    ThreadState::Blocked { on } => {
                        assert!(on.kind == PrimitiveKind::Lock && on.address == 0xb0)
                    }
                    other => assert_eq!(other, ThreadState::Runnable),
                }
            }
        });
    }
}
