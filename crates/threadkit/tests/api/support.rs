//! Helpers: waiting for another thread to reach a state, without sleeping.

use std::time::{Duration, Instant};

/// Spins (yielding) until `condition` holds; panics after 10 s.
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::yield_now();
    }
}

/// Waits until the thread named `name` is blocked on something, as diagnostics see it.
/// Diagnostics must be enabled (the tests that use this enable them).
pub fn wait_until_blocked(name: &str) {
    threadkit::diagnostics::enable();
    wait_until(&format!("{name} is blocked"), || {
        threadkit::diagnostics::snapshot()
            .iter()
            .any(|t| t.name == name && t.waiting_on.is_some())
    });
}

/// Spawns a named thread.
pub fn spawn_named<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::thread::JoinHandle<T> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .expect("spawn")
}
