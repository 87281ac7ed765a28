//! A coarse clock for the records: an `Instant` refreshed by the watchdog every few
//! milliseconds, so that recording a hold costs two loads instead of a clock read.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Nanoseconds since `EPOCH`, as last refreshed.
static NOW: AtomicU64 = AtomicU64::new(0);
static EPOCH: OnceLock<Instant> = OnceLock::new();

/// How often the watchdog refreshes the clock.
pub(crate) const TICK: Duration = Duration::from_millis(5);

fn epoch() -> Instant {
    *EPOCH.get_or_init(Instant::now)
}

/// Refreshes the coarse clock (the watchdog, every [`TICK`]).
pub(crate) fn refresh() {
    let nanos = u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX);
    NOW.fetch_max(nanos, Ordering::Relaxed);
}

/// The coarse time: at most a few [`TICK`]s behind the real one while the watchdog
/// runs (it runs whenever records are kept).
#[inline]
pub(crate) fn coarse_now() -> Instant {
    epoch() + Duration::from_nanos(NOW.load(Ordering::Relaxed))
}

/// The coarse time as nanoseconds since the clock's epoch (see [`from_nanos`]).
#[inline]
pub(crate) fn coarse_nanos() -> u64 {
    NOW.load(Ordering::Relaxed)
}

/// The instant `nanos` nanoseconds after the clock's epoch.
pub(crate) fn from_nanos(nanos: u64) -> Instant {
    epoch() + Duration::from_nanos(nanos)
}

/// `instant` as milliseconds since the clock's epoch (a stable number for comparing
/// instants, e.g. to tell one wait from the next).
pub(crate) fn stamp(instant: Instant) -> u64 {
    u64::try_from(instant.saturating_duration_since(epoch()).as_millis()).unwrap_or(u64::MAX)
}
