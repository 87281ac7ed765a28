//! The run-time switch of the diagnostics hooks.

use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Switches diagnostics on for the whole process.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Switches diagnostics off. What was recorded stays until the locks are released.
pub fn disable() {
    ENABLED.store(false, Ordering::Relaxed);
}

/// Whether diagnostics are on.
pub fn is_enabled() -> bool {
    on()
}

/// The check every hook makes first: one relaxed load (nothing at all in the build
/// with hooks compiled out, and under loom).
#[inline(always)]
pub(crate) fn on() -> bool {
    if cfg!(any(loom, threadkit_no_hooks)) {
        false
    } else {
        ENABLED.load(Ordering::Relaxed)
    }
}
