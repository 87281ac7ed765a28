//! Where warnings go: to the callback set with [`set_warning_callback`] if there is
//! one, else the `log` crate at `warn` level (target `threadkit`), or stderr when the
//! program has set no logger.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// What a [`Warning`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// Two locks taken in opposite orders by different code paths: a deadlock waiting
    /// to happen (it has not happened).
    LockOrderInversion,
    /// Every thread waits, with no timeout, for something only another thread could
    /// signal.
    Stall,
    /// A cycle of lock waits that a timeout will undo (so not a deadlock).
    TimedCycle,
    /// A deadlock detected under [`Policy::Log`](super::Policy::Log): the thread
    /// waits anyway.
    Deadlock,
    /// Diagnostics reached a bound and stopped checking something (said once).
    Limit,
}

/// A warning from diagnostics: something that is not (yet) a deadlock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What it is about.
    pub kind: WarningKind,
    /// The readable report: threads, locks and source locations.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

type Callback = Arc<dyn Fn(&Warning) + Send + Sync>;

static CALLBACK: Mutex<Option<Callback>> = Mutex::new(None);

/// Sends every warning to `callback` instead of the log (`None` restores the log).
/// It runs on the thread that found the problem (for stalls, the watchdog thread).
pub fn set_warning_callback(callback: Option<impl Fn(&Warning) + Send + Sync + 'static>) {
    *CALLBACK.lock().unwrap_or_else(PoisonError::into_inner) =
        callback.map(|f| Arc::new(f) as Callback);
}

/// Reports a warning.
pub(crate) fn warn(kind: WarningKind, message: String) {
    let warning = Warning { kind, message };
    let callback = CALLBACK
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    if let Some(callback) = callback {
        callback(&warning);
    } else if log::log_enabled!(target: "threadkit", log::Level::Warn) {
        log::warn!(target: "threadkit", "{warning}");
    } else {
        eprintln!("threadkit: {warning}");
    }
}
