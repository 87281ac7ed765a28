//! The picture of all recorded threads.

use std::panic::Location;
use std::time::{Duration, Instant};

use super::hooks::Blocking;
use super::object::Primitive;
use super::record;

/// What one thread holds and waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadSnapshot {
    /// threadkit's id of the thread.
    pub ident: u64,
    /// The thread's name (see [`ThreadRef::name`](crate::thread::ThreadRef::name)).
    pub name: String,
    /// Locks held, oldest first.
    pub held: Vec<HeldLock>,
    /// What the thread is blocked on, if anything.
    pub waiting_on: Option<WaitingOn>,
}

/// A lock a thread holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldLock {
    /// The lock.
    pub lock: Primitive,
    /// The source location of the call that acquired it.
    pub acquired_at: &'static Location<'static>,
    /// For how long it has been held.
    pub held_for: Duration,
}

/// What a thread is blocked on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingOn {
    /// The primitive.
    pub primitive: Primitive,
    /// True if the thread waits to acquire a lock, false if it waits for a signal
    /// (condition, event, semaphore, barrier).
    pub for_lock: bool,
    /// Whether the wait has a timeout.
    pub timed: bool,
    /// For how long it has been waiting.
    pub waiting_for: Duration,
}

/// Every thread in the thread registry (see [`crate::thread::enumerate`]), with the
/// locks it holds and what it waits for, as recorded while diagnostics were on.
pub fn snapshot() -> Vec<ThreadSnapshot> {
    let now = Instant::now();
    record::all()
        .iter()
        .map(|record| {
            let diag = record.diag();
            ThreadSnapshot {
                ident: record.ident,
                name: record.name().to_owned(),
                held: diag
                    .held
                    .iter()
                    .map(|entry| HeldLock {
                        lock: entry.object.describe(),
                        acquired_at: entry.site,
                        held_for: now.saturating_duration_since(entry.since),
                    })
                    .collect(),
                waiting_on: diag.waiting.map(|entry| WaitingOn {
                    primitive: entry.object.describe(),
                    for_lock: entry.blocking == Blocking::Lock,
                    timed: entry.timed,
                    waiting_for: now.saturating_duration_since(entry.since),
                }),
            }
        })
        .collect()
}
