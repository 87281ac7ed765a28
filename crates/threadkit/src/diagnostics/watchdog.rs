//! The stall watchdog: while records are kept, a background thread refreshes the
//! coarse clock and reports a *stall* — every live thread threadkit knows waiting,
//! with no timeout, for at least the stall threshold (default 1 s), with at least one
//! of them a non-daemon thread — the case the cycle check cannot see: threads waiting
//! on events, conditions, semaphores, queues, barriers or joins that no one is left to
//! signal. A stall is reported once; a new one (any thread changing) is reported anew.
//!
//! Threads threadkit does not know about (never touched a primitive's slow path or
//! the thread API) could still signal; a program using such threads may see a report
//! for a stall that they end.

use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::clock;
use super::record;
use super::report::WarningKind;

static STARTED: Once = Once::new();
/// How often an idle watchdog (records off) looks whether they are on again.
const IDLE: Duration = Duration::from_millis(100);
/// The stall threshold in milliseconds.
static THRESHOLD_MS: AtomicU64 = AtomicU64::new(1000);

/// Sets how long every thread must have been waiting before a stall is reported
/// (default 1 s).
pub fn set_stall_threshold(threshold: Duration) {
    let ms = u64::try_from(threshold.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    THRESHOLD_MS.store(ms, Ordering::Relaxed);
}

/// Starts the watchdog thread (once per process; it idles while records are off).
pub(crate) fn start() {
    STARTED.call_once(|| {
        clock::refresh();
        if cfg!(miri) {
            // Miri requires every thread to end before the program does, and this one
            // never ends; it has no unsafe code for Miri to check.
            return;
        }
        let spawned = std::thread::Builder::new()
            .name("threadkit-watchdog".to_owned())
            .spawn(run);
        if let Err(error) = spawned {
            super::report::warn(
                WarningKind::Limit,
                format!("cannot start the stall watchdog: {error}"),
            );
        }
    });
}

fn run() {
    let mut reported: Option<Vec<(u64, u64)>> = None;
    let mut ticks = 0u32;
    loop {
        if !super::is_enabled() {
            // Records are off: nothing reads the clock; look again now and then.
            reported = None;
            std::thread::sleep(IDLE);
            continue;
        }
        std::thread::sleep(clock::TICK);
        clock::refresh();
        ticks = ticks.wrapping_add(1);
        // Look for stalls every 20 ticks (100 ms).
        if !ticks.is_multiple_of(20) {
            continue;
        }
        match stalled() {
            Some((signature, report)) => {
                if reported.as_ref() != Some(&signature) {
                    super::report::warn(WarningKind::Stall, report);
                    reported = Some(signature);
                }
            }
            None => reported = None,
        }
    }
}

/// If every known live thread waits without a timeout for longer than the threshold
/// (and one of them is not a daemon): the stall's signature (thread, wait start) and
/// its report.
fn stalled() -> Option<(Vec<(u64, u64)>, String)> {
    let threshold = Duration::from_millis(THRESHOLD_MS.load(Ordering::Relaxed));
    let now = clock::coarse_now();
    let mut signature = Vec::new();
    let mut any_non_daemon = false;
    for record in record::all() {
        let reference = crate::thread::ThreadRef { entry: record };
        if !reference.is_alive() {
            continue;
        }
        let (timed, since) = {
            let sliced = super::sliced::start(&reference.entry);
            let diag = reference.entry.diag();
            match (&diag.waiting, sliced) {
                (Some(wait), _) => (wait.timed, wait.since),
                // Between two slices of one untimed wait: still in it.
                (None, Some(since)) => (false, since),
                (None, None) => return None,
            }
        };
        if timed || now.saturating_duration_since(since) < threshold {
            return None;
        }
        any_non_daemon |= !reference.is_daemon();
        // Which thread, and which wait of it (when it began): the same stall keeps the
        // same signature, so it is reported once.
        signature.push((reference.ident(), clock::stamp(since)));
    }
    if !any_non_daemon {
        return None;
    }
    let report = format!(
        "stall: every thread has been waiting, with no timeout, for at least {:.1} s, and none of them can signal the others:\n{}",
        threshold.as_secs_f64(),
        super::dump()
    );
    Some((signature, report))
}
