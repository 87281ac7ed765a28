//! Timeouts become deadlines here, and only here is the clock read for them.
//!
//! Every waiting function in the crate takes an `Option<Instant>` deadline (`None` =
//! wait forever). A timeout too large to be represented as an `Instant` waits forever,
//! as Python does for `threading.TIMEOUT_MAX` and beyond.

use std::time::{Duration, Instant};

/// The deadline `timeout` from now; `None` (forever) if it cannot be represented.
#[inline]
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// Time left until `deadline`: `None` for no deadline, zero once it has passed.
#[cfg_attr(loom, allow(dead_code))]
#[inline]
pub(crate) fn remaining(deadline: Option<Instant>) -> Option<Duration> {
    deadline.map(|d| d.saturating_duration_since(Instant::now()))
}

/// Whether `deadline` has passed.
#[inline]
pub(crate) fn expired(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn huge_timeouts_mean_forever() {
        assert_eq!(deadline_after(Duration::MAX), None);
        assert!(deadline_after(Duration::from_secs(1)).is_some());
    }

    #[test]
    fn remaining_never_negative() {
        let past = Instant::now();
        assert_eq!(remaining(Some(past)), Some(Duration::ZERO));
        assert_eq!(remaining(None), None);
        assert!(expired(Some(past)));
        assert!(!expired(None));
    }
}
