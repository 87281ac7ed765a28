//! Timeouts become deadlines here: a timeout too large for the clock waits forever.

use std::time::{Duration, Instant};

/// The deadline `timeout` from now; `None` (forever) if it cannot be represented.
#[inline]
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_timeouts_mean_forever() {
        assert_eq!(deadline_after(Duration::MAX), None);
        assert!(deadline_after(Duration::from_secs(1)).is_some());
    }
}
