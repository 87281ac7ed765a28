//! Contention statistics, with a switch of their own: per lock — aggregated by name,
//! or by creation site for unnamed locks — how often it was acquired, how often an
//! acquirer had to wait, for how long in all and at most, and the longest hold.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::object::{Object, PrimitiveKind};
use crate::origin::Origin;

#[derive(Default, Clone, Copy)]
struct Counters {
    acquisitions: u64,
    contended: u64,
    total_wait: Duration,
    max_wait: Duration,
    max_hold: Duration,
}

static TABLE: Mutex<Option<HashMap<(PrimitiveKind, Origin), Counters>>> = Mutex::new(None);

std::thread_local! {
    /// This thread's holds being timed: (lock key, acquired at).
    static HOLDS: RefCell<Vec<(usize, Instant)>> = const { RefCell::new(Vec::new()) };
}

fn with_counters(object: Object, f: impl FnOnce(&mut Counters)) {
    let mut table = TABLE.lock().unwrap_or_else(PoisonError::into_inner);
    f(table
        .get_or_insert_with(HashMap::new)
        .entry((object.kind, object.origin))
        .or_default());
}

/// Switches contention statistics on (from now on; see [`contention`]).
pub fn enable_stats() {
    super::switch::set_stats(true);
}

/// Switches contention statistics off (what was counted is kept).
pub fn disable_stats() {
    super::switch::set_stats(false);
}

/// Forgets what was counted.
pub fn reset_stats() {
    *TABLE.lock().unwrap_or_else(PoisonError::into_inner) = None;
}

/// A lock was acquired.
pub(crate) fn acquired(object: Object) {
    with_counters(object, |c| c.acquisitions += 1);
    let _ = HOLDS.try_with(|holds| holds.borrow_mut().push((object.key, Instant::now())));
}

/// A lock was released (by this thread: a release by another thread is not timed).
pub(crate) fn released(object: Object) {
    let acquired_at = HOLDS
        .try_with(|holds| {
            let mut holds = holds.borrow_mut();
            let index = holds.iter().rposition(|(key, _)| *key == object.key)?;
            Some(holds.remove(index).1)
        })
        .ok()
        .flatten();
    if let Some(at) = acquired_at {
        let held = at.elapsed();
        with_counters(object, |c| c.max_hold = c.max_hold.max(held));
    }
}

/// An acquirer waited `waited` for the lock.
pub(crate) fn contended(object: Object, waited: Duration) {
    with_counters(object, |c| {
        c.contended += 1;
        c.total_wait += waited;
        c.max_wait = c.max_wait.max(waited);
    });
}

/// One lock's (or one creation site's) figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockStats {
    /// The lock: `Lock 'accounts'`, `RLock created at src/x.rs:3:9`, …
    pub lock: String,
    /// Acquisitions.
    pub acquisitions: u64,
    /// Acquisitions that had to wait.
    pub contended: u64,
    /// Time spent waiting, in all.
    pub total_wait: Duration,
    /// The longest wait.
    pub max_wait: Duration,
    /// The longest hold (timed when the acquiring thread also released it).
    pub max_hold: Duration,
}

/// Contention statistics, most waited-for lock first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentionReport {
    /// One entry per lock name or creation site.
    pub locks: Vec<LockStats>,
}

/// The statistics collected so far.
pub fn contention() -> ContentionReport {
    let table = TABLE.lock().unwrap_or_else(PoisonError::into_inner);
    let mut locks: Vec<LockStats> = table
        .iter()
        .flatten()
        .map(|(&(kind, origin), c)| LockStats {
            lock: format!("{} {origin}", kind.as_str()),
            acquisitions: c.acquisitions,
            contended: c.contended,
            total_wait: c.total_wait,
            max_wait: c.max_wait,
            max_hold: c.max_hold,
        })
        .collect();
    locks.sort_by(|a, b| {
        b.total_wait
            .cmp(&a.total_wait)
            .then(b.contended.cmp(&a.contended))
    });
    ContentionReport { locks }
}

impl fmt::Display for ContentionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<48} {:>12} {:>10} {:>12} {:>12} {:>12}",
            "lock", "acquisitions", "contended", "total wait", "max wait", "max hold"
        )?;
        for s in &self.locks {
            writeln!(
                f,
                "{:<48} {:>12} {:>10} {:>12} {:>12} {:>12}",
                s.lock,
                s.acquisitions,
                s.contended,
                format!("{:.3} ms", s.total_wait.as_secs_f64() * 1e3),
                format!("{:.3} ms", s.max_wait.as_secs_f64() * 1e3),
                format!("{:.3} ms", s.max_hold.as_secs_f64() * 1e3)
            )?;
        }
        Ok(())
    }
}
